"""Thin views: parse input, call a service or selector, render."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from edem.core.errors import DomainError
from edem.core.forms import add_validation_errors
from edem.municipalities.models import Municipality
from edem.participation.selectors import is_following
from edem.participation.services import follow_set

from . import selectors, services
from .filters import PetitionFilter
from .forms import PetitionForm
from .models import Petition

PAGE_SIZE = 20
SIGNERS_PAGE_SIZE = 100


def _client_ip(request: HttpRequest) -> str | None:
    # The proxy in front of gunicorn sets REMOTE_ADDR (see the deployment notes).
    return request.META.get("REMOTE_ADDR") or None


def _querystring(request: HttpRequest, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


def petition_list(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Public petitions with filters, progress bars and the municipality's figures."""
    statute = services.statute_for(municipality)
    base = selectors.petition_list(municipality=municipality)
    petition_filter = PetitionFilter(
        request.GET or None, queryset=base, categories=statute.categories
    )
    qs = petition_filter.qs if petition_filter.is_bound else base.order_by(
        "-published_at"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_counts(page.object_list)
    return render(
        request,
        "petitions/petition_list.html",
        {
            "filter": petition_filter,
            "page": page,
            "statistics": selectors.petition_statistics(municipality=municipality),
            "statute": statute,
            "prev_query": _querystring(request, page=page.previous_page_number())
            if page.has_previous() else "",
            "next_query": _querystring(request, page=page.next_page_number())
            if page.has_next() else "",
        },
    )


def _timeline(petition: Petition) -> list[tuple]:
    steps = [
        (petition.submitted_at, _("Submitted for moderation")),
        (petition.published_at, _("Published, signing opened")),
        (petition.threshold_reached_at, _("Enough signatures collected")),
        (petition.consideration_started_at, _("Taken into consideration")),
        (petition.answered_at, _("Answered")),
    ]
    if petition.status in (Petition.Status.REJECTED, Petition.Status.WITHDRAWN,
                           Petition.Status.EXPIRED):
        steps.append((petition.closed_at, petition.get_status_display()))
    return [(when, label) for when, label in steps if when]


def petition_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The petition: progress, deadline, timeline, answer, signers, sign button."""
    petition = selectors.petition_get(municipality=municipality, pk=pk, viewer=request.user)
    count = selectors.signature_count(petition)
    own = selectors.signature_of(petition=petition, user=request.user)
    eligibility = None
    if petition.signing_open() and not own:
        eligibility = services.eligibility_for(request.user, petition)
    signers = []
    if petition.signers_public and petition.published_at:
        signers = list(selectors.signer_list(petition=petition)[:50])
    similar = []
    if petition.status == Petition.Status.DRAFT:
        similar = selectors.petition_similar(
            municipality=municipality, title=petition.title, exclude_pk=petition.pk
        )
    threshold = petition.signature_threshold or services.statute_for(
        municipality
    ).signature_threshold
    return render(
        request,
        "petitions/petition_detail.html",
        {
            "petition": petition,
            "count": count,
            "threshold": threshold,
            "percent": min(100, int(count * 100 / (threshold or 1))),
            "own_signature": own,
            "eligibility": eligibility,
            "deadline": selectors.petition_deadline(petition),
            "timeline": _timeline(petition),
            "signers": signers,
            "similar": similar,
            "attachments": list(petition.attachments.all()),
            "is_author": request.user.is_authenticated
            and request.user.pk == petition.author_id,
            "following": is_following(user=request.user, target=petition),
        },
    )


@login_required
def petition_create(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Write a petition; it is saved as a draft and shown for a preview."""
    statute = services.statute_for(municipality)
    form = PetitionForm(request.POST or None, request.FILES or None, statute=statute)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            petition = services.petition_create(
                actor=request.user, municipality=municipality, title=data["title"],
                text=data["text"], category=data["category"], addressee=data["addressee"],
                attachments=data["attachments"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("Your draft is saved. Check it and submit it for moderation."),
            )
            return redirect(petition)
    eligibility = services.eligibility_to_create(request.user, municipality)
    return render(
        request,
        "petitions/petition_form.html",
        {"form": form, "statute": statute, "eligibility": eligibility, "petition": None},
    )


@login_required
def petition_edit(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The author changes their draft."""
    petition = selectors.petition_get(municipality=municipality, pk=pk, viewer=request.user)
    statute = services.statute_for(municipality)
    initial = {f: getattr(petition, f) for f in ("title", "text", "category", "addressee")}
    form = PetitionForm(
        request.POST or None, request.FILES or None, statute=statute, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.petition_update(
                actor=request.user, petition=petition, title=data["title"],
                text=data["text"], category=data["category"],
                addressee=data["addressee"], attachments=data["attachments"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your draft is saved."))
            return redirect(petition)
    return render(
        request,
        "petitions/petition_form.html",
        {"form": form, "statute": statute, "eligibility": None, "petition": petition},
    )


def _act(request, municipality, pk, action, success: str) -> HttpResponse:
    petition = selectors.petition_get(municipality=municipality, pk=pk, viewer=request.user)
    try:
        action(petition)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(petition)


@login_required
@require_POST
def petition_submit(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    return _act(
        request, municipality, pk,
        lambda p: services.petition_submit(actor=request.user, petition=p),
        _("Your petition is sent to moderation."),
    )


@login_required
@require_POST
def petition_withdraw(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    return _act(
        request, municipality, pk,
        lambda p: services.petition_withdraw(actor=request.user, petition=p),
        _("Your petition is withdrawn."),
    )


@login_required
@require_POST
def petition_sign(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """Sign with the verified identity; every refusal is a message, never a 500."""
    petition = selectors.petition_get(municipality=municipality, pk=pk, viewer=request.user)
    try:
        services.signature_create(
            actor=request.user, petition=petition, ip=_client_ip(request),
            session_key=request.session.session_key or "",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        status = getattr(exc, "status_code", 400)
        if status == 429:
            response = redirect(petition)
            response["Retry-After"] = "60"
            return response
    else:
        messages.success(request, _("Thank you: your signature is counted."))
    return redirect(petition)


@login_required
@require_POST
def petition_follow(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    petition = selectors.petition_get(municipality=municipality, pk=pk, viewer=request.user)
    following = request.POST.get("following") == "1"
    try:
        follow_set(actor=request.user, target=petition, following=following)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("You follow this petition.") if following
            else _("You no longer follow this petition."),
        )
    return redirect(petition)


def petition_signers(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    """Every signer's given name and initial, when the statute makes them public."""
    petition = selectors.petition_get(municipality=municipality, pk=pk, viewer=request.user)
    signers = (
        selectors.signer_list(petition=petition)
        if petition.signers_public
        else selectors.signer_list(petition=petition).none()
    )
    page = Paginator(signers, SIGNERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "petitions/petition_signers.html", {"petition": petition, "page": page}
    )


def petition_similar(request: HttpRequest, municipality: Municipality) -> JsonResponse:
    """Similar public petitions for the title being typed (used by the form's script)."""
    petitions = selectors.with_counts(
        selectors.petition_similar(
            municipality=municipality, title=request.GET.get("title", "")
        )
    )
    return JsonResponse(
        {
            "results": [
                {"id": p.pk, "title": p.title, "url": p.get_absolute_url(),
                 "status": p.get_status_display(), "signatures": p.count,
                 "signatures_label": signatures_label(p.count)}
                for p in petitions
            ]
        }
    )


def signatures_label(count: int) -> str:
    """"1 signature", "5 signatures" in the reader's language."""
    return ngettext("%(n)d signature", "%(n)d signatures", count) % {"n": count}


CSV_COLUMNS = [
    "id", "title", "category", "addressee", "status", "published_at",
    "collection_ends_at", "signature_threshold", "signatures", "threshold_reached_at",
    "answer_due", "answered_at", "decision", "url",
]


def petition_export(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Open data: every public petition of the municipality as CSV (UTF-8)."""
    qs = selectors.petition_list(municipality=municipality).order_by("published_at", "pk")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="petitions-{municipality.slug}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    base = request.build_absolute_uri("/").rstrip("/")
    for chunk_start in range(0, qs.count(), 500):
        chunk = selectors.with_counts(qs[chunk_start : chunk_start + 500])
        for p in chunk:
            writer.writerow([
                p.pk, _csv_safe(p.title), _csv_safe(p.category), p.addressee, p.status,
                p.published_at.isoformat() if p.published_at else "",
                p.collection_ends_at.isoformat() if p.collection_ends_at else "",
                p.signature_threshold, p.count,
                p.threshold_reached_at.isoformat() if p.threshold_reached_at else "",
                p.answer_due.isoformat() if p.answer_due else "",
                p.answered_at.isoformat() if p.answered_at else "",
                p.decision, base + p.get_absolute_url(),
            ])
    return response


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
