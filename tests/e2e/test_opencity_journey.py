"""Browser journeys of open city in Chromium.

A resident reports a leak with a photo on the map; it is routed by polygon to
the water utility; the executor resolves it; the resident denies, it is
reopened, resolved again, and the resident confirms and rates the work; the
report is on the public map and in the statistics. A contact-centre operator
files a report for a caller with the plain coordinate fields.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.opencity.conftest import build_city, use_sms_outbox

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")


@pytest.fixture
def city(zhytomyr):
    return build_city(zhytomyr)


@pytest.fixture
def sms_locmem(settings):
    return use_sms_outbox(settings)


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{
        "name": "sessionid", "value": client.cookies["sessionid"].value,
        "url": live_server.url,
    }])


def _photo_with_gps(path) -> str:
    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (50.0, 15.0, 16.0), 3: "E", 4: (28.0, 37.0, 12.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 200)).save(out, "JPEG", exif=exif.tobytes())
    target = path / "leak.jpg"
    target.write_bytes(out.getvalue())
    return str(target)


def test_a_leak_from_report_to_rating(page, live_server, city, citizen, tmp_path):
    from opencity.models import Report

    base = f"{live_server.url}/en/zhytomyr/city"
    _login(page, live_server, citizen)
    page.goto(f"{base}/new/")
    expect(page.locator("#pick-map.leaflet-container")).to_be_visible()
    page.select_option("#id_category", label="Water leak")
    page.fill("#id_description", "Прорвало трубу: вода б'є з-під асфальту біля під'їзду.")
    # The city's outline is drawn on the map; its left quarter is the western
    # water utility's area.
    box = page.locator("#pick-map .leaflet-overlay-pane path").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    expect(page.locator("#id_lat")).not_to_have_value("")
    lon = float(page.locator("#id_lon").input_value())
    assert 28.58 < lon < 28.67
    page.fill("#id_address", "вул. Київська, 12")
    page.set_input_files("#id_photos", _photo_with_gps(tmp_path))
    _shot(page, "opencity-report-form")
    page.get_by_role("button", name="Send the report").click()
    expect(page).to_have_url(re.compile(r"/en/zhytomyr/city/\d+/$"))
    expect(page.locator("#report-status")).to_have_text("new")
    expect(page.locator("main")).to_contain_text("Water west")
    report = Report.objects.get()
    assert report.organisation == city.water_west
    from PIL import Image

    with report.photos.get().image.open("rb") as stored:
        assert not Image.open(stored).getexif().get_ifd(0x8825)
    _shot(page, "opencity-report-new")

    head = city.heads[city.water_west.pk]
    executor = city.executors[city.water_west.pk]
    _login(page, live_server, head)
    page.goto(f"{base}/{report.pk}/")
    page.select_option("#id_executor", label=executor.username)
    page.get_by_role("button", name="Accept and start the deadline").click()
    expect(page.locator("#report-status")).to_have_text("accepted")
    expect(page.locator(".sla")).to_be_visible()
    _shot(page, "opencity-report-accepted")

    _login(page, live_server, executor)
    page.goto(f"{base}/{report.pk}/")
    page.fill("#id_answer", "Замінили ділянку труби, асфальт відновимо завтра.")
    page.get_by_role("button", name="Mark resolved").click()
    expect(page.locator("#report-status")).to_have_text("resolved")

    _login(page, live_server, citizen)
    page.goto(f"{base}/{report.pk}/")
    page.locator("form[action$='/reopen/'] textarea").fill("Вода досі тече з-під люка.")
    page.get_by_role("button", name="No, reopen the report").click()
    expect(page.locator("#report-status")).to_have_text("reopened")
    expect(page.locator("#report-timeline")).to_contain_text("Вода досі тече")

    _login(page, live_server, executor)
    page.goto(f"{base}/{report.pk}/")
    page.fill("#id_answer", "Замінили засувку в колодязі, витоку немає.")
    page.get_by_role("button", name="Mark resolved").click()
    expect(page.locator("#report-status")).to_have_text("resolved")

    _login(page, live_server, citizen)
    page.goto(f"{base}/{report.pk}/")
    page.get_by_role("button", name="Yes, it is fixed").click()
    expect(page.locator("#report-status")).to_have_text("closed")
    page.get_by_label("5", exact=True).check()
    page.locator("form[action$='/rate/'] textarea").fill("Дякую за швидку роботу!")
    page.get_by_role("button", name="Send the rating").click()
    expect(page.locator("#report-rating")).to_contain_text("5")
    _shot(page, "opencity-report-closed")

    page.goto(f"{base}/")
    expect(page.locator("#report-map")).to_have_attribute("data-loaded", "1")
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
    _shot(page, "opencity-map")
    page.goto(f"{base}/statistics/")
    row = page.locator("#organisation-stats tr", has_text="Water west")
    expect(row).to_contain_text("100%")
    expect(page.locator("#category-stats tr", has_text="Water leak")).to_contain_text("100%")
    _shot(page, "opencity-statistics")

    # The same pages in Ukrainian, the default language.
    uk = f"{live_server.url}/zhytomyr/city"
    page.goto(f"{uk}/{report.pk}/")
    expect(page.locator("#report-status")).to_have_text("закрито")
    _shot(page, "opencity-report-closed-uk")
    page.goto(f"{uk}/statistics/")
    expect(page.locator("#organisation-stats")).to_contain_text("Водоканал (захід)")
    _shot(page, "opencity-statistics-uk")


def test_works_published_by_the_utility_show_on_the_maps(page, live_server, city):
    import datetime as dt

    from django.utils import timezone

    from opencity import services

    head = city.heads[city.water_west.pk]
    now = timezone.now()
    services.work_publish(actor=head, organisation=city.water_west, data={
        "kind": "emergency", "title": "Аварія на водогоні",
        "description": "Немає холодної води.", "affected_addresses": "вул. Київська, 10",
        "geometry": {"type": "Polygon", "coordinates": [[[28.60, 50.25], [28.62, 50.25],
                                                         [28.62, 50.26], [28.60, 50.26],
                                                         [28.60, 50.25]]]},
        "starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(hours=6),
    })
    page.goto(f"{live_server.url}/zhytomyr/city/works/")
    expect(page.locator("#works-map")).to_have_attribute("data-loaded", "1")
    expect(page.locator("#works-map .leaflet-overlay-pane path").nth(1)).to_be_visible()
    expect(page.locator("#work-list")).to_contain_text("Аварія на водогоні")
    _shot(page, "opencity-works-uk")
    page.goto(f"{live_server.url}/en/zhytomyr/city/")
    expect(page.locator(".leaflet-control-layers")).to_contain_text(
        "Planned and emergency works")
    _shot(page, "opencity-map-with-works")

    # The head draws planned works on the map in the form.
    _login(page, live_server, head)
    page.goto(f"{live_server.url}/en/zhytomyr/city/works/new/")
    page.select_option("#id_kind", "planned")
    page.fill("#id_title", "Заміна труб на вул. Київській")
    page.fill("#id_starts_at", (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT08:00"))
    page.fill("#id_ends_at", (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT18:00"))
    page.get_by_role("button", name="Draw an area").click()
    page.locator("#draw-map").scroll_into_view_if_needed()
    box = page.locator("#draw-map .leaflet-overlay-pane path").first.bounding_box()
    for fx, fy in ((0.2, 0.3), (0.4, 0.3), (0.4, 0.6)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    expect(page.locator("#id_geometry")).to_have_value(re.compile('"Polygon"'))
    _shot(page, "opencity-work-form")
    page.get_by_role("button", name="Publish on the map").click()
    expect(page).to_have_url(re.compile(r"/en/zhytomyr/city/works/\d+/$"))
    expect(page.locator("#work-state")).to_have_text("coming")


def test_an_operator_files_a_callers_report_without_the_map(
    page, live_server, city, sms_locmem
):
    from opencity.models import Report

    _login(page, live_server, city.operator)
    page.goto(f"{live_server.url}/en/zhytomyr/city/call/")
    page.fill("#id_caller_name", "Петро Коваль")
    page.fill("#id_caller_phone", "+380501112233")
    page.select_option("#id_category", label="Pothole")
    page.fill("#id_description", "Глибока яма на перехресті, вже пошкодили колесо.")
    page.fill("#id_lat", "50.2600")
    page.fill("#id_lon", "28.7000")
    page.get_by_role("button", name="Send the report").click()
    expect(page).to_have_url(re.compile(r"/en/zhytomyr/city/\d+/$"))
    expect(page.locator("main")).to_contain_text("Петро Коваль")
    report = Report.objects.get()
    assert report.source == "operator" and report.organisation == city.dispatcher
    assert [m.to for m in sms_locmem] == ["+380501112233"]
    _shot(page, "opencity-operator")
