"""Participatory budget: cycles, budget units, projects, review, ballots, results.

A **cycle** ("PB 2027") runs in one municipality through phases whose dates
staff set (submission → optional support → review → voting → results →
implementation); the phases are rows of the participation core's ``Phase``
under the cycle's ``Process``, which also carries the cycle's eligibility
(minimum age, residency).

The money is split into **units**: the whole city, categories (small / large
projects) or districts, each with its own budget and cost limits. A project
competes in one unit and a resident casts at most one ballot per unit (a
unique constraint on unit and identity).

The **voting rules** (ballot type and its parameters, counting rule, unit
budgets) freeze once the voting phase has started; a later change is refused.

Money is kept in ``Decimal`` columns (two decimals) and turned into exact
fractions for counting; the counting itself is ``counting.tally``.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from edem.core.models import TimeStampedModel
from edem.municipalities.models import Municipality
from edem.participation.models import Process

MODULE = "participatory_budget"
MONEY = {"max_digits": 14, "decimal_places": 2}


def _coauthor_code() -> str:
    return secrets.token_urlsafe(12)


class PhaseKind(models.TextChoices):
    """The phases of a cycle, in their only possible order."""

    SUBMISSION = "submission", _("submission of projects")
    SUPPORT = "support", _("collection of support")
    REVIEW = "review", _("review by the commission")
    VOTING = "voting", _("voting")
    RESULTS = "results", _("results")
    IMPLEMENTATION = "implementation", _("implementation")


PHASE_ORDER = [k.value for k in PhaseKind]
# What each phase switches on in the participation core.
PHASE_FEATURES = {
    PhaseKind.SUBMISSION: ["submit", "comment"],
    PhaseKind.SUPPORT: ["support", "comment"],
    PhaseKind.REVIEW: ["comment"],
    PhaseKind.VOTING: ["vote", "comment"],
    PhaseKind.RESULTS: ["comment"],
    PhaseKind.IMPLEMENTATION: ["comment"],
}


class BallotType(models.TextChoices):
    APPROVAL = "approval", _("approval: choose up to k projects")
    KNAPSACK = "knapsack", _("knapsack: any projects within the budget")
    CUMULATIVE = "cumulative", _("cumulative: distribute N points")
    ORDINAL = "ordinal", _("ordinal: rank up to k projects")


class CountingRule(models.TextChoices):
    GREEDY = "greedy", _("greedy (most support first)")
    MES = "mes", _("Method of Equal Shares")


def default_criteria() -> list[str]:
    return [
        "Відповідність законодавству та повноваженням громади",
        "Технічна можливість реалізації",
        "Реалістичність кошторису",
        "Розміщення на комунальній землі",
    ]


class Cycle(TimeStampedModel):
    """One participatory budget of a municipality, e.g. "PB 2027"."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="budget_cycles",
    )
    process = models.OneToOneField(
        Process, verbose_name=_("process"), on_delete=models.PROTECT,
        related_name="budget_cycle",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    total_budget = models.DecimalField(_("total budget"), **MONEY)
    currency = models.CharField(_("currency"), max_length=8, default="UAH")
    # The voting rules: frozen once voting opens.
    ballot_type = models.CharField(
        _("ballot type"), max_length=20, choices=BallotType.choices,
        default=BallotType.APPROVAL,
    )
    max_picks = models.PositiveSmallIntegerField(
        _("projects per ballot (k)"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("Approval: at most k projects; ordinal: rank at most k."),
    )
    points_total = models.PositiveIntegerField(
        _("points to distribute (N)"), default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Cumulative ballots only."),
    )
    counting_rule = models.CharField(
        _("counting rule"), max_length=10, choices=CountingRule.choices,
        default=CountingRule.GREEDY,
    )
    ballot_change_allowed = models.BooleanField(
        _("voters may change their ballot until voting closes"), default=True
    )
    review_criteria = models.JSONField(
        _("review criteria"), default=default_criteria, blank=True,
        help_text=_("The commission judges the feasibility of each project by these."),
    )
    # Imported from a Pabulib file: no phases, rules fixed by the file.
    is_imported = models.BooleanField(_("imported from Pabulib"), default=False)
    source_name = models.CharField(_("source file"), max_length=200, blank=True)
    source_meta = models.JSONField(_("file's META section"), default=dict, blank=True)
    results_published_at = models.DateTimeField(
        _("results published"), null=True, blank=True
    )
    min_supports = models.PositiveIntegerField(
        _("supports a project needs to be reviewed"), default=0,
        help_text=_("Used when the cycle has a support collection phase: projects "
                    "with fewer supports when it ends are not reviewed. 0: no minimum."),
    )
    # Stamps that make the announcements and the support threshold run once.
    voting_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    results_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    support_closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("budget cycle")
        verbose_name_plural = _("budget cycles")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_budget__gt=0), name="pb_cycle_budget_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "participatory_budget:cycle",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )

    def phase(self, kind: str):
        return next((p for p in self.process.phases.all() if p.kind == kind), None)

    def current_phase(self, at=None):
        return self.process.current_phase(at)

    def is_open_for(self, feature: str, at=None) -> bool:
        return self.process.is_open_for(feature, at)

    def rules_frozen(self, at=None) -> bool:
        """The voting rules freeze when voting opens (and for imported cycles)."""
        if self.is_imported:
            return True
        voting = self.phase(PhaseKind.VOTING)
        return bool(voting and voting.starts_at <= (at or timezone.now()))

    @property
    def uses_support_threshold(self) -> bool:
        """Projects must gather ``min_supports`` during support collection to be reviewed."""
        return self.min_supports > 0 and self.phase(PhaseKind.SUPPORT) is not None

    def support_ended(self, at=None) -> bool:
        support = self.phase(PhaseKind.SUPPORT)
        return support is None or support.ends_at <= (at or timezone.now())

    def voting_closed(self, at=None) -> bool:
        voting = self.phase(PhaseKind.VOTING)
        return self.is_imported or bool(voting and voting.ends_at <= (at or timezone.now()))


class Unit(models.Model):
    """A part of the budget voted on separately: the whole city, a category or a district."""

    class Kind(models.TextChoices):
        CITY = "city", _("whole municipality")
        CATEGORY = "category", _("category")
        DISTRICT = "district", _("district")

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="units"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices,
                            default=Kind.CITY)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    budget = models.DecimalField(_("budget"), **MONEY)
    min_cost = models.DecimalField(_("minimum project cost"), default=Decimal(0), **MONEY)
    max_cost = models.DecimalField(
        _("maximum project cost"), null=True, blank=True,
        help_text=_("Empty: the unit's budget."), **MONEY,
    )
    area = models.JSONField(_("area (GeoJSON, districts)"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    municipality_path = "cycle__municipality"

    class Meta:
        verbose_name = _("budget unit")
        verbose_name_plural = _("budget units")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name_uk"], name="pb_unit_name_once"),
            models.CheckConstraint(condition=models.Q(budget__gt=0),
                                   name="pb_unit_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "uk").startswith("en") and self.name_en:
            return self.name_en
        return self.name_uk

    @property
    def cost_limit(self) -> Decimal:
        return self.max_cost if self.max_cost is not None else self.budget


class CommissionMember(TimeStampedModel):
    """A member of a cycle's review commission (the role that judges feasibility)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE,
        related_name="commission",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE,
        related_name="budget_commissions",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)

    municipality_path = "cycle__municipality"

    class Meta:
        verbose_name = _("commission member")
        verbose_name_plural = _("commission members")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "user"], name="pb_commission_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.cycle})"


class Project(TimeStampedModel):
    """A residents' project competing for the money of one unit."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        UNDER_REVIEW = "under_review", _("under review")
        ADMITTED = "admitted", _("admitted to the vote")
        REJECTED = "rejected", _("rejected")
        SELECTED = "selected", _("selected")
        NOT_SELECTED = "not_selected", _("not selected")
        IMPLEMENTATION = "implementation", _("being implemented")
        DONE = "done", _("implemented")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="budget_projects",
    )
    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="projects"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("category / district"), on_delete=models.PROTECT,
        related_name="projects",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="budget_projects",
    )
    author_identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("author's identity"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="budget_projects",
    )
    external_id = models.CharField(
        _("project id in the Pabulib file"), max_length=64, blank=True
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED,
        db_index=True,
    )
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6,
                              null=True, blank=True)
    lon = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6,
                              null=True, blank=True)
    area = models.JSONField(_("area (GeoJSON polygon)"), default=dict, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    cost = models.DecimalField(
        _("cost"), default=Decimal(0),
        help_text=_("The sum of the cost items, after the commission's corrections."),
        **MONEY,
    )
    coauthor_code = models.CharField(max_length=32, default=_coauthor_code,
                                     editable=False)
    decision_reason = models.TextField(_("reason of the commission's decision"),
                                       blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    official_selected = models.BooleanField(
        _("selected by the city (official list)"), null=True, blank=True
    )
    # Implementation.
    progress = models.PositiveSmallIntegerField(
        _("progress, %"), default=0, validators=[MaxValueValidator(100)]
    )
    money_spent = models.DecimalField(_("money spent"), default=Decimal(0), **MONEY)
    contractor = models.CharField(_("contractor"), max_length=300, blank=True)
    # A copy of the support rows, kept in the transaction of each change and
    # reconciled with the rows by a periodic task.
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("budget project")
        verbose_name_plural = _("budget projects")
        ordering = ["cycle", "unit", "pk"]
        indexes = [
            models.Index(fields=["municipality", "status"]),
            models.Index(fields=["municipality", "lat", "lon"], name="pb_project_point"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(decision_reason=""),
                name="pb_project_rejection_has_reason",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100),
                                   name="pb_project_progress_at_most_100"),
            models.UniqueConstraint(
                fields=["cycle", "external_id"], condition=~models.Q(external_id=""),
                name="pb_project_external_id_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "participatory_budget:project",
            kwargs={"municipality": self.municipality.slug, "pk": self.pk},
        )

    @property
    def ref(self) -> str:
        """The project's id in counting and Pabulib files."""
        return self.external_id or str(self.pk)

    @property
    def in_implementation(self) -> bool:
        return self.status in (Project.Status.IMPLEMENTATION, Project.Status.DONE)


S = Project.Status
# Who takes each step is in rules.py; the services check both.
TRANSITIONS: dict[str, frozenset[str]] = {
    # A project short of the cycle's minimum support is rejected when collection ends.
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.REJECTED}),
    S.UNDER_REVIEW: frozenset({S.ADMITTED, S.REJECTED}),
    S.ADMITTED: frozenset({S.SELECTED, S.NOT_SELECTED}),
    S.REJECTED: frozenset(),
    # A staff adjustment may reverse the rule's outcome (with a public reason).
    S.SELECTED: frozenset({S.IMPLEMENTATION, S.NOT_SELECTED}),
    S.NOT_SELECTED: frozenset({S.SELECTED}),
    S.IMPLEMENTATION: frozenset({S.DONE}),
    S.DONE: frozenset(),
}
del S
VOTABLE_STATUSES = frozenset({Project.Status.ADMITTED, Project.Status.SELECTED,
                              Project.Status.NOT_SELECTED,
                              Project.Status.IMPLEMENTATION, Project.Status.DONE})
PUBLIC_STATUSES = frozenset(Project.Status.values)


class ProjectSupport(models.Model):
    """A verified resident's support of a project during support collection.

    One per person and project (from any of their accounts), by a unique
    constraint; the project's ``support_count`` is its cached count.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="supports",
    )
    identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("identity"), on_delete=models.PROTECT,
        related_name="budget_supports",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="budget_supports",
    )
    created_at = models.DateTimeField(_("supported"), default=timezone.now)

    municipality_path = "project__municipality"

    class Meta:
        verbose_name = _("project support")
        verbose_name_plural = _("project supports")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "identity"],
                                    name="pb_support_once_per_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.identity_id} → {self.project_id}"


class CostItem(models.Model):
    """One line of a project's cost breakdown; the commission may correct it."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="cost_items",
    )
    description = models.CharField(_("item"), max_length=300)
    amount = models.DecimalField(_("amount"), **MONEY)
    corrected_amount = models.DecimalField(
        _("amount corrected by the commission"), null=True, blank=True, **MONEY
    )
    correction_note = models.CharField(_("why corrected"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    municipality_path = "project__municipality"

    class Meta:
        verbose_name = _("cost item")
        verbose_name_plural = _("cost items")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0),
                                   name="pb_cost_item_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.effective_amount}"

    @property
    def effective_amount(self) -> Decimal:
        return self.corrected_amount if self.corrected_amount is not None else self.amount


class ProjectImage(TimeStampedModel):
    """An image of a project (re-encoded, without metadata)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="images",
    )
    image = models.ImageField(_("image"), upload_to="budget/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    municipality_path = "project__municipality"

    class Meta:
        verbose_name = _("project image")
        verbose_name_plural = _("project images")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class Coauthor(TimeStampedModel):
    """A resident who joined a project as its co-author (by the author's link)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="coauthors",
    )
    identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("identity"), on_delete=models.PROTECT,
        related_name="budget_coauthorships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT,
        related_name="budget_coauthorships",
    )

    municipality_path = "project__municipality"

    class Meta:
        verbose_name = _("co-author")
        verbose_name_plural = _("co-authors")
        constraints = [
            models.UniqueConstraint(fields=["project", "identity"],
                                    name="pb_coauthor_once")
        ]

    def __str__(self) -> str:
        return f"{self.identity.short_name} → {self.project_id}"


class Assessment(TimeStampedModel):
    """The commission's judgement of one feasibility criterion of a project."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="assessments",
    )
    criterion = models.CharField(_("criterion"), max_length=300)
    feasible = models.BooleanField(_("met"))
    comment = models.TextField(_("comment"), blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("commission member"),
        on_delete=models.PROTECT, related_name="+",
    )

    municipality_path = "project__municipality"

    class Meta:
        verbose_name = _("feasibility assessment")
        verbose_name_plural = _("feasibility assessments")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "criterion"],
                                    name="pb_assessment_once_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.feasible}"


class ReviewMessage(TimeStampedModel):
    """The public exchange between the commission and the authors during review."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="review_messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT,
        related_name="+",
    )
    from_commission = models.BooleanField(_("from the commission"), default=False)
    body = models.TextField(_("message"))

    municipality_path = "project__municipality"

    class Meta:
        verbose_name = _("review message")
        verbose_name_plural = _("review messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class ProgressReport(TimeStampedModel):
    """A dated report on a winning project's implementation, with a photo."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="progress_reports",
    )
    date = models.DateField(_("date"))
    progress = models.PositiveSmallIntegerField(
        _("progress, %"), validators=[MaxValueValidator(100)]
    )
    money_spent = models.DecimalField(_("money spent so far"), **MONEY)
    note = models.TextField(_("what was done"))
    photo = models.ImageField(_("photo"), upload_to="budget/progress/%Y/%m/",
                              blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT,
        related_name="+",
    )

    municipality_path = "project__municipality"

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date}: {self.progress}%"


class Ballot(models.Model):
    """A voter's ballot in one unit: one per identity and unit.

    Online ballots are cast by the voter; paper ballots are entered by staff
    after confirming the voter's identity. Ballots imported from a Pabulib
    file have no identity, only the file's voter id. The age band is kept (not
    the birth date) for turnout statistics.
    """

    class Source(models.TextChoices):
        ONLINE = "online", _("online")
        PAPER = "paper", _("paper")
        IMPORTED = "imported", _("imported")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="budget_ballots",
    )
    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="ballots"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="ballots"
    )
    identity = models.ForeignKey(
        "accounts.Identity", verbose_name=_("voter"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="budget_ballots",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="budget_ballots",
    )
    voter_ref = models.CharField(_("voter id in the file"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices,
                              default=Source.ONLINE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    identity_document = models.CharField(
        _("identity document checked by staff"), max_length=200, blank=True
    )
    age_band = models.CharField(_("age group"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("cast"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "identity"], condition=models.Q(identity__isnull=False),
                name="pb_ballot_once_per_identity_and_unit",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "created_at"])]

    def __str__(self) -> str:
        return f"{self.unit} #{self.pk}"


class BallotChoice(models.Model):
    """A project named on a ballot, with its points (cumulative) or rank (ordinal)."""

    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE,
        related_name="choices",
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="ballot_choices",
    )
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)

    municipality_path = "ballot__municipality"

    class Meta:
        verbose_name = _("ballot choice")
        verbose_name_plural = _("ballot choices")
        ordering = ["rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "project"],
                                    name="pb_choice_once_per_project"),
            models.UniqueConstraint(fields=["ballot", "rank"],
                                    condition=models.Q(rank__isnull=False),
                                    name="pb_choice_rank_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id} → {self.project_id}"


class UnitResult(TimeStampedModel):
    """The count of one unit: by which rule, over how many ballots, what was spent."""

    unit = models.OneToOneField(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="result"
    )
    rule = models.CharField(_("counting rule"), max_length=10,
                            choices=CountingRule.choices)
    voters = models.PositiveIntegerField(_("ballots counted"))
    budget = models.DecimalField(_("budget"), **MONEY)
    # Exact fractions can be long (the Method of Equal Shares divides a lot).
    spent = models.TextField(_("spent (exact)"))
    voter_budget = models.TextField(_("each voter's share (exact)"), blank=True)

    municipality_path = "unit__cycle__municipality"

    class Meta:
        verbose_name = _("unit result")
        verbose_name_plural = _("unit results")

    def __str__(self) -> str:
        return f"{self.unit}: {self.rule}"


class ProjectResult(models.Model):
    """What the count decided for one project, with the figures that explain it.

    Amounts are exact fractions written as ``a`` or ``a/b``.
    """

    result = models.ForeignKey(
        UnitResult, verbose_name=_("result"), on_delete=models.CASCADE,
        related_name="projects",
    )
    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="result",
    )
    support = models.TextField(_("support"))
    selected = models.BooleanField(_("selected by the rule"))
    reason = models.CharField(_("reason"), max_length=30)
    position = models.PositiveIntegerField(_("order"), default=0)
    money_left_before = models.TextField(blank=True)
    payment = models.TextField(blank=True)
    supporters_money = models.TextField(blank=True)

    municipality_path = "project__municipality"

    class Meta:
        verbose_name = _("project result")
        verbose_name_plural = _("project results")
        ordering = ["-selected", "position"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.selected}"


class Adjustment(TimeStampedModel):
    """Staff record that the city's final list differs from the rule, and why.

    Local rules on top of the counting rule (e.g. Wrocław 2015, Wieliczka
    2023) are recorded here with a public reason; the count is never bent.
    """

    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.CASCADE,
        related_name="adjustment",
    )
    selected = models.BooleanField(_("selected in the final list"))
    reason = models.TextField(_("public reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )

    municipality_path = "project__municipality"

    class Meta:
        verbose_name = _("result adjustment")
        verbose_name_plural = _("result adjustments")
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""),
                                   name="pb_adjustment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.selected}"
