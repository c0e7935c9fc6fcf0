"""Thin views: parse input, call a service or selector, render."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from edem.core.errors import DomainError
from edem.core.forms import add_validation_errors
from edem.core.geo import map_config
from edem.municipalities.models import Municipality
from edem.participation.models import Comment, Feature
from edem.participation.selectors import discussion, is_following
from edem.participation.services import follow_set

from . import selectors, services
from .filters import IdeaFilter
from .forms import CommentForm, IdeaEditForm, IdeaForm
from .models import SUPPORTABLE_STATUSES, Idea

PAGE_SIZE = 20


def _querystring(request: HttpRequest, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


def _filter_query(request: HttpRequest) -> str:
    """The list's filters without the page number (the map shows every page)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- campaigns ----------------------------------------------------------------------


def campaign_list(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """The municipality's campaigns: the running ones first, then the past ones."""
    campaigns = list(selectors.campaign_list(municipality=municipality)[:50])
    for campaign in campaigns:
        campaign.phase_now = campaign.current_phase()
        campaign.phase_label = selectors.phase_label(campaign.phase_now)
        campaign.counts = selectors.campaign_counts(campaign)
    return render(request, "ideas/campaign_list.html", {"campaigns": campaigns})


def campaign_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The landing: theme, the current phase with a countdown, sub-topics, top ideas."""
    campaign = selectors.campaign_get(municipality=municipality, pk=pk, viewer=request.user)
    phase, direction, moment = selectors.campaign_countdown(campaign)
    top = list(
        selectors.idea_list(municipality=municipality, campaign=campaign)
        .order_by("-support_count", "-created_at")[:6]
    )
    proposals_open = campaign.is_open_for(Feature.SUBMIT)
    return render(
        request,
        "ideas/campaign_detail.html",
        {
            "campaign": campaign,
            "timeline": selectors.phase_timeline(campaign),
            "countdown_phase": phase,
            "countdown_label": selectors.phase_label(phase),
            "countdown_direction": direction,
            "countdown_to": moment,
            "subtopics": selectors.subtopic_list(campaign=campaign),
            "top_ideas": top,
            "counts": selectors.campaign_counts(campaign),
            "proposals_open": proposals_open,
            "has_points": selectors.has_points(campaign=campaign),
            "map_config": map_config(municipality),
            "map_query": "",
            "eligibility": services.eligibility_for(request.user, campaign)
            if proposals_open and request.user.is_authenticated else None,
        },
    )


def idea_list(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The campaign's ideas filtered by sub-topic and status, sorted as asked."""
    campaign = selectors.campaign_get(municipality=municipality, pk=pk, viewer=request.user)
    base = selectors.idea_list(municipality=municipality, campaign=campaign)
    idea_filter = IdeaFilter(request.GET or None, queryset=base, campaign=campaign)
    qs = idea_filter.qs if idea_filter.is_bound else base.order_by(
        "-support_count", "-created_at", "-pk"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ideas/idea_list.html",
        {
            "campaign": campaign,
            "filter": idea_filter,
            "page": page,
            "supported": selectors.supported_ids(ideas=page.object_list, user=request.user),
            "proposals_open": campaign.is_open_for(Feature.SUBMIT),
            "has_points": selectors.has_points(campaign=campaign),
            "map_config": map_config(municipality),
            "map_query": _filter_query(request),
            "prev_query": _querystring(request, page=page.previous_page_number())
            if page.has_previous() else "",
            "next_query": _querystring(request, page=page.next_page_number())
            if page.has_next() else "",
        },
    )


def campaign_results(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The ideas the commission selected, their decisions and implementation."""
    campaign = selectors.campaign_get(municipality=municipality, pk=pk, viewer=request.user)
    declined = selectors.idea_list(municipality=municipality, campaign=campaign).filter(
        status=Idea.Status.NOT_SELECTED
    ).order_by("-support_count")
    return render(
        request,
        "ideas/campaign_results.html",
        {"campaign": campaign, "ideas": selectors.results_list(campaign=campaign),
         "declined": declined},
    )


def campaign_statistics(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    campaign = selectors.campaign_get(municipality=municipality, pk=pk, viewer=request.user)
    return render(
        request,
        "ideas/campaign_statistics.html",
        {"campaign": campaign,
         "statistics": selectors.campaign_statistics(campaign=campaign)},
    )


EXPORT_COLUMNS = [
    "id", "title", "subtopic", "status", "created_at", "supports", "comments",
    "lat", "lon", "decision", "decided_at", "implementation", "url",
]


def _export_rows(request: HttpRequest, municipality: Municipality, campaign):
    base = request.build_absolute_uri("/").rstrip("/")
    qs = selectors.idea_list(municipality=municipality, campaign=campaign).order_by("pk")
    for idea in qs.iterator(chunk_size=500):
        yield {
            "id": idea.pk, "title": idea.title, "subtopic": idea.subtopic.title,
            "status": idea.status, "created_at": idea.created_at.isoformat(),
            "supports": idea.support_count, "comments": idea.comment_count,
            "lat": str(idea.lat) if idea.lat is not None else "",
            "lon": str(idea.lon) if idea.lon is not None else "",
            "decision": idea.decision_text,
            "decided_at": idea.decided_at.isoformat() if idea.decided_at else "",
            "implementation": idea.implementation,
            "url": base + idea.get_absolute_url(),
        }


def _csv_safe(value) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def campaign_export_csv(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    """Open data: the campaign's listed ideas with counts and decisions as CSV."""
    campaign = selectors.campaign_get(municipality=municipality, pk=pk, viewer=request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="ideas-{municipality.slug}-{campaign.pk}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    for row in _export_rows(request, municipality, campaign):
        writer.writerow([
            _csv_safe(row[c]) if c in ("title", "subtopic", "decision") else row[c]
            for c in EXPORT_COLUMNS
        ])
    return response


def campaign_export_json(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    """Open data: the campaign, its phases and its listed ideas as JSON."""
    campaign = selectors.campaign_get(municipality=municipality, pk=pk, viewer=request.user)
    data = {
        "campaign": {
            "id": campaign.pk, "title": campaign.title, "municipality": municipality.slug,
            "phases": [
                {"kind": p.kind, "starts_at": p.starts_at, "ends_at": p.ends_at}
                for p in campaign.phases()
            ],
            "subtopics": list(campaign.subtopics.values_list("title", flat=True)),
        },
        "ideas": list(_export_rows(request, municipality, campaign)),
    }
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="ideas-{municipality.slug}-{campaign.pk}.json"'
    )
    return response


def campaign_geojson(
    request: HttpRequest, municipality: Municipality, pk: int
) -> JsonResponse:
    """The campaign's listed ideas that mark a place, as GeoJSON for the map.

    Takes the filters of the idea list (sub-topic, status, words), so the map
    shows what the list shows; at most ``MAP_LIMIT`` ideas, the most supported.
    """
    campaign = selectors.campaign_get(municipality=municipality, pk=pk, viewer=request.user)
    base = selectors.idea_list(municipality=municipality, campaign=campaign)
    idea_filter = IdeaFilter(request.GET or None, queryset=base, campaign=campaign)
    ideas = idea_filter.qs if idea_filter.is_bound and idea_filter.is_valid() else base
    rows, truncated = selectors.idea_points(ideas=ideas)
    labels = dict(Idea.Status.choices)
    prefix = reverse("ideas:detail", kwargs={"municipality": municipality.slug, "pk": 0})
    prefix = prefix[: -len("0/")]
    features = [
        {
            "type": "Feature",
            "id": row["pk"],
            "geometry": {"type": "Point",
                         "coordinates": [float(row["lon"]), float(row["lat"])]},
            "properties": {
                "title": row["title"], "url": f"{prefix}{row['pk']}/",
                "status": row["status"], "status_label": str(labels[row["status"]]),
                "subtopic": row["subtopic__title"], "supports": row["support_count"],
                "supports_label": ngettext(
                    "%(n)d support", "%(n)d supports", row["support_count"]
                ) % {"n": row["support_count"]},
            },
        }
        for row in rows
    ]
    response = JsonResponse(
        {"type": "FeatureCollection", "features": features, "truncated": truncated},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Type"] = "application/geo+json"
    return response


def idea_similar(request: HttpRequest, municipality: Municipality, pk: int) -> JsonResponse:
    """Similar ideas of the campaign for the title being typed (the form's script)."""
    campaign = selectors.campaign_get(municipality=municipality, pk=pk, viewer=request.user)
    ideas = selectors.idea_similar(campaign=campaign, title=request.GET.get("title", ""))
    return JsonResponse(
        {
            "results": [
                {"id": i.pk, "title": i.title, "url": i.get_absolute_url(),
                 "status": i.get_status_display(), "supports": i.support_count,
                 "supports_label": ngettext(
                     "%(n)d support", "%(n)d supports", i.support_count
                 ) % {"n": i.support_count}}
                for i in ideas
            ]
        }
    )


# --- ideas ----------------------------------------------------------------------------


@login_required
def idea_create(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """Propose an idea while the proposal phase is open."""
    campaign = selectors.campaign_get(municipality=municipality, pk=pk, viewer=request.user)
    form = IdeaForm(request.POST or None, request.FILES or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            idea = services.idea_create(
                actor=request.user, campaign=campaign, title=data["title"],
                text=data["text"], subtopic_id=data["subtopic"], image=data["image"],
                lat=data["lat"], lon=data["lon"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Thank you: your idea is published."))
            return redirect(idea)
    return render(
        request,
        "ideas/idea_form.html",
        {
            "campaign": campaign, "form": form, "idea": None,
            "map_config": map_config(municipality),
            "proposals_open": campaign.is_open_for(Feature.SUBMIT),
            "eligibility": services.eligibility_for(request.user, campaign),
            "proposed": selectors.ideas_of_person(campaign=campaign, user=request.user),
        },
    )


@login_required
def idea_edit(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The author changes their idea while proposals are open."""
    idea = selectors.idea_get(municipality=municipality, pk=pk)
    campaign = idea.campaign
    initial = {
        "title": idea.title, "text": idea.text, "subtopic": str(idea.subtopic_id),
        "lat": idea.lat, "lon": idea.lon,
    }
    form = IdeaEditForm(
        request.POST or None, request.FILES or None, campaign=campaign, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.idea_update(
                actor=request.user, idea=idea, title=data["title"], text=data["text"],
                subtopic_id=data["subtopic"], image=data["image"],
                remove_image=data["remove_image"], lat=data["lat"], lon=data["lon"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your idea is saved."))
            return redirect(idea)
    return render(
        request,
        "ideas/idea_form.html",
        {"campaign": campaign, "form": form, "idea": idea,
         "map_config": map_config(municipality),
         "proposals_open": campaign.is_open_for(Feature.SUBMIT), "eligibility": None},
    )


def idea_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The idea: text, place, supports, the decision, updates and the discussion."""
    idea = selectors.idea_get(municipality=municipality, pk=pk)
    campaign = idea.campaign
    user = request.user
    support_open = campaign.is_open_for(Feature.SUPPORT)
    comment_open = campaign.is_open_for(Feature.COMMENT)
    own_support = selectors.support_of(idea=idea, user=user)
    is_author = user.is_authenticated and user.pk == idea.author_id
    eligibility = None
    if user.is_authenticated and (support_open or comment_open) and not is_author:
        eligibility = services.eligibility_for(user, campaign)
    comment_open = comment_open and idea.status in SUPPORTABLE_STATUSES
    return render(
        request,
        "ideas/idea_detail.html",
        {
            "campaign": campaign,
            "idea": idea,
            "phase_label": selectors.phase_label(campaign.current_phase()),
            "support_open": support_open and idea.status in ("published", "shortlisted"),
            "comment_open": comment_open,
            "can_edit": is_author and idea.status == Idea.Status.PUBLISHED
            and campaign.is_open_for(Feature.SUBMIT),
            "can_withdraw": is_author and idea.status == Idea.Status.PUBLISHED
            and not selectors.selection_started(campaign),
            "own_support": own_support,
            "is_author": is_author,
            "eligibility": eligibility,
            **discussion(
                viewer=user, municipality=municipality, target=idea,
                comment_url=reverse(
                    "ideas:comment", kwargs={"municipality": municipality.slug, "pk": idea.pk}
                ),
                can_reply=comment_open and (eligibility is None or eligibility.allowed),
            ),
            "comment_form": CommentForm(),
            "updates": list(selectors.update_list(idea=idea)),
            "following": is_following(user=user, target=idea),
            "map_config": map_config(municipality),
            "is_staff_here": user.has_perm("ideas.moderate_idea", idea)
            or user.has_perm("ideas.decide_idea", idea)
            or user.has_perm("ideas.report_implementation", idea),
        },
    )


def _act(request, municipality, pk, action, success: str) -> HttpResponse:
    idea = selectors.idea_get(municipality=municipality, pk=pk)
    try:
        action(idea)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(idea)


@login_required
@require_POST
def idea_withdraw(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The author withdraws their idea (before the selection); refusals are messages."""
    return _act(
        request, municipality, pk,
        lambda i: services.idea_withdraw(
            actor=request.user, idea=i, reason=request.POST.get("reason", "")
        ),
        _("Your idea is withdrawn: it no longer appears in the lists."),
    )


@login_required
@require_POST
def idea_support(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """Support with the verified identity; every refusal is a message, never a 500."""
    if request.POST.get("withdraw") == "1":
        return _act(
            request, municipality, pk,
            lambda i: services.support_withdraw(actor=request.user, idea=i),
            _("Your support is withdrawn."),
        )
    return _act(
        request, municipality, pk,
        lambda i: services.support_create(actor=request.user, idea=i),
        _("Thank you: your support is counted."),
    )


@login_required
@require_POST
def idea_comment(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    idea = selectors.idea_get(municipality=municipality, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment first."))
        return redirect(idea)
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(
            pk=form.cleaned_data["parent"], municipality=municipality
        ).first()
    try:
        comment = services.idea_comment(
            actor=request.user, idea=idea, body=form.cleaned_data["body"], parent=parent
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(idea)
    messages.success(request, _("Your comment is published."))
    return redirect(f"{idea.get_absolute_url()}#comment-{comment.pk}")


@login_required
@require_POST
def idea_follow(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    following = request.POST.get("following") == "1"
    return _act(
        request, municipality, pk,
        lambda i: follow_set(actor=request.user, target=i, following=following),
        _("You follow this idea.") if following else _("You no longer follow this idea."),
    )
