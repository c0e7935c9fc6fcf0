"""DRF views of the module.

``/api/v1/<municipality>/owner-meetings/``: announced and closed general
meetings of co-owners with their agenda and turnout; ``.../<id>/results/``
gives the weights per item over all co-owners' area once voting has ended;
``.../<id>/vote/`` lets a verified owner vote. How a single owner voted is
never published here (it is in the protocol, for the building).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from edem.core.errors import Conflict

from . import selectors, services
from .models import AgendaItem, Meeting, Protocol

MUNICIPALITY_PARAMETER = OpenApiParameter(
    "municipality",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The municipality's slug, e.g. zhytomyr.",
)


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "proposed_decision", "threshold"]


class MeetingSerializer(serializers.ModelSerializer):
    # A plain string in the schema: several modules name a field "status".
    status = serializers.CharField(
        read_only=True, help_text="announced, closed or cancelled"
    )
    building = serializers.CharField(source="building.address", read_only=True)
    items = AgendaItemSerializer(many=True, read_only=True)
    turnout = serializers.SerializerMethodField()
    protocol = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "building",
            "title",
            "description",
            "status",
            "voting_starts_at",
            "voting_ends_at",
            "votes_changeable",
            "paper_rule",
            "total_area",
            "items",
            "turnout",
            "protocol",
            "url",
        ]

    def get_turnout(self, obj) -> dict:
        return selectors.turnout_data(obj)

    def get_protocol(self, obj) -> dict | None:
        """The signed digest; the PDF itself (with the list of votes) is for the
        building's owners, who reach it from the meeting's page."""
        protocol = Protocol.objects.filter(meeting=obj).first()
        if protocol is None:
            return None
        return {
            "sha256": protocol.sha256,
            "signature": protocol.signature,
            "key_id": protocol.key_id,
        }


class ItemResultSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    title = serializers.CharField()
    threshold = serializers.CharField()
    weight_for = serializers.DecimalField(max_digits=14, decimal_places=6)
    weight_against = serializers.DecimalField(max_digits=14, decimal_places=6)
    weight_abstain = serializers.DecimalField(max_digits=14, decimal_places=6)
    percent_for = serializers.FloatField()
    adopted = serializers.BooleanField()


class ResultsSerializer(serializers.Serializer):
    total_area = serializers.DecimalField(max_digits=14, decimal_places=6)
    turnout_area = serializers.DecimalField(max_digits=14, decimal_places=6)
    turnout_percent = serializers.FloatField()
    voters = serializers.IntegerField()
    owners = serializers.IntegerField()
    items = ItemResultSerializer(many=True)


class VoteRequestSerializer(serializers.Serializer):
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=["for", "against", "abstain"]),
        help_text='Agenda item id -> "for", "against" or "abstain".',
    )


@extend_schema_view(
    list=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
    retrieve=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
)
class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    """General meetings of co-owners of one municipality's buildings (no drafts)."""

    queryset = Meeting.objects.none()
    serializer_class = MeetingSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        qs = selectors.meeting_list(municipality=self.kwargs["municipality"])
        building = self.request.query_params.get("building", "")
        if building.isdigit():
            qs = qs.filter(building_id=int(building))
        return qs.prefetch_related("items").order_by("-voting_starts_at", "-pk")

    def get_object(self) -> Meeting:
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
        return selectors.meeting_get(municipality=self.kwargs["municipality"], pk=pk)

    @extend_schema(
        parameters=[MUNICIPALITY_PARAMETER], responses={200: ResultsSerializer}
    )
    @action(detail=True, methods=["get"])
    def results(self, request, municipality=None, pk=None):
        """Weights per item over all co-owners' area; 409 while voting runs."""
        meeting = self.get_object()
        if not meeting.results_final():
            raise Conflict(_("Results are published when voting ends."))
        results = selectors.meeting_results(meeting)
        return Response(
            ResultsSerializer(
                {
                    "total_area": results.total_area,
                    "turnout_area": results.turnout_weight,
                    "turnout_percent": round(results.turnout_percent, 4),
                    "voters": results.voters,
                    "owners": results.owners,
                    "items": [
                        {
                            "position": r.item.position,
                            "title": r.item.title,
                            "threshold": r.item.threshold,
                            "weight_for": r.weights.get("for", 0),
                            "weight_against": r.weights.get("against", 0),
                            "weight_abstain": r.weights.get("abstain", 0),
                            "percent_for": round(r.percent_for, 4),
                            "adopted": r.adopted,
                        }
                        for r in results.items
                    ],
                }
            ).data
        )

    @extend_schema(
        parameters=[MUNICIPALITY_PARAMETER],
        request=VoteRequestSerializer,
        responses={201: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"])
    def vote(self, request, municipality=None, pk=None):
        """Vote as the logged-in owner; refusals are 400/403/409 with a reason."""
        meeting = self.get_object()
        data = VoteRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        votes = services.ballot_cast(
            actor=request.user, meeting=meeting, choices=data.validated_data["choices"]
        )
        return Response(
            {"voted": {str(v.item_id): v.choice for v in votes}},
            status=status.HTTP_201_CREATED,
        )


api_routes = [
    (r"(?P<municipality>[a-z0-9-]+)/owner-meetings", MeetingViewSet, "owner-meeting"),
]
