"""Reading and checking a layer's GeoJSON data before anything is stored.

A file is taken whole or not at all: every feature is checked (geometry type,
coordinates, a valid outline, the place inside the municipality's area, the
attributes against the layer's schema) and the problems are reported with the
feature's number, the line of the file where it starts and the reason. Only a
file without a single problem reaches the database.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from edem.core.errors import DomainError
from edem.core.geo import parse_area

from .models import AttributeType

GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)
# How far (in degrees, about 5 km) a feature may reach past the municipality's
# outline: zoning and roads often run slightly over the administrative border.
EXTENT_MARGIN = 0.05
# Without an outline, the municipality's centre with this margin is its area.
CENTRE_MARGIN = 0.5
MAX_PROBLEMS = 20
WGS84_NAMES = frozenset(
    {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326"}
)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WS = re.compile(r"[ \t\n\r]*")


def max_upload_bytes() -> int:
    """The largest file a layer takes (25 MB unless the installation says otherwise).

    The whole file is parsed in the web worker's memory, several times its
    size; larger data belongs in several layers or simplified geometries.
    """
    return int(getattr(settings, "GEOPORTAL_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))


def max_features() -> int:
    return int(getattr(settings, "GEOPORTAL_MAX_FEATURES", 100_000))


class GeoJSONRefused(DomainError):
    """The file was refused whole; ``problems`` lists each problem found."""

    def __init__(self, problems: list[str]) -> None:
        first = problems[0] if problems else ""
        super().__init__(
            _("The file was refused and nothing was imported. %(problem)s")
            % {"problem": first}
        )
        self.problems = problems


@dataclass(frozen=True)
class ParsedFeature:
    """A checked feature, ready to be stored."""

    key: str
    geometry: dict[str, Any]
    geometry_type: str
    properties: dict[str, Any]
    bounds: tuple[float, float, float, float]
    lat: float
    lon: float


@dataclass(frozen=True)
class Extent:
    """The area a municipality's features must lie in (west, south, east, north)."""

    west: float
    south: float
    east: float
    north: float
    name: str

    def covers(self, geometry: BaseGeometry) -> bool:
        west, south, east, north = geometry.bounds
        return (
            self.west <= west
            and east <= self.east
            and self.south <= south
            and north <= self.north
        )

    def shape(self) -> BaseGeometry:
        return box(self.west, self.south, self.east, self.north)


def municipality_extent(municipality) -> Extent:
    """The municipality's outline's bounding box, widened by a small margin.

    A municipality without an outline gets a box around its centre.
    """
    if municipality.boundary:
        west, south, east, north = parse_area(municipality.boundary).bounds
        margin = EXTENT_MARGIN
    else:
        lat, lon = float(municipality.centre_lat), float(municipality.centre_lon)
        west, south, east, north = lon, lat, lon, lat
        margin = CENTRE_MARGIN
    return Extent(
        west - margin, south - margin, east + margin, north + margin, municipality.name
    )


def decode_upload(upload) -> str:
    """The uploaded file as text; too large or not UTF-8 is refused before parsing."""
    limit = max_upload_bytes()
    if upload.size > limit:
        raise GeoJSONRefused(
            [
                _(
                    "The file is %(size)s MB; a layer takes files of at most "
                    "%(limit)s MB. Split the layer or simplify its geometries."
                )
                % {
                    "size": f"{upload.size / 1024 / 1024:.1f}",
                    "limit": f"{limit / 1024 / 1024:.0f}",
                }
            ]
        )
    raw = b"".join(upload.chunks())
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GeoJSONRefused(
            [_("The file is not UTF-8 text (byte %(offset)s).") % {"offset": exc.start}]
        ) from exc


def parse_collection(text: str) -> list[Any]:
    """The ``features`` of a GeoJSON FeatureCollection; anything else is refused."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeoJSONRefused(
            [
                _(
                    "Line %(line)s, column %(column)s: the file is not valid JSON (%(msg)s)."
                )
                % {"line": exc.lineno, "column": exc.colno, "msg": exc.msg}
            ]
        ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoJSONRefused([_("The file must be a GeoJSON FeatureCollection.")])
    crs = data.get("crs")
    if crs is not None:
        name = (
            (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        )
        if name not in WGS84_NAMES:
            raise GeoJSONRefused(
                [
                    _(
                        "The file uses the coordinate system %(crs)s; save it in WGS 84 "
                        "longitude/latitude (EPSG:4326)."
                    )
                    % {"crs": name or "?"}
                ]
            )
    features = data.get("features")
    if not isinstance(features, list):
        raise GeoJSONRefused([_("The FeatureCollection has no list of features.")])
    if len(features) > max_features():
        raise GeoJSONRefused(
            [
                _("The file has %(count)s features; a layer takes at most %(limit)s.")
                % {"count": len(features), "limit": max_features()}
            ]
        )
    return features


def feature_lines(text: str) -> list[int]:
    """The line on which each feature of the collection starts (best effort).

    Walks the top-level object with the JSON decoder instead of guessing with
    a text search, so a ``"features"`` word inside an attribute is not taken
    for the list. Returns an empty list when the layout is not understood.
    """
    decoder = json.JSONDecoder()
    try:
        i = _WS.match(text, 0).end()
        if text[i] != "{":
            return []
        i += 1
        while True:
            i = _WS.match(text, i).end()
            if text[i] == "}":
                return []
            key, i = json.decoder.scanstring(text, i + 1)
            i = _WS.match(text, i).end() + 1  # the colon
            i = _WS.match(text, i).end()
            if key == "features" and text[i] == "[":
                return _element_lines(text, i + 1, decoder)
            _value, i = decoder.raw_decode(text, i)
            i = _WS.match(text, i).end()
            if text[i] == ",":
                i += 1
    except (ValueError, IndexError):
        return []


def _element_lines(text: str, i: int, decoder: json.JSONDecoder) -> list[int]:
    lines: list[int] = []
    line, counted_to = 1, 0
    while True:
        i = _WS.match(text, i).end()
        if text[i] == "]":
            return lines
        line += text.count("\n", counted_to, i)
        counted_to = i
        lines.append(line)
        _value, i = decoder.raw_decode(text, i)
        i = _WS.match(text, i).end()
        if text[i] == ",":
            i += 1


def _coordinates_ok(value: Any) -> bool:
    """Every position is [longitude, latitude] with finite numbers in range."""
    if not isinstance(value, list) or not value:
        return False
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        if len(value) < 2 or not all(math.isfinite(v) for v in value):
            return False
        return -180 <= value[0] <= 180 and -90 <= value[1] <= 90
    return all(_coordinates_ok(v) for v in value)


def _rings_closed(geometry: dict[str, Any]) -> bool:
    kind = geometry["type"]
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return True
    return all(ring and ring[0] == ring[-1] for polygon in polygons for ring in polygon)


def _validity_reason(geometry: BaseGeometry) -> str:
    detail = explain_validity(geometry)
    if detail.startswith("Self-intersection"):
        point = detail[detail.find("[") + 1 : detail.find("]")]
        return _("its outline crosses itself (near %(point)s).") % {"point": point}
    if detail.startswith("Too few points"):
        return _("it has too few points for its geometry type.")
    if detail.startswith("Ring Self-intersection"):
        return _("a ring of its outline touches itself.")
    return _("its geometry is not valid (%(detail)s).") % {"detail": detail}


def check_geometry(value: Any, extent: Extent) -> BaseGeometry:
    """The feature's geometry as a shapely shape, or a ``ValueError`` with the reason."""
    if not isinstance(value, dict) or "type" not in value:
        raise ValueError(_("it has no geometry."))
    kind = value.get("type")
    if kind not in GEOMETRY_TYPES:
        raise ValueError(
            _("the geometry type %(type)s is not supported (use %(allowed)s).")
            % {"type": kind, "allowed": ", ".join(sorted(GEOMETRY_TYPES))}
        )
    if not _coordinates_ok(value.get("coordinates")):
        raise ValueError(
            _(
                "its coordinates are not [longitude, latitude] numbers within "
                "-180..180 and -90..90."
            )
        )
    if not _rings_closed(value):
        raise ValueError(_("a ring of its polygon is not closed."))
    try:
        geometry = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError(
            _("its coordinates do not form a %(type)s.") % {"type": kind}
        ) from exc
    if geometry.is_empty:
        raise ValueError(_("its geometry is empty."))
    if not geometry.is_valid:
        raise ValueError(_validity_reason(geometry))
    if not extent.covers(geometry):
        west, south, _east, _north = geometry.bounds
        reason = _(
            "it lies outside the area of %(municipality)s (longitude %(lon).4f, "
            "latitude %(lat).4f)."
        ) % {"municipality": extent.name, "lon": west, "lat": south}
        if _swapped_inside(geometry, extent):
            reason += " " + _("Latitude and longitude seem to be swapped.")
        raise ValueError(reason)
    return geometry


def _swapped_inside(geometry: BaseGeometry, extent: Extent) -> bool:
    west, south, east, north = geometry.bounds
    return (
        extent.west <= south
        and north <= extent.east
        and extent.south <= west
        and east <= extent.north
    )


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str) or not DATE_RE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_value(value: Any, kind: str) -> Any:
    """The value if it fits the attribute type (whole floats pass as integers).

    A number given for a text attribute is kept as its text; ``None`` (no
    value) fits every type.
    """
    if value is None:
        return None
    if kind == AttributeType.STRING and isinstance(value, str):
        return value
    if kind == AttributeType.STRING and _is_number(value):
        return str(value)
    if (
        kind == AttributeType.INTEGER
        and _is_number(value)
        and float(value).is_integer()
    ):
        return int(value)
    if kind == AttributeType.NUMBER and _is_number(value):
        return value
    if kind == AttributeType.BOOLEAN and isinstance(value, bool):
        return value
    if kind == AttributeType.DATE and _is_iso_date(value):
        return value
    raise ValueError(kind)


def check_properties(value: Any, schema: list[dict[str, Any]]) -> dict[str, Any]:
    """The attributes checked against the schema; a ``ValueError`` names the first misfit."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ValueError(_("its properties are not an object."))
    types = {spec["name"]: spec["type"] for spec in schema}
    labels = dict(AttributeType.choices)
    result: dict[str, Any] = {}
    for name, item in value.items():
        if name not in types:
            raise ValueError(
                _("the attribute “%(name)s” is not in the layer's list of attributes.")
                % {"name": name}
            )
        try:
            result[name] = check_value(item, types[name])
        except ValueError:
            raise ValueError(
                _(
                    "the attribute “%(name)s” must be of the type “%(type)s”, not %(value)s."
                )
                % {
                    "name": name,
                    "type": labels.get(types[name], types[name]),
                    "value": json.dumps(item, ensure_ascii=False)[:60],
                }
            ) from None
    return result


def infer_schema(features: list[Any]) -> list[dict[str, Any]]:
    """Attributes with types read from a file, for a layer that has none yet.

    Each attribute takes the type of its values; an attribute holding values
    of different kinds is text. Dates written as YYYY-MM-DD are dates.
    """
    found: dict[str, str] = {}
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            continue
        for name, value in properties.items():
            kind = _kind_of(value)
            if kind is None:
                found.setdefault(name, "")
                continue
            previous = found.get(name) or kind
            if {previous, kind} == {AttributeType.INTEGER, AttributeType.NUMBER}:
                kind = AttributeType.NUMBER
            elif previous != kind:
                kind = AttributeType.STRING
            found[name] = kind
    return [
        {
            "name": name,
            "type": kind or AttributeType.STRING,
            "label_uk": name,
            "label_en": name,
            "filter": False,
        }
        for name, kind in found.items()
    ]


def _kind_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return AttributeType.BOOLEAN
    if isinstance(value, int):
        return AttributeType.INTEGER
    if isinstance(value, float):
        return AttributeType.NUMBER
    if isinstance(value, str) and DATE_RE.match(value):
        return AttributeType.DATE
    return AttributeType.STRING


def _feature_key(feature: dict[str, Any], number: int) -> str:
    identifier = feature.get("id")
    if isinstance(identifier, (str, int)) and not isinstance(identifier, bool):
        text = str(identifier).strip()
        if text:
            return text[:100]
    return str(number)


def check_feature(
    feature: Any, *, schema: list[dict[str, Any]], extent: Extent, key: str
) -> ParsedFeature:
    """One feature checked whole; a ``ValueError`` carries the reason."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError(_("it is not a GeoJSON Feature."))
    geometry = check_geometry(feature.get("geometry"), extent)
    properties = check_properties(feature.get("properties"), schema)
    point = geometry.representative_point()
    return ParsedFeature(
        key=key,
        geometry={
            "type": feature["geometry"]["type"],
            "coordinates": feature["geometry"]["coordinates"],
        },
        geometry_type=feature["geometry"]["type"],
        properties=properties,
        bounds=tuple(geometry.bounds),
        lat=point.y,
        lon=point.x,
    )


def parse_features(
    text: str,
    *,
    schema: list[dict[str, Any]],
    extent: Extent,
    features: list[Any] | None = None,
) -> list[ParsedFeature]:
    """Every feature of the file checked; any problem refuses the whole file.

    Problems name the feature's number (from 1), the line where it starts and
    the reason; at most ``MAX_PROBLEMS`` are listed. ``features`` is the
    already parsed list of ``text``, if the caller has it.
    """
    if features is None:
        features = parse_collection(text)
    problems: list[tuple[int, str]] = []
    parsed: list[ParsedFeature] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        number = index + 1
        key = (
            _feature_key(feature, number) if isinstance(feature, dict) else str(number)
        )
        try:
            if key in seen:
                raise ValueError(
                    _("its id “%(key)s” is already used by feature %(other)s.")
                    % {"key": key, "other": seen[key]}
                )
            seen[key] = number
            parsed.append(check_feature(feature, schema=schema, extent=extent, key=key))
        except ValueError as exc:
            problems.append((index, str(exc)))
            if len(problems) >= MAX_PROBLEMS:
                break
    if not features:
        raise GeoJSONRefused([_("The file has no features.")])
    if problems:
        lines = feature_lines(text)
        raise GeoJSONRefused(
            [_problem(index, reason, lines) for index, reason in problems]
        )
    return parsed


def _problem(index: int, reason: str, lines: list[int]) -> str:
    if index < len(lines):
        return _("Feature %(number)s (line %(line)s): %(reason)s") % {
            "number": index + 1,
            "line": lines[index],
            "reason": reason,
        }
    return _("Feature %(number)s: %(reason)s") % {"number": index + 1, "reason": reason}
