"""Writes of the geoportal: layers, their data, features edited one by one.

Every write checks the actor's role in the layer's municipality, runs in one
transaction with the layer row locked (so two uploads of the same layer never
interleave and version numbers stay consecutive) and leaves an audit entry.
A layer's data changes only as a whole new version: an uploaded file replaces
every feature, an edit on the map changes one; either way the version records
who, when and what was added, removed or changed, and keeps the data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edem.core.errors import DomainError
from edem.municipalities.models import Municipality
from edem.participation.audit import audit_record
from edem.participation.permissions import require

from .geojson import (
    GeoJSONRefused,
    ParsedFeature,
    check_geometry,
    check_properties,
    decode_upload,
    infer_schema,
    municipality_extent,
    parse_collection,
    parse_features,
)
from .models import AttributeType, LayerFeature, LayerVersion, MapLayer

LAYER_FIELDS = (
    "slug",
    "title_uk",
    "title_en",
    "description_uk",
    "description_en",
    "category",
    "source",
    "source_url",
    "data_updated_on",
    "licence",
    "colour",
    "fill_colour",
    "fill_opacity",
    "line_width",
    "line_style",
    "icon",
    "schema",
    "name_attribute",
    "expiry_attribute",
    "order",
)
ATTRIBUTE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
BATCH = 1000
# A version lists at most this many features of each kind of change by name;
# the counts are always complete.
CHANGES_LISTED = 200


# --- the layer's description ----------------------------------------------------------


def schema_clean(schema: Any) -> list[dict[str, Any]]:
    """A layer's list of attributes, checked: unique valid names, known types."""
    if not isinstance(schema, list):
        raise ValidationError({"schema": _("The attributes must be a list.")})
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for spec in schema:
        name = str((spec or {}).get("name", "")).strip()
        kind = (spec or {}).get("type")
        if not ATTRIBUTE_NAME_RE.match(name):
            raise ValidationError(
                {
                    "schema": _(
                        "“%(name)s” is not a valid attribute name: use Latin letters, "
                        "digits and underscores, starting with a letter."
                    )
                    % {"name": name}
                }
            )
        if name in seen:
            raise ValidationError(
                {
                    "schema": _("The attribute “%(name)s” is listed twice.")
                    % {"name": name}
                }
            )
        if kind not in AttributeType.values:
            raise ValidationError(
                {
                    "schema": _("The attribute “%(name)s” has an unknown type.")
                    % {"name": name}
                }
            )
        seen.add(name)
        cleaned.append(
            {
                "name": name,
                "type": kind,
                "label_uk": str(spec.get("label_uk") or "").strip()[:100],
                "label_en": str(spec.get("label_en") or "").strip()[:100],
                "filter": bool(spec.get("filter")),
            }
        )
    return cleaned


def _check_attribute_choices(data: dict[str, Any]) -> None:
    types = {spec["name"]: spec["type"] for spec in data.get("schema") or []}
    name = data.get("name_attribute") or ""
    expiry = data.get("expiry_attribute") or ""
    if name and name not in types:
        raise ValidationError(
            {"name_attribute": _("This attribute is not in the layer's list.")}
        )
    if expiry and types.get(expiry) != AttributeType.DATE:
        raise ValidationError(
            {"expiry_attribute": _("The end of validity must be a date attribute.")}
        )


def _layer_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data[name] for name in LAYER_FIELDS if name in data}
    if "schema" in values:
        values["schema"] = schema_clean(values["schema"])
    return values


def layer_create(
    *, actor, municipality: Municipality, data: dict[str, Any]
) -> MapLayer:
    """A new layer of the municipality, as a draft without features."""
    require(actor, "cms.manage_layer", municipality)
    values = _layer_values(data)
    _check_attribute_choices(values)
    layer = MapLayer(municipality=municipality, **values)
    layer.full_clean()
    try:
        with transaction.atomic():
            layer.save()
            audit_record(
                actor=actor,
                municipality=municipality,
                action="cms.layer_created",
                target=layer,
                after={"slug": layer.slug, "title": layer.title_uk},
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"slug": _("The municipality already has a layer with this address.")}
        ) from exc
    return layer


def layer_update(*, actor, layer: MapLayer, data: dict[str, Any]) -> MapLayer:
    """Change a layer's description, style or attributes.

    A new list of attributes must still fit every feature the layer has; the
    names and validity dates shown on the map follow the new choices.
    """
    require(actor, "cms.manage_layer", layer)
    values = _layer_values(data)
    with transaction.atomic():
        locked = MapLayer.objects.select_for_update().get(pk=layer.pk)
        before = {name: getattr(locked, name) for name in values}
        for name, value in values.items():
            setattr(locked, name, value)
        _check_attribute_choices(
            {
                "schema": locked.schema,
                "name_attribute": locked.name_attribute,
                "expiry_attribute": locked.expiry_attribute,
            }
        )
        locked.full_clean(validate_constraints=False)
        if locked.schema != before.get("schema", locked.schema):
            _check_features_fit(locked)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as exc:
            raise ValidationError(
                {"slug": _("The municipality already has a layer with this address.")}
            ) from exc
        _refresh_derived(locked)
        after = {name: getattr(locked, name) for name in values}
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action="cms.layer_changed",
            target=locked,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return locked


def _check_features_fit(layer: MapLayer) -> None:
    for key, properties in layer.features.values_list("key", "properties").iterator():
        try:
            check_properties(properties, layer.schema)
        except ValueError as exc:
            raise ValidationError(
                {
                    "schema": _(
                        "The feature “%(key)s” does not fit the new attributes: %(reason)s"
                    )
                    % {"key": key, "reason": exc}
                }
            ) from exc


def _refresh_derived(layer: MapLayer) -> None:
    """Names, search text and validity dates of the features after a layer change."""
    changed = []
    for feature in layer.features.all().iterator():
        derived = _derived(layer, feature.properties)
        if any(getattr(feature, k) != v for k, v in derived.items()):
            for name, value in derived.items():
                setattr(feature, name, value)
            changed.append(feature)
    LayerFeature.objects.bulk_update(
        changed, ["name", "search_text", "expires_on"], batch_size=BATCH
    )


def layer_publish(*, actor, layer: MapLayer) -> MapLayer:
    """Show the layer on the municipality's map and in its open data."""
    require(actor, "cms.publish_layer", layer)
    with transaction.atomic():
        locked = MapLayer.objects.select_for_update().get(pk=layer.pk)
        if locked.is_published:
            return locked
        locked.status = MapLayer.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action="cms.layer_published",
            target=locked,
            before={"status": MapLayer.Status.DRAFT},
            after={"status": MapLayer.Status.PUBLISHED},
        )
    return locked


def layer_unpublish(*, actor, layer: MapLayer, reason: str = "") -> MapLayer:
    """Take the layer off the public map (its data and versions stay)."""
    require(actor, "cms.publish_layer", layer)
    with transaction.atomic():
        locked = MapLayer.objects.select_for_update().get(pk=layer.pk)
        if not locked.is_published:
            return locked
        locked.status = MapLayer.Status.DRAFT
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action="cms.layer_unpublished",
            target=locked,
            before={"status": MapLayer.Status.PUBLISHED},
            after={"status": MapLayer.Status.DRAFT},
            reason=reason,
        )
    return locked


def layer_delete(*, actor, layer: MapLayer) -> None:
    """Delete a layer with its features and versions (only moderators)."""
    require(actor, "cms.publish_layer", layer)
    with transaction.atomic():
        audit_record(
            actor=actor,
            municipality=layer.municipality,
            action="cms.layer_deleted",
            target=layer,
            before={"slug": layer.slug, "features": layer.feature_count},
        )
        layer.delete()


# --- the layer's data -------------------------------------------------------------------


def _derived(layer: MapLayer, properties: dict[str, Any]) -> dict[str, Any]:
    """What the map and the search read from a feature's attributes."""
    name = properties.get(layer.name_attribute) if layer.name_attribute else None
    words = [str(name)] if name not in (None, "") else []
    words += [
        str(value)
        for value in properties.values()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool)
    ]
    expires = properties.get(layer.expiry_attribute) if layer.expiry_attribute else None
    return {
        "name": str(name)[:300] if name not in (None, "") else "",
        "search_text": " ".join(words).lower(),
        "expires_on": dt.date.fromisoformat(expires) if expires else None,
    }


def _feature_row(layer: MapLayer, parsed: ParsedFeature, position: int) -> LayerFeature:
    west, south, east, north = parsed.bounds
    return LayerFeature(
        layer=layer,
        key=parsed.key,
        geometry=parsed.geometry,
        geometry_type=parsed.geometry_type,
        properties=parsed.properties,
        west=west,
        south=south,
        east=east,
        north=north,
        lat=parsed.lat,
        lon=parsed.lon,
        position=position,
        **_derived(layer, parsed.properties),
    )


def _state(layer: MapLayer) -> dict[str, dict[str, Any]]:
    return {
        key: {"geometry": geometry, "properties": properties, "name": name}
        for key, geometry, properties, name in layer.features.values_list(
            "key", "geometry", "properties", "name"
        ).iterator()
    }


def changes_between(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Which features were added, removed and changed (and in what) between two states.

    Features are matched by their identifier; a changed feature lists the
    attributes whose values differ and whether its geometry moved.
    """
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    changed = []
    for key in after:
        if key not in before:
            continue
        old, new = before[key], after[key]
        names = sorted(
            name
            for name in set(old["properties"]) | set(new["properties"])
            if old["properties"].get(name) != new["properties"].get(name)
        )
        moved = old["geometry"] != new["geometry"]
        if names or moved:
            changed.append(
                {
                    "key": key,
                    "name": new["name"],
                    "attributes": names,
                    "geometry": moved,
                }
            )
    return {
        "added": [{"key": k, "name": after[k]["name"]} for k in added[:CHANGES_LISTED]],
        "removed": [
            {"key": k, "name": before[k]["name"]} for k in removed[:CHANGES_LISTED]
        ],
        "changed": changed[:CHANGES_LISTED],
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
        },
    }


def _snapshot(layer: MapLayer) -> ContentFile:
    """The layer's whole data now, as a GeoJSON FeatureCollection file."""
    from .selectors import feature_collection

    data = feature_collection(layer, layer.features.all(), full=True)
    return ContentFile(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _version_record(
    *,
    actor,
    layer: MapLayer,
    kind: str,
    changes: dict[str, Any],
    source_name: str = "",
) -> LayerVersion:
    layer.version += 1
    counts = changes["counts"]
    version = LayerVersion(
        layer=layer,
        number=layer.version,
        kind=kind,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        source_name=source_name[:255],
        feature_count=layer.feature_count,
        added=counts["added"],
        removed=counts["removed"],
        changed=counts["changed"],
        changes=changes,
    )
    version.data.save(
        f"{layer.municipality.slug}-{layer.slug}-v{layer.version}.geojson",
        _snapshot(layer),
        save=False,
    )
    version.save()
    return version


def _bounds_refresh(layer: MapLayer) -> None:
    from django.db.models import Count, Max, Min

    box = layer.features.aggregate(
        n=Count("pk"), w=Min("west"), s=Min("south"), e=Max("east"), no=Max("north")
    )
    layer.feature_count = box["n"]
    layer.west, layer.south, layer.east, layer.north = (
        box["w"],
        box["s"],
        box["e"],
        box["no"],
    )


def layer_data_replace(
    *,
    actor,
    layer: MapLayer,
    upload=None,
    text: str | None = None,
    source_name: str = "",
) -> LayerVersion:
    """Replace every feature of the layer with those of a GeoJSON file.

    The file is checked whole first (see ``geojson.parse_features``); a file
    with any problem changes nothing. A layer without attributes yet takes
    them from the file. The previous data stays in the previous version; the
    new version lists what was added, removed and changed.
    """
    require(actor, "cms.manage_layer", layer)
    if text is None:
        text = decode_upload(upload)
        source_name = source_name or getattr(upload, "name", "")
    raw = parse_collection(text)
    schema = layer.schema or schema_clean(infer_schema(raw))
    parsed = parse_features(
        text,
        schema=schema,
        extent=municipality_extent(layer.municipality),
        features=raw,
    )
    with transaction.atomic():
        locked = (
            MapLayer.objects.select_for_update()
            .select_related("municipality")
            .get(pk=layer.pk)
        )
        if locked.schema != schema:
            if locked.schema:
                raise DomainError(
                    _(
                        "The layer's attributes changed meanwhile; upload the file again."
                    )
                )
            locked.schema = schema
            locked.name_attribute = locked.name_attribute or _guess_name(schema)
        before = _state(locked)
        locked.features.all().delete()
        rows = [_feature_row(locked, item, i) for i, item in enumerate(parsed)]
        LayerFeature.objects.bulk_create(rows, batch_size=BATCH)
        after = {
            row.key: {
                "geometry": row.geometry,
                "properties": row.properties,
                "name": row.name,
            }
            for row in rows
        }
        changes = changes_between(before, after)
        _bounds_refresh(locked)
        locked.data_updated_on = timezone.localdate()
        version = _version_record(
            actor=actor,
            layer=locked,
            kind=LayerVersion.Kind.UPLOAD,
            changes=changes,
            source_name=source_name,
        )
        locked.save()
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action="cms.layer_data_replaced",
            target=locked,
            after={"version": version.number, "file": source_name, **changes["counts"]},
        )
    layer.refresh_from_db()
    return version


NAME_GUESSES = ("name", "title", "nazva", "назва")


def _guess_name(schema: list[dict[str, Any]]) -> str:
    """The attribute that most likely names a feature, for a schema read from a file."""
    names = {spec["name"].lower(): spec["name"] for spec in schema}
    return next((names[guess] for guess in NAME_GUESSES if guess in names), "")


def _next_key(layer: MapLayer) -> str:
    keys = set(layer.features.values_list("key", flat=True))
    number = len(keys) + 1
    while str(number) in keys:
        number += 1
    return str(number)


def feature_save(
    *,
    actor,
    layer: MapLayer,
    geometry: dict[str, Any],
    properties: dict[str, Any],
    key: str | None = None,
) -> LayerFeature:
    """Add a feature drawn on the map, or change one (``key``), as a new version.

    The geometry and attributes are checked exactly as in an uploaded file.
    """
    require(actor, "cms.manage_layer", layer)
    try:
        shape = check_geometry(geometry, municipality_extent(layer.municipality))
        clean = check_properties(
            {k: v for k, v in properties.items() if v is not None}, layer.schema
        )
    except ValueError as exc:
        raise DomainError(
            _("The feature was not saved: %(reason)s") % {"reason": exc}
        ) from exc
    with transaction.atomic():
        locked = (
            MapLayer.objects.select_for_update()
            .select_related("municipality")
            .get(pk=layer.pk)
        )
        existing = locked.features.filter(key=key).first() if key else None
        if key and existing is None:
            raise DomainError(_("This feature is no longer in the layer."))
        before = (
            {
                key: {
                    "geometry": existing.geometry,
                    "properties": existing.properties,
                    "name": existing.name,
                }
            }
            if existing
            else {}
        )
        point = shape.representative_point()
        parsed = ParsedFeature(
            key=key or _next_key(locked),
            geometry={"type": geometry["type"], "coordinates": geometry["coordinates"]},
            geometry_type=geometry["type"],
            properties=clean,
            bounds=tuple(shape.bounds),
            lat=point.y,
            lon=point.x,
        )
        position = existing.position if existing else locked.features.count()
        row = _feature_row(locked, parsed, position)
        if existing:
            row.pk = existing.pk
        row.save()
        after = {
            row.key: {
                "geometry": row.geometry,
                "properties": row.properties,
                "name": row.name,
            }
        }
        changes = changes_between(before, after)
        _bounds_refresh(locked)
        locked.data_updated_on = timezone.localdate()
        version = _version_record(
            actor=actor, layer=locked, kind=LayerVersion.Kind.EDIT, changes=changes
        )
        locked.save()
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action="cms.layer_feature_saved",
            target=locked,
            before=before.get(row.key, {}).get("properties"),
            after={"version": version.number, "key": row.key, **clean},
        )
    layer.refresh_from_db()
    return row


def feature_delete(*, actor, layer: MapLayer, key: str) -> LayerVersion:
    """Remove one feature from the layer, as a new version."""
    require(actor, "cms.manage_layer", layer)
    with transaction.atomic():
        locked = (
            MapLayer.objects.select_for_update()
            .select_related("municipality")
            .get(pk=layer.pk)
        )
        existing = locked.features.filter(key=key).first()
        if existing is None:
            raise DomainError(_("This feature is no longer in the layer."))
        before = {
            key: {
                "geometry": existing.geometry,
                "properties": existing.properties,
                "name": existing.name,
            }
        }
        existing.delete()
        changes = changes_between(before, {})
        _bounds_refresh(locked)
        locked.data_updated_on = timezone.localdate()
        version = _version_record(
            actor=actor, layer=locked, kind=LayerVersion.Kind.DELETE, changes=changes
        )
        locked.save()
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action="cms.layer_feature_deleted",
            target=locked,
            before=before[key]["properties"],
            after={"version": version.number, "key": key},
        )
    layer.refresh_from_db()
    return version


__all__ = [
    "GeoJSONRefused",
    "changes_between",
    "feature_delete",
    "feature_save",
    "layer_create",
    "layer_data_replace",
    "layer_delete",
    "layer_publish",
    "layer_unpublish",
    "layer_update",
    "schema_clean",
]
