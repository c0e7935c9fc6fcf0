"""Staff screens of the module in the Wagtail admin.

- Campaigns (municipality admins): theme, description, cover, sub-topics, the
  dates of the four phases, eligibility and limits; publishing.
- Commission members (municipality admins appoint them per campaign).
- Ideas: the list of a municipality's ideas by campaign and status, and an
  idea's review screen where moderators hide, restore and merge, the
  commission shortlists and decides, and the commission or officials post
  implementation updates.

Only the staff's own municipalities are reachable (another's idea is a 404);
every change goes through the services and so into the audit log.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.permissions import register_permission_policy

from edem.accounts.models import Identity
from edem.core.errors import DomainError
from edem.municipalities.admin_scoping import (
    ADMINS,
    ALL_STAFF,
    MunicipalityRolePermissionPolicy,
    MunicipalityScopedViewSetMixin,
    municipalities_with_role,
)

from . import selectors, services
from .forms import DecisionForm, HideForm, MergeForm, UpdateForm
from .models import PHASE_ORDER, Campaign, CommissionMember, Idea, PhaseKind

register_permission_policy(
    Campaign,
    MunicipalityRolePermissionPolicy(
        Campaign, roles_by_action={"view": ALL_STAFF, "add": ADMINS, "change": ADMINS}
    ),
)
register_permission_policy(
    CommissionMember,
    MunicipalityRolePermissionPolicy(
        CommissionMember, municipality_path="campaign__municipality",
        roles_by_action={"view": ALL_STAFF, "add": ADMINS, "delete": ADMINS},
    ),
)


# --- campaigns ------------------------------------------------------------------------


class CampaignForm(WagtailAdminModelForm):
    """The campaign with its sub-topics, phase dates and eligibility in one form."""

    cover_upload = forms.FileField(
        label=gettext_lazy("Cover image"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=gettext_lazy("Re-saved without metadata. Leave empty to keep the current one."),
    )
    subtopics = forms.CharField(
        label=gettext_lazy("Sub-topics or questions (one per line)"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    min_age = forms.IntegerField(
        label=gettext_lazy("Minimum age"), required=False, min_value=14, max_value=120,
        help_text=gettext_lazy("Empty: the municipality's rule."),
    )
    residency_required = forms.NullBooleanField(
        label=gettext_lazy("Residents only"), required=False,
        widget=forms.Select(choices=[
            ("unknown", gettext_lazy("the municipality's rule")),
            ("true", gettext_lazy("yes")),
            ("false", gettext_lazy("no (if the municipality allows)")),
        ]),
    )
    accepted_auth_methods = forms.MultipleChoiceField(
        label=gettext_lazy("Accepted login methods (none ticked: the municipality's)"),
        widget=forms.CheckboxSelectMultiple, required=False, choices=[],
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Published on the site"), required=False
    )

    class Meta:
        model = Campaign
        fields = ["municipality", "title", "description", "ideas_per_person"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accepted_auth_methods"].choices = [
            c for c in Identity.AuthMethod.choices if c[0] != Identity.AuthMethod.OTHER
        ]
        for kind in PHASE_ORDER:
            label = PhaseKind(kind).label
            self.fields[f"{kind}_starts"] = forms.DateTimeField(
                label=_("%(phase)s: starts") % {"phase": label}, widget=AdminDateTimeInput
            )
            self.fields[f"{kind}_ends"] = forms.DateTimeField(
                label=_("%(phase)s: ends") % {"phase": label}, widget=AdminDateTimeInput
            )
        campaign = self.instance
        if campaign.pk and not self.is_bound:
            process = campaign.process
            self.initial.update({
                "subtopics": "\n".join(campaign.subtopics.values_list("title", flat=True)),
                "min_age": process.min_age,
                "residency_required": process.residency_required,
                "accepted_auth_methods": process.accepted_auth_methods,
                "publish": campaign.is_published,
            })
            for phase in process.phases.all():
                self.initial[f"{phase.kind}_starts"] = phase.starts_at
                self.initial[f"{phase.kind}_ends"] = phase.ends_at
        if campaign.pk:
            self.fields["municipality"].disabled = True

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            arguments = self.service_arguments()
            try:
                services.campaign_validate(
                    campaign=self.instance if self.instance.pk else None,
                    **{k: arguments[k] for k in ("title", "description",
                                                 "ideas_per_person", "subtopics",
                                                 "phases")},
                )
            except ValidationError as exc:
                self.add_service_errors(exc)
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "ideas_per_person": data["ideas_per_person"],
            "subtopics": data["subtopics"].splitlines(),
            "phases": {
                kind: (data.get(f"{kind}_starts"), data.get(f"{kind}_ends"))
                for kind in PHASE_ORDER
            },
            "cover": data.get("cover_upload"),
            "min_age": data.get("min_age"),
            "residency_required": data.get("residency_required"),
            "accepted_auth_methods": data.get("accepted_auth_methods") or [],
            "publish": data.get("publish", False),
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        mapping = {"phases": None, "subtopics": "subtopics", "publish": "publish"}
        for field, errors in exc.message_dict.items():
            target = mapping.get(field, field)
            self.add_error(target if target in self.fields else None, errors)


class CampaignViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Campaign
    icon = "calendar-alt"
    menu_label = gettext_lazy("Campaigns")
    copy_view_enabled = False
    list_display = ["title", "municipality", "published_at", "created_at"]
    search_fields = ["title"]
    form_fields = CampaignForm.Meta.fields

    def get_form_class(self, for_update=False):
        return CampaignForm

    def _run(self, form, call):
        try:
            return call(**form.service_arguments())
        except ValidationError as exc:
            form.add_service_errors(exc)
            raise DomainError(_("Check the fields marked.")) from exc

    def service_create(self, request, form):
        return self._run(
            form,
            lambda **kw: services.campaign_create(
                actor=request.user, municipality=form.cleaned_data["municipality"], **kw
            ),
        )

    def service_update(self, request, form, instance):
        stored = Campaign.objects.get(pk=instance.pk)
        return self._run(
            form,
            lambda **kw: services.campaign_update(actor=request.user, campaign=stored, **kw),
        )


class CommissionMemberForm(WagtailAdminModelForm):
    class Meta:
        model = CommissionMember
        fields = ["campaign", "user"]


class CommissionMemberViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = CommissionMember
    municipality_path = "campaign__municipality"
    icon = "group"
    menu_label = gettext_lazy("Commission members")
    copy_view_enabled = False
    list_display = ["user", "campaign", "created_at"]
    form_fields = CommissionMemberForm.Meta.fields

    def get_form_class(self, for_update=False):
        return CommissionMemberForm

    def limit_form(self, user, form, action: str) -> None:
        field = form.fields.get("campaign")
        if field is not None:
            field.queryset = Campaign.objects.filter(
                municipality__in=self.allowed_municipalities(user, action)
            )

    def service_create(self, request, form):
        return services.commission_member_add(
            actor=request.user, campaign=form.cleaned_data["campaign"],
            user=form.cleaned_data["user"],
        )

    def service_delete(self, request, instance):
        services.commission_member_remove(actor=request.user, member=instance)


class IdeasViewSetGroup(ModelViewSetGroup):
    items = (CampaignViewSet("idea_campaigns"), CommissionMemberViewSet("idea_commission"))
    menu_label = gettext_lazy("Idea campaigns")
    menu_icon = "calendar-alt"
    menu_order = 245


@hooks.register("register_admin_viewset")
def register_viewsets():
    return IdeasViewSetGroup()


# --- ideas: list and review -----------------------------------------------------------


def _reachable_ideas(user):
    """Ideas of the municipalities where the user holds a role, or of campaigns
    whose commission they sit on."""
    municipalities = municipalities_with_role(user, ALL_STAFF)
    if getattr(user, "is_superuser", False):
        return Idea.objects.all()
    return Idea.objects.filter(
        Q(municipality__in=municipalities) | Q(campaign__commission__user=user)
    ).distinct()


def _idea_for(request: HttpRequest, pk: int) -> Idea:
    idea = (
        _reachable_ideas(request.user)
        .select_related("municipality", "campaign", "campaign__process", "subtopic",
                        "author_identity", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if idea is None:
        raise Http404(_("There is no such idea here."))
    return idea


def idea_index_view(request: HttpRequest) -> HttpResponse:
    """The staff's ideas by campaign and status, the most supported first."""
    ideas = _reachable_ideas(request.user)
    campaigns = Campaign.objects.filter(pk__in=ideas.values("campaign")).order_by(
        "-created_at"
    )
    if not campaigns.exists() and not municipalities_with_role(
        request.user, ALL_STAFF
    ).exists():
        raise Http404
    campaign_id = request.GET.get("campaign") or ""
    status = request.GET.get("status") or ""
    qs = ideas.select_related("municipality", "campaign", "subtopic")
    if campaign_id.isdigit():
        qs = qs.filter(campaign_id=int(campaign_id))
    if status in Idea.Status.values:
        qs = qs.filter(status=status)
    return render(
        request, "ideas/admin/index.html",
        {"ideas": qs.order_by("-support_count", "-created_at")[:300],
         "campaigns": campaigns, "statuses": Idea.Status.choices,
         "campaign_id": campaign_id, "status": status,
         "header_title": _("Ideas")},
    )


def _step(request: HttpRequest, idea: Idea):
    """Run the step the form posted; return the form to show again on refusal."""
    step = request.POST.get("step")
    user = request.user
    if step == "hide":
        form = HideForm(request.POST, prefix="hide")
        if form.is_valid():
            services.idea_hide(actor=user, idea=idea, reason=form.cleaned_data["reason"])
            return _("The idea is hidden; the author is told."), None
        return None, ("hide_form", form)
    if step == "restore":
        services.idea_restore(actor=user, idea=idea)
        return _("The idea is shown again."), None
    if step == "merge":
        form = MergeForm(
            request.POST, prefix="merge", candidates=selectors.merge_candidates(idea=idea)
        )
        if form.is_valid():
            services.idea_merge(
                actor=user, idea=idea, into=form.cleaned_data["into"],
                reason=form.cleaned_data["reason"],
            )
            return _("The ideas are merged; both authors are told."), None
        return None, ("merge_form", form)
    if step in ("shortlist", "unshortlist"):
        services.idea_shortlist(actor=user, idea=idea, shortlisted=step == "shortlist")
        return (
            _("The idea is on the shortlist.") if step == "shortlist"
            else _("The idea is off the shortlist.")
        ), None
    if step == "decide":
        form = DecisionForm(request.POST, prefix="decide")
        if form.is_valid():
            services.idea_decide(
                actor=user, idea=idea, selected=form.cleaned_data["selected"],
                decision=form.cleaned_data["decision"],
            )
            return _("The decision is published."), None
        return None, ("decision_form", form)
    if step == "update":
        form = UpdateForm(request.POST, prefix="update")
        if form.is_valid():
            data = form.cleaned_data
            services.implementation_update_create(
                actor=user, idea=idea, text=data["text"],
                implementation=data["implementation"], happened_on=data["happened_on"],
            )
            return _("The update is published; the followers are told."), None
        return None, ("update_form", form)
    raise DomainError(_("Unknown step."))


def idea_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Hide / restore / merge (moderators); shortlist / decide (the commission);
    implementation updates (the commission and officials)."""
    idea = _idea_for(request, pk)
    user = request.user
    forms_ = {
        "hide_form": HideForm(prefix="hide"),
        "merge_form": MergeForm(
            prefix="merge", candidates=selectors.merge_candidates(idea=idea)
        ),
        "decision_form": DecisionForm(prefix="decide"),
        "update_form": UpdateForm(
            prefix="update", initial={"happened_on": idea.municipality.local_today(),
                                      "implementation": idea.implementation or None},
        ),
    }
    if request.method == "POST":
        try:
            done, invalid = _step(request, idea)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if done:
                messages.success(request, done)
                return redirect("ideas_admin:review", pk=idea.pk)
            forms_[invalid[0]] = invalid[1]
        idea.refresh_from_db()
    return render(
        request, "ideas/admin/review.html",
        {
            "idea": idea,
            "updates": list(selectors.update_list(idea=idea)),
            "phase_label": selectors.phase_label(idea.campaign.current_phase()),
            "can_moderate": user.has_perm("ideas.moderate_idea", idea),
            "can_decide": user.has_perm("ideas.decide_idea", idea),
            "can_report": user.has_perm("ideas.report_implementation", idea),
            "header_title": idea.title,
            **forms_,
        },
    )


@hooks.register("register_admin_urls")
def register_urls():
    urls = [
        path("", idea_index_view, name="index"),
        path("<int:pk>/", idea_review_view, name="review"),
    ]
    return [path("ideas/", (urls, "ideas_admin", "ideas_admin"))]


class _IdeasMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return municipalities_with_role(user, ALL_STAFF).exists() or (
            CommissionMember.objects.filter(user=user).exists()
        )


@hooks.register("register_admin_menu_item")
def ideas_menu_item():
    return _IdeasMenuItem(
        gettext_lazy("Ideas"), reverse("ideas_admin:index"), icon_name="comment", order=244
    )
