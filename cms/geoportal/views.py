"""Public pages of the geoportal under /<municipality>/map/.

The map page works without JavaScript: the layer switcher is a form, the
chosen layers' features and the search results are listed on the page, and
every layer links to its own page and to its downloads. With JavaScript the
same form drives a Leaflet map.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from edem.core.errors import DomainError
from edem.core.geo import map_config
from edem.municipalities.models import Municipality

from . import selectors
from .models import MapLayer

LIST_PAGE_SIZE = 50
SELECTED_LAYER_ROWS = 100


def _require_geoportal(municipality: Municipality) -> None:
    """The geoportal answers only where the municipality runs it."""
    if not municipality.has_module("geoportal"):
        raise Http404(_("This municipality has no geoportal."))


def _layer_params(request: HttpRequest, layer: MapLayer) -> dict[str, str]:
    """This layer's filters from the switcher form (``<slug>.validity`` and the like)."""
    prefix = f"{layer.slug}."
    return {
        name[len(prefix) :]: value
        for name, value in request.GET.items()
        if name.startswith(prefix) and value
    }


def _layer_config(layer: MapLayer, filters: list[dict], params: dict[str, str]) -> dict:
    kwargs = {"municipality": layer.municipality.slug, "layer": layer.slug}
    return {
        "id": layer.slug,
        "title": layer.title,
        "category": layer.get_category_display(),
        "style": layer.style(),
        "geojson": reverse("cms:layer_geojson", kwargs=kwargs),
        "page": layer.get_absolute_url(),
        "attributes": [
            {"name": spec["name"], "label": layer.attribute_label(spec["name"])}
            for spec in layer.schema
        ],
        "expiry": layer.expiry_attribute,
        "filters": [f["name"] for f in filters],
        "params": params,
    }


def geoportal(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """The municipality's map: layers by category, legend, search, filters, downloads."""
    _require_geoportal(municipality)
    layers = list(selectors.layer_list(municipality=municipality))
    chosen = set(request.GET.getlist("layers"))
    entries = []
    for layer in layers:
        options = selectors.filter_options(layer)
        params = _layer_params(request, layer)
        entry = {
            "layer": layer,
            "filters": options,
            "params": params,
            "checked": layer.slug in chosen,
            "config": _layer_config(layer, options, params),
        }
        if layer.slug in chosen:
            entry.update(_chosen_rows(layer, params))
        entries.append(entry)
    modules = selectors.module_layers(municipality=municipality)
    for module in modules:
        module["checked"] = module["id"] in chosen
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "cms/geoportal/map.html",
        {
            "groups": _grouped(entries),
            "entries": entries,
            "module_layers": modules,
            "query": query,
            "results": list(
                selectors.feature_search(municipality=municipality, text=query)
            )
            if query
            else [],
            "today": municipality.local_today(),
            "map_config": {
                **map_config(municipality),
                "layers": [e["config"] for e in entries],
                "modules": modules,
                "search": reverse(
                    "cms:map_search", kwargs={"municipality": municipality.slug}
                ),
            },
        },
    )


def _grouped(entries: list[dict]) -> list[dict]:
    by_layer = {e["layer"].pk: e for e in entries}
    return [
        {**group, "entries": [by_layer[layer.pk] for layer in group["layers"]]}
        for group in selectors.layers_by_category(e["layer"] for e in entries)
    ]


def _chosen_rows(layer: MapLayer, params: dict[str, str]) -> dict:
    try:
        query = selectors.feature_query_parse(layer, params)
    except DomainError as exc:
        return {"rows": [], "error": exc.message}
    qs = selectors.feature_list(layer=layer, query=query)
    return {
        "rows": list(qs[:SELECTED_LAYER_ROWS]),
        "total": qs.count(),
        "columns": _columns(layer),
    }


def _columns(layer: MapLayer) -> list[tuple[str, str]]:
    """The attribute columns of a feature table; the name has a column of its own."""
    return [
        (spec["name"], layer.attribute_label(spec["name"]))
        for spec in layer.schema
        if spec["name"] != layer.name_attribute
    ]


def layer_detail(
    request: HttpRequest, municipality: Municipality, layer: str
) -> HttpResponse:
    """One layer: its description, source, licence, attributes and features (paged)."""
    _require_geoportal(municipality)
    obj = selectors.layer_get(municipality=municipality, slug=layer)
    error = None
    try:
        query = selectors.feature_query_parse(obj, request.GET)
    except DomainError as exc:
        error, query = exc.message, selectors.FeatureQuery()
    features = selectors.feature_list(layer=obj, query=query)
    page = Paginator(features, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cms/geoportal/layer_detail.html",
        {
            "layer": obj,
            "page": page,
            "query": query,
            "error": error,
            "filters": selectors.filter_options(obj),
            "querystring": params.urlencode(),
            "columns": _columns(obj),
            "today": municipality.local_today(),
        },
    )


def layer_geojson(
    request: HttpRequest, municipality: Municipality, layer: str
) -> HttpResponse:
    """A layer's features in ``bbox=west,south,east,north`` as GeoJSON, paged by ``after``.

    Also takes ``q`` (words), ``validity`` (valid / expired) and
    ``attr.<name>`` filters. ``next`` is the address of the following page.
    """
    _require_geoportal(municipality)
    obj = selectors.layer_get(municipality=municipality, slug=layer)
    try:
        query = selectors.feature_query_parse(obj, request.GET)
        after = int(request.GET.get("after") or 0)
        limit = int(request.GET.get("limit") or selectors.MAP_PAGE_SIZE)
    except DomainError as exc:
        return JsonResponse({"error": str(exc.message)}, status=400)
    except ValueError:
        return JsonResponse(
            {"error": _("Paging values must be whole numbers.")}, status=400
        )
    rows, cursor = selectors.feature_page(
        layer=obj, query=query, after=after, limit=limit
    )
    data = selectors.feature_collection(obj, rows, today=municipality.local_today())
    data["numberReturned"] = len(rows)
    data["licence"] = obj.licence
    data["updated"] = obj.data_updated_on.isoformat()
    if cursor is not None:
        params = request.GET.copy()
        params["after"] = str(cursor)
        data["next"] = request.build_absolute_uri(
            f"{request.path}?{params.urlencode()}"
        )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/geo+json; charset=utf-8"
    response["Cache-Control"] = "public, max-age=60"
    return response


def _attachment(
    response: HttpResponse, layer: MapLayer, extension: str
) -> HttpResponse:
    name = f"{layer.municipality.slug}-{layer.slug}-{layer.data_updated_on:%Y-%m-%d}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


def layer_download_geojson(
    request: HttpRequest, municipality: Municipality, layer: str
) -> HttpResponse:
    """The whole layer as a GeoJSON file with its licence, source and update date."""
    _require_geoportal(municipality)
    obj = selectors.layer_get(municipality=municipality, slug=layer)
    response = StreamingHttpResponse(
        selectors.feature_collection_chunks(obj),
        content_type="application/geo+json; charset=utf-8",
    )
    return _attachment(response, obj, "geojson")


def layer_download_csv(
    request: HttpRequest, municipality: Municipality, layer: str
) -> HttpResponse:
    """The whole layer as CSV: licence and update date on top, one feature a row."""
    _require_geoportal(municipality)
    obj = selectors.layer_get(municipality=municipality, slug=layer)
    response = StreamingHttpResponse(
        selectors.csv_chunks(selectors.layer_csv_rows(obj)),
        content_type="text/csv; charset=utf-8",
    )
    return _attachment(response, obj, "csv")


def map_search(request: HttpRequest, municipality: Municipality) -> JsonResponse:
    """Features of the published layers whose name or attributes contain ``q``."""
    _require_geoportal(municipality)
    today = municipality.local_today()
    results = []
    for feature in selectors.feature_search(
        municipality=municipality, text=request.GET.get("q", "")
    ):
        layer = feature.layer
        layer.municipality = municipality
        results.append(
            {
                "layer": layer.slug,
                "layer_title": layer.title,
                "name": feature.name or feature.key,
                "lat": feature.lat,
                "lon": feature.lon,
                "bounds": [feature.west, feature.south, feature.east, feature.north],
                "feature": selectors.feature_json(feature, today=today),
                "url": f"{layer.get_absolute_url()}?{urlencode({'q': feature.name})}"
                if feature.name
                else layer.get_absolute_url(),
            }
        )
    response = JsonResponse(
        {"results": results}, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "public, max-age=30"
    return response
