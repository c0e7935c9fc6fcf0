"""Participation core: processes and their phases, comments, follows, the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edem.core.models import TimeStampedModel
from edem.municipalities.models import Municipality


class Feature(models.TextChoices):
    """What a phase can switch on."""

    SUBMIT = "submit", _("submitting")
    SUPPORT = "support", _("supporting")
    VOTE = "vote", _("voting")
    COMMENT = "comment", _("commenting")


class Process(TimeStampedModel):
    """A participation process of a module in one municipality (a PB cycle, a campaign).

    Its eligibility fields narrow the municipality's policy for this process
    only; an empty value keeps the municipality's rule.
    """

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="processes",
    )
    module = models.CharField(_("module"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    residency_required = models.BooleanField(_("residents only"), null=True, blank=True)
    accepted_auth_methods = models.JSONField(
        _("accepted authentication methods"), default=list, blank=True,
        help_text=_("Empty: every method the municipality accepts."),
    )

    class Meta:
        verbose_name = _("participation process")
        verbose_name_plural = _("participation processes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def current_phase(self, at=None) -> Phase | None:
        at = at or timezone.now()
        return self.phases.filter(starts_at__lte=at, ends_at__gt=at).order_by("starts_at").first()

    def is_open_for(self, feature: str, at=None) -> bool:
        """True when a phase running now switches ``feature`` on."""
        phase = self.current_phase(at)
        return bool(phase and feature in phase.features)


class Phase(models.Model):
    """A time window of a process, set by staff, that switches features on."""

    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.CASCADE, related_name="phases"
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    features = models.JSONField(_("features switched on"), default=list, blank=True)

    municipality_path = "process__municipality"

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="phase_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.process}: {self.title}"


class Comment(TimeStampedModel):
    """A threaded comment on any participation item; moderators hide, never rewrite."""

    class Status(models.TextChoices):
        VISIBLE = "visible", _("visible")
        HIDDEN = "hidden", _("hidden by a moderator")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="comments",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    parent = models.ForeignKey(
        "self", verbose_name=_("reply to"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="replies",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
        related_name="comments",
    )
    body = models.TextField(_("comment"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.VISIBLE
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True)
    reports_count = models.PositiveIntegerField(_("abuse reports"), default=0)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return self.body[:60]


class CommentReport(TimeStampedModel):
    """A reader's report that a comment breaks the rules; one per reader and comment."""

    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE
    )
    reason = models.CharField(_("reason"), max_length=500)
    resolved = models.BooleanField(_("resolved"), default=False)

    municipality_path = "comment__municipality"

    class Meta:
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_once")
        ]

    def __str__(self) -> str:
        return self.reason[:60]


class Follow(TimeStampedModel):
    """A user follows an item to hear about its changes."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="follows",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("follower"), on_delete=models.CASCADE,
        related_name="follows",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="follow_once"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.content_type.model} #{self.object_id}"


class AuditEntry(models.Model):
    """One staff action: who, when, what, the state before and after, and why."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="audit_entries",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="audit_entries",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"
