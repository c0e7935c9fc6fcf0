"""Thin views: parse input, call a service or selector, render."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from edem.core.errors import DomainError
from edem.core.forms import add_validation_errors
from edem.core.geo import BBox, map_config
from edem.municipalities.models import Municipality, Organisation
from edem.participation.selectors import is_following
from edem.participation.services import follow_set

from . import selectors, services
from .filters import ReportFilter
from .forms import (
    AcceptForm,
    AssignForm,
    BulkForm,
    CallerReportForm,
    CancelWorkForm,
    CommentForm,
    ConfirmForm,
    DuplicateForm,
    ForwardForm,
    RateForm,
    RefuseForm,
    ReopenForm,
    ReportForm,
    ResolveForm,
    WorkForm,
)
from .models import DEADLINE_STATUSES, Report, Work

PAGE_SIZE = 20


def _querystring(request: HttpRequest, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def report_list(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """The public map and list of reports with filters."""
    report_filter = ReportFilter(
        request.GET or None, queryset=Report.objects.none(), municipality=municipality
    )
    filters = report_filter.selector_filters()
    qs = selectors.report_list(municipality=municipality, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "opencity/report_list.html",
        {
            "filter": report_filter,
            "page": page,
            "map_config": map_config(municipality),
            "geojson_query": _without_page(request),
            "prev_query": _querystring(request, page=page.previous_page_number())
            if page.has_previous() else "",
            "next_query": _querystring(request, page=page.next_page_number())
            if page.has_next() else "",
            "can_file_for_caller": request.user.has_perm(
                "opencity.file_report_for_caller", municipality
            ),
        },
    )


def report_geojson(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Public reports in ``bbox=west,south,east,north`` as GeoJSON, paged by ``after``."""
    bbox = None
    if request.GET.get("bbox"):
        try:
            bbox = BBox.parse(request.GET["bbox"])
        except DomainError as exc:
            return JsonResponse({"error": str(exc.message)}, status=400)
    try:
        after = int(request.GET.get("after") or 0)
        limit = int(request.GET.get("limit") or selectors.MAP_PAGE_SIZE)
    except ValueError:
        return JsonResponse({"error": _("Paging values must be whole numbers.")}, status=400)
    filters = {}
    # The filter form is built only when a filter is asked for: the bare box is
    # the hot path of the map.
    if any(request.GET.get(name) for name in ReportFilter.Meta.fields):
        report_filter = ReportFilter(
            request.GET, queryset=Report.objects.none(), municipality=municipality
        )
        if not report_filter.form.is_valid():
            return JsonResponse(
                {"error": report_filter.form.errors.get_json_data()}, status=400)
        filters = report_filter.selector_filters()
    body = selectors.report_geojson_text(
        municipality=municipality, bbox=bbox, filters=filters, after=after, limit=limit,
    )
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=30"
    return response


def _report_form_context(municipality, form) -> dict:
    return {
        "form": form,
        "map_config": map_config(municipality),
        "categories": form.categories,
    }


# The services' names of a report's fields that the form shows elsewhere.
REPORT_ERROR_FIELDS = {"location": "lat", "extra": None, "point": "lat"}


@login_required
def report_create(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """A resident reports a problem: category, description, point, photos."""
    if not request.user.has_perm("opencity.add_report", municipality):
        messages.error(
            request,
            _("This municipality accepts reports only from residents with a verified "
              "identity. Log in with BankID, an e-signature or Diia."),
        )
        return redirect("opencity:list", municipality=municipality.slug)
    categories = services.category_choices(municipality)
    form = ReportForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_create(
                actor=request.user, municipality=municipality,
                category=data["category"], description=data["description"],
                lat=data["lat"], lon=data["lon"], address=data["address"],
                extra=form.extra_for(data["category"]), photos=data["photos"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc, fields=REPORT_ERROR_FIELDS)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("Thank you! Your report №%(n)d is sent to %(org)s.")
                % {"n": report.pk, "org": report.organisation or municipality.name},
            )
            return redirect(report)
    return render(request, "opencity/report_form.html",
                  _report_form_context(municipality, form))


@login_required
def report_file_for_caller(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """A contact-centre operator files a caller's report."""
    if not request.user.has_perm("opencity.file_report_for_caller", municipality):
        raise PermissionDenied
    categories = services.category_choices(municipality)
    form = CallerReportForm(
        request.POST or None, request.FILES or None, categories=categories
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_file_for_caller(
                actor=request.user, municipality=municipality,
                caller_name=data["caller_name"], caller_phone=data["caller_phone"],
                category=data["category"], description=data["description"],
                lat=data["lat"], lon=data["lon"], address=data["address"],
                extra=form.extra_for(data["category"]), photos=data["photos"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc, fields=REPORT_ERROR_FIELDS)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("Report №%(n)d is filed; the caller gets SMS updates.") % {"n": report.pk},
            )
            return redirect(report)
    context = _report_form_context(municipality, form)
    context["for_caller"] = True
    return render(request, "opencity/report_form.html", context)


def _staff_forms(request, report: Report) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {}
    forms: dict = {}
    status = report.status
    S = Report.Status
    if user.has_perm("opencity.accept_report", report) and status in (S.NEW, S.FORWARDED):
        forms["accept"] = AcceptForm(
            executors=selectors.executors_of(report.organisation)
            if report.organisation else selectors.executors_of(Organisation()),
            initial={"executor": user.pk},
        )
    if user.has_perm("opencity.work_report", report):
        if status in (S.ACCEPTED, S.REOPENED):
            forms["start"] = CommentForm()
        if status in (S.ACCEPTED, S.IN_PROGRESS, S.REOPENED):
            forms["resolve"] = ResolveForm()
    if user.has_perm("opencity.assign_report", report) and status in DEADLINE_STATUSES:
        forms["assign"] = AssignForm(executors=selectors.executors_of(report.organisation))
    if user.has_perm("opencity.forward_report", report) and status in (
        S.NEW, S.FORWARDED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED
    ):
        forms["forward"] = ForwardForm(
            organisations=selectors.organisation_list(
                municipality=report.municipality
            ).exclude(pk=report.organisation_id)
        )
    if user.has_perm("opencity.refuse_report", report) and status in (
        S.NEW, S.FORWARDED, S.ACCEPTED
    ):
        forms["refuse"] = RefuseForm()
    if user.has_perm("opencity.mark_duplicate", report) and status in (
        S.NEW, S.FORWARDED, S.ACCEPTED
    ):
        forms["duplicate"] = DuplicateForm()
    return forms


def report_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The report: place, photos, SLA timer, timeline, answer, the author's steps."""
    report = selectors.report_get(municipality=municipality, pk=pk, viewer=request.user)
    user = request.user
    may_confirm = user.is_authenticated and user.has_perm("opencity.confirm_report", report)
    may_rate = user.is_authenticated and user.has_perm("opencity.rate_report", report)
    staff = user.is_authenticated and user.has_perm("opencity.view_private_report", report)
    photos = list(report.photos.all())
    extra = [
        (report.category.field_label(spec), report.extra[spec["code"]])
        for spec in report.category.fields or [] if report.extra.get(spec.get("code"))
    ]
    return render(
        request,
        "opencity/report_detail.html",
        {
            "report": report,
            "timeline": selectors.report_timeline(report=report),
            "countdown": selectors.report_countdown(report),
            "photos": [p for p in photos if not p.is_answer],
            "answer_photos": [p for p in photos if p.is_answer],
            "extra": extra,
            "map_config": map_config(municipality),
            "following": is_following(user=user, target=report),
            "confirm_form": ConfirmForm() if may_confirm
            and report.status == Report.Status.RESOLVED else None,
            "reopen_form": ReopenForm() if may_confirm
            and report.status == Report.Status.RESOLVED else None,
            "rate_form": RateForm() if may_rate and report.rating is None
            and report.status in (Report.Status.RESOLVED, Report.Status.CLOSED) else None,
            "staff_forms": _staff_forms(request, report),
            "show_caller": staff,
            "is_author": user.is_authenticated and report.author_id == user.pk,
        },
    )


def _act(request, municipality, pk, form_class, action, success, form_kwargs=None):
    report = selectors.report_get(municipality=municipality, pk=pk, viewer=request.user)
    kwargs = form_kwargs(report) if form_kwargs else {}
    form = form_class(request.POST, request.FILES or None, **kwargs)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(report)
    try:
        action(report, form.cleaned_data)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(report)


def _action_view(form_class, action, success: str, form_kwargs=None):
    @login_required
    @require_POST
    def view(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
        return _act(
            request, municipality, pk, form_class,
            lambda report, data: action(request.user, report, data, municipality),
            _(success), form_kwargs=form_kwargs,
        )

    return view


def _original(municipality, number):
    original = Report.objects.filter(municipality=municipality, pk=number).first()
    if original is None:
        raise DomainError(_("There is no report with this number here."))
    return original


report_accept = _action_view(
    AcceptForm,
    lambda user, report, data, m: services.report_accept(
        actor=user, report=report, executor=data["executor"], comment=data["comment"]),
    "The report is accepted; the deadline runs.",
    form_kwargs=lambda report: {"executors": selectors.executors_of(report.organisation)
                                if report.organisation else
                                selectors.executors_of(Organisation())},
)
report_assign = _action_view(
    AssignForm,
    lambda user, report, data, m: services.report_assign(
        actor=user, report=report, executor=data["executor"], comment=data["comment"]),
    "The report is assigned to the executor.",
    form_kwargs=lambda report: {"executors": selectors.executors_of(report.organisation)
                                if report.organisation else
                                selectors.executors_of(Organisation())},
)
report_start = _action_view(
    CommentForm,
    lambda user, report, data, m: services.report_start(
        actor=user, report=report, comment=data["comment"]),
    "The work has started.",
)
report_resolve = _action_view(
    ResolveForm,
    lambda user, report, data, m: services.report_resolve(
        actor=user, report=report, answer=data["answer"], photos=data["photos"]),
    "The report is resolved; the author is asked to confirm.",
)
report_refuse = _action_view(
    RefuseForm,
    lambda user, report, data, m: services.report_refuse(
        actor=user, report=report, reason=data["reason"]),
    "The report is refused.",
)
report_forward = _action_view(
    ForwardForm,
    lambda user, report, data, m: services.report_forward(
        actor=user, report=report, organisation=data["organisation"],
        reason=data["reason"]),
    "The report is forwarded.",
    form_kwargs=lambda report: {
        "organisations": selectors.organisation_list(municipality=report.municipality)},
)
report_duplicate = _action_view(
    DuplicateForm,
    lambda user, report, data, m: services.report_mark_duplicate(
        actor=user, report=report, original=_original(m, data["original"])),
    "The report is marked as a duplicate.",
)
report_confirm = _action_view(
    ConfirmForm,
    lambda user, report, data, m: services.report_confirm(
        actor=user, report=report, comment=data["comment"]),
    "Thank you for confirming. The report is closed.",
)
report_reopen = _action_view(
    ReopenForm,
    lambda user, report, data, m: services.report_reopen(
        actor=user, report=report, comment=data["comment"]),
    "The report is reopened; the organisation will work on it again.",
)
report_rate = _action_view(
    RateForm,
    lambda user, report, data, m: services.report_rate(
        actor=user, report=report, rating=data["rating"], comment=data["comment"]),
    "Thank you for your rating.",
)


@login_required
@require_POST
def report_follow(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    report = selectors.report_get(municipality=municipality, pk=pk, viewer=request.user)
    following = request.POST.get("following") == "1"
    try:
        follow_set(actor=request.user, target=report, following=following)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("You follow this report.") if following
            else _("You no longer follow this report."),
        )
    return redirect(report)


def report_statistics(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Reports by status and category; per organisation on-time share, median
    reaction and resolution times, average rating; bar charts without scripts."""
    data = selectors.report_statistics(municipality=municipality)
    if request.GET.get("format") == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    charts = {
        "by_category": _with_percent(data["by_category"]),
        "by_status": _with_percent(data["by_status"]),
    }
    return render(request, "opencity/report_statistics.html", {"stats": {**data, **charts}})


def _with_percent(rows: list[dict]) -> list[dict]:
    """Bar lengths relative to the largest count (copies: the cached figures stay as they are)."""
    top = max([row["count"] for row in rows] or [1]) or 1
    return [{**row, "percent": round(100 * row["count"] / top)} for row in rows]


def report_export(request: HttpRequest, municipality: Municipality, fmt: str):
    """Open data: every public report, without personal data, as CSV or JSON."""
    rows = selectors.report_export_rows(municipality=municipality)
    if fmt == "json":
        def json_stream():
            yield "["
            for index, row in enumerate(rows):
                yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
            yield "]"

        response = StreamingHttpResponse(json_stream(),
                                         content_type="application/json; charset=utf-8")
    else:
        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def csv_stream():
            yield "\ufeff" + writer.writerow(selectors.EXPORT_FIELDS)
            for row in rows:
                yield writer.writerow([_csv_safe(row[f]) for f in selectors.EXPORT_FIELDS])

        response = StreamingHttpResponse(csv_stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="reports-{municipality.slug}.{fmt}"'
    )
    return response


def _csv_safe(value):
    """Keep spreadsheet programs from running a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


def _queue_context(request, municipality: Municipality):
    organisations = list(selectors.organisations_of(request.user, municipality))
    if not organisations and not request.user.has_perm("opencity.view_queue", municipality):
        raise PermissionDenied
    if not organisations:
        organisations = list(selectors.organisation_list(municipality=municipality))
    chosen = organisations[0] if organisations else None
    wanted = request.GET.get("organisation") or request.POST.get("organisation_queue")
    for organisation in organisations:
        if wanted and str(organisation.pk) == wanted:
            chosen = organisation
    return organisations, chosen


def _bulk_form(request, municipality, chosen, page_ids, data=None) -> BulkForm:
    return BulkForm(
        data, report_ids=page_ids,
        executors=selectors.executors_of(chosen) if chosen else
        selectors.executors_of(Organisation()),
        organisations=selectors.organisation_list(municipality=municipality).exclude(
            pk=getattr(chosen, "pk", None)),
    )


@login_required
def report_queue(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """The staff member's organisation's reports by deadline, overdue first,
    with steps for many reports at once."""
    organisations, chosen = _queue_context(request, municipality)
    reports = []
    page = None
    if chosen is not None:
        page = Paginator(selectors.organisation_queue(organisation=chosen), 50).get_page(
            request.GET.get("page"))
        reports = [(r, selectors.report_countdown(r)) for r in page.object_list]
    bulk = _bulk_form(request, municipality, chosen, [r.pk for r, _c in reports])
    return render(
        request, "opencity/report_queue.html",
        {"organisations": organisations, "chosen": chosen, "reports": reports,
         "page": page, "bulk_form": bulk},
    )


@login_required
@require_POST
def report_bulk(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Take one step on the reports ticked in the queue; each is checked on its own."""
    organisations, chosen = _queue_context(request, municipality)
    ids = [int(v) for v in request.POST.getlist("reports") if v.isdigit()]
    candidates = {
        r.pk: r for r in Report.objects.filter(municipality=municipality, pk__in=ids)
    }
    form = _bulk_form(request, municipality, chosen, list(candidates), request.POST)
    back = reverse("opencity:queue", kwargs={"municipality": municipality.slug})
    if chosen is not None:
        back += f"?organisation={chosen.pk}"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    try:
        done, failed = services.reports_bulk(
            actor=request.user, reports=[candidates[pk] for pk in data["reports"]],
            action=data["action"], executor=data["executor"],
            organisation=data["organisation"], text=data["text"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if done:
        messages.success(request, ngettext(
            "%(n)d report done.", "%(n)d reports done.", len(done)) % {"n": len(done)})
    for report, reason in failed:
        messages.error(request, _("Report №%(n)d: %(reason)s") % {"n": report.pk,
                                                                 "reason": reason})
    return redirect(back)


# --- works ------------------------------------------------------------------------------


def work_list(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Planned and emergency works going on now and in the coming month, on a map."""
    kind = request.GET.get("kind") if request.GET.get("kind") in Work.Kind.values else None
    works = list(selectors.work_list(municipality=municipality, kind=kind))
    now = timezone.now()
    return render(request, "opencity/work_list.html", {
        "works": [(w, w.state(now)) for w in works],
        "kind": kind or "",
        "kinds": Work.Kind.choices,
        "map_config": map_config(municipality),
        "can_publish": bool(_publishing_organisations(request.user, municipality)),
    })


def work_geojson(request: HttpRequest, municipality: Municipality) -> JsonResponse:
    """Current and coming works meeting ``bbox=west,south,east,north`` as GeoJSON."""
    bbox = None
    if request.GET.get("bbox"):
        try:
            bbox = BBox.parse(request.GET["bbox"])
        except DomainError as exc:
            return JsonResponse({"error": str(exc.message)}, status=400)
    kind = request.GET.get("kind") or None
    if kind and kind not in Work.Kind.values:
        return JsonResponse({"error": _("Unknown kind of works.")}, status=400)
    response = JsonResponse(
        selectors.work_geojson(municipality=municipality, bbox=bbox, kind=kind)
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


def work_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    work = selectors.work_get(municipality=municipality, pk=pk)
    may_change = request.user.is_authenticated and request.user.has_perm(
        "opencity.publish_work", work)
    return render(request, "opencity/work_detail.html", {
        "work": work, "state": work.state(),
        "map_config": {**map_config(municipality), "work": work.geometry},
        "cancel_form": CancelWorkForm() if may_change and not work.cancelled_at else None,
        "may_change": may_change and not work.cancelled_at,
    })


def _publishing_organisations(user, municipality: Municipality):
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    allowed = [o.pk for o in selectors.organisation_list(municipality=municipality)
               if user.has_perm("opencity.publish_work", o)]
    return Organisation.objects.filter(pk__in=allowed).order_by("name_uk")


def _work_data(cleaned: dict) -> dict:
    return {k: cleaned.get(k) for k in ("kind", "title", "description", "affected_addresses",
                                        "geometry", "starts_at", "ends_at")}


@login_required
def work_form(request: HttpRequest, municipality: Municipality, pk: int | None = None):
    """An organisation publishes works, or corrects its published works."""
    work = selectors.work_get(municipality=municipality, pk=pk) if pk else None
    organisations = _publishing_organisations(request.user, municipality)
    if work is not None:
        if not request.user.has_perm("opencity.publish_work", work) or work.cancelled_at:
            raise PermissionDenied
        organisations = Organisation.objects.filter(pk=work.organisation_id)
    if not organisations.exists():
        raise PermissionDenied
    initial = {}
    if organisations.count() == 1:
        initial["organisation"] = organisations.get().pk
    if work is not None:
        tz = municipality.tz
        initial = {
            "organisation": work.organisation_id, "kind": work.kind, "title": work.title,
            "description": work.description, "affected_addresses": work.affected_addresses,
            "geometry": json.dumps(work.geometry),
            "starts_at": timezone.localtime(work.starts_at, tz),
            "ends_at": timezone.localtime(work.ends_at, tz),
        }
    form = WorkForm(request.POST or None, request.FILES or None,
                    organisations=organisations, initial=initial)
    # The times typed are the municipality's local times.
    with timezone.override(municipality.tz):
        valid = request.method == "POST" and form.is_valid()
    if valid:
        data = _work_data(form.cleaned_data)
        try:
            if work is None:
                work = services.work_publish(
                    actor=request.user, organisation=form.cleaned_data["organisation"],
                    data=data)
            else:
                work = services.work_update(actor=request.user, work=work, data=data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The works are on the public map."))
            return redirect(work)
    return render(request, "opencity/work_form.html", {
        "form": form, "work": work, "map_config": map_config(municipality),
    })


@login_required
@require_POST
def work_cancel(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    work = selectors.work_get(municipality=municipality, pk=pk)
    form = CancelWorkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for cancelling."))
        return redirect(work)
    try:
        services.work_cancel(actor=request.user, work=work, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The works are cancelled and left the map."))
    return redirect(work)
