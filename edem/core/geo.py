"""Geometry helpers over GeoJSON with shapely. Points are (lat, lon) columns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry

from .errors import DomainError

AREA_TYPES = {"Polygon", "MultiPolygon"}


def parse_area(geojson: dict[str, Any] | str) -> BaseGeometry:
    """Read a Polygon/MultiPolygon (or a Feature holding one); refuse anything else."""
    if isinstance(geojson, str):
        try:
            geojson = json.loads(geojson)
        except json.JSONDecodeError as exc:
            raise DomainError(_("The area is not valid GeoJSON.")) from exc
    if not isinstance(geojson, dict):
        raise DomainError(_("The area is not valid GeoJSON."))
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    if geojson.get("type") not in AREA_TYPES:
        raise DomainError(_("The area must be a polygon or a multipolygon."))
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise DomainError(_("The area is not valid GeoJSON.")) from exc
    if geometry.is_empty or not geometry.is_valid:
        raise DomainError(_("The area's outline crosses itself or is empty."))
    return geometry


def area_contains(geojson: dict[str, Any], lat: float | Decimal, lon: float | Decimal) -> bool:
    """True when the point lies inside (or on the edge of) the area."""
    return parse_area(geojson).covers(Point(float(lon), float(lat)))


def area_to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geometry))


@dataclass(frozen=True)
class BBox:
    """A bounding box as west, south, east, north in degrees."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """Parse ``west,south,east,north``; refuse swapped or out-of-range values."""
        try:
            west, south, east, north = (float(part) for part in text.split(","))
        except ValueError as exc:
            raise DomainError(
                _("The bounding box must be four numbers: west,south,east,north.")
            ) from exc
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise DomainError(_("The bounding box is outside the map or inverted."))
        return cls(west, south, east, north)

    @classmethod
    def of(cls, geometry: BaseGeometry) -> BBox:
        west, south, east, north = geometry.bounds
        return cls(west, south, east, north)


def map_config(municipality) -> dict[str, Any]:
    """What a page's map needs (``<script id="map-config">``, read by static/js/maps.js).

    The tile server comes from the settings; the map opens on the municipality's
    centre and outlines its boundary.
    """
    from django.conf import settings

    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "centre": [float(municipality.centre_lat), float(municipality.centre_lon)],
        "boundary": municipality.boundary or None,
    }
