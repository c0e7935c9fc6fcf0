"""Reads of the geoportal: layers, their features (by box, search, filters), open data.

Every public read takes the municipality and sees only its published layers;
staff reads take the person and see only the layers of municipalities where
they hold a role.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from edem.core.errors import DomainError
from edem.core.geo import BBox
from edem.municipalities.admin_scoping import ALL_STAFF, municipalities_with_role
from edem.municipalities.models import Municipality

from .geojson import check_value
from .models import AttributeType, LayerCategory, LayerFeature, LayerVersion, MapLayer

MAP_PAGE_SIZE = 500
MAP_PAGE_MAX = 2000
SEARCH_LIMIT = 20
FILTER_VALUES_LIMIT = 50


class Validity:
    VALID = "valid"
    EXPIRED = "expired"
    CHOICES = (VALID, EXPIRED)


# --- layers -------------------------------------------------------------------------------


def layer_list(*, municipality: Municipality) -> QuerySet[MapLayer]:
    """The municipality's published layers in switcher order."""
    return MapLayer.objects.filter(
        municipality=municipality, status=MapLayer.Status.PUBLISHED
    ).select_related("municipality")


def layer_get(*, municipality: Municipality, slug: str) -> MapLayer:
    """A published layer of the municipality, or 404 (drafts and others' layers)."""
    layer = layer_list(municipality=municipality).filter(slug=slug).first()
    if layer is None:
        raise Http404(_("There is no such map layer here."))
    return layer


def layers_by_category(layers: Iterable[MapLayer]) -> list[dict[str, Any]]:
    """Layers grouped under their category labels, in the categories' order."""
    order = list(LayerCategory.values)
    groups: dict[str, list[MapLayer]] = {}
    for layer in layers:
        groups.setdefault(layer.category, []).append(layer)
    labels = dict(LayerCategory.choices)
    return [
        {"category": key, "label": labels[key], "layers": groups[key]}
        for key in sorted(groups, key=order.index)
    ]


def staff_layer_list(*, user) -> QuerySet[MapLayer]:
    """Layers of every municipality where the person holds a staff role."""
    return MapLayer.objects.filter(
        municipality__in=municipalities_with_role(user, ALL_STAFF)
    ).select_related("municipality")


def staff_layer_get(*, user, pk: int) -> MapLayer:
    """A layer the person may work on; another municipality's layer is a 404."""
    layer = staff_layer_list(user=user).filter(pk=pk).first()
    if layer is None:
        raise Http404(_("There is no such map layer here."))
    return layer


def version_list(*, layer: MapLayer) -> QuerySet[LayerVersion]:
    return layer.versions.select_related("created_by")


# --- features -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureQuery:
    """What a reader asks of a layer's features: a box, words, attribute values."""

    bbox: BBox | None = None
    text: str = ""
    validity: str = ""
    attributes: tuple[tuple[str, Any], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.bbox or self.text or self.validity or self.attributes)


def feature_query_parse(layer: MapLayer, params) -> FeatureQuery:
    """Read ``bbox``, ``q``, ``validity`` and ``attr.<name>`` from request parameters.

    Only attributes the layer offers as filters are read; a value of the
    wrong type is refused with a clear message.
    """
    bbox = BBox.parse(params["bbox"]) if params.get("bbox") else None
    validity = params.get("validity") or ""
    if validity and (validity not in Validity.CHOICES or not layer.expiry_attribute):
        raise DomainError(_("Unknown validity filter."))
    attributes = []
    for spec in layer.filter_attributes:
        raw = params.get(f"attr.{spec['name']}")
        if raw in (None, ""):
            continue
        attributes.append((spec["name"], _typed(raw, spec)))
    return FeatureQuery(
        bbox=bbox,
        text=(params.get("q") or "").strip()[:100],
        validity=validity,
        attributes=tuple(attributes),
    )


def _typed(raw: str, spec: dict[str, Any]) -> Any:
    kind = spec["type"]
    try:
        if kind == AttributeType.INTEGER:
            return check_value(int(raw), kind)
        if kind == AttributeType.NUMBER:
            return check_value(float(raw), kind)
        if kind == AttributeType.BOOLEAN:
            if raw not in ("true", "false"):
                raise ValueError(raw)
            return raw == "true"
        return check_value(raw, kind)
    except ValueError as exc:
        raise DomainError(
            _("The filter value for “%(name)s” does not fit the attribute.")
            % {"name": spec["name"]}
        ) from exc


def feature_list(
    *, layer: MapLayer, query: FeatureQuery | None = None, today: dt.date | None = None
) -> QuerySet[LayerFeature]:
    """A layer's features meeting the box, containing the words and matching filters."""
    qs = layer.features.all()
    query = query or FeatureQuery()
    if query.bbox is not None:
        box = query.bbox
        qs = qs.filter(
            west__lte=box.east,
            east__gte=box.west,
            south__lte=box.north,
            north__gte=box.south,
        )
    if query.text:
        qs = qs.filter(search_text__contains=query.text.lower())
    if query.validity:
        today = today or layer.municipality.local_today()
        qs = (
            qs.filter(expires_on__lt=today)
            if query.validity == Validity.EXPIRED
            else qs.exclude(expires_on__lt=today)
        )
    for name, value in query.attributes:
        qs = qs.filter(**{f"properties__{name}": value})
    return qs


def feature_page(
    *, layer: MapLayer, query: FeatureQuery, after: int = 0, limit: int = MAP_PAGE_SIZE
) -> tuple[list[LayerFeature], int | None]:
    """One page of features in stable order, and the cursor of the next page (if any)."""
    limit = max(1, min(limit, MAP_PAGE_MAX))
    rows = list(
        feature_list(layer=layer, query=query)
        .filter(pk__gt=after)
        .order_by("pk")[: limit + 1]
    )
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].pk
    return rows, None


def feature_search(
    *, municipality: Municipality, text: str, limit: int = SEARCH_LIMIT
) -> QuerySet[LayerFeature]:
    """Features of the municipality's published layers whose name or attributes
    contain the words."""
    text = (text or "").strip().lower()[:100]
    if not text:
        return LayerFeature.objects.none()
    return (
        LayerFeature.objects.filter(
            layer__municipality=municipality,
            layer__status=MapLayer.Status.PUBLISHED,
            search_text__contains=text,
        )
        .select_related("layer")
        .order_by("layer__category", "layer__order", "position", "pk")[:limit]
    )


def filter_options(layer: MapLayer) -> list[dict[str, Any]]:
    """For each filter attribute, its label and the values the layer's features hold."""
    options = []
    for spec in layer.filter_attributes:
        values = (
            layer.features.order_by()
            .values_list(f"properties__{spec['name']}", flat=True)
            .distinct()[: FILTER_VALUES_LIMIT + 1]
        )
        clean = sorted(
            {
                json.dumps(v) if isinstance(v, bool) else str(v)
                for v in values
                if v is not None
            }
        )
        options.append(
            {
                "name": spec["name"],
                "label": layer.attribute_label(spec["name"]),
                "values": clean[:FILTER_VALUES_LIMIT],
            }
        )
    return options


# --- GeoJSON and CSV ------------------------------------------------------------------------


def layer_meta(layer: MapLayer) -> dict[str, Any]:
    """What a reuser of the data must know: title, source, licence, update date."""
    return {
        "layer": layer.slug,
        "title": layer.title,
        "municipality": layer.municipality.name,
        "source": layer.source,
        "source_url": layer.source_url,
        "licence": layer.licence,
        "updated": layer.data_updated_on.isoformat(),
        "version": layer.version,
        "attributes": [
            {
                "name": spec["name"],
                "type": spec["type"],
                "label": layer.attribute_label(spec["name"]),
            }
            for spec in layer.schema
        ],
    }


def feature_json(
    feature: LayerFeature, *, today: dt.date | None = None
) -> dict[str, Any]:
    """A stored feature as GeoJSON; with ``today``, its name and validity for the map."""
    data: dict[str, Any] = {
        "type": "Feature",
        "id": feature.key,
        "geometry": feature.geometry,
        "properties": feature.properties,
    }
    if today is not None:
        data["name"] = feature.name
        data["expired"] = feature.is_expired(today)
    return data


def feature_collection(
    layer: MapLayer,
    features: Iterable[LayerFeature],
    *,
    full: bool = False,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A FeatureCollection of the features; a full one carries the layer's metadata."""
    data: dict[str, Any] = {"type": "FeatureCollection"}
    if full:
        data.update(layer_meta(layer))
    data["features"] = [feature_json(f, today=today) for f in features]
    return data


def feature_collection_chunks(layer: MapLayer) -> Iterator[str]:
    """The whole layer as GeoJSON text in pieces, for a streamed download."""
    head = json.dumps(
        {"type": "FeatureCollection", **layer_meta(layer)}, ensure_ascii=False
    )
    yield head[:-1] + ', "features": ['
    first = True
    for feature in layer.features.order_by("position", "pk").iterator(chunk_size=1000):
        yield ("" if first else ",\n") + json.dumps(
            feature_json(feature), ensure_ascii=False
        )
        first = False
    yield "]}\n"


CSV_META_ROWS = 4


def layer_csv_rows(layer: MapLayer) -> Iterator[list[str]]:
    """The layer as CSV rows: a header naming licence and update date, then the features.

    Each feature is one row with its identifier, name, geometry type, a
    representative point (latitude, longitude), every attribute and its
    geometry as GeoJSON text.
    """
    names = [spec["name"] for spec in layer.schema]
    yield ["#", str(gettext_lazy("layer")), layer.title]
    yield ["#", str(gettext_lazy("licence")), layer.licence]
    yield ["#", str(gettext_lazy("data updated on")), layer.data_updated_on.isoformat()]
    yield ["#", str(gettext_lazy("source")), layer.source]
    yield ["id", "name", "geometry_type", "lat", "lon", *names, "geometry"]
    for feature in layer.features.order_by("position", "pk").iterator(chunk_size=1000):
        values = [feature.properties.get(name) for name in names]
        yield [
            feature.key,
            feature.name,
            feature.geometry_type,
            f"{feature.lat:.6f}",
            f"{feature.lon:.6f}",
            *[
                "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                for v in values
            ],
            json.dumps(feature.geometry, separators=(",", ":")),
        ]


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # spreadsheet programs then read the file as UTF-8
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# --- the modules' own layers -----------------------------------------------------------------

MODULE_LAYERS = (
    # module, kind, title, colour, GeoJSON URL name, page URL name
    (
        "participatory_budget",
        "budget",
        gettext_lazy("Participatory budget projects"),
        "#c27c0e",
        "participatory_budget:geojson",
        "participatory_budget:map",
    ),
    (
        "opencity",
        "reports",
        gettext_lazy("Open city: problem reports"),
        "#d7301f",
        "opencity:geojson",
        "opencity:list",
    ),
    (
        "opencity",
        "works",
        gettext_lazy("Open city: planned and emergency works"),
        "#6a3d9a",
        "opencity:works_geojson",
        "opencity:works",
    ),
)


def module_layers(*, municipality: Municipality) -> list[dict[str, Any]]:
    """The layers the platform's modules publish themselves, if the municipality runs them."""
    from edem.participation.registry import registry

    running = {manifest.name for manifest in registry.enabled(municipality)}
    layers = []
    for module, kind, title, colour, geojson_name, page_name in MODULE_LAYERS:
        if module not in running:
            continue
        try:
            kwargs = {"municipality": municipality.slug}
            geojson, page = (
                reverse(geojson_name, kwargs=kwargs),
                reverse(page_name, kwargs=kwargs),
            )
        except NoReverseMatch:
            continue
        layers.append(
            {
                "id": f"module-{kind}",
                "kind": kind,
                "title": str(title),
                "colour": colour,
                "geojson": geojson,
                "page": page,
                "bbox": kind in ("reports", "works"),
            }
        )
    return layers
