"""Staff screens of the module in the Wagtail admin.

- The queue: petitions on moderation and petitions with enough signatures
  in the staff's own municipalities, with deadline badges.
- A petition's review screen: moderators approve or reject with a reason;
  officials take it into consideration and publish the answer.
- The fraud page: addresses and subnets signing unusually fast, and bulk
  invalidation with a preview of exactly what would be removed.
- The statute of the municipality, for its admins.

A petition of a municipality where the person holds no role answers 404.
Every change goes through the services (and so into the audit log).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from edem.core.errors import DomainError
from edem.municipalities.admin_scoping import ADMINS, ALL_STAFF, MODERATORS
from edem.municipalities.admin_scoping import municipalities_with_role as _with_role
from edem.municipalities.calendar import WorkingCalendar

from . import selectors, services
from .forms import AnswerForm, InvalidationForm, RejectForm
from .models import Petition, PetitionSettings


def _staff_municipalities(user, roles=ALL_STAFF):
    return _with_role(user, roles)


def _petition_for(request: HttpRequest, pk: int) -> Petition:
    petition = (
        Petition.objects.select_related("municipality", "author_identity")
        .filter(pk=pk, municipality__in=_staff_municipalities(request.user))
        .first()
    )
    if petition is None or petition.status in (Petition.Status.DRAFT,
                                               Petition.Status.WITHDRAWN):
        raise Http404(_("There is no such petition here."))
    return petition


def queue_view(request: HttpRequest) -> HttpResponse:
    """Petitions waiting for staff, earliest deadline first, with badges."""
    municipalities = _staff_municipalities(request.user)
    if not municipalities.exists():
        raise Http404
    petitions = list(selectors.moderation_queue(municipalities=municipalities)[:200])
    calendars: dict[int, WorkingCalendar] = {}
    for p in petitions:
        calendar = calendars.setdefault(p.municipality_id, WorkingCalendar(p.municipality))
        p.deadline = selectors.petition_deadline(p, calendar=calendar)
    petitions.sort(key=lambda p: (p.deadline.due if p.deadline else dt.date.max))
    return render(
        request, "petitions/admin/queue.html",
        {"petitions": selectors.with_counts(petitions), "header_title": _("Petitions")},
    )


def review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve / reject (moderators); consider / answer (officials)."""
    petition = _petition_for(request, pk)
    reject_form = RejectForm(prefix="reject")
    answer_form = AnswerForm(prefix="answer")
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "approve":
                services.petition_approve(actor=request.user, petition=petition)
                messages.success(request, _("The petition is published."))
                return redirect("petitions_admin:queue")
            if step == "reject":
                reject_form = RejectForm(request.POST, prefix="reject")
                if reject_form.is_valid():
                    services.petition_reject(
                        actor=request.user, petition=petition,
                        reason=reject_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("The petition is rejected."))
                    return redirect("petitions_admin:queue")
            elif step == "consider":
                services.petition_consider(actor=request.user, petition=petition)
                messages.success(request, _("The petition is under consideration."))
                return redirect("petitions_admin:review", pk=petition.pk)
            elif step == "answer":
                answer_form = AnswerForm(request.POST, request.FILES, prefix="answer")
                if answer_form.is_valid():
                    data = answer_form.cleaned_data
                    services.petition_answer(
                        actor=request.user, petition=petition,
                        decision=data["decision"], text=data["text"],
                        attachments=data["attachments"],
                    )
                    messages.success(request, _("The answer is published."))
                    return redirect("petitions_admin:queue")
        except DomainError as exc:
            messages.error(request, exc.message)
        petition.refresh_from_db()
    return render(
        request, "petitions/admin/review.html",
        {
            "petition": petition,
            "count": selectors.signature_count(petition),
            "deadline": selectors.petition_deadline(petition),
            "reject_form": reject_form,
            "answer_form": answer_form,
            "can_moderate": request.user.has_perm("petitions.moderate_petition", petition),
            "can_answer": request.user.has_perm("petitions.answer_petition", petition),
            "header_title": petition.title,
        },
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def fraud_view(request: HttpRequest) -> HttpResponse:
    """Fast-signing addresses and subnets; preview, then confirm, an invalidation."""
    municipalities = _staff_municipalities(request.user, MODERATORS)
    if not municipalities.exists():
        raise Http404
    try:
        hours = max(1, min(int(request.GET.get("hours", 24)), 24 * 30))
    except ValueError:
        hours = 24
    since = timezone.now() - dt.timedelta(hours=hours)
    reports = [
        (m, selectors.fraud_report(municipality=m, since=since)) for m in municipalities
    ]
    form = InvalidationForm(request.POST or request.GET or None)
    preview = None
    petition = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        petition = Petition.objects.filter(
            pk=data["petition"], municipality__in=municipalities
        ).first()
        if petition is None:
            form.add_error("petition", _("There is no such petition in your municipalities."))
        else:
            since_, until_ = _aware(data["since"]), _aware(data["until"])
            try:
                if request.method == "POST":
                    batch = services.signature_invalidate_bulk(
                        actor=request.user, petition=petition, network=data["network"],
                        since=since_, until=until_, reason=data["reason"],
                    )
                    messages.success(
                        request,
                        ngettext(
                            "%(n)d signature is invalidated; the signer is told.",
                            "%(n)d signatures are invalidated; the signers are told.",
                            batch.invalidated,
                        ) % {"n": batch.invalidated},
                    )
                    return redirect("petitions_admin:fraud")
                preview = services.signatures_matching(
                    petition=petition, network=data["network"], since=since_,
                    until=until_,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
    return render(
        request, "petitions/admin/fraud.html",
        {"reports": reports, "hours": hours, "form": form, "preview": preview,
         "petition": petition, "header_title": _("Signature fraud")},
    )


class StatuteForm(forms.ModelForm):
    categories = forms.CharField(
        label=gettext_lazy("Categories (one per line)"), widget=forms.Textarea
    )
    addressees = forms.MultipleChoiceField(
        label=gettext_lazy("Addressees"), widget=forms.CheckboxSelectMultiple,
        choices=[],
    )
    accepted_auth_methods = forms.MultipleChoiceField(
        label=gettext_lazy("Accepted authentication methods (none ticked: all)"),
        widget=forms.CheckboxSelectMultiple, choices=[], required=False,
    )

    class Meta:
        model = PetitionSettings
        fields = list(services.STATUTE_FIELDS)

    def __init__(self, *args, **kwargs):
        from edem.accounts.models import Identity

        from .models import Addressee

        super().__init__(*args, **kwargs)
        self.fields["addressees"].choices = Addressee.choices
        self.fields["accepted_auth_methods"].choices = [
            c for c in Identity.AuthMethod.choices if c[0] != Identity.AuthMethod.OTHER
        ]
        if not self.is_bound:
            self.initial["categories"] = "\n".join(self.instance.categories or [])

    def clean_categories(self):
        lines = self.cleaned_data["categories"].splitlines()
        return [line.strip() for line in lines if line.strip()]


def statute_view(request: HttpRequest, municipality_id: int | None = None) -> HttpResponse:
    """The municipality admin edits the petition statute."""
    municipalities = _staff_municipalities(request.user, ADMINS)
    if municipality_id is None:
        first = municipalities.first()
        if first is None:
            raise Http404
        return redirect("petitions_admin:statute", municipality_id=first.pk)
    municipality = municipalities.filter(pk=municipality_id).first()
    if municipality is None:
        raise Http404
    statute = services.statute_for(municipality)
    form = StatuteForm(request.POST or None, instance=statute)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in services.STATUTE_FIELDS}
        try:
            services.petition_settings_update(
                actor=request.user, municipality=municipality, changes=changes
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The statute is saved."))
            return redirect("petitions_admin:statute", municipality_id=municipality.pk)
    return render(
        request, "petitions/admin/statute.html",
        {"form": form, "municipality": municipality, "municipalities": municipalities,
         "header_title": _("Petition statute")},
    )


@hooks.register("register_admin_urls")
def register_urls():
    urls = [
        path("", queue_view, name="queue"),
        path("<int:pk>/", review_view, name="review"),
        path("fraud/", fraud_view, name="fraud"),
        path("statute/", statute_view, name="statute_choose"),
        path("statute/<int:municipality_id>/", statute_view, name="statute"),
    ]
    return [path("petitions/", (urls, "petitions_admin", "petitions_admin"))]


class _StaffMenuItem(MenuItem):
    roles = ALL_STAFF

    def is_shown(self, request):
        return _staff_municipalities(request.user, self.roles).exists()


class _ModeratorMenuItem(_StaffMenuItem):
    roles = MODERATORS


class _AdminMenuItem(_StaffMenuItem):
    roles = ADMINS


@hooks.register("register_admin_menu_item")
def petitions_menu_item():
    return _StaffMenuItem(
        gettext_lazy("Petitions"), reverse("petitions_admin:queue"), icon_name="doc-full",
        order=240,
    )


@hooks.register("register_admin_menu_item")
def fraud_menu_item():
    return _ModeratorMenuItem(
        gettext_lazy("Signature fraud"), reverse("petitions_admin:fraud"),
        icon_name="warning", order=241,
    )


@hooks.register("register_admin_menu_item")
def statute_menu_item():
    return _AdminMenuItem(
        gettext_lazy("Petition statute"), reverse("petitions_admin:statute_choose"),
        icon_name="cog", order=242,
    )
