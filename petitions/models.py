"""Local e-petitions: statute settings, petitions, signatures and fraud controls.

A petition is written by a verified resident, checked by a moderator,
collects signatures for the statute's period and, once it reaches the
threshold, is considered and answered publicly by the municipality within a
deadline counted in working days.

Counting: every signature is a row (one valid row per person and petition,
by a unique constraint). The count is kept in ``PetitionCounter`` shards: a
signature adds one to a randomly chosen shard of its petition inside the
signing transaction, so concurrent signers rarely wait for each other and
the sum of the shards is exact at every commit. ``Petition.signature_count``
is a copy of that sum for sorting lists, refreshed in short batches; a
periodic task reconciles the shards with the rows and reports drift.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edem.core.models import TimeStampedModel
from edem.municipalities.models import Municipality, MunicipalitySettings

COUNTER_SHARDS = 16


class Addressee(models.TextChoices):
    COUNCIL = "council", _("city council")
    MAYOR = "mayor", _("mayor")
    EXECUTIVE = "executive", _("executive committee")


def default_addressees() -> list[str]:
    return [Addressee.COUNCIL, Addressee.MAYOR, Addressee.EXECUTIVE]


def default_categories() -> list[str]:
    return [
        "Благоустрій",
        "Транспорт і дороги",
        "Житлово-комунальне господарство",
        "Освіта",
        "Охорона здоров'я",
        "Екологія",
        "Культура і спорт",
        "Соціальний захист",
        "Інше",
    ]


class PetitionSettings(MunicipalitySettings):
    """The municipality's petition statute, edited by its admin.

    The values that govern a running petition (threshold, period, answer
    deadline, eligibility, public signers) are copied onto the petition when
    it is published, so a later edit never changes a running petition.
    """

    signature_threshold = models.PositiveIntegerField(
        _("signatures needed"), default=250, validators=[MinValueValidator(1)]
    )
    collection_days = models.PositiveSmallIntegerField(
        _("collection period (days)"), default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    moderation_working_days = models.PositiveSmallIntegerField(
        _("moderation deadline (working days)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    answer_working_days = models.PositiveSmallIntegerField(
        _("answer deadline (working days)"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=18,
        validators=[MinValueValidator(14), MaxValueValidator(120)],
        help_text=_("Age reached on the day of creating or signing."),
    )
    residents_only = models.BooleanField(
        _("residents only"), default=True,
        help_text=_("Only residents of the municipality may create and sign petitions."),
    )
    accepted_auth_methods = models.JSONField(
        _("accepted authentication methods"), default=list, blank=True,
        help_text=_("Empty: every method the municipality accepts."),
    )
    categories = models.JSONField(
        _("categories"), default=default_categories, blank=True,
        help_text=_("One category name per entry."),
    )
    addressees = models.JSONField(
        _("addressees"), default=default_addressees, blank=True,
        help_text=_("Who petitions may be addressed to: council, mayor, executive."),
    )
    title_max_length = models.PositiveSmallIntegerField(
        _("maximum title length"), default=200,
        validators=[MinValueValidator(20), MaxValueValidator(300)],
    )
    text_min_length = models.PositiveIntegerField(
        _("minimum text length"), default=100,
        validators=[MinValueValidator(10), MaxValueValidator(2000)],
    )
    text_max_length = models.PositiveIntegerField(
        _("maximum text length"), default=5000,
        validators=[MinValueValidator(200), MaxValueValidator(50000)],
    )
    signers_public = models.BooleanField(
        _("signers' names are public"), default=True,
        help_text=_("Show the given name and initial of every signer."),
    )
    sign_limit_per_ip = models.PositiveIntegerField(
        _("signatures per IP address per minute"), default=60,
        help_text=_("0: no limit."),
    )
    sign_limit_per_session = models.PositiveIntegerField(
        _("signatures per browser session per minute"), default=10,
        help_text=_("0: no limit."),
    )
    suspicious_per_hour = models.PositiveIntegerField(
        _("suspicious signatures per address per hour"), default=30,
        help_text=_("The fraud page flags addresses and subnets signing faster."),
    )

    class Meta:
        verbose_name = _("petition statute")
        verbose_name_plural = _("petition statutes")


class Petition(TimeStampedModel):
    """A local e-petition to the council, the mayor or the executive committee."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        MODERATION = "moderation", _("on moderation")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        COLLECTING = "collecting", _("collecting signatures")
        THRESHOLD_REACHED = "threshold_reached", _("enough signatures")
        EXPIRED = "expired", _("not enough signatures")
        UNDER_CONSIDERATION = "under_consideration", _("under consideration")
        ANSWERED = "answered", _("answered")

    class Decision(models.TextChoices):
        SUPPORTED = "supported", _("supported")
        PARTLY = "partly", _("partly supported")
        NOT_SUPPORTED = "not_supported", _("not supported")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="petitions",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
        related_name="petitions",
    )
    author_identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("author's identity"),
        on_delete=models.PROTECT, related_name="petitions",
    )
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    category = models.CharField(_("category"), max_length=100)
    addressee = models.CharField(_("addressee"), max_length=20, choices=Addressee.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT,
        db_index=True,
    )
    # Deadlines and milestones.
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    moderation_due = models.DateField(_("moderation due"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    collection_ends_at = models.DateTimeField(
        _("signing closes"), null=True, blank=True, db_index=True
    )
    threshold_reached_at = models.DateTimeField(
        _("threshold reached"), null=True, blank=True
    )
    answer_due = models.DateField(_("answer due"), null=True, blank=True)
    consideration_started_at = models.DateTimeField(
        _("taken into consideration"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # The statute as it was when the petition was published.
    signature_threshold = models.PositiveIntegerField(_("signatures needed"), default=0)
    answer_working_days = models.PositiveSmallIntegerField(
        _("answer deadline (working days)"), default=10
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=18)
    residents_only = models.BooleanField(_("residents only"), default=True)
    accepted_auth_methods = models.JSONField(
        _("accepted authentication methods"), default=list, blank=True
    )
    signers_public = models.BooleanField(_("signers' names are public"), default=True)
    # The answer.
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, blank=True
    )
    answer_text = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    # A copy of the shards' sum for sorting; the page reads the shards.
    signature_count = models.PositiveIntegerField(_("signatures"), default=0)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["municipality", "status", "-published_at"]),
            models.Index(fields=["municipality", "status", "-signature_count"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="petition_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="answered")
                | (~models.Q(decision="") & ~models.Q(answer_text="")),
                name="petition_answer_has_decision_and_text",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "petitions:detail",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def signing_open(self, at: dt.datetime | None = None) -> bool:
        """Signing is open while collecting, up to the exact end of the period."""
        at = at or timezone.now()
        return (
            self.status in SIGNABLE_STATUSES
            and self.collection_ends_at is not None
            and at < self.collection_ends_at
        )

    @property
    def last_signing_day(self) -> dt.date | None:
        if self.collection_ends_at is None:
            return None
        local_end = self.collection_ends_at.astimezone(self.municipality.tz)
        return (local_end - dt.timedelta(microseconds=1)).date()


# Statuses a citizen can read on the public pages.
PUBLIC_STATUSES = frozenset(
    {
        Petition.Status.COLLECTING,
        Petition.Status.THRESHOLD_REACHED,
        Petition.Status.EXPIRED,
        Petition.Status.UNDER_CONSIDERATION,
        Petition.Status.ANSWERED,
        Petition.Status.REJECTED,
    }
)
SIGNABLE_STATUSES = frozenset({Petition.Status.COLLECTING, Petition.Status.THRESHOLD_REACHED})

S = Petition.Status
# Who takes each step is in rules.py; services check both.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.MODERATION, S.WITHDRAWN}),
    S.MODERATION: frozenset({S.COLLECTING, S.REJECTED, S.WITHDRAWN}),
    S.COLLECTING: frozenset({S.THRESHOLD_REACHED, S.EXPIRED}),
    # Back to collecting only when invalidated signatures drop it below the
    # threshold while the period still runs.
    S.THRESHOLD_REACHED: frozenset({S.UNDER_CONSIDERATION, S.COLLECTING}),
    S.UNDER_CONSIDERATION: frozenset({S.ANSWERED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.EXPIRED: frozenset(),
    S.ANSWERED: frozenset(),
}
del S


class PetitionCounter(models.Model):
    """One shard of a petition's signature count; the count is the sum of shards."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="counters"
    )
    shard = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    municipality_path = "petition__municipality"

    class Meta:
        verbose_name = _("signature counter shard")
        verbose_name_plural = _("signature counter shards")
        constraints = [
            models.UniqueConstraint(fields=["petition", "shard"], name="counter_shard_once")
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}/{self.shard}: {self.count}"


class SignatureInvalidation(TimeStampedModel):
    """A moderator's bulk invalidation of signatures by address and time range."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="signature_invalidations",
    )
    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE,
        related_name="invalidations",
    )
    network = models.CharField(
        _("IP address or subnet"), max_length=50,
        help_text=_("E.g. 203.0.113.7 or 203.0.113.0/24."),
    )
    since = models.DateTimeField(_("from"))
    until = models.DateTimeField(_("until"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT,
        related_name="+",
    )
    invalidated = models.PositiveIntegerField(_("signatures invalidated"), default=0)

    class Meta:
        verbose_name = _("signature invalidation")
        verbose_name_plural = _("signature invalidations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.network} {self.since:%Y-%m-%d %H:%M}–{self.until:%H:%M}"


class Signature(models.Model):
    """A verified person's signature under a petition: one valid one per person.

    Every index is paid for by every signature of a rush, so the table keeps
    only those a reader needs: the two foreign keys that lead a composite
    index have no index of their own, and the invalidation link is indexed
    only where it is set.
    """

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE,
        related_name="signatures", db_index=False,
    )
    identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("identity"), on_delete=models.PROTECT,
        related_name="petition_signatures", db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT,
        related_name="petition_signatures",
    )
    created_at = models.DateTimeField(_("signed"), default=timezone.now)
    shard = models.PositiveSmallIntegerField(default=0)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    subnet = models.CharField(_("subnet"), max_length=50, blank=True)
    session_hash = models.CharField(_("session"), max_length=64, blank=True)
    invalidated_at = models.DateTimeField(_("invalidated"), null=True, blank=True)
    invalidation = models.ForeignKey(
        SignatureInvalidation, verbose_name=_("invalidation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="signatures", db_index=False,
    )

    municipality_path = "petition__municipality"

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "identity"],
                condition=models.Q(invalidated_at__isnull=True),
                name="signature_once_per_person",
            )
        ]
        indexes = [
            models.Index(fields=["petition", "created_at"]),
            models.Index(fields=["petition", "subnet", "created_at"]),
            models.Index(fields=["identity", "created_at"]),
            models.Index(
                fields=["invalidation"], condition=models.Q(invalidation__isnull=False),
                name="signature_invalidation_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identity} → {self.petition_id}"

    @property
    def is_valid(self) -> bool:
        return self.invalidated_at is None


class PetitionAttachment(TimeStampedModel):
    """An image or PDF added by the author, or a document of the official answer."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        DOCUMENT = "document", _("document")

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE,
        related_name="attachments",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="petitions/%Y/%m/")
    title = models.CharField(_("title"), max_length=200, blank=True)
    is_answer = models.BooleanField(_("part of the answer"), default=False)

    municipality_path = "petition__municipality"

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.title or self.file.name
