"""Thin views: parse input, call a service or selector, render."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edem.core.errors import DomainError
from edem.core.geo import map_config
from edem.municipalities.models import Municipality
from edem.participation.models import Comment, Feature
from edem.participation.selectors import discussion, is_following
from edem.participation.services import follow_set

from . import selectors, services
from .filters import ProjectFilter
from .forms import (
    CommentForm,
    CorrectionForm,
    CostItemFormSet,
    DecisionForm,
    MessageForm,
    ProjectForm,
)
from .models import BallotType, CostItem, Cycle, PhaseKind, Project
from .services import Choice, CostLine

PAGE_SIZE = 30


# --- cycles -----------------------------------------------------------------------


def cycle_list(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Every budget cycle of the municipality, running ones first."""
    cycles = list(selectors.cycle_list(municipality=municipality))
    for cycle in cycles:
        cycle.timeline = selectors.phase_timeline(cycle)
        cycle.now = next((p for p in cycle.timeline if p["state"] == "now"), None)
    return render(request, "participatory_budget/cycle_list.html", {
        "cycles": cycles,
        "building": selectors.projects_in_implementation(municipality=municipality)[:6],
    })


def cycle_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """A cycle: phases, units with budgets, what one can do now, its projects."""
    cycle = selectors.cycle_get(municipality=municipality, pk=pk)
    project_filter = ProjectFilter(request.GET or None, queryset=Project.objects.none(),
                                   municipality=municipality, cycle=cycle)
    qs = selectors.project_list(municipality=municipality,
                                filters={**project_filter.selector_filters(), "cycle": cycle})
    page = Paginator(qs.order_by("unit__order", "title"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "participatory_budget/cycle_detail.html", {
        "cycle": cycle, "timeline": selectors.phase_timeline(cycle),
        "units": list(cycle.units.all()), "filter": project_filter, "page": page,
        "submission_open": cycle.is_open_for(Feature.SUBMIT),
        "support_open": cycle.is_open_for(Feature.SUPPORT),
        "support_phase": cycle.phase(PhaseKind.SUPPORT),
        "supported": selectors.supported_ids(user=request.user, cycle=cycle),
        "voting_open": cycle.is_open_for(Feature.VOTE),
        "rules_frozen": cycle.rules_frozen(),
        "has_results": cycle.results_published_at is not None,
        "money": selectors.cycle_money(cycle),
        "ballot_help": selectors.ballot_type_help(cycle),
    })


# --- projects ---------------------------------------------------------------------


def _cost_lines(formset) -> list[CostLine]:
    return [CostLine(f.cleaned_data.get("description", ""), f.cleaned_data.get("amount", ""))
            for f in formset.forms if f.is_valid()]


@login_required
def project_create(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """Submit a project: text, category/district, place, cost breakdown, images."""
    cycle = selectors.cycle_get(municipality=municipality, pk=pk)
    units = list(cycle.units.all())
    for unit in units:
        unit.cycle = cycle
    form = ProjectForm(request.POST or None, request.FILES or None, units=units)
    items = CostItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.pk == data["unit"])
        try:
            project = services.project_submit(
                actor=request.user, cycle=cycle, unit=unit, title=data["title"],
                description=data["description"], cost_items=_cost_lines(items),
                lat=data["lat"], lon=data["lon"], area=data["area"] or None,
                address=data["address"], images=data["images"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field.startswith("cost_items"):
                    items._non_form_errors = items.error_class(
                        [*items.non_form_errors(), *errors])
                else:
                    form.add_error(field if field in form.fields else None, errors)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your project is submitted. The commission will "
                                        "review it; you will hear about its decision."))
            return redirect(project)
    return render(request, "participatory_budget/project_form.html", {
        "cycle": cycle, "form": form, "items": items, "map_config": map_config(municipality),
        "eligibility": services.eligibility_for(request.user, cycle, "budget.submit"),
        "submission_open": cycle.is_open_for(Feature.SUBMIT),
    })


def project_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """A project: description, place, cost breakdown, review, result, implementation."""
    project = selectors.project_get(municipality=municipality, pk=pk)
    user = request.user
    cycle = project.cycle
    is_author = request.user.has_perm("participatory_budget.answer_review", project)
    support_open = (cycle.is_open_for(Feature.SUPPORT)
                    and project.status in services.SUPPORTABLE_STATUSES)
    comment_open = cycle.is_open_for(Feature.COMMENT)
    eligibility = None
    if user.is_authenticated and (support_open or comment_open):
        eligibility = services.eligibility_for(user, cycle, "budget.support")
    return render(request, "participatory_budget/project_detail.html", {
        "project": project, "cycle": project.cycle,
        "items": list(project.cost_items.all()),
        "images": list(project.images.all()),
        "coauthors": list(project.coauthors.select_related("identity")),
        "assessments": list(project.assessments.all()),
        "review_messages": list(project.review_messages.select_related("author")),
        "reports": list(project.progress_reports.all()),
        "result": getattr(project, "result", None),
        "adjustment": getattr(project, "adjustment", None),
        "is_author": is_author,
        "can_review": user.has_perm("participatory_budget.review_project", project),
        "message_form": MessageForm(),
        "join_url": request.build_absolute_uri(reverse(
            "participatory_budget:join",
            kwargs={"municipality": municipality.slug, "pk": project.pk,
                    "code": project.coauthor_code})) if is_author else "",
        "following": is_following(user=user, target=project),
        "support_phase": cycle.phase(PhaseKind.SUPPORT),
        "support_percent": min(100, project.support_count * 100 / cycle.min_supports)
        if cycle.min_supports else 0,
        "support_open": support_open,
        "supported": project.pk in selectors.supported_ids(user=user, cycle=cycle),
        "eligibility": eligibility,
        **discussion(
            viewer=user, municipality=municipality, target=project,
            comment_url=reverse("participatory_budget:comment",
                                kwargs={"municipality": municipality.slug, "pk": project.pk}),
            can_reply=comment_open and (eligibility is None or eligibility.allowed),
        ),
        "comment_open": comment_open,
        "comment_form": CommentForm(),
        "map_config": map_config(municipality),
        "area_json": json.dumps(project.area) if project.area else "",
    })


@login_required
def project_review(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The commission's screen: criteria, cost corrections, admit or reject."""
    project = selectors.project_get(municipality=municipality, pk=pk)
    if not request.user.has_perm("participatory_budget.review_project", project):
        raise Http404(_("There is no such budget project here."))
    decision = DecisionForm(request.POST if request.POST.get("step") in ("admit", "reject")
                            else None)
    correction = CorrectionForm(request.POST if request.POST.get("step") == "correct" else None)
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "assess":
                for n, criterion in enumerate(project.cycle.review_criteria):
                    verdict = request.POST.get(f"feasible-{n}")
                    if verdict in ("yes", "no"):
                        services.project_assess(
                            actor=request.user, project=project, criterion=criterion,
                            feasible=verdict == "yes",
                            comment=request.POST.get(f"comment-{n}", ""))
                messages.success(request, _("The assessment is saved."))
            elif step == "correct" and correction.is_valid():
                item = CostItem.objects.filter(project=project,
                                               pk=correction.cleaned_data["item"]).first()
                if item is None:
                    raise Http404
                services.cost_item_correct(actor=request.user, item=item,
                                           amount=correction.cleaned_data["amount"],
                                           note=correction.cleaned_data["note"])
                messages.success(request, _("The cost is corrected."))
            elif step == "admit" and decision.is_valid():
                services.project_admit(actor=request.user, project=project,
                                       reason=decision.cleaned_data["reason"])
                messages.success(request, _("The project is admitted to the vote."))
                return redirect(project)
            elif step == "reject" and decision.is_valid():
                services.project_reject(actor=request.user, project=project,
                                        reason=decision.cleaned_data["reason"])
                messages.success(request, _("The project is rejected."))
                return redirect(project)
            else:
                raise DomainError(_("Fill in the form."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("participatory_budget:review", municipality=municipality.slug,
                            pk=project.pk)
    judged = {a.criterion: a for a in project.assessments.all()}
    return render(request, "participatory_budget/project_review.html", {
        "project": project, "cycle": project.cycle,
        "criteria": [(n, c, judged.get(c)) for n, c in enumerate(project.cycle.review_criteria)],
        "items": list(project.cost_items.all()), "decision": decision,
        "review_messages": list(project.review_messages.select_related("author")),
        "message_form": MessageForm(),
        "queue": list(selectors.review_queue(cycle=project.cycle)[:50]),
    })


@login_required
@require_POST
def project_message(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """An author answers the commission (or a member writes to the authors)."""
    project = selectors.project_get(municipality=municipality, pk=pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.review_message_post(actor=request.user, project=project,
                                         body=form.cleaned_data["body"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your message is sent."))
    else:
        messages.error(request, _("Write a message first."))
    return redirect(request.POST.get("back") == "review" and reverse(
        "participatory_budget:review", kwargs={"municipality": municipality.slug,
                                                "pk": project.pk}) or project)


@login_required
def project_join(request: HttpRequest, municipality: Municipality, pk: int,
                 code: str) -> HttpResponse:
    """The author's invitation link: confirm to become a co-author."""
    project = selectors.project_get(municipality=municipality, pk=pk)
    if request.method == "POST":
        try:
            services.project_join(actor=request.user, project=project, code=code)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You are now a co-author of this project."))
        return redirect(project)
    return render(request, "participatory_budget/project_join.html",
                  {"project": project, "code": code})


@login_required
@require_POST
def project_follow(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    project = selectors.project_get(municipality=municipality, pk=pk)
    following = request.POST.get("following") == "1"
    try:
        follow_set(actor=request.user, target=project, following=following)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You follow this project.") if following
                         else _("You no longer follow this project."))
    return redirect(project)


@login_required
@require_POST
def project_support(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """Support a project (or withdraw the support); every refusal is a message."""
    project = selectors.project_get(municipality=municipality, pk=pk)
    try:
        if request.POST.get("withdraw") == "1":
            services.support_withdraw(actor=request.user, project=project)
            messages.success(request, _("Your support is withdrawn."))
        else:
            services.support_create(actor=request.user, project=project)
            messages.success(request, _("Thank you: your support is counted."))
    except DomainError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect(project)


@login_required
@require_POST
def project_comment(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """Publish a comment (or a reply) in the project's discussion."""
    project = selectors.project_get(municipality=municipality, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment first."))
        return redirect(f"{project.get_absolute_url()}#comments")
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"],
                                        municipality=municipality).first()
    try:
        comment = services.project_comment(actor=request.user, project=project,
                                           body=form.cleaned_data["body"], parent=parent)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{project.get_absolute_url()}#comments")
    messages.success(request, _("Your comment is published."))
    return redirect(f"{project.get_absolute_url()}#comment-{comment.pk}")


# --- voting -----------------------------------------------------------------------


def _selection_from(request: HttpRequest, cycle: Cycle, projects) -> list[Choice]:
    """The ballot form as choices: ticks, points or ranks (empty fields ignored)."""
    kind = cycle.ballot_type
    if kind in (BallotType.APPROVAL, BallotType.KNAPSACK):
        ticked = set(request.POST.getlist("project"))
        return [Choice(p.pk) for p in projects if str(p.pk) in ticked]
    field = "points" if kind == BallotType.CUMULATIVE else "rank"
    selection = []
    for p in projects:
        raw = (request.POST.get(f"{field}-{p.pk}") or "").strip()
        if not raw or raw == "0" and kind == BallotType.CUMULATIVE:
            continue
        if not raw.isdigit():
            raise DomainError(_("Use whole numbers for points and places."))
        selection.append(Choice(p.pk, int(raw)))
    return selection


def _ballot_redirect(municipality, cycle, unit):
    return redirect("participatory_budget:vote", municipality=municipality.slug,
                    pk=cycle.pk, unit=unit.pk)


def ballot(request: HttpRequest, municipality: Municipality, pk: int, unit: int) -> HttpResponse:
    """The ballot of one unit: choose, see what is left, save. Works without JavaScript."""
    cycle = selectors.cycle_get(municipality=municipality, pk=pk)
    unit_obj = selectors.unit_get(cycle=cycle, pk=unit)
    projects = list(selectors.votable_projects(unit=unit_obj))
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            selection = _selection_from(request, cycle, projects)
            services.ballot_submit(actor=request.user, unit=unit_obj, selection=selection)
        except DomainError as exc:
            messages.error(request, exc.message)
            chosen = _posted_values(request, cycle)
        else:
            messages.success(request, _("Your ballot is saved. Thank you for voting!"))
            return _ballot_redirect(municipality, cycle, unit_obj)
    else:
        chosen = None
    own = selectors.ballot_of(unit=unit_obj, user=request.user)
    state = selectors.ballot_state(unit=unit_obj, ballot=own)
    stored = {}
    if own is not None:
        stored = {c.project_id: (c.rank if c.rank is not None else c.points)
                  for c in own.choices.all()}
    values = chosen if chosen is not None else stored
    for p in projects:
        p.chosen = p.pk in values
        p.value = values.get(p.pk) or ""
    return render(request, "participatory_budget/ballot.html", {
        "cycle": cycle, "unit": unit_obj, "projects": projects, "ballot": own,
        "state": state, "stored": stored, "help": selectors.ballot_type_help(cycle),
        "voting_open": cycle.is_open_for(Feature.VOTE),
        "eligibility": services.eligibility_for(request.user, cycle)
        if request.user.is_authenticated else None,
        "ranks": range(1, min(cycle.max_picks, len(projects)) + 1),
        "can_change": own is None or cycle.ballot_change_allowed,
    })


def _posted_values(request: HttpRequest, cycle: Cycle) -> dict[int, object]:
    """What the voter had ticked or typed, to show the form back unchanged."""
    values: dict[int, object] = {}
    if cycle.ballot_type in (BallotType.APPROVAL, BallotType.KNAPSACK):
        for raw in request.POST.getlist("project"):
            if raw.isdigit():
                values[int(raw)] = True
        return values
    prefix = "points-" if cycle.ballot_type == BallotType.CUMULATIVE else "rank-"
    for key, raw in request.POST.items():
        if key.startswith(prefix) and key[len(prefix):].isdigit() and raw.strip():
            values[int(key[len(prefix):])] = raw.strip()
    return values


@login_required
@require_POST
def ballot_change(request: HttpRequest, municipality: Municipality, pk: int, unit: int,
                  action: str) -> HttpResponse:
    """Add one project to the ballot (or remove it); the limit is checked on the locked row."""
    cycle = selectors.cycle_get(municipality=municipality, pk=pk)
    unit_obj = selectors.unit_get(cycle=cycle, pk=unit)
    raw = request.POST.get("project", "")
    value = request.POST.get("value", "")
    try:
        if not raw.isdigit() or (value and not value.isdigit()):
            raise DomainError(_("Choose a project from the list."))
        if action == "add":
            services.ballot_add(actor=request.user, unit=unit_obj, project_id=int(raw),
                                value=int(value) if value else None)
            messages.success(request, _("The project is on your ballot."))
        else:
            services.ballot_remove(actor=request.user, unit=unit_obj, project_id=int(raw))
            messages.success(request, _("The project is off your ballot."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _ballot_redirect(municipality, cycle, unit_obj)


# --- results, statistics, open data ---------------------------------------------------


def results(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The count of every unit, each decision explained, with vote and budget bars."""
    cycle = selectors.cycle_get(municipality=municipality, pk=pk)
    staff_preview = request.user.has_perm("participatory_budget.manage_cycle", cycle)
    if cycle.results_published_at is None and not cycle.is_imported and not staff_preview:
        raise Http404(_("The results of this cycle are not published yet."))
    return render(request, "participatory_budget/results.html", {
        "cycle": cycle, "units": selectors.results_of(cycle=cycle),
        "preview": cycle.results_published_at is None and not cycle.is_imported,
    })


def statistics(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """Turnout by day, unit and age group, with bars (counts only)."""
    cycle = selectors.cycle_get(municipality=municipality, pk=pk)
    data = selectors.turnout(cycle=cycle)
    for key in ("by_day", "by_unit", "by_age"):
        top = max((r["count"] or 0 for r in data[key]), default=0) or 1
        for row in data[key]:
            row["percent"] = (row["count"] or 0) * 100 / top
    return render(request, "participatory_budget/statistics.html", {"cycle": cycle, "data": data})


def statistics_export(request: HttpRequest, municipality: Municipality, pk: int,
                      fmt: str) -> HttpResponse:
    """Open data: the turnout figures as JSON or CSV (one row per breakdown value)."""
    cycle = selectors.cycle_get(municipality=municipality, pk=pk)
    data = selectors.turnout(cycle=cycle)
    if fmt == "json":
        return JsonResponse({"cycle": cycle.pk, "title": cycle.title, **data},
                            json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="turnout-{cycle.pk}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["breakdown", "value", "ballots"])

    def shown(row) -> object:
        # A suppressed group: "<5" (fewer than five) or "suppressed" (hidden
        # alongside one, so it cannot be recovered by subtraction).
        if not row["hidden"]:
            return row["count"]
        return f"<{row['fewer_than']}" if row["fewer_than"] else "suppressed"

    for key, label, name in (("by_day", "day", "day"), ("by_unit", "unit", "unit"),
                             ("by_age", "age_group", "age_group"),
                             ("by_source", "source", "source")):
        for row in data[key]:
            writer.writerow([label, row[name], shown(row)])
    return response


def export_pabulib(request: HttpRequest, municipality: Municipality, pk: int,
                   unit: int) -> HttpResponse:
    """A unit's anonymised ballots as a Pabulib ``.pb`` file, once voting has closed."""
    cycle = selectors.cycle_get(municipality=municipality, pk=pk)
    unit_obj = selectors.unit_get(cycle=cycle, pk=unit)
    try:
        text = services.cycle_export_pabulib(cycle=cycle, unit=unit_obj)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{municipality.slug}_{cycle.pk}_{unit_obj.pk}.pb"')
    return response


def budget_map(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """"Budget on the map": every project of every cycle, coloured by progress."""
    project_filter = ProjectFilter(request.GET or None, queryset=Project.objects.none(),
                                   municipality=municipality)
    return render(request, "participatory_budget/map.html", {
        "filter": project_filter, "map_config": map_config(municipality),
        "geojson_query": request.GET.urlencode(),
        "projects": selectors.project_list(
            municipality=municipality, filters=project_filter.selector_filters()
        ).order_by("-cycle__created_at", "title")[:200],
    })


def budget_geojson(request: HttpRequest, municipality: Municipality) -> JsonResponse:
    """The projects on the map as GeoJSON, with the same filters as the page."""
    project_filter = ProjectFilter(request.GET or None, queryset=Project.objects.none(),
                                   municipality=municipality)
    if project_filter.is_bound and not project_filter.form.is_valid():
        return JsonResponse({"error": project_filter.form.errors.get_json_data()}, status=400)
    data = selectors.project_geojson(municipality=municipality,
                                     filters=project_filter.selector_filters())
    response = JsonResponse(data)
    response["Cache-Control"] = "public, max-age=60"
    return response



