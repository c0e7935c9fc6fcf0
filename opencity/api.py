"""DRF views and serializers of the module: public reports, read-only.

Residents and apps create reports through the pages or Open311
(``opencity.open311``); this API serves the public data.
"""

from __future__ import annotations

from rest_framework import permissions, serializers, viewsets

from . import selectors
from .filters import ReportFilter
from .models import Category, Report


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent"]


class ReportSerializer(serializers.ModelSerializer):
    """A report without personal data: no author, caller or phone."""

    category = CategorySerializer(read_only=True)
    organisation = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Report
        fields = [
            "id", "category", "organisation", "status", "status_label", "description",
            "address", "lat", "lon", "created_at", "accepted_at", "due_at",
            "resolved_at", "closed_at", "resolved_on_time", "answer", "refusal_reason",
            "duplicate_of", "rating", "url",
        ]

    def get_organisation(self, obj) -> str | None:
        return obj.organisation.name if obj.organisation else None


class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Public problem reports of one municipality, newest first."""

    queryset = Report.objects.all()
    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Report.objects.none()
        return selectors.report_list(municipality=self.kwargs["municipality"])


api_routes = [
    (r"(?P<municipality>[a-z0-9-]+)/city/reports", ReportViewSet, "opencity-report"),
]
