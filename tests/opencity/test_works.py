"""Planned and emergency works: published by organisations, on the public map."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import override

from edem.core.errors import DomainError, PermissionRefused
from edem.participation.models import AuditEntry
from opencity import selectors, services
from opencity.models import Work
from tests.opencity.conftest import KYIV, WEST, freeze

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV)
POINT = {"type": "Point", "coordinates": [28.62, 50.2547]}
STREET = {"type": "Polygon", "coordinates": [[[28.60, 50.25], [28.61, 50.25],
                                              [28.61, 50.26], [28.60, 50.26],
                                              [28.60, 50.25]]]}


def data(**changes):
    values = {
        "kind": Work.Kind.EMERGENCY, "title": "Аварія на водогоні",
        "description": "Немає холодної води до вечора.",
        "affected_addresses": "вул. Київська, 10\nвул. Київська, 12\n",
        "geometry": POINT, "starts_at": NOW - dt.timedelta(hours=1),
        "ends_at": NOW + dt.timedelta(hours=8),
    }
    values.update(changes)
    return values


def publish(city, **changes):
    head = city.heads[city.water_west.pk]
    return services.work_publish(actor=head, organisation=city.water_west, data=data(**changes))


def test_a_head_publishes_emergency_works_at_a_point(city, monkeypatch):
    freeze(monkeypatch, NOW)
    work = publish(city)
    assert work.municipality == city.municipality and work.organisation == city.water_west
    assert work.addresses == ["вул. Київська, 10", "вул. Київська, 12"]
    assert (float(work.south), float(work.west)) == (50.2547, 28.62)
    assert work.state(NOW) == "ongoing"
    entry = AuditEntry.objects.get(action="opencity.work_published")
    assert entry.actor == city.heads[city.water_west.pk]


def test_an_area_keeps_its_bounding_box(city, monkeypatch):
    freeze(monkeypatch, NOW)
    work = publish(city, geometry=STREET, kind=Work.Kind.PLANNED)
    assert work.geometry["type"] == "Polygon"
    assert [float(v) for v in (work.south, work.west, work.north, work.east)] == [
        50.25, 28.60, 50.26, 28.61]


@pytest.mark.parametrize("changes, field", [
    ({"geometry": {"type": "Point", "coordinates": [30.52, 50.45]}}, "geometry"),
    ({"geometry": None}, "geometry"),
    ({"geometry": "{not json"}, "geometry"),
    ({"geometry": {"type": "LineString", "coordinates": [[28.6, 50.25], [28.61, 50.25]]}},
     "geometry"),
    ({"ends_at": NOW - dt.timedelta(hours=2)}, "ends_at"),
    ({"starts_at": NOW - dt.timedelta(days=3), "ends_at": NOW - dt.timedelta(days=1)},
     "ends_at"),
    ({"ends_at": NOW + dt.timedelta(days=800)}, "ends_at"),
    ({"kind": "party"}, "kind"),
    ({"title": ""}, "title"),
])
def test_bad_works_are_refused_and_nothing_is_stored(city, monkeypatch, changes, field):
    freeze(monkeypatch, NOW)
    with override("en"), pytest.raises(ValidationError) as exc:
        publish(city, **changes)
    assert field in exc.value.message_dict
    assert not Work.objects.exists()


def test_only_the_organisations_staff_and_the_city_publish(city, citizen, dnipro, monkeypatch):
    freeze(monkeypatch, NOW)
    for outsider in (citizen, city.heads[city.housing.pk], city.executors[city.water_east.pk]):
        with pytest.raises(PermissionRefused):
            services.work_publish(actor=outsider, organisation=city.water_west, data=data())
    services.work_publish(actor=city.official, organisation=city.water_west, data=data())
    services.work_publish(actor=city.executors[city.water_west.pk],
                          organisation=city.water_west, data=data())
    assert Work.objects.count() == 2


def test_changing_and_cancelling_works(city, monkeypatch):
    freeze(monkeypatch, NOW)
    work = publish(city)
    head = city.heads[city.water_west.pk]
    later = NOW + dt.timedelta(hours=20)
    work = services.work_update(actor=head, work=work, data=data(ends_at=later))
    assert work.ends_at == later
    with pytest.raises(PermissionRefused):
        services.work_cancel(actor=city.heads[city.housing.pk], work=work, reason="Помилка")
    with pytest.raises(DomainError):
        services.work_cancel(actor=head, work=work, reason="")
    work = services.work_cancel(actor=head, work=work, reason="Аварію усунуто раніше.")
    assert work.state() == "cancelled"
    with pytest.raises(DomainError):
        services.work_update(actor=head, work=work, data=data())
    assert list(AuditEntry.objects.filter(action__startswith="opencity.work_")
                .order_by("pk").values_list("action", flat=True)) == [
        "opencity.work_published", "opencity.work_changed", "opencity.work_cancelled"]


def test_the_map_shows_current_and_coming_works_in_the_box(city, monkeypatch):
    freeze(monkeypatch, NOW)
    ongoing = publish(city)
    coming = publish(city, kind=Work.Kind.PLANNED, geometry=STREET,
                     starts_at=NOW + dt.timedelta(days=10), ends_at=NOW + dt.timedelta(days=11))
    far_future = publish(city, starts_at=NOW + dt.timedelta(days=60),
                         ends_at=NOW + dt.timedelta(days=61))
    cancelled = publish(city)
    services.work_cancel(actor=city.heads[city.water_west.pk], work=cancelled, reason="Ні.")
    from edem.core.geo import BBox

    everything = selectors.work_geojson(municipality=city.municipality, bbox=None)
    ids = {f["id"] for f in everything["features"]}
    assert ids == {ongoing.pk, coming.pk}
    assert far_future.pk not in ids and cancelled.pk not in ids
    # The street's box meets this box though the point does not lie in it.
    box = BBox(28.605, 50.255, 28.615, 50.265)
    only = selectors.work_geojson(municipality=city.municipality, bbox=box)
    assert [f["id"] for f in only["features"]] == [coming.pk]
    assert only["features"][0]["properties"]["ongoing"] is False
    assert [w.pk for w in selectors.work_list(municipality=city.municipality,
                                             kind="emergency")] == [ongoing.pk]
    finished = NOW + dt.timedelta(days=2)
    assert ongoing.pk not in {
        f["id"] for f in selectors.work_geojson(
            municipality=city.municipality, bbox=None, now=finished)["features"]}


def test_works_pages(client, city, monkeypatch):
    freeze(monkeypatch, NOW)
    work = publish(city, geometry=STREET)
    slug = city.municipality.slug
    page = client.get(reverse("opencity:works", kwargs={"municipality": slug})).content.decode()
    assert 'id="works-map"' in page and work.title in page
    data_ = client.get(reverse("opencity:works_geojson", kwargs={"municipality": slug}),
                       {"bbox": "28.58,50.21,28.76,50.30"}).json()
    assert data_["features"][0]["geometry"] == work.geometry
    assert client.get(reverse("opencity:works_geojson", kwargs={"municipality": slug}),
                      {"bbox": "x"}).status_code == 400
    detail = client.get(work.get_absolute_url()).content.decode()
    assert "вул. Київська, 12" in detail and "Cancel the works" not in detail
    assert client.get(reverse("opencity:work_detail",
                              kwargs={"municipality": "dnipro", "pk": work.pk})).status_code == 404


def test_the_head_publishes_through_the_form_with_a_geojson_file(client, city, monkeypatch):
    freeze(monkeypatch, NOW)
    slug = city.municipality.slug
    create = reverse("opencity:work_create", kwargs={"municipality": slug})
    assert client.get(create).status_code == 302  # to the login
    client.force_login(city.heads[city.water_west.pk])
    import json

    upload = SimpleUploadedFile("area.geojson", json.dumps(
        {"type": "Feature", "geometry": WEST, "properties": {}}).encode(),
        "application/geo+json")
    response = client.post(create, {
        "organisation": city.water_west.pk, "kind": "planned", "title": "Заміна труб",
        "starts_at": "2026-03-03T08:00", "ends_at": "2026-03-05T18:00",
        "affected_addresses": "вул. Велика Бердичівська, 1", "geometry_file": upload,
    })
    work = Work.objects.get()
    assert response.status_code == 302 and response["Location"] == work.get_absolute_url()
    assert work.geometry["type"] == "Polygon"
    assert work.starts_at == dt.datetime(2026, 3, 3, 8, 0, tzinfo=KYIV)
    # Outside the municipality: the error is shown, nothing more stored.
    response = client.post(create, {
        "organisation": city.water_west.pk, "kind": "planned", "title": "Заміна труб",
        "starts_at": "2026-03-03T08:00", "ends_at": "2026-03-05T18:00",
        "geometry": '{"type": "Point", "coordinates": [30.52, 50.45]}',
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and Work.objects.count() == 1
    client.force_login(city.heads[city.housing.pk])
    form = client.get(create).content.decode()
    assert "Водоканал (захід)" not in form


def test_a_resident_may_not_open_the_works_form(client, citizen, city):
    client.force_login(citizen)
    create = reverse("opencity:work_create", kwargs={"municipality": city.municipality.slug})
    assert client.get(create).status_code == 403
