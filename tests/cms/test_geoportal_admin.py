"""The geoportal's staff screens over HTTP: create, upload, edit features, versions."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.models import MapLayer
from tests.cms.geoportal_data import collection, point

pytestmark = pytest.mark.django_db


def _log_in(client, user, language="en"):
    """Log a staff member in, reading the staff screens in ``language`` (Wagtail's
    preferred language); the checks below read English unless they say otherwise."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client.force_login(user)


NEW_LAYER = {
    "slug": "permits",
    "title_uk": "Дозволи на рекламу",
    "title_en": "Advertising permits",
    "category": "permits",
    "licence": "CC BY 4.0",
    "colour": "#e31a1c",
    "fill_colour": "#fb9a99",
    "fill_opacity": "0.35",
    "line_width": 2,
    "line_style": "solid",
    "icon": "triangle",
    "order": 10,
    "data_updated_on": "2026-11-01",
    "schema_text": "number | string | Номер | Number\nvalid_until | date | До | Until",
    "name_attribute": "number",
    "expiry_attribute": "valid_until",
}


def test_an_official_creates_a_layer_and_uploads_its_data(
    client, zhytomyr_official, zhytomyr
):
    _log_in(client, zhytomyr_official)
    response = client.post(
        "/cms/geoportal/new/", {**NEW_LAYER, "municipality": zhytomyr.pk}
    )
    layer = MapLayer.objects.get(slug="permits")
    assert response["Location"].endswith(f"/cms/geoportal/{layer.pk}/")
    assert layer.schema[1] == {
        "name": "valid_until",
        "type": "date",
        "label_uk": "До",
        "label_en": "Until",
        "filter": False,
    }
    upload = SimpleUploadedFile(
        "permits.geojson",
        collection(
            point("p1", 28.66, 50.25, number="Р-1", valid_until="2025-01-01")
        ).encode(),
    )
    response = client.post(
        f"/cms/geoportal/{layer.pk}/", {"step": "upload", "file": upload}
    )
    assert response.status_code == 302
    layer.refresh_from_db()
    assert layer.feature_count == 1 and layer.version == 1
    body = client.get(f"/cms/geoportal/{layer.pk}/").content.decode()
    assert "A moderator of the municipality publishes the layer." in body
    assert (
        client.post(
            f"/cms/geoportal/{layer.pk}/publication/", {"action": "publish"}
        ).status_code
        == 302
    )
    layer.refresh_from_db()
    assert not layer.is_published  # officials prepare, moderators publish


def test_a_refused_upload_lists_every_problem_and_changes_nothing(
    client, zhytomyr_moderator, published_layer
):
    _log_in(client, zhytomyr_moderator)
    upload = SimpleUploadedFile(
        "bad.geojson",
        collection(
            point("w", 21.0, 52.2), point("x", 28.66, 50.25, floors="два")
        ).encode(),
    )
    response = client.post(
        f"/cms/geoportal/{published_layer.pk}/", {"step": "upload", "file": upload}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="upload-problems"' in body
    assert "Feature 1 (line 4)" in body and "Feature 2 (line 16)" in body
    published_layer.refresh_from_db()
    assert published_layer.version == 1 and published_layer.feature_count == 3

    _log_in(client, zhytomyr_moderator, language="uk")
    upload.seek(0)
    body = client.post(
        f"/cms/geoportal/{published_layer.pk}/", {"step": "upload", "file": upload}
    ).content.decode()
    assert "Об’єкт 1 (рядок 4)" in body and "Об’єкт 2 (рядок 16)" in body
    published_layer.refresh_from_db()
    assert published_layer.version == 1


def test_a_bad_attribute_list_is_shown_on_its_field(client, zhytomyr_moderator, layer):
    _log_in(client, zhytomyr_moderator)
    response = client.post(
        f"/cms/geoportal/{layer.pk}/",
        {
            **NEW_LAYER,
            "slug": "buildings",
            "step": "describe",
            "schema_text": "name | text",
        },
    )
    assert "Line 1: write “name | type”" in response.content.decode()


def test_a_feature_is_drawn_edited_and_removed_on_the_staff_screens(
    client, zhytomyr_moderator, published_layer
):
    _log_in(client, zhytomyr_moderator)
    pk = published_layer.pk
    b1, b2 = (published_layer.features.get(key=k).pk for k in ("b1", "b2"))
    assert "b1" in client.get(f"/cms/geoportal/{pk}/features/").content.decode()
    data = client.get(f"/cms/geoportal/{pk}/features.geojson").json()
    assert data["features"][0]["edit"] == f"/cms/geoportal/{pk}/features/{b1}/"
    form = client.get(f"/cms/geoportal/{pk}/features/{b1}/").content.decode()
    assert "Ліцей №1" in form and "geo-draw-map" in form
    response = client.post(
        f"/cms/geoportal/{pk}/features/new/",
        {
            "geometry": json.dumps({"type": "Point", "coordinates": [28.7, 50.27]}),
            "attr_name": "Басейн",
            "attr_energy_class": "B",
            "attr_floors": "2",
            "attr_valid_until": "2030-05-01",
        },
    )
    assert response.status_code == 302
    feature = published_layer.features.get(name="Басейн")
    assert feature.properties == {
        "name": "Басейн",
        "energy_class": "B",
        "floors": 2,
        "valid_until": "2030-05-01",
    }
    response = client.post(
        f"/cms/geoportal/{pk}/features/{b1}/",
        {
            "geometry": json.dumps({"type": "Point", "coordinates": [28.661, 50.25]}),
            "attr_name": "Ліцей №1",
            "attr_energy_class": "A",
            "attr_floors": "3",
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"/cms/geoportal/{pk}/features/new/",
        {
            "geometry": json.dumps({"type": "Point", "coordinates": [30.5, 50.45]}),
            "attr_name": "Київ",
        },
    )
    assert "outside the area" in response.content.decode()
    assert client.post(f"/cms/geoportal/{pk}/features/{b2}/delete/").status_code == 302
    versions = list(
        published_layer.versions.order_by("number").values_list(
            "number", "kind", "added", "removed", "changed"
        )
    )
    assert versions == [
        (1, "upload", 3, 0, 0),
        (2, "edit", 1, 0, 0),
        (3, "edit", 0, 0, 1),
        (4, "delete", 0, 1, 0),
    ]
    page = client.get(f"/cms/geoportal/{pk}/").content.decode()
    assert "energy_class, valid_until" in page  # what changed in the lyceum (v3)
    snapshot = client.get(f"/cms/geoportal/{pk}/versions/1.geojson")
    assert len(json.loads(b"".join(snapshot.streaming_content))["features"]) == 3


def test_features_whose_ids_hold_slashes_open_in_the_editor(
    client, zhytomyr_moderator, layer
):
    from cms.geoportal import services

    services.layer_data_replace(
        actor=zhytomyr_moderator,
        layer=layer,
        text=collection(point("Р-2025/100", 28.66, 50.25, name="Білборд")),
    )
    _log_in(client, zhytomyr_moderator)
    data = client.get(f"/cms/geoportal/{layer.pk}/features.geojson").json()
    edit = data["features"][0]["edit"]
    assert data["features"][0]["id"] == "Р-2025/100"
    assert "Білборд" in client.get(edit).content.decode()
