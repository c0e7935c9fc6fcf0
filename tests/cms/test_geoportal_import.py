"""Importing a layer's GeoJSON: a bad file is refused whole, with the feature,
line and reason; a good one becomes a new version that says what changed."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from cms.geoportal import services
from cms.geoportal.geojson import GeoJSONRefused, feature_lines
from cms.models import LayerFeature, LayerVersion
from edem.participation.models import AuditEntry
from tests.cms.conftest import make_layer
from tests.cms.geoportal_data import SCHEMA, buildings, collection, point

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The checks below read the problems in English; Ukrainian is the default
    language, and one test checks the Ukrainian wording on purpose."""
    with translation.override("en"):
        yield


def _refused(actor, layer, text) -> list[str]:
    with pytest.raises(GeoJSONRefused) as caught:
        services.layer_data_replace(actor=actor, layer=layer, text=text)
    return caught.value.problems


def _assert_nothing_imported(layer):
    layer.refresh_from_db()
    assert LayerFeature.objects.filter(layer=layer).count() == 0
    assert LayerVersion.objects.filter(layer=layer).count() == 0
    assert layer.version == 0 and layer.feature_count == 0


def test_a_good_file_becomes_version_one_with_every_feature(layer, zhytomyr_moderator):
    version = services.layer_data_replace(
        actor=zhytomyr_moderator, layer=layer, text=buildings(), source_name="b.geojson"
    )
    layer.refresh_from_db()
    assert (version.number, version.added, version.removed, version.changed) == (
        1,
        3,
        0,
        0,
    )
    assert version.created_by == zhytomyr_moderator
    assert layer.feature_count == 3 and layer.version == 1
    assert (layer.west, layer.south, layer.east, layer.north) == (
        28.65,
        50.24,
        28.67,
        50.26,
    )
    lyceum = layer.features.get(key="b1")
    assert lyceum.name == "Ліцей №1"
    assert str(lyceum.expires_on) == "2020-01-01"
    assert "ліцей" in lyceum.search_text
    stored = json.loads(version.data.read())
    assert len(stored["features"]) == 3 and stored["licence"] == "CC BY 4.0"
    assert AuditEntry.objects.filter(action="cms.layer_data_replaced").count() == 1


def test_a_broken_polygon_is_refused_with_its_feature_line_and_reason(
    layer, zhytomyr_moderator
):
    bowtie = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [28.60, 50.22],
                    [28.70, 50.28],
                    [28.70, 50.22],
                    [28.60, 50.28],
                    [28.60, 50.22],
                ]
            ],
        },
        "properties": {"name": "Метелик"},
    }
    text = collection(point("ok", 28.66, 50.25, name="Добра"), bowtie)
    problems = _refused(zhytomyr_moderator, layer, text)
    assert len(problems) == 1
    line = feature_lines(text)[1]
    assert problems[0].startswith(f"Feature 2 (line {line}):")
    assert "crosses itself" in problems[0]
    _assert_nothing_imported(layer)

    with translation.override("uk"):
        problems = _refused(zhytomyr_moderator, layer, text)
    assert problems[0].startswith(f"Об’єкт 2 (рядок {line}):")
    assert "контур перетинає сам себе" in problems[0]
    _assert_nothing_imported(layer)


def test_unclosed_rings_unknown_types_and_bad_coordinates_are_named(
    layer, zhytomyr_moderator
):
    open_ring = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[28.6, 50.22], [28.7, 50.28], [28.7, 50.22]]],
        },
        "properties": {},
    }
    collection_geometry = {
        "type": "Feature",
        "geometry": {"type": "GeometryCollection", "geometries": []},
        "properties": {},
    }
    text_coordinates = point("t", "28.6", 50.2)
    problems = _refused(
        zhytomyr_moderator,
        layer,
        collection(open_ring, collection_geometry, text_coordinates),
    )
    assert "Feature 1" in problems[0] and "not closed" in problems[0]
    assert "Feature 2" in problems[1] and "GeometryCollection" in problems[1]
    assert "Feature 3" in problems[2] and "longitude, latitude" in problems[2]
    _assert_nothing_imported(layer)


def test_an_attribute_of_the_wrong_type_is_refused(layer, zhytomyr_moderator):
    text = collection(
        point("a", 28.66, 50.25, name="Школа", floors=3),
        point("b", 28.66, 50.25, name="Школа 2", floors="три"),
        point("c", 28.66, 50.25, name="Школа 3", valid_until="31.12.2026"),
        point("d", 28.66, 50.25, name="Школа 4", colour="red"),
    )
    problems = _refused(zhytomyr_moderator, layer, text)
    assert len(problems) == 3
    assert "Feature 2" in problems[0] and "“floors”" in problems[0]
    assert "whole number" in problems[0] and '"три"' in problems[0]
    assert "Feature 3" in problems[1] and "“valid_until”" in problems[1]
    assert "Feature 4" in problems[2] and "“colour” is not in the layer" in problems[2]
    _assert_nothing_imported(layer)


def test_coordinates_in_another_country_are_refused(layer, zhytomyr_moderator):
    warsaw = point("w", 21.01, 52.23, name="Варшава")
    problems = _refused(
        zhytomyr_moderator,
        layer,
        collection(point("z", 28.66, 50.25, name="Ж"), warsaw),
    )
    assert problems == [
        f"Feature 2 (line {feature_lines(collection(point('z', 28.66, 50.25, name='Ж'), warsaw))[1]}): "
        "it lies outside the area of Zhytomyr (longitude 21.0100, latitude 52.2300)."
    ]
    _assert_nothing_imported(layer)


def test_swapped_latitude_and_longitude_are_pointed_out(layer, zhytomyr_moderator):
    problems = _refused(zhytomyr_moderator, layer, collection(point("s", 50.25, 28.66)))
    assert "seem to be swapped" in problems[0]


def test_a_50_mb_file_is_refused_before_it_is_read(layer, zhytomyr_moderator):
    big = SimpleUploadedFile("big.geojson", b" " * (50 * 1024 * 1024))
    with pytest.raises(GeoJSONRefused) as caught:
        services.layer_data_replace(actor=zhytomyr_moderator, layer=layer, upload=big)
    assert caught.value.problems == [
        "The file is 50.0 MB; a layer takes files of at most 25 MB. Split the layer "
        "or simplify its geometries."
    ]
    _assert_nothing_imported(layer)


@override_settings(GEOPORTAL_MAX_UPLOAD_BYTES=100)
def test_the_size_limit_is_a_setting(layer, zhytomyr_moderator):
    upload = SimpleUploadedFile("b.geojson", buildings().encode())
    with pytest.raises(GeoJSONRefused, match="nothing was imported"):
        services.layer_data_replace(
            actor=zhytomyr_moderator, layer=layer, upload=upload
        )


def test_not_json_not_utf8_and_other_crs_are_refused(layer, zhytomyr_moderator):
    problems = _refused(
        zhytomyr_moderator, layer, '{"type": "FeatureCollection",\n "features": [}'
    )
    assert problems[0].startswith("Line 2, column")
    upload = SimpleUploadedFile("b.geojson", '{"name": "Житомир"}'.encode("cp1251"))
    with pytest.raises(GeoJSONRefused, match="not UTF-8"):
        services.layer_data_replace(
            actor=zhytomyr_moderator, layer=layer, upload=upload
        )
    crs = json.loads(buildings())
    crs["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    problems = _refused(zhytomyr_moderator, layer, json.dumps(crs))
    assert "EPSG::3857" in problems[0]
    problems = _refused(zhytomyr_moderator, layer, json.dumps({"type": "Feature"}))
    assert "FeatureCollection" in problems[0]
    _assert_nothing_imported(layer)


def test_duplicate_ids_are_refused(layer, zhytomyr_moderator):
    problems = _refused(
        zhytomyr_moderator,
        layer,
        collection(point("x", 28.66, 50.25), point("x", 28.67, 50.25)),
    )
    assert "Feature 2" in problems[0] and "already used by feature 1" in problems[0]


def test_a_bad_file_leaves_the_previous_data_untouched(
    published_layer, zhytomyr_moderator
):
    before = list(published_layer.features.values_list("key", "properties"))
    _refused(zhytomyr_moderator, published_layer, collection(point("w", 21.0, 52.2)))
    published_layer.refresh_from_db()
    assert list(published_layer.features.values_list("key", "properties")) == before
    assert published_layer.version == 1


def test_replacing_the_data_keeps_the_previous_version_and_lists_the_changes(
    published_layer, zhytomyr_moderator, zhytomyr_official
):
    text = collection(
        point(
            "b1",
            28.66,
            50.25,
            name="Ліцей №1",
            energy_class="B",
            floors=3,
            valid_until="2020-01-01",
        ),
        point(
            "b2",
            28.675,
            50.26,
            name="Дитячий садок №12",
            energy_class="D",
            floors=2,
            valid_until="2099-01-01",
        ),
        point("b4", 28.66, 50.27, name="Басейн", energy_class="E"),
    )
    version = services.layer_data_replace(
        actor=zhytomyr_official,
        layer=published_layer,
        text=text,
        source_name="v2.geojson",
    )
    assert (version.number, version.added, version.removed, version.changed) == (
        2,
        1,
        1,
        2,
    )
    assert version.created_by == zhytomyr_official
    changes = version.changes
    assert changes["added"] == [{"key": "b4", "name": "Басейн"}]
    assert changes["removed"] == [{"key": "b3", "name": "Лікарня №2"}]
    assert changes["changed"] == [
        {
            "key": "b1",
            "name": "Ліцей №1",
            "attributes": ["energy_class"],
            "geometry": False,
        },
        {"key": "b2", "name": "Дитячий садок №12", "attributes": [], "geometry": True},
    ]
    first = published_layer.versions.get(number=1)
    assert first.created_by == zhytomyr_moderator
    assert {f["id"] for f in json.loads(first.data.read())["features"]} == {
        "b1",
        "b2",
        "b3",
    }


def test_a_layer_without_attributes_takes_them_from_its_first_file(
    zhytomyr, zhytomyr_moderator
):
    layer = make_layer(
        zhytomyr,
        zhytomyr_moderator,
        slug="sites",
        schema=[],
        name_attribute="",
        expiry_attribute="",
    )
    services.layer_data_replace(
        actor=zhytomyr_moderator,
        layer=layer,
        text=collection(
            point(
                1,
                28.66,
                50.25,
                name="Ділянка",
                area=1.5,
                lots=2,
                free=True,
                since="2024-05-01",
            ),
            point(2, 28.67, 50.25, name="Ділянка 2", area=3, lots=None),
        ),
    )
    layer.refresh_from_db()
    assert {a["name"]: a["type"] for a in layer.schema} == {
        "name": "string",
        "area": "number",
        "lots": "integer",
        "free": "boolean",
        "since": "date",
    }
    assert layer.name_attribute == "name"
    assert layer.features.get(key="1").name == "Ділянка"


def test_a_new_list_of_attributes_must_fit_the_features(
    published_layer, zhytomyr_moderator
):
    from django.core.exceptions import ValidationError

    schema = [dict(a) for a in SCHEMA]
    schema[1]["type"] = "integer"  # energy_class holds "C", "D"
    with pytest.raises(ValidationError) as caught:
        services.layer_update(
            actor=zhytomyr_moderator, layer=published_layer, data={"schema": schema}
        )
    assert "does not fit" in str(caught.value)
    published_layer.refresh_from_db()
    assert published_layer.schema[1]["type"] == "string"


def test_features_are_edited_one_by_one_as_versions(published_layer, zhytomyr_official):
    feature = services.feature_save(
        actor=zhytomyr_official,
        layer=published_layer,
        geometry={
            "type": "Polygon",
            "coordinates": [
                [[28.6, 50.22], [28.61, 50.22], [28.61, 50.23], [28.6, 50.22]]
            ],
        },
        properties={"name": "Новий сквер", "floors": 0},
    )
    published_layer.refresh_from_db()
    assert published_layer.version == 2 and published_layer.feature_count == 4
    assert feature.key == "4" and feature.geometry_type == "Polygon"
    services.feature_save(
        actor=zhytomyr_official,
        layer=published_layer,
        key="b3",
        geometry={"type": "Point", "coordinates": [28.65, 50.24]},
        properties={"name": "Лікарня №2", "energy_class": "B", "floors": 5},
    )
    edit = published_layer.versions.get(number=3)
    assert edit.kind == "edit" and edit.changed == 1
    assert edit.changes["changed"][0]["attributes"] == ["energy_class"]
    version = services.feature_delete(
        actor=zhytomyr_official, layer=published_layer, key="b1"
    )
    assert version.removed == 1 and version.kind == "delete"
    published_layer.refresh_from_db()
    assert published_layer.feature_count == 3


def test_an_edited_feature_is_checked_like_a_file(published_layer, zhytomyr_official):
    from edem.core.errors import DomainError

    with pytest.raises(DomainError, match="outside the area"):
        services.feature_save(
            actor=zhytomyr_official,
            layer=published_layer,
            geometry={"type": "Point", "coordinates": [30.52, 50.45]},
            properties={},
        )
    with pytest.raises(DomainError, match="whole number"):
        services.feature_save(
            actor=zhytomyr_official,
            layer=published_layer,
            geometry={"type": "Point", "coordinates": [28.66, 50.25]},
            properties={"floors": 2.5},
        )
    published_layer.refresh_from_db()
    assert published_layer.version == 1
