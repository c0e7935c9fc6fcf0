"""One municipality's staff never see or change another's map layers."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.geoportal import services
from cms.models import MapLayer
from edem.core.errors import PermissionRefused
from tests.cms.conftest import make_layer
from tests.cms.geoportal_data import buildings, collection, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def dnipro_layer(dnipro, dnipro_moderator):
    layer = make_layer(
        dnipro,
        dnipro_moderator,
        slug="dnipro-buildings",
        title_uk="Дніпровські будівлі",
    )
    return layer


def test_staff_of_one_municipality_cannot_change_anothers_layer_through_services(
    published_layer, dnipro_moderator, dnipro_layer, zhytomyr
):
    attempts = [
        lambda: services.layer_update(
            actor=dnipro_moderator, layer=published_layer, data={"title_uk": "Чуже"}
        ),
        lambda: services.layer_data_replace(
            actor=dnipro_moderator, layer=published_layer, text=buildings()
        ),
        lambda: services.layer_unpublish(actor=dnipro_moderator, layer=published_layer),
        lambda: services.layer_delete(actor=dnipro_moderator, layer=published_layer),
        lambda: services.feature_delete(
            actor=dnipro_moderator, layer=published_layer, key="b1"
        ),
        lambda: services.feature_save(
            actor=dnipro_moderator,
            layer=published_layer,
            geometry={"type": "Point", "coordinates": [28.66, 50.25]},
            properties={},
        ),
        lambda: make_layer(zhytomyr, dnipro_moderator, slug="intruder"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionRefused):
            attempt()
    published_layer.refresh_from_db()
    assert published_layer.title_uk == "Будівлі" and published_layer.version == 1
    assert published_layer.is_published and published_layer.feature_count == 3
    assert not MapLayer.objects.filter(slug="intruder").exists()


def test_officials_prepare_layers_but_only_moderators_publish(
    layer, zhytomyr_official, zhytomyr_moderator
):
    services.layer_data_replace(actor=zhytomyr_official, layer=layer, text=buildings())
    with pytest.raises(PermissionRefused):
        services.layer_publish(actor=zhytomyr_official, layer=layer)
    services.layer_publish(actor=zhytomyr_moderator, layer=layer)
    layer.refresh_from_db()
    assert layer.is_published


def test_staff_screens_list_and_open_only_own_layers(
    client, published_layer, dnipro_moderator, dnipro_layer
):
    client.force_login(dnipro_moderator)
    listing = client.get("/cms/geoportal/").content.decode()
    assert "Дніпровські будівлі" in listing
    assert f"/cms/geoportal/{published_layer.pk}/" not in listing
    pk = published_layer.pk
    b1 = published_layer.features.get(key="b1").pk
    for url in (
        f"/cms/geoportal/{pk}/",
        f"/cms/geoportal/{pk}/features/",
        f"/cms/geoportal/{pk}/features.geojson",
        f"/cms/geoportal/{pk}/features/{b1}/",
        f"/cms/geoportal/{pk}/features/new/",
        f"/cms/geoportal/{pk}/versions/1.geojson",
    ):
        assert client.get(url).status_code == 404, url
    upload = SimpleUploadedFile(
        "x.geojson", collection(point("x", 28.66, 50.25, name="Чуже")).encode()
    )
    posts = (
        (f"/cms/geoportal/{pk}/", {"step": "upload", "file": upload}),
        (f"/cms/geoportal/{pk}/", {"step": "describe", "title_uk": "Чуже"}),
        (f"/cms/geoportal/{pk}/publication/", {"action": "unpublish"}),
        (f"/cms/geoportal/{pk}/delete/", {}),
        (f"/cms/geoportal/{pk}/features/{b1}/delete/", {}),
    )
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    published_layer.refresh_from_db()
    assert published_layer.is_published and published_layer.version == 1
    assert published_layer.title_uk == "Будівлі"


def test_new_layer_form_offers_only_own_municipalities(
    client, dnipro_moderator, zhytomyr, dnipro
):
    client.force_login(dnipro_moderator)
    body = client.get("/cms/geoportal/new/").content.decode()
    assert "Дніпро" in body and "Житомир" not in body
    response = client.post(
        "/cms/geoportal/new/",
        {
            "municipality": zhytomyr.pk,
            "slug": "x",
            "title_uk": "X",
            "category": "other",
            "licence": "CC BY 4.0",
            "colour": "#000000",
            "fill_colour": "#ffffff",
            "fill_opacity": "0.3",
            "line_width": 2,
            "line_style": "solid",
            "icon": "circle",
            "order": 1,
            "data_updated_on": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert not MapLayer.objects.filter(municipality=zhytomyr).exists()


def test_a_person_without_a_role_reaches_no_geoportal_screen(client, published_layer):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get("/cms/geoportal/").status_code in (302, 403, 404)
    assert client.get(f"/cms/geoportal/{published_layer.pk}/").status_code in (
        302,
        403,
        404,
    )


def test_a_draft_layer_is_not_public(client, layer, zhytomyr_moderator):
    services.layer_data_replace(actor=zhytomyr_moderator, layer=layer, text=buildings())
    assert client.get("/zhytomyr/map/buildings/").status_code == 404
    assert client.get("/zhytomyr/map/buildings.geojson").status_code == 404
    assert client.get("/zhytomyr/map/buildings/download.csv").status_code == 404
    assert "Будівлі" not in client.get("/zhytomyr/map/").content.decode()
    assert client.get("/zhytomyr/map/search.json?q=ліцей").json() == {"results": []}


def test_another_municipalitys_layer_is_not_on_this_municipalitys_map(
    client, published_layer, dnipro
):
    assert client.get("/dnipro/map/buildings/").status_code == 404
    assert client.get("/dnipro/map/buildings.geojson").status_code == 404
    assert client.get("/dnipro/map/search.json?q=ліцей").json() == {"results": []}
