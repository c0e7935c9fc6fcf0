"""Staff screens of the participatory budget in the Wagtail admin.

- Cycles, their categories / districts and commission members (municipality
  admins), as scoped model screens whose saves go through the services — so
  a change of the voting rules after voting opened is refused there too.
- A cycle's control room: phase dates, counting and publication, result
  adjustments with a public reason, paper ballots (officials, after checking
  the voter's identity document), implementation reports with photos.
- Pabulib import of a ``.pb`` file as a closed cycle.

The commission reviews projects on the public site (the project's review
page), where its members need no admin account. Every step is audited by the
services; a cycle of another municipality answers 404.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from edem.core.errors import DomainError
from edem.core.forms import add_validation_errors
from edem.municipalities.admin_scoping import (
    ADMINS,
    ALL_STAFF,
    MunicipalityRolePermissionPolicy,
    MunicipalityScopedViewSetMixin,
    municipalities_with_role,
)

from . import selectors, services
from .models import (
    PHASE_ORDER,
    BallotType,
    CommissionMember,
    Cycle,
    PhaseKind,
    Project,
    Unit,
)
from .services import RULE_FIELDS, Choice

register_permission_policy(Cycle, MunicipalityRolePermissionPolicy(
    Cycle, roles_by_action={"view": ALL_STAFF, "add": ADMINS, "change": ADMINS}))
register_permission_policy(Unit, MunicipalityRolePermissionPolicy(
    Unit, municipality_path="cycle__municipality",
    roles_by_action={"view": ALL_STAFF, "add": ADMINS, "change": ADMINS,
                     "delete": ADMINS}))
register_permission_policy(CommissionMember, MunicipalityRolePermissionPolicy(
    CommissionMember, municipality_path="cycle__municipality",
    roles_by_action={"view": ALL_STAFF, "add": ADMINS, "delete": ADMINS}))


def _raise_as_form_errors(form, exc: ValidationError) -> None:
    add_validation_errors(form, exc)
    raise DomainError(_("Correct the errors below."))


class CycleForm(WagtailAdminModelForm):
    min_age = forms.IntegerField(label=gettext_lazy("Minimum age of voters and authors"),
                                 required=False, min_value=14, max_value=120)
    residency_required = forms.NullBooleanField(
        label=gettext_lazy("Residents only"), required=False)

    class Meta:
        model = Cycle
        fields = ["municipality", "title", "description", "total_budget",
                  *RULE_FIELDS, "min_supports"]


class CycleViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Cycle
    icon = "tasks"
    menu_label = gettext_lazy("Budget cycles")
    copy_view_enabled = False
    list_display = ["title", "total_budget", "ballot_type", "counting_rule",
                    "results_published_at", "municipality"]
    form_fields = CycleForm.Meta.fields

    def get_form_class(self, for_update=False):
        return CycleForm

    def service_create(self, request, form):
        data = form.cleaned_data
        try:
            return services.cycle_create(
                actor=request.user, municipality=data["municipality"], title=data["title"],
                description=data["description"], total_budget=data["total_budget"],
                **{name: data[name] for name in RULE_FIELDS},
                min_age=data.get("min_age"), residency_required=data.get("residency_required"),
                min_supports=data.get("min_supports") or 0,
            )
        except ValidationError as exc:
            _raise_as_form_errors(form, exc)

    def service_update(self, request, form, instance):
        stored = Cycle.objects.get(pk=instance.pk)
        data = form.cleaned_data
        changes = {name: data[name] for name in (*RULE_FIELDS, "title", "description",
                                                 "total_budget", "min_supports")
                   if data[name] != getattr(stored, name)}
        if data.get("min_age") is not None:
            changes["min_age"] = data["min_age"]
        try:
            return services.cycle_rules_update(actor=request.user, cycle=stored,
                                               changes=changes)
        except ValidationError as exc:
            _raise_as_form_errors(form, exc)


class UnitForm(WagtailAdminModelForm):
    class Meta:
        model = Unit
        fields = ["cycle", "kind", "name_uk", "name_en", "budget", "min_cost", "max_cost",
                  "area", "order"]


class UnitViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Unit
    municipality_path = "cycle__municipality"
    icon = "list-ul"
    menu_label = gettext_lazy("Budget categories and districts")
    copy_view_enabled = False
    list_display = ["name_uk", "kind", "budget", "min_cost", "max_cost", "cycle"]
    form_fields = UnitForm.Meta.fields

    def get_form_class(self, for_update=False):
        return UnitForm

    def limit_form(self, user, form, action):
        form.fields["cycle"].queryset = Cycle.objects.filter(
            municipality__in=self.allowed_municipalities(user, action), is_imported=False)

    def _save(self, request, form, unit=None):
        data = dict(form.cleaned_data)
        cycle = data.pop("cycle")
        try:
            return services.unit_save(actor=request.user, cycle=cycle, data=data, unit=unit)
        except ValidationError as exc:
            _raise_as_form_errors(form, exc)

    def service_create(self, request, form):
        return self._save(request, form)

    def service_update(self, request, form, instance):
        return self._save(request, form, Unit.objects.get(pk=instance.pk))

    def service_delete(self, request, instance):
        services.unit_delete(actor=request.user, unit=instance)


class CommissionForm(WagtailAdminModelForm):
    username = forms.CharField(label=gettext_lazy("Account (user name)"))

    class Meta:
        model = CommissionMember
        fields = ["cycle", "position"]


class CommissionViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = CommissionMember
    municipality_path = "cycle__municipality"
    icon = "group"
    menu_label = gettext_lazy("Review commission")
    copy_view_enabled = False
    list_display = ["user", "position", "cycle"]
    form_fields = ["cycle", "position"]

    def get_form_class(self, for_update=False):
        return CommissionForm

    def limit_form(self, user, form, action):
        form.fields["cycle"].queryset = Cycle.objects.filter(
            municipality__in=self.allowed_municipalities(user, action))

    def service_create(self, request, form):
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            form.add_error("username", _("There is no account with this user name."))
            raise DomainError(_("Correct the errors below."))
        return services.commission_member_add(
            actor=request.user, cycle=form.cleaned_data["cycle"], user=user,
            position=form.cleaned_data["position"])

    def service_delete(self, request, instance):
        services.commission_member_remove(actor=request.user, member=instance)


class BudgetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Participatory budget")
    menu_icon = "tasks"
    menu_order = 250
    items = (CycleViewSet("budget_cycle"), UnitViewSet("budget_unit"),
             CommissionViewSet("budget_commission"))


@hooks.register("register_admin_viewset")
def register_budget_screens():
    return BudgetGroup()


# --- the cycle's control room ----------------------------------------------------------


def _cycle_for(request: HttpRequest, pk: int) -> Cycle:
    cycle = Cycle.objects.filter(
        pk=pk, municipality__in=municipalities_with_role(request.user, ALL_STAFF)
    ).select_related("municipality", "process").first()
    if cycle is None:
        raise Http404(_("There is no such budget cycle here."))
    return cycle


class PhasesForm(forms.Form):
    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(PhaseKind.choices)
        tz = cycle.municipality.tz
        for kind in PHASE_ORDER:
            phase = cycle.phase(kind)
            for edge in ("starts", "ends"):
                value = getattr(phase, f"{edge}_at") if phase else None
                self.fields[f"{kind}_{edge}"] = forms.DateTimeField(
                    label=f"{labels[kind]}: " + (_("starts") if edge == "starts" else _("ends")),
                    required=False,
                    initial=value.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if value else None,
                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                               format="%Y-%m-%dT%H:%M"),
                    input_formats=["%Y-%m-%dT%H:%M"],
                )
        self.tz = tz

    def windows(self) -> dict:
        result = {}
        for kind in PHASE_ORDER:
            start = self.cleaned_data.get(f"{kind}_starts")
            end = self.cleaned_data.get(f"{kind}_ends")
            if start and end:
                # The staff type local time of the municipality.
                result[kind] = (_local(start, self.tz), _local(end, self.tz))
            elif kind == PhaseKind.SUPPORT:
                result[kind] = None
        return result


def _local(value: dt.datetime, tz) -> dt.datetime:
    return value.replace(tzinfo=None).replace(tzinfo=tz)


class AdjustmentForm(forms.Form):
    project = forms.TypedChoiceField(label=gettext_lazy("Project"), coerce=int)
    selected = forms.TypedChoiceField(
        label=gettext_lazy("In the city's final list"), coerce=lambda v: v == "1",
        choices=[("1", gettext_lazy("selected")), ("0", gettext_lazy("not selected"))])
    reason = forms.CharField(label=gettext_lazy("Public reason"), widget=forms.Textarea(
        attrs={"rows": 2}))


class PaperBallotForm(forms.Form):
    unit = forms.TypedChoiceField(label=gettext_lazy("Category or district"), coerce=int)
    tax_number = forms.CharField(label=gettext_lazy("Voter's tax number (RNOKPP)"),
                                 max_length=10)
    family_name = forms.CharField(label=gettext_lazy("Family name"), max_length=150)
    given_name = forms.CharField(label=gettext_lazy("Given name"), max_length=150)
    birth_date = forms.DateField(label=gettext_lazy("Birth date"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    identity_document = forms.CharField(
        label=gettext_lazy("Identity document checked (type and number)"), max_length=200)
    residency_confirmed = forms.BooleanField(
        label=gettext_lazy("The document shows a registered address in the municipality"),
        required=False)
    choices = forms.CharField(
        label=gettext_lazy("Choices on the paper ballot"),
        help_text=gettext_lazy("Project numbers separated by commas; for points or ranks "
                               "write number:value, e.g. 12:3, 15:1."))

    def selection(self) -> list[Choice]:
        result = []
        for part in self.cleaned_data["choices"].replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            number, _sep, value = part.partition(":")
            if not number.strip().isdigit() or (value and not value.strip().isdigit()):
                raise DomainError(_("Write project numbers, e.g. 12, 15 or 12:3."))
            result.append(Choice(int(number), int(value) if value.strip() else None))
        return result


class StartForm(forms.Form):
    project = forms.IntegerField(widget=forms.HiddenInput)
    contractor = forms.CharField(label=gettext_lazy("Contractor"), max_length=300)


class ProgressForm(forms.Form):
    project = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(
        attrs={"type": "date"}))
    progress = forms.IntegerField(label=gettext_lazy("Progress, %"), min_value=0,
                                  max_value=100)
    money_spent = forms.DecimalField(label=gettext_lazy("Money spent so far"), min_value=0,
                                     decimal_places=2, max_digits=14)
    note = forms.CharField(label=gettext_lazy("What was done"), widget=forms.Textarea(
        attrs={"rows": 2}))
    photo = forms.ImageField(label=gettext_lazy("Photo"), required=False)
    done = forms.BooleanField(label=gettext_lazy("The project is finished"), required=False)


def _step(request, cycle, step: str):
    """Run one step of the control room; the forms come back with their errors."""
    post = request.POST
    user = request.user
    if step == "phases":
        form = PhasesForm(post, cycle=cycle)
        if form.is_valid():
            services.cycle_schedule(actor=user, cycle=cycle, dates=form.windows())
            return _("The phase dates are saved."), None
        return None, ("phases", form)
    if step == "tally":
        services.cycle_tally(actor=user, cycle=cycle)
        return _("The votes are counted. Check the results, then publish them."), None
    if step == "publish":
        services.results_publish(actor=user, cycle=cycle)
        return _("The results are published."), None
    if step == "adjust":
        form = _adjustment_form(cycle, post)
        if form.is_valid():
            project = cycle.projects.get(pk=form.cleaned_data["project"])
            services.adjustment_record(actor=user, project=project,
                                       selected=form.cleaned_data["selected"],
                                       reason=form.cleaned_data["reason"])
            return _("The adjustment is recorded."), None
        return None, ("adjust", form)
    if step == "paper":
        form = _paper_form(cycle, post)
        if form.is_valid():
            data = form.cleaned_data
            services.paper_ballot_enter(
                actor=user, unit=cycle.units.get(pk=data["unit"]),
                tax_number=data["tax_number"], birth_date=data["birth_date"],
                given_name=data["given_name"], family_name=data["family_name"],
                identity_document=data["identity_document"],
                residency_confirmed=data["residency_confirmed"], selection=form.selection())
            return _("The paper ballot is entered."), None
        return None, ("paper", form)
    if step == "start":
        form = StartForm(post)
        if form.is_valid():
            project = cycle.projects.get(pk=form.cleaned_data["project"])
            services.implementation_start(actor=user, project=project,
                                          contractor=form.cleaned_data["contractor"])
            return _("The implementation has started."), None
    if step == "progress":
        form = ProgressForm(post, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            project = cycle.projects.get(pk=data["project"])
            services.progress_report(
                actor=user, project=project, date=data["date"], progress=data["progress"],
                money_spent=data["money_spent"], note=data["note"], photo=data["photo"],
                done=data["done"])
            return _("The progress report is published."), None
        return None, ("progress", form)
    raise DomainError(_("Fill in the form."))


def _adjustment_form(cycle, data=None):
    form = AdjustmentForm(data)
    form.fields["project"].choices = [
        (p.pk, f"{p.ref} — {p.title}") for p in cycle.projects.filter(result__isnull=False)]
    return form


def _paper_form(cycle, data=None):
    form = PaperBallotForm(data)
    form.fields["unit"].choices = [(u.pk, u.name) for u in cycle.units.all()]
    return form


def cycle_room(request: HttpRequest, pk: int) -> HttpResponse:
    """Phases, counting, publication, adjustments, paper ballots, implementation."""
    cycle = _cycle_for(request, pk)
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        try:
            done, failed = _step(request, cycle, request.POST.get("step", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except DomainError as exc:
            messages.error(request, exc.message)
        except Project.DoesNotExist as exc:
            raise Http404 from exc
        else:
            if done:
                messages.success(request, done)
                return redirect("budget_admin:cycle", pk=cycle.pk)
            bound[failed[0]] = failed[1]
            messages.error(request, _("Correct the errors below."))
        cycle = _cycle_for(request, pk)
    winners = cycle.projects.filter(status__in=(Project.Status.SELECTED,
                                                Project.Status.IMPLEMENTATION))
    return render(request, "participatory_budget/admin/cycle.html", {
        "cycle": cycle, "header_title": cycle.title,
        "timeline": selectors.phase_timeline(cycle),
        "phases_form": bound.get("phases") or PhasesForm(cycle=cycle),
        "adjust_form": bound.get("adjust") or _adjustment_form(cycle),
        "paper_form": bound.get("paper") or _paper_form(cycle),
        "progress_form": bound.get("progress"),
        "units": selectors.results_of(cycle=cycle),
        "winners": winners, "today": cycle.municipality.local_today(),
        "votable": {u.name: list(selectors.votable_projects(unit=u)) for u in cycle.units.all()},
        "is_admin": request.user.has_perm("participatory_budget.manage_cycle", cycle),
        "is_official": request.user.has_perm("participatory_budget.enter_paper_ballot", cycle),
        "voting_open": cycle.is_open_for("vote"),
        "points": cycle.ballot_type in (BallotType.CUMULATIVE, BallotType.ORDINAL),
        "ballots": cycle.ballots.count(),
    })


def cycle_index(request: HttpRequest) -> HttpResponse:
    municipalities = municipalities_with_role(request.user, ALL_STAFF)
    if not municipalities.exists():
        raise Http404
    cycles = Cycle.objects.filter(municipality__in=municipalities).select_related(
        "municipality").order_by("-created_at")
    return render(request, "participatory_budget/admin/index.html", {
        "cycles": cycles, "header_title": _("Participatory budget"),
        "can_import": municipalities_with_role(request.user, ADMINS).exists(),
    })


class ImportForm(forms.Form):
    municipality = forms.ModelChoiceField(label=gettext_lazy("Municipality"), queryset=None)
    file = forms.FileField(label=gettext_lazy("Pabulib file (.pb)"))
    title = forms.CharField(label=gettext_lazy("Title (optional)"), required=False,
                            max_length=200)


def import_view(request: HttpRequest) -> HttpResponse:
    """An admin imports a Pabulib file as a closed cycle."""
    municipalities = municipalities_with_role(request.user, ADMINS)
    if not municipalities.exists():
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["municipality"].queryset = municipalities
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read().decode("utf-8-sig")
            cycle = services.cycle_import_pabulib(
                actor=request.user, municipality=form.cleaned_data["municipality"],
                text=text, source_name=upload.name, title=form.cleaned_data["title"])
        except UnicodeDecodeError:
            form.add_error("file", _("The file must be UTF-8 text."))
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("The file is imported."))
            return redirect("budget_admin:cycle", pk=cycle.pk)
    return render(request, "participatory_budget/admin/import.html",
                  {"form": form, "header_title": _("Import a Pabulib file")})


@hooks.register("register_admin_urls")
def register_urls():
    urls = [
        path("", cycle_index, name="index"),
        path("import/", import_view, name="import"),
        path("<int:pk>/", cycle_room, name="cycle"),
    ]
    return [path("budget/", (urls, "budget_admin", "budget_admin"))]


class _StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return municipalities_with_role(request.user, ALL_STAFF).exists()


@hooks.register("register_admin_menu_item")
def budget_menu_item():
    return _StaffMenuItem(gettext_lazy("Budget control room"), reverse("budget_admin:index"),
                          icon_name="tasks", order=251)

