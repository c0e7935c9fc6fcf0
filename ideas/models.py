"""Idea crowdsourcing campaigns: campaigns, sub-topics, ideas, supports, updates.

A campaign asks the residents of one municipality for ideas on a theme. Its
participation ``Process`` holds the phases staff set (proposals → discussion →
selection → implementation report) and who may take part; each phase switches
features on (submitting, commenting, supporting).

Counting: every support is a row, one per person and idea by a unique
constraint. ``Idea.support_count`` grows and shrinks with ``F()`` in the same
transaction as the row (supports of one idea arrive at a pace one row absorbs),
so the copy equals the rows at every commit; a periodic task reconciles the
copies with the rows and reports drift, as petitions' counters are reconciled.
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
from edem.municipalities.models import Municipality
from edem.participation.models import Feature, Process


class PhaseKind(models.TextChoices):
    """The four phases of a campaign, always in this order."""

    PROPOSALS = "proposals", _("proposals")
    DISCUSSION = "discussion", _("discussion")
    SELECTION = "selection", _("selection")
    IMPLEMENTATION = "implementation", _("implementation report")


PHASE_ORDER: tuple[str, ...] = tuple(PhaseKind.values)
# What each phase switches on; fixed by the kind, never typed in by staff.
PHASE_FEATURES: dict[str, list[str]] = {
    PhaseKind.PROPOSALS: [Feature.SUBMIT],
    PhaseKind.DISCUSSION: [Feature.COMMENT, Feature.SUPPORT],
    PhaseKind.SELECTION: [],
    PhaseKind.IMPLEMENTATION: [],
}


class Campaign(TimeStampedModel):
    """A time-boxed call for ideas on one theme in one municipality."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="idea_campaigns",
    )
    process = models.OneToOneField(
        Process, verbose_name=_("participation process"), on_delete=models.PROTECT,
        related_name="idea_campaign",
    )
    title = models.CharField(_("theme"), max_length=200)
    description = models.TextField(_("description"))
    cover = models.ImageField(
        _("cover image"), upload_to="ideas/covers/%Y/%m/", blank=True
    )
    ideas_per_person = models.PositiveSmallIntegerField(
        _("ideas per person"), default=3,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0: no limit."),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("idea campaign")
        verbose_name_plural = _("idea campaigns")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "published_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "ideas:campaign",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def phases(self) -> list:
        return list(self.process.phases.order_by("starts_at"))

    def current_phase(self, at: dt.datetime | None = None):
        return self.process.current_phase(at)

    def is_open_for(self, feature: str, at: dt.datetime | None = None) -> bool:
        return self.process.is_open_for(feature, at)


class SubTopic(models.Model):
    """A question or sub-topic of the campaign that ideas answer."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
        related_name="subtopics",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    municipality_path = "campaign__municipality"

    class Meta:
        verbose_name = _("sub-topic")
        verbose_name_plural = _("sub-topics")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "title"], name="subtopic_title_once_per_campaign"
            )
        ]

    def __str__(self) -> str:
        return self.title


class CommissionMember(TimeStampedModel):
    """A member of the campaign's commission: shortlists and selects ideas."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
        related_name="commission",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE,
        related_name="idea_commissions",
    )

    municipality_path = "campaign__municipality"

    class Meta:
        verbose_name = _("commission member")
        verbose_name_plural = _("commission members")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "user"], name="commission_member_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.campaign}"


class Idea(TimeStampedModel):
    """A resident's idea in a campaign."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("hidden by a moderator")
        MERGED = "merged", _("merged into another idea")
        SHORTLISTED = "shortlisted", _("shortlisted")
        SELECTED = "selected", _("selected")
        NOT_SELECTED = "not_selected", _("not selected")
        WITHDRAWN = "withdrawn", _("withdrawn by the author")

    class Implementation(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("implemented")
        CANCELLED = "cancelled", _("cancelled")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="ideas",
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
        related_name="ideas",
    )
    subtopic = models.ForeignKey(
        SubTopic, verbose_name=_("sub-topic"), on_delete=models.PROTECT,
        related_name="ideas",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
        related_name="ideas",
    )
    author_identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("author's identity"),
        on_delete=models.PROTECT, related_name="ideas",
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    image = models.ImageField(_("image"), upload_to="ideas/%Y/%m/", blank=True)
    lat = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    lon = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PUBLISHED,
        db_index=True,
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="merged_ideas",
    )
    withdrawal_reason = models.TextField(_("why the author withdrew it"), blank=True)
    decision_text = models.TextField(_("commission's decision"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    implementation = models.CharField(
        _("implementation"), max_length=20, choices=Implementation.choices, blank=True
    )
    # Copies of the row counts, kept in the same transaction as the rows.
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["campaign", "status", "-created_at"]),
            models.Index(fields=["campaign", "status", "-support_count"]),
            models.Index(fields=["campaign", "author_identity"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="hidden") | ~models.Q(hidden_reason=""),
                name="idea_hidden_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="idea_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["selected", "not_selected"])
                | ~models.Q(decision_text=""),
                name="idea_decision_has_text",
            ),
            models.CheckConstraint(
                condition=models.Q(implementation="") | models.Q(status="selected"),
                name="idea_implementation_only_when_selected",
            ),
            models.CheckConstraint(
                condition=(models.Q(lat__isnull=True) & models.Q(lon__isnull=True))
                | (models.Q(lat__isnull=False) & models.Q(lon__isnull=False)),
                name="idea_point_has_both_coordinates",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "ideas:detail", kwargs={"municipality": self.municipality.slug, "pk": self.pk}
        )

    @property
    def process(self) -> Process:
        """The campaign's process: its phases open commenting (participation core)."""
        return self.campaign.process

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


# Statuses shown in public lists; hidden, merged and withdrawn ideas keep a page
# that says why.
LISTED_STATUSES = frozenset(
    {
        Idea.Status.PUBLISHED,
        Idea.Status.SHORTLISTED,
        Idea.Status.SELECTED,
        Idea.Status.NOT_SELECTED,
    }
)
PUBLIC_STATUSES = LISTED_STATUSES | {
    Idea.Status.HIDDEN, Idea.Status.MERGED, Idea.Status.WITHDRAWN,
}
# Ideas that may still be supported while discussion runs.
SUPPORTABLE_STATUSES = frozenset({Idea.Status.PUBLISHED, Idea.Status.SHORTLISTED})

S = Idea.Status
# Who takes each step is in rules.py; services check both.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PUBLISHED: frozenset(
        {S.HIDDEN, S.MERGED, S.SHORTLISTED, S.NOT_SELECTED, S.WITHDRAWN}
    ),
    S.HIDDEN: frozenset({S.PUBLISHED}),
    S.MERGED: frozenset(),
    S.SHORTLISTED: frozenset({S.SELECTED, S.NOT_SELECTED, S.PUBLISHED}),
    S.SELECTED: frozenset(),
    S.NOT_SELECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
del S


class Support(models.Model):
    """A verified person's support of an idea: one per person and idea."""

    idea = models.ForeignKey(
        Idea, verbose_name=_("idea"), on_delete=models.CASCADE, related_name="supports"
    )
    identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("identity"), on_delete=models.PROTECT,
        related_name="idea_supports",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT,
        related_name="idea_supports",
    )
    created_at = models.DateTimeField(_("supported"), default=timezone.now)

    municipality_path = "idea__municipality"

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "identity"], name="idea_support_once_per_person"
            )
        ]
        indexes = [models.Index(fields=["idea", "created_at"])]

    def __str__(self) -> str:
        return f"{self.identity} → {self.idea_id}"


class ImplementationUpdate(TimeStampedModel):
    """A dated report on how a selected idea is being implemented."""

    idea = models.ForeignKey(
        Idea, verbose_name=_("idea"), on_delete=models.CASCADE, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT,
        related_name="+",
    )
    happened_on = models.DateField(_("date"))
    implementation = models.CharField(
        _("implementation"), max_length=20, choices=Idea.Implementation.choices
    )
    text = models.TextField(_("update"))

    municipality_path = "idea__municipality"

    class Meta:
        verbose_name = _("implementation update")
        verbose_name_plural = _("implementation updates")
        ordering = ["-happened_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.happened_on:%Y-%m-%d} {self.text[:50]}"
