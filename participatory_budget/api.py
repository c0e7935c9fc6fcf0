"""DRF views of the module: public cycles, projects (with results and progress).

``/api/v1/<municipality>/budget/cycles/`` and ``.../budget/projects/``; only
objects of the municipality in the URL are reachable, any other answers 404.
Voting happens on the pages (one form, no JavaScript needed).
"""

from __future__ import annotations

from rest_framework import permissions, serializers, viewsets

from . import selectors
from .filters import ProjectFilter
from .models import Cycle, Project, Unit


class UnitSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "kind", "name", "budget", "min_cost", "max_cost"]


class CycleSerializer(serializers.ModelSerializer):
    units = UnitSerializer(many=True, read_only=True)
    phases = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Cycle
        fields = ["id", "title", "description", "total_budget", "currency", "ballot_type",
                  "max_picks", "points_total", "counting_rule", "ballot_change_allowed",
                  "is_imported", "results_published_at", "units", "phases", "url"]

    def get_phases(self, obj) -> list[dict]:
        return [{"kind": p["kind"], "starts_at": p["starts_at"], "ends_at": p["ends_at"],
                 "state": p["state"]} for p in selectors.phase_timeline(obj)]


class ProjectSerializer(serializers.ModelSerializer):
    """A project without personal data: no author, no ballots."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True)
    result = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Project
        fields = ["id", "cycle", "unit", "external_id", "title", "description", "status",
                  "status_label", "lat", "lon", "area", "address", "cost",
                  "decision_reason", "official_selected", "progress", "money_spent",
                  "contractor", "completed_at", "result", "url"]

    def get_result(self, obj) -> dict | None:
        result = getattr(obj, "result", None)
        if result is None or (obj.cycle.results_published_at is None
                              and not obj.cycle.is_imported):
            return None
        adjustment = getattr(obj, "adjustment", None)
        return {"support": result.support, "selected_by_rule": result.selected,
                "reason": result.reason,
                "adjusted": None if adjustment is None else {
                    "selected": adjustment.selected, "reason": adjustment.reason}}


class CycleViewSet(viewsets.ReadOnlyModelViewSet):
    """Budget cycles of one municipality with units and phase dates."""

    queryset = Cycle.objects.all()
    serializer_class = CycleSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Cycle.objects.none()
        return selectors.cycle_list(municipality=self.kwargs["municipality"])


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Budget projects of one municipality; filters: cycle, status, unit, kind, q."""

    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.project_list(municipality=self.kwargs["municipality"]).select_related(
            "result", "adjustment").order_by("pk")


api_routes = [
    (r"(?P<municipality>[a-z0-9-]+)/budget/cycles", CycleViewSet, "budget-cycle"),
    (r"(?P<municipality>[a-z0-9-]+)/budget/projects", ProjectViewSet, "budget-project"),
]
