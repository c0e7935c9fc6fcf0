"""DRF views and serializers of the module.

``/api/v1/<municipality>/draft-decisions/``: drafts under discussion or reported,
their paragraphs and proposals; supporting a proposal.
``/api/v1/<municipality>/surveys/``: published surveys and, once visible, results.
``/api/v1/<municipality>/quiz-stages/``: stages with their seed commitment,
scoreboard and draw; starting an attempt and handing it in (scored on the
server; a request carrying anything but answers is refused).
Only objects of the municipality in the URL are reachable; any other answers 404.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from edem.core.errors import DomainError

from . import selectors, services
from .models import DraftDecision, Paragraph, Proposal, QuizAttempt, QuizStage, Survey

MUNICIPALITY_PARAMETER = OpenApiParameter(
    "municipality", OpenApiTypes.STR, OpenApiParameter.PATH,
    description="The municipality's slug, e.g. zhytomyr.",
)
_SCHEMA = extend_schema_view(
    list=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
    retrieve=extend_schema(parameters=[MUNICIPALITY_PARAMETER]),
)


def _pk(kwargs) -> int:
    try:
        return int(kwargs["pk"])
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


class ParagraphSerializer(serializers.ModelSerializer):
    class Meta:
        model = Paragraph
        fields = ["id", "position", "kind", "number", "text"]


class ProposalSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_identity.short_name", read_only=True)
    body = serializers.SerializerMethodField()
    proposed_text = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = ["id", "kind", "paragraph", "author", "body", "proposed_text", "status",
                  "hidden_reason", "supports_count", "decision", "decision_reason",
                  "adopted_text", "created_at"]

    def get_body(self, obj) -> str:
        return "" if obj.status == Proposal.Status.HIDDEN else obj.body

    def get_proposed_text(self, obj) -> str:
        return "" if obj.status == Proposal.Status.HIDDEN else obj.proposed_text

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if obj.draft.status != DraftDecision.Status.REPORTED:
            data.update(decision="", decision_reason="", adopted_text="")
        return data


class DraftDecisionSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.name", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = DraftDecision
        fields = ["id", "title", "summary", "issuer", "department", "status",
                  "discussion_starts_at", "discussion_ends_at", "proposals_count",
                  "report_text", "reported_at", "url"]


class DraftDecisionDetailSerializer(DraftDecisionSerializer):
    paragraphs = ParagraphSerializer(many=True, read_only=True)
    proposals = serializers.SerializerMethodField()

    class Meta(DraftDecisionSerializer.Meta):
        fields = [*DraftDecisionSerializer.Meta.fields, "paragraphs", "proposals"]

    def get_proposals(self, obj) -> list[dict]:
        return ProposalSerializer(selectors.proposal_list(draft=obj), many=True).data


class SupportResultSerializer(serializers.Serializer):
    supported = serializers.BooleanField()
    supports = serializers.IntegerField()


class SupportRequestSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()


@_SCHEMA
class DraftDecisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Draft decisions under public discussion or with their summary report."""

    queryset = DraftDecision.objects.none()
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_serializer_class(self):
        return DraftDecisionDetailSerializer if self.action != "list" else \
            DraftDecisionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DraftDecision.objects.none()
        return selectors.draft_list(municipality=self.kwargs["municipality"]).order_by(
            "-discussion_starts_at", "-pk")

    def get_object(self) -> DraftDecision:
        draft = self.get_queryset().filter(pk=_pk(self.kwargs)).first()
        if draft is None:
            raise Http404
        return draft

    @extend_schema(parameters=[MUNICIPALITY_PARAMETER], request=SupportRequestSerializer,
                   responses={201: SupportResultSerializer})
    @action(detail=True, methods=["post"])
    def support(self, request, municipality=None, pk=None):
        """Support a proposal on this draft; one support per person (409 otherwise)."""
        draft = self.get_object()
        payload = SupportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = draft.proposals.filter(pk=payload.validated_data["proposal"]).first()
        if proposal is None:
            raise Http404
        services.proposal_support(actor=request.user, proposal=proposal)
        proposal.refresh_from_db()
        return Response({"supported": True, "supports": proposal.supports_count},
                        status=status.HTTP_201_CREATED)


class SurveySerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    questions = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = ["id", "title", "description", "opens_at", "closes_at", "anonymous",
                  "allow_changes", "results", "responses_count", "conclusion",
                  "conclusion_published_at", "questions", "url"]

    def get_questions(self, obj) -> list[dict]:
        return [
            {"number": q.number, "code": q.code, "text": q.text, "kind": q.kind,
             "required": q.required, "options": list(q.options),
             "show_if_question": q.show_if_question, "show_if_answer": q.show_if_answer}
            for section in services.survey_structure(obj) for q in section.questions
        ]


@_SCHEMA
class SurveyViewSet(viewsets.ReadOnlyModelViewSet):
    """Published surveys; results once the survey shows them."""

    queryset = Survey.objects.none()
    serializer_class = SurveySerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Survey.objects.none()
        return selectors.survey_list(municipality=self.kwargs["municipality"]).order_by(
            "-opens_at", "-pk")

    def get_object(self) -> Survey:
        survey = self.get_queryset().filter(pk=_pk(self.kwargs)).first()
        if survey is None:
            raise Http404
        return survey

    @extend_schema(parameters=[MUNICIPALITY_PARAMETER], responses={200: dict})
    @action(detail=True, methods=["get"])
    def results(self, request, municipality=None, pk=None):
        survey = self.get_object()
        if not survey.results_visible():
            raise DomainError(_("The results of this survey are not published yet."),
                              code="not_yet")
        return Response([
            {"code": r.question.code, "text": r.question.text, "kind": r.question.kind,
             "answered": r.answered,
             "options": [{"label": o.label, "count": o.count, "percent": o.percent,
                          "average_place": o.average} for o in r.options],
             "average": r.average, "texts": [t.text for t in r.texts],
             "points": r.points}
            for r in selectors.survey_results(survey=survey)
        ])


class QuizStageSerializer(serializers.ModelSerializer):
    quiz = serializers.CharField(source="quiz.title", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    seed = serializers.SerializerMethodField()
    max_score = serializers.IntegerField(read_only=True)

    class Meta:
        model = QuizStage
        fields = ["id", "quiz", "number", "title", "opens_at", "closes_at",
                  "time_limit_seconds", "attempts_allowed", "winner_rule", "winners_count",
                  "draw_min_score", "reward", "seed_commitment", "seed", "winners_drawn_at",
                  "candidates_digest", "max_score", "url"]

    def get_seed(self, obj) -> str | None:
        return obj.seed if obj.seed_revealed else None


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuizAttempt
        fields = ["id", "number", "public_code", "status", "started_at", "deadline_at",
                  "submitted_at", "score", "time_taken_ms"]


class SubmitSerializer(serializers.Serializer):
    """Only the attempt and the chosen options: anything else (a score) is refused."""

    attempt = serializers.IntegerField()
    answers = serializers.DictField(child=serializers.ListField(
        child=serializers.IntegerField(min_value=0)))

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: _("Not accepted: the server computes scores and times.")
                 for name in sorted(unknown)})
        return attrs


@_SCHEMA
class QuizStageViewSet(viewsets.ReadOnlyModelViewSet):
    """Stages of published quizzes: rules, commitment, scoreboard, draw, attempts."""

    queryset = QuizStage.objects.none()
    serializer_class = QuizStageSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return QuizStage.objects.none()
        return QuizStage.objects.filter(
            quiz__municipality=self.kwargs["municipality"], quiz__status="published"
        ).select_related("quiz").order_by("quiz", "number")

    def get_object(self) -> QuizStage:
        stage = self.get_queryset().filter(pk=_pk(self.kwargs)).first()
        if stage is None:
            raise Http404
        return stage

    @extend_schema(parameters=[MUNICIPALITY_PARAMETER], responses={200: dict})
    @action(detail=True, methods=["get"])
    def scoreboard(self, request, municipality=None, pk=None):
        stage = self.get_object()
        return Response([
            {"place": row.place, "name": row.name, "code": row.attempt.public_code,
             "score": row.attempt.score, "time_taken_ms": row.attempt.time_taken_ms}
            for row in selectors.scoreboard(stage=stage, limit=selectors.SCOREBOARD_SIZE)
        ])

    @extend_schema(parameters=[MUNICIPALITY_PARAMETER], request=None,
                   responses={201: dict})
    @action(detail=True, methods=["post"])
    def start(self, request, municipality=None, pk=None):
        """Start (or resume) an attempt; the questions come without correct answers."""
        stage = self.get_object()
        attempt = services.attempt_start(actor=request.user, stage=stage)
        return Response({
            "attempt": AttemptSerializer(attempt).data,
            "questions": [
                {"id": child.id, "text": child.value["text"],
                 "multiple": child.value["multiple"], "points": child.value["points"],
                 "options": [o["text"] for o in child.value["options"]]}
                for child in stage.questions
            ],
        }, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[MUNICIPALITY_PARAMETER], request=SubmitSerializer,
                   responses={200: AttemptSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, municipality=None, pk=None):
        """Hand in an attempt: ``{"attempt": id, "answers": {question id: [option]}}``."""
        stage = self.get_object()
        payload = SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        attempt = selectors.attempt_get(stage=stage, pk=payload.validated_data["attempt"],
                                        user=request.user)
        attempt = services.attempt_submit(actor=request.user, attempt=attempt,
                                          answers=payload.validated_data["answers"])
        return Response(AttemptSerializer(attempt).data)


api_routes = [
    (r"(?P<municipality>[a-z0-9-]+)/draft-decisions", DraftDecisionViewSet, "draft-decision"),
    (r"(?P<municipality>[a-z0-9-]+)/surveys", SurveyViewSet, "survey"),
    (r"(?P<municipality>[a-z0-9-]+)/quiz-stages", QuizStageViewSet, "quiz-stage"),
]
