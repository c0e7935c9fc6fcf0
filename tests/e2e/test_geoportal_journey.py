"""Geoportal in Chromium: a municipality's editor uploads a GeoJSON layer (a bad
file first, refused with its reasons) and publishes it; a visitor opens the map,
switches the layer on, opens a feature's popup, searches a feature and downloads
the layer."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.cms.geoportal_data import buildings, collection, point

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")
ATTRIBUTES = (
    "name | string | Назва | Name\n"
    "energy_class | string | Клас енергоефективності | Energy class | filter\n"
    "floors | integer | Поверхів | Floors\n"
    "valid_until | date | Сертифікат дійсний до | Certificate valid until\n"
)


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def site(transactional_db):
    """Zhytomyr with its pages and a moderator; Dnipro with a moderator of its own."""
    from cms.services import municipality_site_setup, staff_groups_sync
    from tests.factories import (
        MunicipalityFactory,
        MunicipalityRoleFactory,
        UserFactory,
    )

    zhytomyr = MunicipalityFactory(
        slug="zhytomyr", name_uk="Житомир", name_en="Zhytomyr"
    )
    municipality_site_setup(zhytomyr)
    editor = UserFactory(username="zhytomyr-editor")
    MunicipalityRoleFactory(municipality=zhytomyr, user=editor, role="moderator")
    staff_groups_sync(editor)
    return {"zhytomyr": zhytomyr, "editor": editor}


def _admin_login(page, base: str, username: str) -> None:
    page.goto(f"{base}/cms/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/cms/$"))


def _upload(page, tmp_path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.set_input_files("input[name=file]", str(path))
    page.locator("form:has(input[name=file]) button[type=submit]").click()


def test_editor_publishes_a_layer_and_a_visitor_uses_it(
    page, chromium, live_server, site, tmp_path
):
    from cms.models import MapLayer

    base = live_server.url
    _admin_login(page, base, "zhytomyr-editor")
    page.goto(f"{base}/cms/geoportal/")
    page.locator("a[href$='/cms/geoportal/new/']").first.click()
    page.fill("#id_slug", "energy")
    page.fill("#id_title_uk", "Енергоефективність будівель")
    page.fill("#id_title_en", "Energy efficiency of buildings")
    page.select_option("#id_category", "energy")
    page.fill("#id_source", "Управління енергоменеджменту")
    page.fill("#id_schema_text", ATTRIBUTES)
    page.fill("#id_name_attribute", "name")
    page.fill("#id_expiry_attribute", "valid_until")
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/cms/geoportal/\d+/$"))
    layer = MapLayer.objects.get(slug="energy")

    # A file with a building in Warsaw and a storey count in words: refused whole.
    bad = collection(
        point("b1", 28.66, 50.25, name="Ліцей №1", floors=3),
        point("w", 21.01, 52.23, name="Варшава"),
        point("b2", 28.67, 50.26, name="Садок", floors="два"),
    )
    _upload(page, tmp_path, "bad.geojson", bad)
    problems = page.locator("#upload-problems li")
    expect(problems).to_have_count(2)
    # The editor reads the staff area in Ukrainian, the default language.
    expect(problems.nth(0)).to_contain_text("Об’єкт 2 (рядок")
    expect(problems.nth(0)).to_contain_text("поза межами громади Житомир")
    expect(problems.nth(1)).to_contain_text("«floors»")
    _shot(page, "geoportal-admin-refused")
    assert layer.features.count() == 0

    _upload(page, tmp_path, "buildings.geojson", buildings())
    expect(page.locator(".messages")).to_contain_text("3")
    expect(page.locator(".geo-version")).to_have_count(1)
    page.locator("button[name=action][value=publish]").click()
    expect(page.locator("#layer-status")).not_to_have_text(re.compile("draft|чернетка"))
    layer.refresh_from_db()
    assert layer.is_published and layer.feature_count == 3
    _shot(page, "geoportal-admin-layer")

    # The visitor, in a browser of their own.
    context = chromium.new_context(
        locale="uk-UA", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    visitor = context.new_page()
    errors: list[str] = []
    visitor.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        visitor.goto(f"{base}/zhytomyr/map/")
        expect(visitor.locator("#geo-map[data-ready='1']")).to_be_attached()
        expect(visitor.locator(".geo-apply")).to_be_hidden()
        visitor.get_by_label("Енергоефективність будівель").check()
        expect(visitor.locator("[data-count-for='energy']")).to_contain_text("3")
        marker = visitor.locator(".leaflet-marker-icon[title='Ліцей №1']")
        expect(marker).to_be_visible()
        marker.click()
        popup = visitor.locator(".leaflet-popup-content")
        expect(popup).to_contain_text("Ліцей №1")
        expect(popup).to_contain_text("Клас енергоефективності")
        expect(popup.locator(".tag--expired")).to_be_visible()
        _shot(visitor, "geoportal-map-popup-uk")

        visitor.fill("#geo-search", "садок")
        visitor.locator(".geo-search button[type=submit]").click()
        result = visitor.locator("#geo-search-results .geo-result")
        expect(result).to_have_count(1)
        result.click()
        # A closing popup fades out for a moment; the search result's one stays.
        found = visitor.locator(".leaflet-popup-content", has_text="Дитячий садок №12")
        expect(found).to_be_visible()
        expect(visitor.locator(".leaflet-popup-content")).to_have_count(1)

        visitor.select_option("#f-energy-energy_class", "D")
        expect(visitor.locator("[data-count-for='energy']")).to_contain_text("1")

        with visitor.expect_download() as caught:
            visitor.locator(
                ".geo-catalogue a[href$='/zhytomyr/map/energy/download.geojson']"
            ).click()
        download = caught.value
        data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
        assert data["licence"] == "CC BY 4.0" and data["updated"]
        assert {f["id"] for f in data["features"]} == {"b1", "b2", "b3"}
        assert download.suggested_filename.startswith("zhytomyr-energy-")

        visitor.goto(f"{base}/en/zhytomyr/map/?layers=energy")
        expect(visitor.locator("h1")).to_have_text("Geoportal")
        expect(visitor.locator("[data-count-for='energy']")).to_contain_text("3")
        _shot(visitor, "geoportal-map-en")
        assert not errors, errors
    finally:
        context.close()


def test_the_map_works_with_the_keyboard_and_passes_axe(page, live_server, site):
    from cms.geoportal import services
    from tests.cms.conftest import make_layer
    from tests.fixtures.browser import axe_violations

    layer = make_layer(site["zhytomyr"], site["editor"], slug="energy")
    services.layer_data_replace(actor=site["editor"], layer=layer, text=buildings())
    services.layer_publish(actor=site["editor"], layer=layer)
    page.goto(f"{live_server.url}/zhytomyr/map/")
    expect(page.locator("#geo-map[data-ready='1']")).to_be_attached()
    page.locator("#layer-energy").focus()
    page.keyboard.press("Space")
    expect(page.locator("[data-count-for='energy']")).to_contain_text("3")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/zhytomyr/map/energy/")
    assert axe_violations(page) == []


def test_editor_draws_features_on_the_staff_map(page, live_server, site):
    from cms.geoportal import services
    from tests.cms.conftest import make_layer

    layer = make_layer(site["zhytomyr"], site["editor"], slug="energy")
    services.layer_data_replace(actor=site["editor"], layer=layer, text=buildings())
    base = live_server.url
    _admin_login(page, base, "zhytomyr-editor")
    page.goto(f"{base}/cms/geoportal/{layer.pk}/features/")
    expect(page.locator("#geo-admin-map[data-loaded='3']")).to_be_attached()
    _shot(page, "geoportal-admin-features")

    page.goto(f"{base}/cms/geoportal/{layer.pk}/features/new/")
    expect(page.locator(".geo-draw-mode")).to_be_visible()
    drawing = page.locator("#geo-draw-map")
    drawing.click(position={"x": 300, "y": 200})
    expect(page.locator("textarea[name=geometry]")).to_have_value(re.compile('"Point"'))
    page.fill("#id_attr_name", "Басейн «Дельфін»")
    page.fill("#id_attr_energy_class", "B")
    page.locator("form:has(textarea[name=geometry]) button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/cms/geoportal/{layer.pk}/features/$"))
    pool = layer.features.get(name="Басейн «Дельфін»")
    assert pool.geometry["type"] == "Point"

    page.goto(f"{base}/cms/geoportal/{layer.pk}/features/new/")
    page.locator("input[name=draw-mode][value=Polygon]").check()
    for x, y in ((250, 150), (350, 150), (350, 250)):
        drawing.click(position={"x": x, "y": y})
    expect(page.locator("textarea[name=geometry]")).to_have_value(
        re.compile('"Polygon"')
    )
    page.fill("#id_attr_name", "Сквер біля школи")
    page.locator("form:has(textarea[name=geometry]) button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/cms/geoportal/{layer.pk}/features/$"))
    square = layer.features.get(name="Сквер біля школи")
    ring = square.geometry["coordinates"][0]
    assert square.geometry_type == "Polygon" and len(ring) == 4 and ring[0] == ring[-1]
    layer.refresh_from_db()
    assert layer.version == 3 and layer.feature_count == 5
