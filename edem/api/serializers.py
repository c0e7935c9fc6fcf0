"""Serializers of the core API."""

from rest_framework import serializers

from edem.municipalities.models import Municipality
from edem.notifications.models import Notification


class MunicipalitySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Municipality
        fields = [
            "slug", "name_uk", "name_en", "kind", "kind_display", "centre_lat",
            "centre_lon", "timezone", "boundary", "url",
        ]


class NotificationSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "municipality", "created_at", "read_at"]
