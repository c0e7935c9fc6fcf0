"""Open311 GeoReport v2: city back offices and third-party apps exchange reports.

Resources (each as ``.json`` or ``.xml``): ``services``, ``services/<code>``,
``requests`` (GET with the spec's filters, POST to create), ``requests/<id>``
and ``tokens/<token>``, plus the discovery document. ``jurisdiction_id`` is the
municipality's slug; it is required on the platform-wide base
(``/open311/v2/``) when more than one municipality runs open city, and implied
on a municipality's own base (``/<municipality>/city/open311/v2/``).

POST needs an ``api_key`` issued by the municipality's staff. Errors are the
spec's list of ``code`` + ``description`` with HTTP 400, 403 or 404.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - used to write XML only

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from edem.core.errors import DomainError, PermissionRefused
from edem.municipalities.models import Municipality

from . import services
from .models import FINAL_STATUSES, Category, Report

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CLOSED_STATUSES = FINAL_STATUSES | {Report.Status.RESOLVED}
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --- rendering ----------------------------------------------------------------------


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                child = ET.SubElement(element, _singular(name))
                for key, val in item.items():
                    _xml_value(child, key, val)
            else:
                _xml_value(element, _singular(name), item)
    elif isinstance(value, dict):
        for key, val in value.items():
            _xml_value(element, key, val)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def _singular(name: str) -> str:
    return {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
            "formats": "format", "keywords": "keyword"}.get(name, "item")


def _render(data: Any, fmt: str, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        top = ET.Element(root)
        rows = data if isinstance(data, list) else [data]
        for row in rows:
            element = ET.SubElement(top, item) if isinstance(data, list) else top
            for key, value in row.items():
                _xml_value(element, key, value)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, "utf-8")
        return HttpResponse(body, status=status, content_type=FORMATS["xml"])
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=FORMATS["json"]
    )


def _error(exc: Open311Error, fmt: str) -> HttpResponse:
    return _render(
        [{"code": exc.status, "description": exc.description}], fmt,
        root="errors", item="error", status=exc.status,
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- resources ------------------------------------------------------------------------


def _jurisdiction(request: HttpRequest, municipality: Municipality | None) -> Municipality:
    wanted = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
              or "").strip()
    if municipality is not None:
        if wanted and wanted != municipality.slug:
            raise Open311Error(404, _("This base serves another jurisdiction."))
        return municipality
    candidates = Municipality.objects.filter(is_active=True)
    if wanted:
        found = candidates.filter(slug=wanted).first()
        if found is None:
            raise Open311Error(404, _("There is no such jurisdiction_id."))
        return found
    if candidates.count() == 1:
        return candidates.get()
    raise Open311Error(400, _("jurisdiction_id is required: give the municipality's slug."))


def _services(municipality: Municipality):
    return services.category_choices(municipality)


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.fields),
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent_id else "",
    }


def _definition(category: Category) -> dict[str, Any]:
    attributes = []
    for order, spec in enumerate(category.fields or [], start=1):
        choices = spec.get("choices") or []
        attributes.append({
            "variable": True,
            "code": spec["code"],
            "datatype": "singlevaluelist" if choices else "string",
            "required": bool(spec.get("required")),
            "datatype_description": "",
            "order": order,
            "description": category.field_label(spec),
            "values": [{"key": str(c), "name": str(c)} for c in choices],
        })
    return {"service_code": category.code, "attributes": attributes}


def _request_row(report: Report, request: HttpRequest) -> dict[str, Any]:
    status = "closed" if report.status in CLOSED_STATUSES else "open"
    notes = report.refusal_reason or report.answer or report.get_status_display()
    photo = report.photos.filter(is_answer=False).first() if report.pk else None
    return {
        "service_request_id": str(report.pk),
        "status": status,
        "status_notes": str(notes),
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": report.organisation.name if report.organisation else "",
        "service_notice": "",
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(report.updated_at),
        "expected_datetime": _iso(report.due_at),
        "address": report.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(report.lat),
        "long": float(report.lon),
        "media_url": request.build_absolute_uri(photo.image.url) if photo else "",
    }


def _requests_query(request: HttpRequest, municipality: Municipality):
    qs = Report.objects.filter(municipality=municipality, is_public=True).select_related(
        "category", "organisation"
    )
    ids = request.GET.get("service_request_id")
    if ids:
        numbers = [part.strip() for part in ids.split(",") if part.strip()]
        if not all(n.isdigit() for n in numbers):
            raise Open311Error(400, _("service_request_id must be numbers."))
        return qs.filter(pk__in=[int(n) for n in numbers[:MAX_REQUESTS]]).order_by("-pk")
    codes = [c.strip() for c in (request.GET.get("service_code") or "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    start = _parse_date(request.GET.get("start_date"), "start_date")
    end = _parse_date(request.GET.get("end_date"), "end_date")
    if start is None and end is None:
        start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    status = (request.GET.get("status") or "").strip()
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        if wanted == {"open"}:
            qs = qs.exclude(status__in=CLOSED_STATUSES)
        elif wanted == {"closed"}:
            qs = qs.filter(status__in=CLOSED_STATUSES)
    return qs.order_by("-created_at", "-pk")[:MAX_REQUESTS]


def _parse_date(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None or timezone.is_naive(parsed):
        raise Open311Error(
            400, _("%(name)s must be an ISO 8601 date and time with a time zone.")
            % {"name": name},
        )
    return parsed


def _create(request: HttpRequest, municipality: Municipality) -> Report:
    data = request.POST
    key = services.open311_key_find(data.get("api_key", ""))
    if key is None:
        raise Open311Error(403, _("A valid api_key is required."))
    if key.municipality_id != municipality.pk:
        raise Open311Error(403, _("This api_key is not valid for this jurisdiction."))
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = _services(municipality).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("There is no service with this service_code."))
    lat, lon = data.get("lat"), data.get("long")
    address = (data.get("address_string") or "").strip()
    if not (lat and lon):
        if not address:
            raise Open311Error(400, _("A location is required: lat and long, or address_string."))
        # Without a geocoder an address alone is placed at the municipality's centre
        # for the dispatcher to check.
        lat, lon = municipality.centre_lat, municipality.centre_lon
    attributes = {
        key[len("attribute["):-1]: value
        for key, value in data.items()
        if key.startswith("attribute[") and key.endswith("]")
    }
    try:
        return services.report_submit_open311(
            api_key=key, category=category, description=data.get("description", ""),
            lat=lat, lon=lon, address=address, extra=attributes,
            requester={n: data.get(n, "") for n in ("first_name", "last_name", "phone",
                                                     "email")},
        )
    except ValidationError as exc:
        raise Open311Error(400, " ".join(exc.messages)) from exc
    except PermissionRefused as exc:
        raise Open311Error(403, str(exc.message)) from exc
    except DomainError as exc:
        raise Open311Error(400, str(exc.message)) from exc


# --- views ------------------------------------------------------------------------------


def _view(handler):
    def view(request: HttpRequest, fmt: str, municipality: Municipality | None = None,
             **kwargs) -> HttpResponse:
        try:
            return handler(request, fmt, _jurisdiction(request, municipality), **kwargs)
        except Open311Error as exc:
            return _error(exc, fmt)

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return csrf_exempt(view)


@_view
def service_list(request, fmt, municipality):
    """GET services: the categories residents report under."""
    rows = [_service(c) for c in _services(municipality)]
    return _render(rows, fmt, root="services", item="service")


@_view
def service_definition(request, fmt, municipality, code):
    """GET services/<code>: the category's extra fields as attributes."""
    category = _services(municipality).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("There is no service with this service_code."))
    return _render(_definition(category), fmt, root="service_definition", item="")


@_view
def request_list(request, fmt, municipality):
    """GET requests (filters: service_request_id, service_code, start_date,
    end_date, status); POST requests creates one."""
    if request.method == "POST":
        report = _create(request, municipality)
        rows = [{"service_request_id": str(report.pk), "token": str(report.token),
                 "service_notice": "", "account_id": ""}]
        return _render(rows, fmt, root="service_requests", item="request", status=201)
    if request.method != "GET":
        raise Open311Error(400, _("Use GET or POST."))
    rows = [_request_row(r, request) for r in _requests_query(request, municipality)]
    return _render(rows, fmt, root="service_requests", item="request")


@_view
def request_detail(request, fmt, municipality, pk):
    """GET requests/<id>."""
    report = Report.objects.filter(
        municipality=municipality, is_public=True, pk=pk
    ).select_related("category", "organisation").first()
    if report is None:
        raise Open311Error(404, _("There is no service request with this id."))
    return _render([_request_row(report, request)], fmt, root="service_requests",
                   item="request")


@_view
def token_detail(request, fmt, municipality, token):
    """GET tokens/<token>: the service_request_id a token became."""
    report = Report.objects.filter(
        Q(token=token) if _is_uuid(token) else Q(pk__in=[]),
        municipality=municipality,
    ).first()
    if report is None:
        raise Open311Error(404, _("There is no service request with this token."))
    return _render([{"service_request_id": str(report.pk), "token": str(report.token)}],
                   fmt, root="service_requests", item="request")


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def discovery(request: HttpRequest, fmt: str, municipality: Municipality | None = None):
    """The service discovery document pointing at the GeoReport v2 base."""
    if municipality is not None:
        base = reverse("opencity:open311_services",
                       kwargs={"municipality": municipality.slug, "fmt": "json"})
    else:
        base = reverse("open311:services", kwargs={"fmt": "json"})
    base = request.build_absolute_uri(base.rsplit("services.json", 1)[0])
    data = {
        "changeset": "2026-01-01T00:00:00Z",
        "contact": _("The municipality's open-city staff, through the platform."),
        "key_service": _("Ask the municipality's administrator for an api_key."),
        "endpoints": [{
            "specification": SPECIFICATION, "url": base, "changeset":
            "2026-01-01T00:00:00Z", "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    }
    return _render(data, fmt, root="discovery", item="")


FMT = r"(?P<fmt>json|xml)"


def _patterns(prefix: str, name_prefix: str) -> list:
    return [
        re_path(rf"^{prefix}discovery\.{FMT}$", csrf_exempt(discovery),
                name=f"{name_prefix}discovery"),
        re_path(rf"^{prefix}v2/services\.{FMT}$", service_list,
                name=f"{name_prefix}services"),
        re_path(rf"^{prefix}v2/services/(?P<code>[-a-zA-Z0-9_]+)\.{FMT}$",
                service_definition, name=f"{name_prefix}service"),
        re_path(rf"^{prefix}v2/requests\.{FMT}$", request_list,
                name=f"{name_prefix}requests"),
        re_path(rf"^{prefix}v2/requests/(?P<pk>\d+)\.{FMT}$", request_detail,
                name=f"{name_prefix}request"),
        re_path(rf"^{prefix}v2/tokens/(?P<token>[-a-fA-F0-9]+)\.{FMT}$", token_detail,
                name=f"{name_prefix}token"),
    ]


# Inside /<municipality>/city/ (opencity/urls.py).
municipality_urlpatterns = _patterns("open311/", "open311_")
# The platform-wide base, mounted at /open311/ by edem/urls.py (opencity.open311_urls).
platform_urlpatterns = _patterns("", "")
