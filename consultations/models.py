"""Consultations: draft decisions under public discussion, surveys and quizzes.

Three ways a municipality asks its residents:

- a **draft decision** of the council or the executive committee is published
  paragraph by paragraph; residents comment on it and propose amendments, and
  the responsible department answers every proposal in a summary report;
- a **survey** is a questionnaire built by staff (sections, question types,
  conditions); each person answers once, the results are published;
- a **quiz** has correct answers and points, stages with their own dates,
  a scoreboard and winners (top N or a verifiable draw) who get rewards.

One person, one row: supports, survey responses and quiz attempts are unique
per verified identity in the database.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.fields import StreamField

from edem.core.models import TimeStampedModel
from edem.municipalities.models import Municipality, Organisation

from .blocks import QuizQuestionBlock, SurveySectionBlock


class EligibilityFields(models.Model):
    """Who may take part: narrows the municipality's policy (empty keeps it)."""

    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True,
        validators=[MinValueValidator(6), MaxValueValidator(120)],
        help_text=_("Empty: the municipality's rule."),
    )
    residency_required = models.BooleanField(
        _("residents only"), null=True, blank=True,
        help_text=_("Empty: the municipality's rule."),
    )
    accepted_auth_methods = models.JSONField(
        _("accepted authentication methods"), default=list, blank=True,
        help_text=_("Empty: every method the municipality accepts."),
    )

    class Meta:
        abstract = True


# --- draft decisions ---------------------------------------------------------------


class DraftDecision(EligibilityFields, TimeStampedModel):
    """A draft decision of the council or the executive committee put to discussion.

    Staff prepare it (the text is split into numbered paragraphs), publish it
    for the discussion dates, and after the discussion the responsible
    department publishes the summary report. The text is frozen once published.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        PUBLISHED = "published", _("published for discussion")
        REPORTED = "reported", _("summary report published")

    class Issuer(models.TextChoices):
        COUNCIL = "council", _("city council")
        EXECUTIVE = "executive", _("executive committee")
        MAYOR = "mayor", _("mayor")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="draft_decisions",
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), help_text=_("What the decision changes, in plain words."))
    issuer = models.CharField(
        _("decision of"), max_length=20, choices=Issuer.choices, default=Issuer.COUNCIL
    )
    department = models.ForeignKey(
        Organisation, verbose_name=_("responsible department"), on_delete=models.PROTECT,
        related_name="draft_decisions",
    )
    discussion_starts_at = models.DateTimeField(_("discussion starts"))
    discussion_ends_at = models.DateTimeField(_("discussion ends"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    report_text = models.TextField(_("summary of the report"), blank=True)
    reported_at = models.DateTimeField(_("report published"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("report published by"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="+",
    )
    proposals_count = models.PositiveIntegerField(_("proposals"), default=0)

    class Meta:
        verbose_name = _("draft decision")
        verbose_name_plural = _("draft decisions")
        ordering = ["-discussion_starts_at", "-created_at"]
        indexes = [models.Index(fields=["municipality", "status", "-discussion_starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discussion_ends_at__gt=models.F("discussion_starts_at")),
                name="draft_discussion_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "consultations:draft_detail",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )

    def discussion_open(self, at: dt.datetime | None = None) -> bool:
        """Residents may comment and propose while published and within the dates."""
        at = at or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.discussion_starts_at <= at < self.discussion_ends_at
        )

    def discussion_over(self, at: dt.datetime | None = None) -> bool:
        return (at or timezone.now()) >= self.discussion_ends_at


DRAFT_TRANSITIONS: dict[str, frozenset[str]] = {
    DraftDecision.Status.DRAFT: frozenset({DraftDecision.Status.PUBLISHED}),
    DraftDecision.Status.PUBLISHED: frozenset({DraftDecision.Status.REPORTED}),
    DraftDecision.Status.REPORTED: frozenset(),
}


class Paragraph(models.Model):
    """A numbered paragraph (or an unnumbered section heading) of a draft's text."""

    class Kind(models.TextChoices):
        HEADING = "heading", _("section heading")
        PARAGRAPH = "paragraph", _("paragraph")

    draft = models.ForeignKey(
        DraftDecision, verbose_name=_("draft decision"), on_delete=models.CASCADE,
        related_name="paragraphs",
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices,
                            default=Kind.PARAGRAPH)
    number = models.CharField(_("number"), max_length=20, blank=True)
    text = models.TextField(_("text"))

    municipality_path = "draft__municipality"

    class Meta:
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
        ordering = ["draft", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "position"], name="paragraph_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}" if self.number else self.text[:60]

    @property
    def anchor(self) -> str:
        return f"p{self.number}" if self.number else f"s{self.position}"


class Proposal(TimeStampedModel):
    """A resident's comment on the draft (or a paragraph) or an amendment to a paragraph.

    The department decides every proposal in the summary report: accepted,
    partly accepted (with the wording adopted) or rejected, always with reasons.
    """

    class Kind(models.TextChoices):
        COMMENT = "comment", _("comment")
        AMENDMENT = "amendment", _("amendment")

    class Status(models.TextChoices):
        VISIBLE = "visible", _("visible")
        HIDDEN = "hidden", _("hidden by a moderator")

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        PARTLY = "partly", _("partly accepted")
        REJECTED = "rejected", _("rejected")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="consultation_proposals",
    )
    draft = models.ForeignKey(
        DraftDecision, verbose_name=_("draft decision"), on_delete=models.CASCADE,
        related_name="proposals",
    )
    paragraph = models.ForeignKey(
        Paragraph, verbose_name=_("paragraph"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="proposals",
        help_text=_("Empty: about the whole draft."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
        related_name="consultation_proposals",
    )
    author_identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("author's identity"),
        on_delete=models.PROTECT, related_name="consultation_proposals",
    )
    body = models.TextField(_("comment or reasons"))
    proposed_text = models.TextField(_("proposed wording"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.VISIBLE)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True)
    supports_count = models.PositiveIntegerField(_("supports"), default=0)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices,
                                blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    adopted_text = models.TextField(
        _("wording adopted"), blank=True,
        help_text=_("For a partly accepted amendment: the wording that goes into the final text."),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["draft", "paragraph", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="amendment")
                | (models.Q(paragraph__isnull=False) & ~models.Q(proposed_text="")),
                name="amendment_has_paragraph_and_text",
            ),
            models.CheckConstraint(
                condition=models.Q(decision="") | ~models.Q(decision_reason=""),
                name="proposal_decision_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.body[:60]}"

    def get_absolute_url(self) -> str:
        return f"{self.draft.get_absolute_url()}#proposal-{self.pk}"

    @property
    def final_wording(self) -> str:
        """The paragraph's wording this decision puts into the final text ("" = none)."""
        if self.kind != self.Kind.AMENDMENT:
            return ""
        if self.decision == self.Decision.ACCEPTED:
            return self.proposed_text
        if self.decision == self.Decision.PARTLY:
            return self.adopted_text
        return ""


class ProposalSupport(models.Model):
    """A person supports a comment or an amendment: once per person."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE,
        related_name="supports",
    )
    identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("identity"), on_delete=models.PROTECT,
        related_name="consultation_supports",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT,
        related_name="consultation_supports",
    )
    created_at = models.DateTimeField(_("supported"), default=timezone.now)

    municipality_path = "proposal__municipality"

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "identity"], name="support_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.identity_id} → {self.proposal_id}"


# --- surveys -----------------------------------------------------------------------------


class Survey(EligibilityFields, TimeStampedModel):
    """A questionnaire: sections of questions built by staff, answered once per person.

    The questions are frozen once the survey opens (answers refer to them by
    their codes); results are shown after closing or live.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        PUBLISHED = "published", _("published")

    class Results(models.TextChoices):
        AFTER_CLOSE = "after_close", _("after closing")
        LIVE = "live", _("live, while answering")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="surveys",
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    department = models.ForeignKey(
        Organisation, verbose_name=_("responsible department"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="surveys",
    )
    sections = StreamField(
        [("section", SurveySectionBlock())], verbose_name=_("sections and questions"),
        blank=True,
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    anonymous = models.BooleanField(
        _("anonymous answers"), default=True,
        help_text=_("Anonymous: answers are kept apart from who gave them. "
                    "Named: staff see the respondent's name."),
    )
    allow_changes = models.BooleanField(
        _("respondents may change their answers until closing"), default=True
    )
    results = models.CharField(_("results shown"), max_length=20, choices=Results.choices,
                               default=Results.AFTER_CLOSE)
    conclusion = models.TextField(
        _("official conclusion"), blank=True,
        help_text=_("What the municipality did with the answers."),
    )
    conclusion_published_at = models.DateTimeField(_("conclusion published"), null=True,
                                                   blank=True)
    responses_count = models.PositiveIntegerField(_("responses"), default=0)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_at"]
        indexes = [models.Index(fields=["municipality", "status", "-opens_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "consultations:survey_detail",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )

    def is_open(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.status == self.Status.PUBLISHED and self.opens_at <= at < self.closes_at

    def is_closed(self, at: dt.datetime | None = None) -> bool:
        return (at or timezone.now()) >= self.closes_at

    def results_visible(self, at: dt.datetime | None = None) -> bool:
        if self.status != self.Status.PUBLISHED:
            return False
        if self.results == self.Results.LIVE:
            return (at or timezone.now()) >= self.opens_at
        return self.is_closed(at)


class SurveyResponse(TimeStampedModel):
    """One person's answers to a survey: a draft saved as they go, then submitted.

    ``respondent`` is a keyed hash of the identity and the survey, so the unique
    constraint holds one response per person even when answers are anonymous;
    ``identity`` and ``user`` are kept only for named surveys.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE,
                               related_name="responses")
    respondent = models.CharField(_("respondent key"), max_length=64)
    identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("identity"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="survey_responses",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="survey_responses",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    step = models.PositiveSmallIntegerField(_("section reached"), default=0)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    municipality_path = "survey__municipality"

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["survey", "respondent"], name="survey_response_once"),
        ]
        indexes = [models.Index(fields=["survey", "status"])]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.pk}"


class FreeTextAnswer(TimeStampedModel):
    """A free-text answer; it is published among the results only after moderation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for moderation")
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("not published")

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE,
                               related_name="free_texts")
    response = models.ForeignKey(SurveyResponse, verbose_name=_("response"),
                                 on_delete=models.CASCADE, related_name="free_texts")
    question = models.CharField(_("question code"), max_length=50)
    text = models.TextField(_("answer"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("moderated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    municipality_path = "survey__municipality"

    class Meta:
        verbose_name = _("free-text answer")
        verbose_name_plural = _("free-text answers")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="free_text_once"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


# --- quizzes ---------------------------------------------------------------------------------


class Quiz(EligibilityFields, TimeStampedModel):
    """A quiz in stages: correct answers, points, a scoreboard, winners and rewards."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        PUBLISHED = "published", _("published")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="quizzes",
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "consultations:quiz_detail",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )


class QuizStage(TimeStampedModel):
    """A stage of a quiz: its own dates, questions, attempts, winners rule and reward.

    A secret seed is drawn when the stage is created; only its SHA-256
    commitment is public until the winners are drawn, then the seed is
    revealed so anyone can recompute the draw.
    """

    class WinnerRule(models.TextChoices):
        TOP = "top", _("top N by score (ties: less time)")
        DRAW = "draw", _("random draw among those with at least the minimum score")

    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE,
                             related_name="stages")
    number = models.PositiveSmallIntegerField(_("stage number"), default=1)
    title = models.CharField(_("title"), max_length=200)
    questions = StreamField(
        [("question", QuizQuestionBlock())], verbose_name=_("questions"), blank=True
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    time_limit_seconds = models.PositiveIntegerField(
        _("time limit per attempt (seconds)"), null=True, blank=True,
        validators=[MinValueValidator(10), MaxValueValidator(24 * 3600)],
        help_text=_("Empty: no limit."),
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts per person"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    winner_rule = models.CharField(_("winners"), max_length=10, choices=WinnerRule.choices,
                                   default=WinnerRule.TOP)
    winners_count = models.PositiveSmallIntegerField(
        _("number of winners"), default=3, validators=[MinValueValidator(1)]
    )
    draw_min_score = models.PositiveIntegerField(
        _("minimum score to enter the draw"), default=0
    )
    reward = models.CharField(
        _("reward"), max_length=300, blank=True,
        help_text=_("E.g. two tickets to the city museum."),
    )
    seed = models.CharField(_("secret seed"), max_length=64, editable=False)
    seed_commitment = models.CharField(_("seed commitment (SHA-256)"), max_length=64,
                                       editable=False)
    winners_drawn_at = models.DateTimeField(_("winners determined"), null=True, blank=True)
    candidates_digest = models.CharField(_("list of candidates (SHA-256)"), max_length=64,
                                         blank=True, editable=False)

    municipality_path = "quiz__municipality"

    class Meta:
        verbose_name = _("quiz stage")
        verbose_name_plural = _("quiz stages")
        ordering = ["quiz", "number"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "number"], name="quiz_stage_number_once"),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="quiz_stage_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.quiz}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "consultations:stage_detail",
            kwargs={"municipality": self.quiz.municipality.slug, "pk": self.pk},
        )

    @property
    def municipality(self) -> Municipality:
        return self.quiz.municipality

    def is_open(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return (self.quiz.status == Quiz.Status.PUBLISHED
                and self.opens_at <= at < self.closes_at)

    def is_closed(self, at: dt.datetime | None = None) -> bool:
        return (at or timezone.now()) >= self.closes_at

    @property
    def seed_revealed(self) -> bool:
        return self.winners_drawn_at is not None

    @property
    def max_score(self) -> int:
        return sum(int(q.value["points"]) for q in self.questions)


class QuizAttempt(models.Model):
    """One attempt of a person at a stage; scored on the server when submitted."""

    class Status(models.TextChoices):
        STARTED = "started", _("in progress")
        SUBMITTED = "submitted", _("submitted")
        EXPIRED = "expired", _("time ran out")

    stage = models.ForeignKey(QuizStage, verbose_name=_("stage"), on_delete=models.CASCADE,
                              related_name="attempts")
    identity = models.ForeignKey("accounts.Identity", verbose_name=_("identity"),
                                 on_delete=models.PROTECT, related_name="quiz_attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"),
                             on_delete=models.PROTECT, related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField(_("attempt"), default=1)
    public_code = models.CharField(_("participant code"), max_length=16)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.STARTED)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    deadline_at = models.DateTimeField(_("must be submitted by"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    score = models.PositiveIntegerField(_("score"), default=0)
    time_taken_ms = models.PositiveBigIntegerField(_("time taken (ms)"), null=True,
                                                   blank=True)

    municipality_path = "stage__quiz__municipality"

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-score", "time_taken_ms", "submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "identity", "number"],
                                    name="quiz_attempt_once_per_number"),
            models.UniqueConstraint(fields=["stage", "public_code"],
                                    name="quiz_attempt_code_unique"),
        ]
        indexes = [models.Index(fields=["stage", "status", "-score", "time_taken_ms"])]

    def __str__(self) -> str:
        return f"{self.public_code}: {self.score}"

    @property
    def time_taken(self) -> dt.timedelta | None:
        if self.time_taken_ms is None:
            return None
        return dt.timedelta(milliseconds=self.time_taken_ms)


class QuizWinner(TimeStampedModel):
    """A winner of a stage and the reward assigned to them."""

    stage = models.ForeignKey(QuizStage, verbose_name=_("stage"), on_delete=models.CASCADE,
                              related_name="winners")
    attempt = models.ForeignKey(QuizAttempt, verbose_name=_("attempt"),
                                on_delete=models.PROTECT, related_name="+")
    identity = models.ForeignKey("accounts.Identity", verbose_name=_("identity"),
                                 on_delete=models.PROTECT, related_name="quiz_wins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"),
                             on_delete=models.PROTECT, related_name="quiz_wins")
    place = models.PositiveSmallIntegerField(_("place"))
    reward = models.CharField(_("reward"), max_length=300, blank=True)

    municipality_path = "stage__quiz__municipality"

    class Meta:
        verbose_name = _("quiz winner")
        verbose_name_plural = _("quiz winners")
        ordering = ["stage", "place"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "identity"], name="quiz_win_once_per_person"),
            models.UniqueConstraint(fields=["stage", "place"], name="quiz_win_place_once"),
        ]

    def __str__(self) -> str:
        return f"{self.stage}: {self.place}"
