"""Open city: residents' problem reports routed to the responsible organisation.

A report names a category and a point inside the municipality. Routing picks
the organisation that handles the category and whose service area holds the
point, else the municipality's dispatcher. The organisation accepts the report
(an executor is named and the deadline of the category's class is fixed),
works on it and resolves it with an answer; the author confirms (closed) or
denies (reopened), and rates the work. Every step is a ``ReportEvent`` row: the
public timeline.

Points are latitude/longitude columns with an index (no GIS extension): the
map reads a bounding box with a plain range query.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from edem.core.models import TimeStampedModel
from edem.municipalities.models import Municipality, MunicipalitySettings, Organisation

MAX_PHOTOS = 5


def _localised(obj, field: str) -> str:
    english = getattr(obj, f"{field}_en", "")
    if (get_language() or "uk").startswith("en") and english:
        return english
    return getattr(obj, f"{field}_uk")


class OpenCitySettings(MunicipalitySettings):
    """The municipality's open-city rules, edited by its admin."""

    identity_required = models.BooleanField(
        _("a verified identity is required to report"), default=False,
        help_text=_("Off: any logged-in resident may report a problem."),
    )
    auto_close_days = models.PositiveSmallIntegerField(
        _("auto-close after (days)"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("A resolved report the author neither confirms nor denies closes then."),
    )
    dispatcher_escalation_hours = models.PositiveSmallIntegerField(
        _("escalate to the dispatcher after (hours overdue)"), default=24,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
    )
    working_day_starts = models.PositiveSmallIntegerField(
        _("working day starts (hour)"), default=9, validators=[MaxValueValidator(23)]
    )
    working_day_ends = models.PositiveSmallIntegerField(
        _("working day ends (hour)"), default=18,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )

    class Meta:
        verbose_name = _("open city settings")
        verbose_name_plural = _("open city settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(working_day_ends__gt=models.F("working_day_starts")),
                name="opencity_working_day_order",
            )
        ]


class DeadlineClass(models.Model):
    """An urgency class: how long an organisation has, in calendar or working hours."""

    class Counting(models.TextChoices):
        CALENDAR = "calendar", _("calendar hours")
        WORKING = "working", _("working time of the municipality's calendar")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="deadline_classes",
    )
    code = models.SlugField(_("code"), max_length=30)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    hours = models.PositiveIntegerField(
        _("hours"), validators=[MinValueValidator(1), MaxValueValidator(24 * 90)]
    )
    counting = models.CharField(
        _("counted in"), max_length=10, choices=Counting.choices,
        default=Counting.CALENDAR,
    )

    class Meta:
        verbose_name = _("deadline class")
        verbose_name_plural = _("deadline classes")
        ordering = ["municipality", "hours"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="deadline_class_code_once"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gte=1), name="deadline_class_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hours} h)"

    @property
    def name(self) -> str:
        return _localised(self, "name")


class Category(TimeStampedModel):
    """A kind of problem in the municipality's category tree.

    Residents report under a category without subcategories. A category's
    deadline class is its own or, when empty, its parent's. ``fields`` lists the
    extra details a report must or may give, each
    ``{"code", "label_uk", "label_en", "required", "choices"}``.
    """

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="report_categories",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent category"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    code = models.SlugField(
        _("code"), max_length=50,
        help_text=_("Also the Open311 service code."),
    )
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    deadline_class = models.ForeignKey(
        DeadlineClass, verbose_name=_("deadline class"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="categories",
    )
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("responsible organisations"), blank=True,
        related_name="report_categories",
    )
    fields = models.JSONField(_("extra fields"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["municipality", "order", "name_uk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="report_category_code_once"
            )
        ]

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.name} / {self.name}"
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")

    def effective_deadline_class(self) -> DeadlineClass | None:
        node, seen = self, set()
        while node is not None and node.pk not in seen:
            if node.deadline_class_id:
                return node.deadline_class
            seen.add(node.pk)
            node = node.parent
        return None

    def field_label(self, spec: dict) -> str:
        english = spec.get("label_en")
        if (get_language() or "uk").startswith("en") and english:
            return english
        return spec.get("label_uk") or spec.get("code", "")


class Report(TimeStampedModel):
    """A problem reported by a resident (or by an operator for a caller)."""

    class Status(models.TextChoices):
        NEW = "new", _("new")
        FORWARDED = "forwarded", _("forwarded")
        ACCEPTED = "accepted", _("accepted")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        REOPENED = "reopened", _("reopened")
        CLOSED = "closed", _("closed")
        REFUSED = "refused", _("refused")
        DUPLICATE = "duplicate", _("duplicate")

    class Source(models.TextChoices):
        WEB = "web", _("website")
        OPERATOR = "operator", _("contact centre")
        OPEN311 = "open311", _("Open311 application")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="reports",
    )
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT,
        related_name="reports",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("responsible organisation"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="reports",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.WEB
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reports",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by operator"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="+",
    )
    caller_name = models.CharField(_("caller's name"), max_length=150, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=20, blank=True)
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    lon = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    extra = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    is_public = models.BooleanField(_("public"), default=True)
    # Deadline: the class is copied when the report is accepted.
    deadline_class = models.ForeignKey(
        DeadlineClass, verbose_name=_("deadline class"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("executor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="assigned_reports",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("marked overdue"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("resolved on time"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="duplicates",
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("comment on the work"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    open311_key = models.ForeignKey(
        "Open311Key", verbose_name=_("Open311 key"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="reports",
    )

    class Meta:
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")
        ordering = ["-created_at"]
        indexes = [
            # The public map: a bounding box inside one municipality, answered
            # from the index alone on PostgreSQL (the columns the map sends).
            models.Index(
                fields=["municipality", "lat", "lon"], name="report_map_point",
                include=["id", "is_public", "status", "category"],
            ),
            models.Index(
                fields=["municipality", "status", "-created_at"], name="report_status"
            ),
            # The organisation's queue sorted by deadline.
            models.Index(fields=["organisation", "status", "due_at"], name="report_queue"),
            models.Index(
                fields=["due_at"], name="report_open_due",
                condition=models.Q(status__in=("accepted", "in_progress", "reopened")),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="report_point_on_earth",
            ),
            # The map writes the status into JSON as it is: only known codes.
            models.CheckConstraint(
                condition=models.Q(status__in=[
                    "new", "forwarded", "accepted", "in_progress", "resolved", "reopened",
                    "closed", "refused", "duplicate",
                ]),
                name="report_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="report_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="duplicate")
                | models.Q(duplicate_of__isnull=False),
                name="report_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | models.Q(rating__gte=1, rating__lte=5),
                name="report_rating_range",
            ),
            models.CheckConstraint(
                condition=models.Q(author__isnull=False) | ~models.Q(caller_phone="")
                | models.Q(source="open311"),
                name="report_has_someone_to_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"№{self.pk} {self.category.name}" if self.pk else str(_("new report"))

    def get_absolute_url(self) -> str:
        return reverse(
            "opencity:detail", kwargs={"municipality": self.municipality.slug, "pk": self.pk}
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def title(self) -> str:
        return str(self)


S = Report.Status
# Who may take each step is in rules.py; the services check both.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ACCEPTED, S.FORWARDED, S.REFUSED, S.DUPLICATE}),
    S.FORWARDED: frozenset({S.ACCEPTED, S.FORWARDED, S.REFUSED, S.DUPLICATE}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.FORWARDED, S.REFUSED, S.DUPLICATE}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.FORWARDED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.FORWARDED}),
    S.CLOSED: frozenset(),
    S.REFUSED: frozenset(),
    S.DUPLICATE: frozenset(),
}
# The deadline runs in these statuses; the overdue task looks only at them.
DEADLINE_STATUSES = frozenset({S.ACCEPTED, S.IN_PROGRESS, S.REOPENED})
# Not yet taken by an organisation.
WAITING_STATUSES = frozenset({S.NEW, S.FORWARDED})
OPEN_STATUSES = DEADLINE_STATUSES | WAITING_STATUSES | {S.RESOLVED}
FINAL_STATUSES = frozenset({S.CLOSED, S.REFUSED, S.DUPLICATE})
del S


class ReportPhoto(TimeStampedModel):
    """A photo of the problem, or of the fixed place attached to the answer."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="opencity/%Y/%m/")
    is_answer = models.BooleanField(_("part of the answer"), default=False)

    municipality_path = "report__municipality"

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.image.name


class ReportEvent(models.Model):
    """One step in a report's public timeline: who (organisation), when, what."""

    class Kind(models.TextChoices):
        CREATED = "created", _("reported")
        ROUTED = "routed", _("routed")
        ACCEPTED = "accepted", _("accepted")
        ASSIGNED = "assigned", _("executor changed")
        IN_PROGRESS = "in_progress", _("work started")
        RESOLVED = "resolved", _("resolved")
        CONFIRMED = "confirmed", _("confirmed by the author")
        REOPENED = "reopened", _("reopened by the author")
        AUTO_CLOSED = "auto_closed", _("closed without an answer from the author")
        REFUSED = "refused", _("refused")
        DUPLICATE = "duplicate", _("marked as a duplicate")
        FORWARDED = "forwarded", _("forwarded")
        OVERDUE = "overdue", _("deadline missed")
        ESCALATED = "escalated", _("escalated")
        RATED = "rated", _("rated")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("step"), max_length=12, choices=Kind.choices)
    status_before = models.CharField(_("status before"), max_length=12, blank=True)
    status_after = models.CharField(_("status after"), max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    municipality_path = "report__municipality"

    class Meta:
        verbose_name = _("report step")
        verbose_name_plural = _("report steps")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_kind_display()}"


class ReportEscalation(models.Model):
    """An overdue report escalated once per level: 1 the head, 2 the dispatcher."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE,
        related_name="escalations",
    )
    level = models.PositiveSmallIntegerField(_("level"))
    due_at = models.DateTimeField(_("deadline escalated"))
    created_at = models.DateTimeField(_("escalated"))

    municipality_path = "report__municipality"

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            # One escalation per level and deadline: a reopened report that is
            # late again escalates again.
            models.UniqueConstraint(
                fields=["report", "level", "due_at"], name="escalation_once_per_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} L{self.level}"


class CallerMessage(TimeStampedModel):
    """An SMS to a caller without an account; claimed once, sent once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE,
        related_name="caller_messages",
    )
    phone = models.CharField(_("phone"), max_length=20)
    text = models.CharField(_("text"), max_length=480)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    municipality_path = "report__municipality"

    class Meta:
        verbose_name = _("SMS to a caller")
        verbose_name_plural = _("SMS to callers")

    def __str__(self) -> str:
        return f"...{self.phone[-4:]}: {self.status}"


class Open311Key(TimeStampedModel):
    """An Open311 application's key, issued by staff for one municipality.

    Only a hash of the key is stored; the key is shown once when issued.
    """

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="open311_keys",
    )
    name = models.CharField(_("application"), max_length=150)
    prefix = models.CharField(_("key starts with"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Work(TimeStampedModel):
    """Planned or emergency works published by an organisation (Dnipro's public
    map of emergency works): a point or an area, a period, the affected addresses.

    ``geometry`` is a GeoJSON Point, Polygon or MultiPolygon; its bounding box is
    kept in indexed columns so the map reads a box with a plain range query.
    """

    class Kind(models.TextChoices):
        PLANNED = "planned", _("planned works")
        EMERGENCY = "emergency", _("emergency works")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="works",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="works",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    affected_addresses = models.TextField(
        _("affected addresses"), blank=True, help_text=_("One address per line.")
    )
    geometry = models.JSONField(_("place (GeoJSON point or area)"))
    south = models.DecimalField(max_digits=9, decimal_places=6)
    west = models.DecimalField(max_digits=9, decimal_places=6)
    north = models.DecimalField(max_digits=9, decimal_places=6)
    east = models.DecimalField(max_digits=9, decimal_places=6)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"),
        on_delete=models.PROTECT, related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        verbose_name = _("works")
        verbose_name_plural = _("works")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["municipality", "ends_at", "starts_at"], name="work_period"),
            models.Index(fields=["municipality", "south", "north", "west", "east"],
                         name="work_box"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="work_period_order",
            ),
            models.CheckConstraint(
                condition=models.Q(south__lte=models.F("north"), west__lte=models.F("east")),
                name="work_box_order",
            ),
            models.CheckConstraint(
                condition=models.Q(cancelled_at__isnull=True) | ~models.Q(cancel_reason=""),
                name="work_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "opencity:work_detail",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )

    def state(self, now=None) -> str:
        """cancelled, upcoming, ongoing or finished at ``now``."""
        now = now or timezone.now()
        if self.cancelled_at:
            return "cancelled"
        if now < self.starts_at:
            return "upcoming"
        if now < self.ends_at:
            return "ongoing"
        return "finished"

    @property
    def addresses(self) -> list[str]:
        return [line.strip() for line in self.affected_addresses.splitlines() if line.strip()]
