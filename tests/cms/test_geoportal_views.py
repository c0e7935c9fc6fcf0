"""The public geoportal: map page without JavaScript, GeoJSON endpoints, downloads."""

from __future__ import annotations

import csv
import io
import json

import pytest

from edem.municipalities.models import FeatureFlag

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_map_page_lists_layers_by_category_with_downloads_and_module_layers(
    client, published_layer
):
    body = client.get("/en/zhytomyr/map/").content.decode()
    assert "<legend>Energy efficiency</legend>" in body
    assert 'name="layers" value="buildings"' in body
    assert "/en/zhytomyr/map/buildings/download.geojson" in body
    assert "/en/zhytomyr/map/buildings/download.csv" in body
    assert "/en/zhytomyr/budget/map.geojson" in body  # the budget module's own layer
    assert "/en/zhytomyr/city/map.geojson" in body  # open-city reports
    assert "/en/zhytomyr/city/works.geojson" in body
    assert 'id="map-config"' in body


def test_without_javascript_the_chosen_layer_is_listed_with_its_filters(
    client, published_layer
):
    body = client.get(
        "/zhytomyr/map/", {"layers": "buildings", "buildings.validity": "expired"}
    ).content.decode()
    assert "Ліцей №1" in body and "Дитячий садок №12" not in body
    assert "прострочено" in body or "expired" in body
    body = client.get(
        "/zhytomyr/map/", {"layers": "buildings", "buildings.attr.energy_class": "D"}
    ).content.decode()
    assert "Дитячий садок №12" in body and "Лікарня №2" not in body


def test_search_without_javascript_lists_features_of_every_layer(
    client, published_layer
):
    body = client.get("/zhytomyr/map/", {"q": "садок"}).content.decode()
    assert "Дитячий садок №12" in body and "Ліцей" not in body


def test_layer_page_pages_filters_and_marks_expired_features(client, published_layer):
    response = client.get("/zhytomyr/map/buildings/")
    body = response.content.decode()
    assert "Ліцей №1" in body and "Лікарня №2" in body
    assert body.count("tag--expired") == 1  # the lyceum's validity ended in 2020
    body = client.get(
        "/zhytomyr/map/buildings/", {"attr.energy_class": "C"}
    ).content.decode()
    assert "Ліцей №1" in body and "Дитячий садок" not in body
    body = client.get(
        "/zhytomyr/map/buildings/", {"validity": "valid"}
    ).content.decode()
    assert "Ліцей №1" not in body and "Лікарня №2" in body
    assert client.get("/en/zhytomyr/map/buildings/").status_code == 200


def test_geojson_endpoint_filters_by_box_and_pages(client, published_layer):
    data = client.get(
        "/zhytomyr/map/buildings.geojson", {"bbox": "28.655,50.245,28.68,50.27"}
    ).json()
    assert [f["id"] for f in data["features"]] == ["b1", "b2"]
    assert data["licence"] == "CC BY 4.0" and "updated" in data
    first = client.get("/zhytomyr/map/buildings.geojson", {"limit": 2}).json()
    assert [f["id"] for f in first["features"]] == ["b1", "b2"]
    assert first["numberReturned"] == 2
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert [f["id"] for f in second["features"]] == ["b3"] and "next" not in second
    lyceum = first["features"][0]
    assert lyceum["expired"] is True and lyceum["name"] == "Ліцей №1"
    assert lyceum["properties"]["energy_class"] == "C"


def test_geojson_endpoint_refuses_bad_parameters_clearly(client, published_layer):
    for params in (
        {"bbox": "1,2,3"},
        {"after": "x"},
        {"validity": "soon"},
    ):
        response = client.get("/zhytomyr/map/buildings.geojson", params)
        assert response.status_code == 400, params
        assert response.json()["error"]


def test_downloads_carry_licence_and_update_date(client, published_layer):
    response = client.get("/zhytomyr/map/buildings/download.geojson")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(_body(response))
    assert data["licence"] == "CC BY 4.0"
    assert data["updated"] == published_layer.data_updated_on.isoformat()
    assert len(data["features"]) == 3 and "expired" not in data["features"][0]
    response = client.get("/zhytomyr/map/buildings/download.csv")
    rows = list(csv.reader(io.StringIO(_body(response).lstrip("\ufeff"))))
    assert rows[1][2] == "CC BY 4.0"
    assert rows[2][2] == published_layer.data_updated_on.isoformat()
    header = rows[4]
    assert header[:5] == ["id", "name", "geometry_type", "lat", "lon"]
    lyceum = dict(zip(header, rows[5], strict=True))
    assert lyceum["energy_class"] == "C" and lyceum["valid_until"] == "2020-01-01"
    assert json.loads(lyceum["geometry"]) == {
        "type": "Point",
        "coordinates": [28.66, 50.25],
    }


def test_search_endpoint_finds_names_and_attribute_values(client, published_layer):
    names = [
        r["name"]
        for r in client.get("/zhytomyr/map/search.json?q=ЛІЦЕЙ").json()["results"]
    ]
    assert names == ["Ліцей №1"]
    results = client.get("/zhytomyr/map/search.json?q=d").json()["results"]
    assert [r["name"] for r in results] == ["Дитячий садок №12"]


def test_a_municipality_that_switched_the_geoportal_off_shows_none(
    client, published_layer, zhytomyr
):
    FeatureFlag.objects.create(module="geoportal", municipality=zhytomyr, enabled=False)
    assert client.get("/zhytomyr/map/").status_code == 404
    assert client.get("/zhytomyr/map/buildings.geojson").status_code == 404


def test_demo_layers_of_both_municipalities(client, zhytomyr, dnipro):
    from cms.geoportal.demo import seed_geoportal
    from cms.models import MapLayer
    from edem.core.demo import DEMO_MUNICIPALITIES

    dnipro.boundary = {
        "type": "Polygon",
        "coordinates": [
            next(d for d in DEMO_MUNICIPALITIES if d.slug == "dnipro").boundary
        ],
    }
    dnipro.save()

    for municipality in (zhytomyr, dnipro):
        seed_geoportal(municipality)
        seed_geoportal(municipality)  # idempotent
    for municipality in (zhytomyr, dnipro):
        slugs = set(
            MapLayer.objects.filter(
                municipality=municipality, status="published"
            ).values_list("slug", flat=True)
        )
        assert slugs == {
            "zoning",
            "municipal-property",
            "investment-sites",
            "advertising-permits",
            "energy-efficiency",
        }
    expired = client.get(
        "/dnipro/map/advertising-permits.geojson", {"validity": "expired"}
    ).json()["features"]
    valid = client.get(
        "/dnipro/map/advertising-permits.geojson", {"validity": "valid"}
    ).json()["features"]
    assert expired and valid and all(f["expired"] for f in expired)
    classes = client.get(
        "/zhytomyr/map/energy-efficiency.geojson", {"attr.energy_class": "A"}
    ).json()["features"]
    assert [f["properties"]["name"] for f in classes] == [
        "Амбулаторія сімейної медицини"
    ]


def test_api_catalogue_lists_published_layers_with_their_links(
    client, published_layer, zhytomyr, zhytomyr_moderator
):
    from tests.cms.conftest import make_layer

    make_layer(zhytomyr, zhytomyr_moderator, slug="draft")
    data = client.get("/api/v1/zhytomyr/map/layers/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [row["slug"] for row in rows] == ["buildings"]
    row = rows[0]
    assert row["licence"] == "CC BY 4.0" and row["feature_count"] == 3
    assert row["geojson"].endswith("/zhytomyr/map/buildings.geojson")
    assert row["download_csv"].endswith("/zhytomyr/map/buildings/download.csv")
    assert (
        client.get(f"/api/v1/dnipro/map/layers/{published_layer.pk}/").status_code
        == 404
    )
