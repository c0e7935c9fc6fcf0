"""Factories of the consultations module; ``SCOPED`` joins the tenancy tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from consultations import services
from consultations.models import (
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
from tests.factories import CitizenFactory, OrganisationFactory

PARAGRAPHS = [
    ("heading", "", "Розділ 1. Загальні положення"),
    ("paragraph", "1", "Власники будівель прибирають прилеглу територію щодня до 8:00."),
    ("paragraph", "2", "Розміщення тимчасових споруд на газонах забороняється."),
]


def question(code, text, kind="single", options=(), required=True, show_if=("", ""), **extra):
    value = {
        "code": code, "text": text, "help": "", "kind": kind, "required": required,
        "options": list(options), "min_choices": None, "max_choices": None,
        "scale_min": 1, "scale_max": 5, "scale_min_label": "", "scale_max_label": "",
        "show_if_question": show_if[0], "show_if_answer": show_if[1],
    }
    value.update(extra)
    return value


def section(title, *questions, intro=""):
    return {"type": "section", "value": {"title": title, "intro": intro,
                                         "questions": list(questions)}}


def default_sections():
    """Two sections; question ``routes`` (same section) and ``wait`` (next section)
    are asked only of those who travel by public transport."""
    return [
        section(
            "Поїздки",
            question("mode", "Як ви добираєтеся на роботу?",
                     options=["Громадським транспортом", "Автомобілем", "Пішки"]),
            question("routes", "Якими маршрутами?", kind="multiple",
                     options=["Трамвай", "Тролейбус", "Автобус"], min_choices=1,
                     max_choices=2, show_if=("mode", "Громадським транспортом")),
        ),
        section(
            "Оцінка",
            question("wait", "Скільки хвилин ви чекаєте на зупинці?", kind="scale",
                     show_if=("mode", "Громадським транспортом")),
            question("priorities", "Розставте пріоритети", kind="ranking",
                     options=["Тролейбуси", "Велодоріжки", "Тротуари"], required=False),
            question("idea", "Що змінити?", kind="text", required=False),
            question("place", "Де бракує зупинки?", kind="point", required=False),
        ),
    ]


def quiz_questions():
    return [
        {"type": "question", "value": {
            "text": "Скільки триває обговорення?", "multiple": False, "points": 1,
            "explanation": "",
            "options": [{"text": "3 дні", "correct": False},
                        {"text": "15 днів", "correct": True}]}},
        {"type": "question", "value": {
            "text": "Що можна зробити на E-DEM?", "multiple": True, "points": 2,
            "explanation": "",
            "options": [{"text": "Петиція", "correct": True},
                        {"text": "Звернення", "correct": True},
                        {"text": "Штраф", "correct": False}]}},
    ]


def draft_decision(municipality, *, status=DraftDecision.Status.PUBLISHED, starts=None,
                   ends=None, department=None, **kwargs) -> DraftDecision:
    now = timezone.now()
    draft = DraftDecision.objects.create(
        municipality=municipality, title=kwargs.pop("title", "Про правила благоустрою"),
        summary="Оновлення правил благоустрою.",
        department=department or OrganisationFactory(municipality=municipality),
        discussion_starts_at=starts or now - dt.timedelta(days=1),
        discussion_ends_at=ends or now + dt.timedelta(days=10),
        status=status,
        published_at=now if status != DraftDecision.Status.DRAFT else None,
        **kwargs,
    )
    Paragraph.objects.bulk_create([
        Paragraph(draft=draft, position=i, kind=kind, number=number, text=text)
        for i, (kind, number, text) in enumerate(PARAGRAPHS, start=1)
    ])
    return draft


def proposal(draft, *, author=None, kind=Proposal.Kind.COMMENT, paragraph=None, **kwargs):
    author = author or CitizenFactory()
    if kind == Proposal.Kind.AMENDMENT:
        paragraph = paragraph or draft.paragraphs.get(number="1")
        kwargs.setdefault("proposed_text", paragraph.text.replace("8:00", "10:00"))
    return Proposal.objects.create(
        municipality=draft.municipality, draft=draft, paragraph=paragraph, kind=kind,
        author=author, author_identity=author.identity,
        body=kwargs.pop("body", "Пропоную змінити час прибирання."), **kwargs,
    )


def survey(municipality, *, status=Survey.Status.PUBLISHED, opens=None, closes=None,
           sections=None, **kwargs) -> Survey:
    now = timezone.now()
    return Survey.objects.create(
        municipality=municipality, title=kwargs.pop("title", "Транспорт міста"),
        sections=sections if sections is not None else default_sections(),
        opens_at=opens or now - dt.timedelta(days=1),
        closes_at=closes or now + dt.timedelta(days=10), status=status, **kwargs,
    )


def submitted_response(survey_obj, *, user=None, answers=None) -> SurveyResponse:
    user = user or CitizenFactory()
    return SurveyResponse.objects.create(
        survey=survey_obj, respondent=services.respondent_key(survey_obj, user.identity),
        status=SurveyResponse.Status.SUBMITTED, submitted_at=timezone.now(),
        answers=answers if answers is not None else {"mode": 1},
    )


def quiz_stage(municipality, *, published=True, opens=None, closes=None, **kwargs) -> QuizStage:
    now = timezone.now()
    quiz = Quiz.objects.create(
        municipality=municipality, title="Знай свою громаду",
        status=Quiz.Status.PUBLISHED if published else Quiz.Status.DRAFT,
    )
    seed = kwargs.pop("seed", "a" * 64)
    stage = QuizStage.objects.create(
        quiz=quiz, number=1, title="Частина 1", questions=quiz_questions(),
        opens_at=opens or now - dt.timedelta(hours=1),
        closes_at=closes or now + dt.timedelta(days=1), seed=seed,
        seed_commitment=services.seed_commitment(seed), **kwargs,
    )
    return QuizStage.objects.get(pk=stage.pk)


def submitted_attempt(stage, *, user=None, score=3, time_ms=30_000, code=None) -> QuizAttempt:
    user = user or CitizenFactory()
    now = timezone.now()
    return QuizAttempt.objects.create(
        stage=stage, identity=user.identity, user=user, number=1,
        public_code=code or services._public_code(), status=QuizAttempt.Status.SUBMITTED,
        started_at=now - dt.timedelta(milliseconds=time_ms), submitted_at=now,
        score=score, time_taken_ms=time_ms,
    )


def _draft(m, public=False, **kw):
    return draft_decision(
        m, status=DraftDecision.Status.PUBLISHED if public else DraftDecision.Status.DRAFT)


def _support(m, **kw):
    p = proposal(draft_decision(m))
    supporter = CitizenFactory()
    return ProposalSupport.objects.create(proposal=p, identity=supporter.identity,
                                          user=supporter)


def _free_text(m, **kw):
    s = survey(m)
    response = submitted_response(s, answers={"mode": 2, "idea": "Більше лавок"})
    return FreeTextAnswer.objects.create(survey=s, response=response, question="idea",
                                         text="Більше лавок")


def _winner(m, **kw):
    stage = quiz_stage(m)
    attempt = submitted_attempt(stage)
    return QuizWinner.objects.create(stage=stage, attempt=attempt, identity=attempt.identity,
                                     user=attempt.user, place=1, reward="Квитки")


SCOPED = {
    DraftDecision: _draft,
    Paragraph: lambda m, **kw: draft_decision(m).paragraphs.first(),
    Proposal: lambda m, **kw: proposal(draft_decision(m)),
    ProposalSupport: _support,
    Survey: lambda m, public=False, **kw: survey(
        m, status=Survey.Status.PUBLISHED if public else Survey.Status.DRAFT),
    SurveyResponse: lambda m, **kw: submitted_response(survey(m)),
    FreeTextAnswer: _free_text,
    Quiz: lambda m, **kw: quiz_stage(m).quiz,
    QuizStage: lambda m, public=False, **kw: quiz_stage(m, published=True),
    QuizAttempt: lambda m, **kw: submitted_attempt(quiz_stage(m)),
    QuizWinner: _winner,
}
