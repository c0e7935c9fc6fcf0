"""DRF views of the module: public cycles, projects (with results and progress).

``/api/v1/<municipality>/budget/cycles/`` and ``.../budget/projects/``; only
objects of the municipality in the URL are reachable, any other answers 404.
Voting happens on the pages (one form, no JavaScript needed).
"""

from __future__ import annotations

from rest_framework import permissions, serializers, viewsets

from . import selectors
from .filters import ProjectFilter
from .models import Cycle, PhaseKind, Project, Unit


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
        fields = [
            "id",
            "title",
            "description",
            "total_budget",
            "currency",
            "ballot_type",
            "max_picks",
            "points_total",
            "counting_rule",
            "ballot_change_allowed",
            "is_imported",
            "results_published_at",
            "min_supports",
            "units",
            "phases",
            "url",
        ]

    def get_phases(self, obj) -> list[dict]:
        return [
            {
                "kind": p["kind"],
                "starts_at": p["starts_at"],
                "ends_at": p["ends_at"],
                "state": p["state"],
            }
            for p in selectors.phase_timeline(obj)
        ]


class ProjectSerializer(serializers.ModelSerializer):
    """A project without personal data: no author, no ballots.

    ``support_count``: how many residents support the project, for a project
    of a cycle that collects support (the figure its page shows); null for a
    cycle without support collection, where no one could support it.
    ``support_needed``: the supports a project needs to be reviewed, null
    when the cycle sets no minimum.
    """

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True)
    support_count = serializers.SerializerMethodField()
    support_needed = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "cycle",
            "unit",
            "external_id",
            "title",
            "description",
            "status",
            "status_label",
            "lat",
            "lon",
            "area",
            "address",
            "cost",
            "decision_reason",
            "official_selected",
            "progress",
            "money_spent",
            "contractor",
            "completed_at",
            "support_count",
            "support_needed",
            "result",
            "url",
        ]

    def get_support_count(self, obj) -> int | None:
        if obj.cycle.phase(PhaseKind.SUPPORT) is None:
            return None
        return obj.support_count

    def get_support_needed(self, obj) -> int | None:
        return obj.cycle.min_supports if obj.cycle.uses_support_threshold else None

    def get_result(self, obj) -> dict | None:
        result = getattr(obj, "result", None)
        if result is None or (
            obj.cycle.results_published_at is None and not obj.cycle.is_imported
        ):
            return None
        adjustment = getattr(obj, "adjustment", None)
        return {
            "support": result.support,
            "selected_by_rule": result.selected,
            "reason": result.reason,
            "adjusted": None
            if adjustment is None
            else {"selected": adjustment.selected, "reason": adjustment.reason},
        }


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
        # The cycle's phases tell whether it collects support (``support_count``);
        # the municipality is in each project's URL.
        return (
            selectors.project_list(municipality=self.kwargs["municipality"])
            .select_related("result", "adjustment", "municipality", "cycle__process")
            .prefetch_related("cycle__process__phases")
            .order_by("pk")
        )


api_routes = [
    (r"(?P<municipality>[a-z0-9-]+)/budget/cycles", CycleViewSet, "budget-cycle"),
    (r"(?P<municipality>[a-z0-9-]+)/budget/projects", ProjectViewSet, "budget-project"),
]
