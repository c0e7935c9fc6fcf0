"""Thin view tests: pages render, forms reach the services, errors are shown."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opencity import services
from opencity.models import Report, ReportPhoto
from tests.factories import CitizenFactory
from tests.opencity.conftest import EAST_POINT, KYIV, WEST_POINT, freeze, make_report
from tests.opencity.factories import image_bytes

pytestmark = pytest.mark.django_db


def url(name, municipality="zhytomyr", **kwargs):
    return reverse(f"opencity:{name}", kwargs={"municipality": municipality, **kwargs})


def test_the_list_shows_the_map_filters_and_reports(client, city, citizen):
    report = make_report(city, citizen)
    page = client.get(url("list")).content.decode()
    assert 'id="report-map"' in page and "leaflet.markercluster.js" in page
    assert report.get_absolute_url() in page
    assert 'name="status"' in page and 'name="organisation"' in page
    filtered = client.get(url("list"), {"status": "closed"}).content.decode()
    assert report.get_absolute_url() not in filtered


def test_geojson_takes_a_bounding_box_and_pages(client, city, citizen):
    west = make_report(city, citizen, point=WEST_POINT)
    east = make_report(city, citizen, point=EAST_POINT)
    data = client.get(url("geojson"), {"bbox": "28.58,50.21,28.67,50.30"}).json()
    assert [f["id"] for f in data["features"]] == [west.pk]
    feature = data["features"][0]
    assert feature["geometry"]["coordinates"] == [28.62, 50.25465]
    assert "author" not in json.dumps(data) and "caller" not in json.dumps(data)
    first = client.get(url("geojson"), {"limit": 1}).json()
    assert [f["id"] for f in first["features"]] == [west.pk]
    second = client.get(url("geojson"), {"limit": 1, "after": first["next_after"]}).json()
    assert [f["id"] for f in second["features"]] == [east.pk] and "next_after" not in second
    assert client.get(url("geojson"), {"bbox": "1,2,3"}).status_code == 400
    assert client.get(url("geojson"), {"bbox": "30,50,29,51"}).status_code == 400
    assert client.get(url("geojson"), {"status": "nonsense"}).status_code == 400


def test_geojson_never_sends_more_than_two_thousand_features(client, city, citizen):
    from tests.opencity.factories import ReportFactory

    Report.objects.bulk_create([
        ReportFactory.build(municipality=city.municipality, category=city.leak,
                            author=citizen, organisation=city.water_west)
        for _ in range(2005)
    ])
    data = client.get(url("geojson"), {"limit": 100000}).json()
    assert len(data["features"]) == 2000 and data["next_after"]


def test_reporting_needs_a_login(client, city):
    response = client.get(url("create"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_resident_reports_with_a_photo_through_the_form(client, city, citizen):
    client.force_login(citizen)
    page = client.get(url("create")).content.decode()
    assert 'name="lat"' in page and 'name="lon"' in page and 'id="pick-map"' in page
    response = client.post(url("create"), {
        "category": city.leak.pk, "description": "Тече вода з люка біля під'їзду.",
        "lat": "50.254650", "lon": "28.620000", "address": "вул. Київська, 12",
        f"extra_{city.leak.pk}_damage": "hatch",
        "photos": [SimpleUploadedFile("leak.png", image_bytes(), "image/png")],
    })
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.organisation == city.water_west and report.extra == {"damage": "hatch"}
    assert report.photos.count() == 1


def test_a_point_outside_the_municipality_is_shown_as_an_error(client, city, citizen):
    client.force_login(citizen)
    response = client.post(url("create"), {
        "category": city.leak.pk, "description": "Тече вода з люка біля під'їзду.",
        "lat": "50.45", "lon": "30.52",
        "photos": [SimpleUploadedFile("leak.png", image_bytes(), "image/png")],
    }, HTTP_ACCEPT_LANGUAGE="uk")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Report.objects.exists() and not ReportPhoto.objects.exists()


def test_the_detail_page_shows_timeline_timer_and_the_authors_choice(
    client, city, citizen, monkeypatch
):
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV))
    report = make_report(city, citizen)
    head = city.heads[city.water_west.pk]
    services.report_accept(actor=head, report=report, executor=head)
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'role="timer"' in page and 'id="report-timeline"' in page
    assert "Водоканал (захід)" in page
    services.report_resolve(actor=head, report=report, answer="Полагодили засувку.")
    client.force_login(citizen)
    page = client.get(report.get_absolute_url()).content.decode()
    assert url("confirm", pk=report.pk) in page and url("reopen", pk=report.pk) in page
    response = client.post(url("reopen", pk=report.pk), {"comment": "Досі тече."})
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).status == Report.Status.REOPENED
    other = CitizenFactory()
    client.force_login(other)
    page = client.get(report.get_absolute_url()).content.decode()
    assert url("confirm", pk=report.pk) not in page


def test_staff_act_from_the_report_page(client, city, citizen):
    report = make_report(city, citizen)
    head = city.heads[city.water_west.pk]
    executor = city.executors[city.water_west.pk]
    client.force_login(head)
    page = client.get(report.get_absolute_url()).content.decode()
    assert url("accept", pk=report.pk) in page
    client.post(url("accept", pk=report.pk), {"executor": executor.pk})
    client.force_login(executor)
    client.post(url("resolve", pk=report.pk), {"answer": "Замінили трубу."})
    assert Report.objects.get(pk=report.pk).status == Report.Status.RESOLVED
    # A citizen posting a staff step changes nothing.
    client.force_login(citizen)
    response = client.post(url("refuse", pk=report.pk), {"reason": "Не хочу"}, follow=True)
    assert Report.objects.get(pk=report.pk).status == Report.Status.RESOLVED
    assert "message--error" in response.content.decode()


def test_the_callers_phone_is_for_staff_only(client, city):
    report = services.report_file_for_caller(
        actor=city.operator, municipality=city.municipality, caller_name="Марія Іваненко",
        caller_phone="+380671112233", category=city.leak,
        description="Прорив труби біля школи.", lat="50.25", lon="28.62",
    )
    assert "+380671112233" not in client.get(report.get_absolute_url()).content.decode()
    client.force_login(city.operator)
    assert "+380671112233" in client.get(report.get_absolute_url()).content.decode()


def test_the_operator_form_files_for_a_caller(client, city, citizen):
    client.force_login(citizen)
    assert client.get(url("file_for_caller")).status_code == 403
    client.force_login(city.operator)
    response = client.post(url("file_for_caller"), {
        "caller_name": "Петро Коваль", "caller_phone": "+380501112233",
        "category": city.pothole.pk, "description": "Яма на перехресті, глибока.",
        "lat": "50.25", "lon": "28.70",
    })
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.source == "operator" and report.organisation == city.dispatcher


def test_statistics_and_open_data_without_personal_data(client, city, citizen):
    report = make_report(city, citizen)
    head = city.heads[city.water_west.pk]
    services.report_accept(actor=head, report=report, executor=head)
    services.report_resolve(actor=head, report=report, answer="Готово.")
    from opencity.selectors import statistics_forget

    statistics_forget(city.municipality)
    page = client.get(url("statistics")).content.decode()
    assert "Водоканал (захід)" in page and "100%" in page
    data = client.get(url("statistics"), {"format": "json"}).json()
    assert data["organisations"][0]["on_time_share"] == 100
    csv_text = b"".join(client.get(url("export_csv")).streaming_content).decode()
    assert str(report.pk) in csv_text and citizen.username not in csv_text
    rows = json.loads(b"".join(client.get(url("export_json")).streaming_content))
    assert rows[0]["id"] == report.pk and "author" not in rows[0]


def test_the_queue_sorts_by_deadline_for_staff_only(client, city, citizen):
    first = make_report(city, citizen)
    second = make_report(city, citizen)
    head = city.heads[city.water_west.pk]
    services.report_accept(actor=head, report=second, executor=head)
    client.force_login(citizen)
    assert client.get(url("queue")).status_code == 403
    client.force_login(head)
    page = client.get(url("queue")).content.decode()
    assert page.index(f">{second.pk}</a>") < page.index(f">{first.pk}</a>")
    assert "deadline-badge" in page


def test_another_municipalitys_report_is_a_404(client, city, citizen, dnipro):
    report = make_report(city, citizen)
    assert client.get(url("detail", municipality="dnipro", pk=report.pk)).status_code == 404


def test_my_reports_appear_in_the_cabinet(client, city, citizen):
    report = make_report(city, citizen)
    client.force_login(citizen)
    assert report.get_absolute_url() in client.get(reverse("cabinet")).content.decode()


def test_the_api_lists_public_reports_without_personal_data(client, city, citizen):
    report = make_report(city, citizen)
    data = client.get(f"/api/v1/zhytomyr/city/reports/{report.pk}/").json()
    assert data["id"] == report.pk and data["organisation"] == "Водоканал (захід)"
    assert "author" not in data and "caller_phone" not in data
