"""DRF views and serializers of the module.

``/api/v1/<municipality>/petitions/``: public petitions (list, detail,
signature counts by day) and signing for a logged-in person. Only public
petitions of the municipality in the URL are reachable; any other answers 404.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import selectors, services
from .filters import PetitionFilter
from .models import Petition

MUNICIPALITY_PARAMETER = OpenApiParameter(
    "municipality", OpenApiTypes.STR, OpenApiParameter.PATH,
    description="The municipality's slug, e.g. zhytomyr.",
)


class PetitionSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    addressee_display = serializers.CharField(
        source="get_addressee_display", read_only=True
    )
    signatures = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Petition
        fields = [
            "id", "title", "category", "addressee", "addressee_display", "status",
            "status_display", "published_at", "collection_ends_at",
            "signature_threshold", "signatures", "threshold_reached_at", "answer_due",
            "answered_at", "decision", "url", "text", "answer_text", "rejection_reason",
        ]

    def get_signatures(self, obj) -> int:
        return getattr(obj, "count", obj.signature_count)


class DayCountSerializer(serializers.Serializer):
    day = serializers.DateField()
    count = serializers.IntegerField()


class SignatureResultSerializer(serializers.Serializer):
    signed = serializers.BooleanField()
    signatures = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
    retrieve=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
)
class PetitionViewSet(viewsets.ReadOnlyModelViewSet):
    """Public petitions of one municipality; counts are exact."""

    queryset = Petition.objects.none()
    serializer_class = PetitionSerializer
    filterset_class = PetitionFilter
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Petition.objects.none()
        municipality = self.kwargs["municipality"]
        return selectors.petition_list(municipality=municipality).order_by(
            "-published_at", "-pk"
        )

    def get_object(self) -> Petition:
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
        petition = selectors.petition_list(municipality=self.kwargs["municipality"]).filter(
            pk=pk
        ).first()
        if petition is None:
            raise Http404
        return selectors.with_counts([petition])[0]

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.with_counts(page) if page is not None else None

    @extend_schema(parameters=[MUNICIPALITY_PARAMETER],
                   responses={200: DayCountSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="signatures-by-day")
    def signatures_by_day(self, request, municipality=None, pk=None):
        """Valid signatures per day (the municipality's local days)."""
        petition = self.get_object()
        rows = selectors.signature_counts_by_day(petition=petition)
        return Response(DayCountSerializer(rows, many=True).data)

    @extend_schema(parameters=[MUNICIPALITY_PARAMETER], request=None,
                   responses={201: SignatureResultSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, municipality=None, pk=None):
        """Sign as the logged-in person; refusals are 400/403/409/429 with a reason."""
        try:
            petition_id = int(pk)
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
        petition = selectors.petition_for_signing(
            municipality=self.kwargs["municipality"], pk=petition_id
        )
        try:
            signature = services.signature_create(
                actor=request.user, petition=petition,
                ip=request.META.get("REMOTE_ADDR") or None,
                session_key=request.session.session_key or "",
            )
        except services.RateLimited as exc:
            return Response(
                {"detail": str(exc.message), "code": exc.code},
                status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": "60"},
            )
        return Response(
            {"signed": True, "signatures": signature.count},
            status=status.HTTP_201_CREATED,
        )


api_routes = [(r"(?P<municipality>[a-z0-9-]+)/petitions", PetitionViewSet, "petition")]
