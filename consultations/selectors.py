"""Reads of the module: <entity>_list(*, municipality, ...), always scoped."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from edem.municipalities.models import Municipality
from edem.municipalities.rules import is_municipality_official, is_platform_admin

from . import questionnaire, services, texts
from .blocks import QuestionKind
from .models import (
    DraftDecision,
    FreeTextAnswer,
    Paragraph,
    Proposal,
    ProposalSupport,
    Quiz,
    QuizAttempt,
    QuizStage,
    QuizWinner,
    Survey,
    SurveyResponse,
)

SCOREBOARD_SIZE = 100


def is_staff_of(user, municipality: Municipality) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (is_platform_admin(user) or is_municipality_official(user, municipality))
    )


# --- draft decisions --------------------------------------------------------------------


def draft_list(*, municipality: Municipality) -> QuerySet[DraftDecision]:
    """Draft decisions residents can read: under discussion or reported."""
    return DraftDecision.objects.filter(
        municipality=municipality,
        status__in=(DraftDecision.Status.PUBLISHED, DraftDecision.Status.REPORTED),
    ).select_related("department", "municipality")


def draft_get(*, municipality: Municipality, pk: int, viewer=None) -> DraftDecision:
    """One draft of the municipality; one still being prepared only for its staff."""
    draft = DraftDecision.objects.select_related("department", "municipality").filter(
        municipality=municipality, pk=pk).first()
    if draft is None or (
        draft.status == DraftDecision.Status.DRAFT and not is_staff_of(viewer, municipality)
    ):
        raise Http404(_("There is no such draft decision here."))
    return draft


def paragraph_list(*, draft: DraftDecision) -> QuerySet[Paragraph]:
    return draft.paragraphs.order_by("position")


def proposal_list(*, draft: DraftDecision) -> QuerySet[Proposal]:
    """Every proposal on the draft in order (hidden ones keep their place, not text)."""
    return draft.proposals.select_related("author_identity", "paragraph").order_by(
        "created_at", "pk")


@dataclass
class ParagraphView:
    paragraph: Paragraph
    proposals: list[Proposal] = field(default_factory=list)


def draft_text(*, draft: DraftDecision) -> tuple[list[ParagraphView], list[Proposal]]:
    """The paragraphs with their proposals, and the proposals on the whole draft."""
    views = {p.pk: ParagraphView(p) for p in paragraph_list(draft=draft)}
    general = []
    for proposal in proposal_list(draft=draft):
        if proposal.kind == Proposal.Kind.AMENDMENT and proposal.paragraph_id:
            proposal.diff = texts.diff_html(proposal.paragraph.text, proposal.proposed_text)
        if proposal.paragraph_id in views:
            views[proposal.paragraph_id].proposals.append(proposal)
        else:
            general.append(proposal)
    return list(views.values()), general


def supported_ids(*, user, draft: DraftDecision) -> set[int]:
    """The proposals of the draft the person (any of their accounts) supported."""
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return set()
    return set(
        ProposalSupport.objects.filter(
            proposal__draft=draft, identity_id=user.identity_id
        ).values_list("proposal_id", flat=True)
    )


def proposal_authors(*, draft: DraftDecision):
    ids = draft.proposals.values("author_id")
    return get_user_model().objects.filter(pk__in=ids)


@dataclass(frozen=True)
class FinalParagraph:
    paragraph: Paragraph
    wording: str
    amendment: Proposal | None
    diff: SafeString | None


def final_text(*, draft: DraftDecision) -> list[FinalParagraph]:
    """The text after the report: accepted amendments' wordings, marked as changes."""
    adopted = {
        p.paragraph_id: p
        for p in draft.proposals.filter(
            kind=Proposal.Kind.AMENDMENT, status=Proposal.Status.VISIBLE,
            decision__in=(Proposal.Decision.ACCEPTED, Proposal.Decision.PARTLY),
        )
    }
    result = []
    for paragraph in paragraph_list(draft=draft):
        amendment = adopted.get(paragraph.pk)
        if amendment is not None and amendment.final_wording:
            wording = amendment.final_wording
            diff = texts.diff_html(paragraph.text, wording)
        else:
            amendment, wording, diff = None, paragraph.text, None
        result.append(FinalParagraph(paragraph, wording, amendment, diff))
    return result


def report_counts(*, draft: DraftDecision) -> dict[str, int]:
    counts = Counter(
        draft.proposals.filter(status=Proposal.Status.VISIBLE).values_list(
            "decision", flat=True)
    )
    return {d: counts.get(d, 0) for d in Proposal.Decision.values}


# --- surveys -----------------------------------------------------------------------------


def survey_list(*, municipality: Municipality) -> QuerySet[Survey]:
    return Survey.objects.filter(
        municipality=municipality, status=Survey.Status.PUBLISHED
    ).select_related("municipality")


def survey_get(*, municipality: Municipality, pk: int, viewer=None) -> Survey:
    survey = Survey.objects.select_related("municipality", "department").filter(
        municipality=municipality, pk=pk).first()
    if survey is None or (
        survey.status != Survey.Status.PUBLISHED and not is_staff_of(viewer, municipality)
    ):
        raise Http404(_("There is no such survey here."))
    return survey


@dataclass
class OptionResult:
    label: str
    count: int
    percent: int
    average: float | None = None


@dataclass
class QuestionResult:
    question: questionnaire.Question
    answered: int = 0
    options: list[OptionResult] = field(default_factory=list)
    average: float | None = None
    texts: list[FreeTextAnswer] = field(default_factory=list)
    pending_texts: int = 0
    points: list[list[float]] = field(default_factory=list)


def _percent(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


def survey_results(*, survey: Survey) -> list[QuestionResult]:
    """Counts per option (choices, scale), average places (ranking), published
    free-text answers and map points, over the submitted responses."""
    sections = services.survey_structure(survey)
    questions = questionnaire.all_questions(sections)
    counts: dict[str, Counter] = defaultdict(Counter)
    answered: Counter = Counter()
    rank_sums: dict[str, Counter] = defaultdict(Counter)
    points: dict[str, list] = defaultdict(list)
    rows = SurveyResponse.objects.filter(
        survey=survey, status=SurveyResponse.Status.SUBMITTED
    ).values_list("answers", flat=True)
    for answers in rows.iterator(chunk_size=2000):
        for q in questions:
            value = answers.get(q.code)
            if not questionnaire.is_answered(value):
                continue
            answered[q.code] += 1
            if q.kind == QuestionKind.MULTIPLE:
                counts[q.code].update(value)
            elif q.kind == QuestionKind.RANKING:
                for place, index in enumerate(value, start=1):
                    rank_sums[q.code][index] += place
            elif q.kind == QuestionKind.POINT:
                if len(points[q.code]) < 5000:
                    points[q.code].append(value)
            elif q.kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
                counts[q.code][value] += 1
    published = defaultdict(list)
    for text in survey.free_texts.filter(status=FreeTextAnswer.Status.PUBLISHED).order_by(
            "created_at")[:2000]:
        published[text.question].append(text)
    pending = Counter(survey.free_texts.filter(
        status=FreeTextAnswer.Status.PENDING).values_list("question", flat=True))
    results = []
    for q in questions:
        n = answered[q.code]
        result = QuestionResult(q, answered=n)
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            result.options = [
                OptionResult(label, counts[q.code][i], _percent(counts[q.code][i], n))
                for i, label in enumerate(q.options)
            ]
        elif q.kind == QuestionKind.SCALE:
            result.options = [
                OptionResult(str(v), counts[q.code][v], _percent(counts[q.code][v], n))
                for v in q.scale_values
            ]
            if n:
                result.average = round(
                    sum(v * c for v, c in counts[q.code].items()) / n, 2)
        elif q.kind == QuestionKind.RANKING:
            # Average place of each option (1 = first), best first.
            averages = [
                (rank_sums[q.code][i] / n if n else 0.0, label)
                for i, label in enumerate(q.options)
            ]
            size = len(q.options)
            result.options = [
                # The bar is longer the nearer the option is to first place.
                OptionResult(label, n, round((size - avg + 1) * 100 / size) if n else 0,
                             average=round(avg, 2) if n else None)
                for avg, label in sorted(averages)
            ]
        elif q.kind == QuestionKind.TEXT:
            result.texts = published[q.code]
            result.pending_texts = pending[q.code]
        elif q.kind == QuestionKind.POINT:
            result.points = points[q.code]
        results.append(result)
    return results


def survey_export_rows(*, survey: Survey):
    """Header and one row per submitted response; free text only once published."""
    questions = questionnaire.all_questions(services.survey_structure(survey))
    header = ["response", "submitted_at", *[q.code for q in questions]]
    published = set(
        survey.free_texts.filter(status=FreeTextAnswer.Status.PUBLISHED).values_list(
            "response_id", "question")
    )
    yield header
    rows = SurveyResponse.objects.filter(
        survey=survey, status=SurveyResponse.Status.SUBMITTED
    ).order_by("submitted_at", "pk").values_list("pk", "submitted_at", "answers")
    for number, (pk, submitted_at, answers) in enumerate(rows.iterator(chunk_size=2000),
                                                        start=1):
        cells = []
        for q in questions:
            value = answers.get(q.code)
            if q.kind == QuestionKind.TEXT and (pk, q.code) not in published:
                value = None
            cells.append(questionnaire.answer_label(q, value))
        yield [number, submitted_at.isoformat() if submitted_at else "", *cells]


def respondent_label(survey: Survey, response: SurveyResponse, number: int) -> str:
    """Who answered, as staff may see it: the name for a named survey, else a number.

    An anonymous survey keeps no identity with its answers, so nothing but the
    response's number can be shown.
    """
    if not survey.anonymous and response.identity_id:
        return response.identity.full_name or str(response.identity)
    return _("Anonymous respondent #%(n)d") % {"n": number}


def staff_response_rows(*, survey: Survey):
    """For staff: header and one row per submitted response with every answer.

    Free text is shown whether or not it was moderated (staff read everything);
    the respondent's name only for a named survey.
    """
    questions = questionnaire.all_questions(services.survey_structure(survey))
    yield ["response", "respondent", "submitted_at", *[q.code for q in questions]]
    rows = (
        SurveyResponse.objects.filter(survey=survey, status=SurveyResponse.Status.SUBMITTED)
        .select_related("identity")
        .order_by("submitted_at", "pk")
    )
    for number, response in enumerate(rows.iterator(chunk_size=2000), start=1):
        yield [
            number, respondent_label(survey, response, number),
            response.submitted_at.isoformat() if response.submitted_at else "",
            *[questionnaire.answer_label(q, response.answers.get(q.code))
              for q in questions],
        ]


def staff_response_list(*, survey: Survey) -> QuerySet[SurveyResponse]:
    """Submitted responses in the order they came (numbered 1..N for staff)."""
    return (
        SurveyResponse.objects.filter(survey=survey, status=SurveyResponse.Status.SUBMITTED)
        .select_related("identity")
        .order_by("submitted_at", "pk")
    )


def staff_response_answers(*, survey: Survey, response: SurveyResponse) -> list[dict]:
    """Every question of the survey with this response's answer (blank: not asked)."""
    sections = services.survey_structure(survey)
    return [
        {"q": q, "answer": questionnaire.answer_label(q, response.answers.get(q.code)),
         "shown": questionnaire.is_shown(q, response.answers, sections)}
        for q in questionnaire.all_questions(sections)
    ]


def free_text_queue(*, municipalities) -> QuerySet[FreeTextAnswer]:
    return FreeTextAnswer.objects.filter(
        survey__municipality__in=municipalities, status=FreeTextAnswer.Status.PENDING
    ).select_related("survey", "survey__municipality").order_by("created_at")


# --- quizzes ------------------------------------------------------------------------------


def quiz_list(*, municipality: Municipality) -> QuerySet[Quiz]:
    return Quiz.objects.filter(
        municipality=municipality, status=Quiz.Status.PUBLISHED
    ).prefetch_related(Prefetch("stages", queryset=QuizStage.objects.order_by("number")))


def quiz_get(*, municipality: Municipality, pk: int, viewer=None) -> Quiz:
    quiz = Quiz.objects.filter(municipality=municipality, pk=pk).select_related(
        "municipality").first()
    if quiz is None or (
        quiz.status != Quiz.Status.PUBLISHED and not is_staff_of(viewer, municipality)
    ):
        raise Http404(_("There is no such quiz here."))
    return quiz


def stage_get(*, municipality: Municipality, pk: int, viewer=None) -> QuizStage:
    stage = QuizStage.objects.select_related("quiz", "quiz__municipality").filter(
        quiz__municipality=municipality, pk=pk).first()
    if stage is None or (
        stage.quiz.status != Quiz.Status.PUBLISHED and not is_staff_of(viewer, municipality)
    ):
        raise Http404(_("There is no such quiz stage here."))
    return stage


@dataclass(frozen=True)
class ScoreRow:
    place: int
    attempt: QuizAttempt
    name: str


def best_attempts(*, stage: QuizStage) -> list[QuizAttempt]:
    """Each person's best handed-in attempt: more points, then less time, then earlier."""
    seen: set[int] = set()
    best = []
    attempts = QuizAttempt.objects.filter(
        stage=stage, status=QuizAttempt.Status.SUBMITTED
    ).select_related("identity").order_by("-score", "time_taken_ms", "submitted_at", "pk")
    for attempt in attempts.iterator(chunk_size=2000):
        if attempt.identity_id in seen:
            continue
        seen.add(attempt.identity_id)
        best.append(attempt)
    return best


def scoreboard(*, stage: QuizStage, limit: int | None = None) -> list[ScoreRow]:
    rows = [
        ScoreRow(place, attempt, attempt.identity.short_name)
        for place, attempt in enumerate(best_attempts(stage=stage), start=1)
    ]
    return rows[:limit] if limit else rows


def draw_candidates(*, stage: QuizStage) -> list[QuizAttempt]:
    """Who enters the draw: each person's best attempt with at least the minimum score,
    in the order of their public codes."""
    return sorted(
        (a for a in best_attempts(stage=stage) if a.score >= stage.draw_min_score),
        key=lambda a: a.public_code,
    )


def attempt_list(*, stage: QuizStage, user) -> list[QuizAttempt]:
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return []
    return list(QuizAttempt.objects.filter(stage=stage, identity_id=user.identity_id)
                .order_by("number"))


def attempt_get(*, stage: QuizStage, pk: int, user) -> QuizAttempt:
    attempt = QuizAttempt.objects.filter(stage=stage, pk=pk).select_related(
        "stage", "stage__quiz").first()
    if attempt is None or not getattr(user, "is_authenticated", False) or \
            attempt.identity_id != user.identity_id:
        raise Http404(_("There is no such attempt here."))
    return attempt


def winner_list(*, stage: QuizStage) -> QuerySet[QuizWinner]:
    return stage.winners.select_related("attempt", "identity").order_by("place")


@dataclass(frozen=True)
class AnswerReview:
    text: str
    options: list[dict[str, Any]]
    points: int
    earned: bool
    explanation: str


def attempt_review(*, attempt: QuizAttempt) -> list[AnswerReview]:
    """The person's answers with the correct ones; only for an ended attempt of a
    closed stage, so no correct answer reaches anyone who may still answer."""
    stage = attempt.stage
    if attempt.status == QuizAttempt.Status.STARTED or not stage.is_closed():
        return []
    review = []
    for child in stage.questions:
        chosen = set(attempt.answers.get(child.id, []))
        options = [
            {"text": o["text"], "correct": bool(o["correct"]), "chosen": i in chosen}
            for i, o in enumerate(child.value["options"])
        ]
        correct = sorted(i for i, o in enumerate(child.value["options"]) if o["correct"])
        review.append(AnswerReview(child.value["text"], options, int(child.value["points"]),
                                   sorted(chosen) == correct,
                                   child.value.get("explanation") or ""))
    return review


# --- the cabinet ----------------------------------------------------------------------------


def my_proposals(*, user) -> QuerySet[Proposal]:
    if not user.identity_id:
        return Proposal.objects.filter(author=user).select_related("draft", "draft__municipality")
    return Proposal.objects.filter(
        Q(author=user) | Q(author_identity_id=user.identity_id)
    ).select_related("draft", "draft__municipality").order_by("-created_at")


def my_attempts(*, user) -> QuerySet[QuizAttempt]:
    if not user.identity_id:
        return QuizAttempt.objects.none()
    return QuizAttempt.objects.filter(
        identity_id=user.identity_id, status=QuizAttempt.Status.SUBMITTED
    ).select_related("stage", "stage__quiz", "stage__quiz__municipality").order_by(
        "-submitted_at")


def my_rewards(*, user) -> QuerySet[QuizWinner]:
    if not user.identity_id:
        return QuizWinner.objects.none()
    return QuizWinner.objects.filter(identity_id=user.identity_id).select_related(
        "stage", "stage__quiz", "stage__quiz__municipality").order_by("-created_at")


def open_now(*, municipality: Municipality) -> dict[str, list]:
    """What residents can take part in now (the municipality's home block)."""
    now = timezone.now()
    return {
        "drafts": list(draft_list(municipality=municipality).filter(
            status=DraftDecision.Status.PUBLISHED, discussion_starts_at__lte=now,
            discussion_ends_at__gt=now)[:5]),
        "surveys": list(survey_list(municipality=municipality).filter(
            opens_at__lte=now, closes_at__gt=now)[:5]),
        "stages": list(QuizStage.objects.filter(
            quiz__municipality=municipality, quiz__status=Quiz.Status.PUBLISHED,
            opens_at__lte=now, closes_at__gt=now).select_related("quiz")[:5]),
    }
