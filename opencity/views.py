"""Thin views: parse input, call a service or selector, render."""

from __future__ import annotations

import csv
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edem.core.errors import DomainError
from edem.core.geo import BBox
from edem.municipalities.models import Municipality, Organisation
from edem.participation.selectors import is_following
from edem.participation.services import follow_set

from . import selectors, services
from .filters import ReportFilter
from .forms import (
    AcceptForm,
    CallerReportForm,
    CommentForm,
    ConfirmForm,
    DuplicateForm,
    ForwardForm,
    RateForm,
    RefuseForm,
    ReopenForm,
    ReportForm,
    ResolveForm,
)
from .models import Report

PAGE_SIZE = 20


def _map_config(municipality: Municipality) -> dict:
    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "centre": [float(municipality.centre_lat), float(municipality.centre_lon)],
        "boundary": municipality.boundary or None,
    }


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
            "map_config": _map_config(municipality),
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


def report_geojson(request: HttpRequest, municipality: Municipality) -> JsonResponse:
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
    report_filter = ReportFilter(
        request.GET, queryset=Report.objects.none(), municipality=municipality
    )
    if report_filter.is_bound and not report_filter.form.is_valid():
        return JsonResponse({"error": report_filter.form.errors.get_json_data()}, status=400)
    data = selectors.report_geojson(
        municipality=municipality, bbox=bbox, filters=report_filter.selector_filters(),
        after=after, limit=limit,
    )
    response = JsonResponse(data)
    response["Cache-Control"] = "public, max-age=30"
    return response


def _report_form_context(municipality, form) -> dict:
    return {
        "form": form,
        "map_config": _map_config(municipality),
        "categories": form.categories,
    }


def _add_errors(form, exc: ValidationError) -> None:
    mapping = {"location": "lat", "extra": None, "point": "lat"}
    for field, errors in exc.message_dict.items():
        target = mapping.get(field, field)
        form.add_error(target if target in form.fields else None, errors)


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
            _add_errors(form, exc)
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
            _add_errors(form, exc)
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
            "map_config": _map_config(municipality),
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
    top = max([s["count"] for s in data["by_category"]] or [1])
    for row in data["by_category"]:
        row["percent"] = round(100 * row["count"] / top) if top else 0
    if request.GET.get("format") == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return render(request, "opencity/report_statistics.html", {"stats": data})


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


@login_required
def report_queue(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """The staff member's organisations' reports by deadline, overdue first."""
    organisations = list(selectors.organisations_of(request.user, municipality))
    if not organisations and not request.user.has_perm("opencity.view_queue", municipality):
        raise PermissionDenied
    if not organisations:
        organisations = list(selectors.organisation_list(municipality=municipality))
    chosen = organisations[0] if organisations else None
    wanted = request.GET.get("organisation")
    for organisation in organisations:
        if wanted and str(organisation.pk) == wanted:
            chosen = organisation
    reports = []
    if chosen is not None:
        page = Paginator(selectors.organisation_queue(organisation=chosen), 50).get_page(
            request.GET.get("page"))
        reports = [(r, selectors.report_countdown(r)) for r in page.object_list]
    else:
        page = None
    return render(
        request, "opencity/report_queue.html",
        {"organisations": organisations, "chosen": chosen, "reports": reports,
         "page": page},
    )
