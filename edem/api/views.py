"""Core API: municipalities and the person's own notifications."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from edem.municipalities.models import Municipality
from edem.municipalities.selectors import municipality_list
from edem.notifications.models import Notification
from edem.notifications.selectors import notification_list, unread_count
from edem.notifications.services import notification_mark_read

from .serializers import MunicipalitySerializer, NotificationSerializer


class MunicipalityFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="search")

    class Meta:
        model = Municipality
        fields = ["kind"]

    def filter_search(self, queryset, name, value):
        return queryset & municipality_list(search=value)


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    """Municipalities on the platform."""

    serializer_class = MunicipalitySerializer
    lookup_field = "slug"
    filterset_class = MunicipalityFilter
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return municipality_list()


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The logged-in person's notifications, newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notification.objects.none()
        return notification_list(user=self.request.user).select_related("municipality")

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def unread(self, request):
        return Response({"unread": unread_count(user=request.user)})

    @extend_schema(request=None, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        return Response({"marked": notification_mark_read(actor=request.user)})
