"""DRF views and serializers of the module.

``/api/v1/<municipality>/idea-campaigns/``: published campaigns with their
phases and sub-topics. ``/api/v1/<municipality>/ideas/``: listed ideas
(filtered like the pages) and supporting for a logged-in person. Only objects
of the municipality in the URL are reachable; any other answers 404.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import selectors, services
from .filters import IdeaFilter
from .models import Campaign, Idea

MUNICIPALITY_PARAMETER = OpenApiParameter(
    "municipality", OpenApiTypes.STR, OpenApiParameter.PATH,
    description="The municipality's slug, e.g. zhytomyr.",
)


class PhaseSerializer(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    features = serializers.ListField(child=serializers.CharField())


class CampaignSerializer(serializers.ModelSerializer):
    phases = serializers.SerializerMethodField()
    subtopics = serializers.SerializerMethodField()
    current_phase = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "title", "description", "ideas_per_person", "published_at",
                  "current_phase", "phases", "subtopics", "url"]

    def get_phases(self, obj) -> list[dict]:
        return PhaseSerializer(obj.phases(), many=True).data

    def get_subtopics(self, obj) -> list[dict]:
        return [{"id": s.pk, "title": s.title} for s in obj.subtopics.all()]

    def get_current_phase(self, obj) -> str | None:
        phase = obj.current_phase()
        return phase.kind if phase else None


class IdeaSerializer(serializers.ModelSerializer):
    # A plain string in the schema: several modules name a field "status".
    status = serializers.CharField(
        read_only=True,
        help_text="published, shortlisted, selected or not_selected",
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    subtopic = serializers.CharField(source="subtopic.title", read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Idea
        fields = ["id", "campaign", "title", "text", "subtopic", "status",
                  "status_display", "created_at", "support_count", "comment_count",
                  "lat", "lon", "decision_text", "decided_at", "implementation", "url"]


class IdeaSupportResultSerializer(serializers.Serializer):
    supported = serializers.BooleanField()
    supports = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
    retrieve=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
)
class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Published idea campaigns of one municipality."""

    queryset = Campaign.objects.none()
    serializer_class = CampaignSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return selectors.campaign_list(municipality=self.kwargs["municipality"])


@extend_schema_view(
    list=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
    retrieve=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
)
class IdeaViewSet(viewsets.ReadOnlyModelViewSet):
    """Listed ideas of one municipality; counts are exact."""

    queryset = Idea.objects.none()
    serializer_class = IdeaSerializer
    filterset_class = IdeaFilter
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Idea.objects.none()
        qs = selectors.idea_list(municipality=self.kwargs["municipality"])
        campaign = self.request.query_params.get("campaign", "")
        if campaign.isdigit():
            qs = qs.filter(campaign_id=int(campaign))
        return qs.order_by("-support_count", "-created_at", "-pk")

    def get_object(self) -> Idea:
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
        idea = selectors.idea_list(municipality=self.kwargs["municipality"]).filter(
            pk=pk
        ).first()
        if idea is None:
            raise Http404
        return idea

    @extend_schema(parameters=[MUNICIPALITY_PARAMETER], request=None,
                   responses={201: IdeaSupportResultSerializer})
    @action(detail=True, methods=["post"])
    def support(self, request, municipality=None, pk=None):
        """Support as the logged-in person; refusals are 400/403/409 with a reason."""
        idea = self.get_object()
        services.support_create(actor=request.user, idea=idea)
        idea.refresh_from_db(fields=["support_count"])
        return Response(
            {"supported": True, "supports": idea.support_count},
            status=status.HTTP_201_CREATED,
        )


api_routes = [
    (r"(?P<municipality>[a-z0-9-]+)/idea-campaigns", CampaignViewSet, "idea-campaign"),
    (r"(?P<municipality>[a-z0-9-]+)/ideas", IdeaViewSet, "idea"),
]
