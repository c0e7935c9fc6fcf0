"""Apartment buildings, their co-owners, general meetings and the building cabinet.

In an apartment building the co-owners decide together. Each owner's vote
weighs their share of the building's total area: an owner of several premises
votes with the sum of (area of the premises x their share of it). Thresholds
count over all co-owners' area, not only over those who voted.

One owner, one vote per agenda item: a unique constraint in the database. A
paper ballot and an online vote of the same owner are two ways to fill that
one row, so they can never both count; which one prevails is a rule of the
meeting, frozen when the meeting is announced.

The tax number of an owner is never stored: an owner is linked to a verified
identity by an invitation code from the administrator.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edem.core.models import TimeStampedModel
from edem.municipalities.models import Municipality, Organisation

DEFAULT_NOTICE_DAYS = 10


class Management(TimeStampedModel):
    """Who manages buildings: an owners' association (OSBB) or a management company.

    Fault requests of its buildings go to its open-city organisation; the
    owners pay their bills through its payment provider.
    """

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("owners' association (OSBB)")
        COMPANY = "company", _("management company")

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="building_managements",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.ASSOCIATION
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation for fault requests"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="building_managements",
        help_text=_(
            "Fault requests of the buildings go to this organisation of the open city."
        ),
    )
    payment_url = models.URLField(
        _("payment provider's page"),
        blank=True,
        help_text=_("Where owners pay their utility bills."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("building management")
        verbose_name_plural = _("building managements")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ManagementRole(TimeStampedModel):
    """A person of the management: the administrator runs the register and meetings."""

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", _("administrator")
        BOARD = "board", _("board member")

    management = models.ForeignKey(
        Management,
        verbose_name=_("management"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="building_roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    municipality_path = "management__municipality"

    class Meta:
        verbose_name = _("management role")
        verbose_name_plural = _("management roles")
        constraints = [
            models.UniqueConstraint(
                fields=["management", "user", "role"], name="building_role_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.management}: {self.user} ({self.get_role_display()})"


class Building(TimeStampedModel):
    """An apartment building of the municipality with its register and its rules."""

    class PaperRule(models.TextChoices):
        PAPER_PREVAILS = (
            "paper",
            _(
                "a paper ballot replaces the owner's online votes; online voting is then closed to them"
            ),
        )
        ONLINE_PREVAILS = (
            "online",
            _(
                "an online vote replaces the owner's paper ballot; a paper ballot is refused "
                "for an owner who has voted online"
            ),
        )

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="buildings",
    )
    management = models.ForeignKey(
        Management,
        verbose_name=_("management"),
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    address = models.CharField(_("address"), max_length=300)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    lon = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    notice_days = models.PositiveSmallIntegerField(
        _("notice period, days"),
        default=DEFAULT_NOTICE_DAYS,
        validators=[MinValueValidator(DEFAULT_NOTICE_DAYS), MaxValueValidator(90)],
        help_text=_("Owners are told at least this many days before voting opens."),
    )
    votes_changeable = models.BooleanField(
        _("votes may be changed until voting ends"), default=True
    )
    paper_rule = models.CharField(
        _("paper and online votes of one owner"),
        max_length=10,
        choices=PaperRule.choices,
        default=PaperRule.PAPER_PREVAILS,
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["address"]
        indexes = [models.Index(fields=["municipality", "address"])]

    def __str__(self) -> str:
        return self.address

    def get_absolute_url(self) -> str:
        return reverse(
            "buildings:detail",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )


class Premises(models.Model):
    """An apartment or a non-residential unit of the building and its area."""

    class Kind(models.TextChoices):
        APARTMENT = "apartment", _("apartment")
        NON_RESIDENTIAL = "non_residential", _("non-residential premises")

    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="premises",
    )
    number = models.CharField(_("number"), max_length=20)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.APARTMENT
    )
    area = models.DecimalField(_("area, m²"), max_digits=10, decimal_places=2)

    municipality_path = "building__municipality"

    class Meta:
        verbose_name = _("premises")
        verbose_name_plural = _("premises")
        ordering = ["building", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "number"], name="premises_number_once"
            ),
            models.CheckConstraint(
                condition=models.Q(area__gt=0), name="premises_area_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Owner(TimeStampedModel):
    """A co-owner in the building's register, linked to a verified identity once invited.

    ``reference`` is the administrator's register number; it lets an import of
    the register keep an owner (and their link) across updates.
    """

    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="owners",
    )
    reference = models.CharField(_("register number"), max_length=40)
    full_name = models.CharField(_("full name"), max_length=200)
    identity = models.ForeignKey(
        "accounts.Identity",
        verbose_name=_("verified identity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="building_ownerships",
    )
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)
    invitation_digest = models.CharField(max_length=64, blank=True, db_index=True)
    invitation_expires_at = models.DateTimeField(
        _("invitation valid until"), null=True, blank=True
    )

    municipality_path = "building__municipality"

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        ordering = ["building", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "reference"], name="owner_reference_once"
            ),
            models.UniqueConstraint(
                fields=["building", "identity"],
                name="owner_identity_once",
                condition=models.Q(identity__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class Ownership(models.Model):
    """An owner's share of one premises, as a fraction (joint ownership: several rows)."""

    premises = models.ForeignKey(
        Premises,
        verbose_name=_("premises"),
        on_delete=models.CASCADE,
        related_name="ownerships",
    )
    owner = models.ForeignKey(
        Owner,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="ownerships",
    )
    share_numerator = models.PositiveIntegerField(_("share numerator"))
    share_denominator = models.PositiveIntegerField(_("share denominator"))

    municipality_path = "premises__building__municipality"

    class Meta:
        verbose_name = _("ownership share")
        verbose_name_plural = _("ownership shares")
        constraints = [
            models.UniqueConstraint(
                fields=["premises", "owner"], name="ownership_once"
            ),
            models.CheckConstraint(
                condition=models.Q(share_numerator__gt=0)
                & models.Q(share_denominator__gt=0)
                & models.Q(share_numerator__lte=models.F("share_denominator")),
                name="ownership_share_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} — {self.premises}: {self.share_numerator}/{self.share_denominator}"


class Meeting(TimeStampedModel):
    """A general meeting of the co-owners with its agenda and voting period.

    A draft is announced (owners are told at once, at least the building's
    notice period before voting opens); the rules are then frozen. Voting
    runs between the dates; once over, the administrator closes the meeting
    and the protocol is published.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        ANNOUNCED = "announced", _("announced")
        CLOSED = "closed", _("closed, protocol published")
        CANCELLED = "cancelled", _("cancelled")

    class Initiator(models.TextChoices):
        ADMINISTRATOR = "administrator", _("the administrator")
        INITIATIVE_GROUP = "initiative_group", _("an initiative group of owners")

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="owner_meetings",
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    initiator = models.CharField(
        _("called by"),
        max_length=20,
        choices=Initiator.choices,
        default=Initiator.ADMINISTRATOR,
    )
    initiative_group = models.TextField(
        _("initiative group"),
        blank=True,
        help_text=_("The owners who called the meeting, when an initiative group did."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    voting_starts_at = models.DateTimeField(_("voting opens"))
    voting_ends_at = models.DateTimeField(_("voting ends"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    announced_at = models.DateTimeField(_("announced"), null=True, blank=True)
    # Frozen at the announcement: the rules every vote is counted by.
    total_area = models.DecimalField(
        _("total area of all co-owners, m²"),
        max_digits=14,
        decimal_places=6,
        null=True,
        blank=True,
    )
    votes_changeable = models.BooleanField(
        _("votes may be changed until voting ends"), default=True
    )
    paper_rule = models.CharField(
        _("paper and online votes of one owner"),
        max_length=10,
        choices=Building.PaperRule.choices,
        default=Building.PaperRule.PAPER_PREVAILS,
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    opening_notified_at = models.DateTimeField(
        _("owners told voting opened"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("general meeting")
        verbose_name_plural = _("general meetings")
        ordering = ["-voting_starts_at"]
        indexes = [models.Index(fields=["building", "status", "-voting_starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voting_ends_at__gt=models.F("voting_starts_at")),
                name="meeting_voting_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "buildings:meeting",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )

    def voting_open(self, at: dt.datetime | None = None) -> bool:
        """Owners vote while the meeting is announced and within the voting period."""
        at = at or timezone.now()
        return (
            self.status == self.Status.ANNOUNCED
            and self.voting_starts_at <= at < self.voting_ends_at
        )

    def voting_over(self, at: dt.datetime | None = None) -> bool:
        return (at or timezone.now()) >= self.voting_ends_at

    def results_final(self, at: dt.datetime | None = None) -> bool:
        return self.status == self.Status.CLOSED or (
            self.status == self.Status.ANNOUNCED and self.voting_over(at)
        )


MEETING_TRANSITIONS: dict[str, frozenset[str]] = {
    Meeting.Status.DRAFT: frozenset(
        {Meeting.Status.ANNOUNCED, Meeting.Status.CANCELLED}
    ),
    Meeting.Status.ANNOUNCED: frozenset(
        {Meeting.Status.CLOSED, Meeting.Status.CANCELLED}
    ),
    Meeting.Status.CLOSED: frozenset(),
    Meeting.Status.CANCELLED: frozenset(),
}


class Threshold(models.TextChoices):
    """How much of all co-owners' area must vote "for" to adopt a decision."""

    MAJORITY = "majority", _("more than half of all co-owners' area")
    TWO_THIRDS = "two_thirds", _("at least two thirds of all co-owners' area")
    THREE_QUARTERS = (
        "three_quarters",
        _("at least three quarters of all co-owners' area"),
    )


# threshold -> (numerator, denominator, strictly more than the fraction?)
THRESHOLD_FRACTIONS: dict[str, tuple[int, int, bool]] = {
    Threshold.MAJORITY: (1, 2, True),
    Threshold.TWO_THIRDS: (2, 3, False),
    Threshold.THREE_QUARTERS: (3, 4, False),
}


class AgendaItem(models.Model):
    """A question of the meeting: the proposed decision and the share needed to adopt it."""

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    position = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("question"), max_length=300)
    proposed_decision = models.TextField(_("proposed decision"))
    threshold = models.CharField(
        _("threshold"),
        max_length=20,
        choices=Threshold.choices,
        default=Threshold.MAJORITY,
    )

    municipality_path = "meeting__municipality"

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"], name="agenda_position_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Choice(models.TextChoices):
    FOR = "for", _("for")
    AGAINST = "against", _("against")
    ABSTAIN = "abstain", _("abstain")


class PaperBallot(TimeStampedModel):
    """A paper ballot the administrator entered on behalf of an owner, with its scan.

    The owner sees it in their cabinet and may dispute it; the administrator
    then confirms it or withdraws it (its votes stop counting).
    """

    class Status(models.TextChoices):
        COUNTED = "counted", _("counted")
        DISPUTED = "disputed", _("disputed by the owner")
        WITHDRAWN = "withdrawn", _("withdrawn")
        SUPERSEDED = "superseded", _("replaced by the owner's online vote")

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="paper_ballots",
    )
    owner = models.ForeignKey(
        Owner,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="paper_ballots",
    )
    scan = models.FileField(_("scan"), upload_to="buildings/ballots/%Y/%m/")
    scan_kind = models.CharField(_("scan format"), max_length=10)
    choices = models.JSONField(_("choices per agenda item"), default=dict)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.COUNTED
    )
    dispute_reason = models.TextField(_("owner's objection"), blank=True)
    disputed_at = models.DateTimeField(_("disputed"), null=True, blank=True)
    resolution = models.TextField(_("administrator's answer"), blank=True)

    municipality_path = "meeting__municipality"

    class Meta:
        verbose_name = _("paper ballot")
        verbose_name_plural = _("paper ballots")
        ordering = ["meeting", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "owner"],
                name="paper_ballot_once",
                condition=models.Q(status__in=["counted", "disputed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.owner}"


class Vote(TimeStampedModel):
    """The one counted vote of an owner on an agenda item, online or from paper.

    ``weight`` is the owner's area (m², sum over their premises of area x
    share) when the vote was cast; the register is frozen while a meeting is
    announced, so it cannot change under the count.
    """

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        PAPER = "paper", _("paper ballot")

    item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.CASCADE,
        related_name="votes",
    )
    owner = models.ForeignKey(
        Owner, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="votes"
    )
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices)
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)
    weight = models.DecimalField(_("weight, m²"), max_digits=14, decimal_places=6)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cast by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    paper_ballot = models.ForeignKey(
        PaperBallot,
        verbose_name=_("paper ballot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="votes",
    )

    municipality_path = "item__meeting__municipality"

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "owner"], name="vote_once_per_owner_item"
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0), name="vote_weight_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(channel="online", paper_ballot__isnull=True)
                | models.Q(channel="paper", paper_ballot__isnull=False),
                name="vote_paper_has_ballot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.owner} {self.choice}"


class Protocol(TimeStampedModel):
    """The meeting's protocol (PDF) and the platform's signature over its digest.

    Anyone can check a copy: its SHA-256 digest must equal the signed one.
    """

    meeting = models.OneToOneField(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="protocol",
    )
    public_id = models.UUIDField(
        _("public number"), default=uuid.uuid4, unique=True, editable=False
    )
    document = models.FileField(
        _("protocol (PDF)"), upload_to="buildings/protocols/%Y/"
    )
    sha256 = models.CharField(_("SHA-256 digest"), max_length=64)
    signature = models.TextField(_("platform's signature (JWS)"))
    key_id = models.CharField(_("signing key"), max_length=100)

    municipality_path = "meeting__municipality"

    class Meta:
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")

    def __str__(self) -> str:
        return str(self.meeting)

    def get_absolute_url(self) -> str:
        return reverse(
            "buildings:protocol_verify",
            kwargs={
                "municipality": self.meeting.municipality.slug,
                "public_id": self.public_id,
            },
        )


class Announcement(TimeStampedModel):
    """A notice of the administrator to the building's owners."""

    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="announcements",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    municipality_path = "building__municipality"

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class MeterKind(models.TextChoices):
    COLD_WATER = "cold_water", _("cold water, m³")
    HOT_WATER = "hot_water", _("hot water, m³")
    ELECTRICITY = "electricity", _("electricity, kWh")
    HEATING = "heating", _("heating, Gcal")


# The largest plausible use of one premises in one month, per meter kind.
MAX_MONTHLY_USE: dict[str, Decimal] = {
    MeterKind.COLD_WATER: Decimal("60"),
    MeterKind.HOT_WATER: Decimal("40"),
    MeterKind.ELECTRICITY: Decimal("3000"),
    MeterKind.HEATING: Decimal("10"),
}


class MeterReading(TimeStampedModel):
    """A meter reading of a premises for a month, submitted by one of its owners."""

    premises = models.ForeignKey(
        Premises,
        verbose_name=_("premises"),
        on_delete=models.CASCADE,
        related_name="meter_readings",
    )
    kind = models.CharField(_("meter"), max_length=20, choices=MeterKind.choices)
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    value = models.DecimalField(_("reading"), max_digits=12, decimal_places=3)
    submitted_by = models.ForeignKey(
        Owner,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="meter_readings",
    )

    municipality_path = "premises__building__municipality"

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["premises", "kind", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["premises", "kind", "period"],
                name="meter_reading_once_per_month",
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="meter_reading_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.premises} {self.kind} {self.period:%Y-%m}: {self.value}"


class OwnerClaim(TimeStampedModel):
    """A verified person asks to be matched to an owner of the register.

    The administrator compares the verified name with the register and
    confirms the match (the person is linked to that owner) or refuses it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the administrator")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")

    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="owner_claims",
    )
    identity = models.ForeignKey(
        "accounts.Identity",
        verbose_name=_("verified identity"),
        on_delete=models.CASCADE,
        related_name="building_claims",
    )
    premises_number = models.CharField(_("premises number"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    owner = models.ForeignKey(
        Owner,
        verbose_name=_("matched owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason for refusal"), max_length=500, blank=True)

    municipality_path = "building__municipality"

    class Meta:
        verbose_name = _("owner's request to be linked")
        verbose_name_plural = _("owners' requests to be linked")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "identity"],
                name="owner_claim_pending_once",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building}: {self.premises_number}"


INITIATIVE_MIN_MEMBERS = 3


class InitiativeMember(models.Model):
    """An owner in the initiative group that calls a meeting (at least three announce it)."""

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="initiative_members",
    )
    owner = models.ForeignKey(
        Owner,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="initiatives",
    )
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    municipality_path = "meeting__municipality"

    class Meta:
        verbose_name = _("initiative group member")
        verbose_name_plural = _("initiative group members")
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "owner"], name="initiative_member_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.owner}"
