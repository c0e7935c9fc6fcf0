"""Open311 GeoReport v2: raw requests through the test client, and a third-party
client (``georeport`` from PyPI) against a live server."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own test output

import pytest

from opencity import services
from opencity.models import Report
from tests.opencity.conftest import make_report

pytestmark = pytest.mark.django_db

BASE = "/zhytomyr/city/open311/v2"


@pytest.fixture
def key(city):
    _key, raw = services.open311_key_issue(
        actor=city.admin, municipality=city.municipality, name="Додаток «Місто»"
    )
    return raw


def test_services_and_their_definitions(client, city):
    services_list = client.get(f"{BASE}/services.json").json()
    codes = {s["service_code"] for s in services_list}
    assert codes == {"water-leak", "street-light", "pothole"}
    light = next(s for s in services_list if s["service_code"] == "street-light")
    assert light["metadata"] is True and light["type"] == "realtime"
    definition = client.get(f"{BASE}/services/street-light.json").json()
    assert definition["attributes"][0]["code"] == "pole"
    assert definition["attributes"][0]["required"] is True
    leak = client.get(f"{BASE}/services/water-leak.json").json()
    assert leak["attributes"][0]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in leak["attributes"][0]["values"]] == ["pipe", "hatch"]
    missing = client.get(f"{BASE}/services/roads.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_post_a_request_with_a_key_and_attributes(client, city, key):
    response = client.post(f"{BASE}/requests.json", {
        "api_key": key, "service_code": "street-light", "lat": "50.25", "long": "28.70",
        "description": "Не світить ліхтар біля зупинки.", "attribute[pole]": "A-17",
        "first_name": "Іван", "last_name": "Петренко", "phone": "+380671234567",
    })
    assert response.status_code == 201
    body = response.json()[0]
    report = Report.objects.get(pk=int(body["service_request_id"]))
    assert report.source == "open311" and report.extra == {"pole": "A-17"}
    assert report.organisation == city.housing and report.caller_phone == "+380671234567"
    token = client.get(f"{BASE}/tokens/{body['token']}.json").json()
    assert token[0]["service_request_id"] == str(report.pk)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"api_key": None}, 403),
        ({"api_key": "wrong"}, 403),
        ({"service_code": ""}, 400),
        ({"service_code": "no-such"}, 404),
        ({"lat": "", "long": ""}, 400),
        ({"lat": "50.45", "long": "30.52"}, 400),
        ({"attribute[pole]": ""}, 400),
    ],
)
def test_post_errors_are_the_specs_list(client, city, key, data, status):
    payload = {"api_key": key, "service_code": "street-light", "lat": "50.25",
               "long": "28.70", "description": "Не світить ліхтар біля зупинки.",
               "attribute[pole]": "A-17"}
    payload.update(data)
    payload = {k: v for k, v in payload.items() if v is not None}
    response = client.post(f"{BASE}/requests.json", payload)
    assert response.status_code == status
    error = response.json()[0]
    assert error["code"] == status and error["description"]
    assert not Report.objects.exists()


def test_a_revoked_key_or_another_municipalitys_key_is_refused(client, city, dnipro):
    key, raw = services.open311_key_issue(actor=city.admin, municipality=city.municipality,
                                          name="Старий застосунок")
    services.open311_key_revoke(actor=city.admin, key=key)
    payload = {"api_key": raw, "service_code": "pothole", "lat": "50.25", "long": "28.70",
               "description": "Яма на дорозі біля школи."}
    assert client.post(f"{BASE}/requests.json", payload).status_code == 403
    from tests.opencity.factories import _key

    foreign = _key(dnipro)
    assert foreign.municipality == dnipro
    assert not Report.objects.exists()


def test_get_requests_with_the_specs_filters(client, city, citizen):
    leak = make_report(city, citizen)
    light = make_report(city, citizen, category=city.light, extra={"pole": "5"})
    head = city.heads[city.water_west.pk]
    services.report_accept(actor=head, report=leak, executor=head)
    services.report_resolve(actor=head, report=leak, answer="Замінили засувку.")
    rows = client.get(f"{BASE}/requests.json").json()
    assert {r["service_request_id"] for r in rows} == {str(leak.pk), str(light.pk)}
    closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [str(leak.pk)]
    assert closed[0]["status_notes"] == "Замінили засувку."
    by_code = client.get(f"{BASE}/requests.json", {"service_code": "street-light"}).json()
    assert [r["service_request_id"] for r in by_code] == [str(light.pk)]
    by_id = client.get(f"{BASE}/requests.json",
                       {"service_request_id": f"{leak.pk},{light.pk}"}).json()
    assert len(by_id) == 2
    future = client.get(f"{BASE}/requests.json",
                        {"start_date": "2100-01-01T00:00:00Z"}).json()
    assert future == []
    bad = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert bad.status_code == 400
    one = client.get(f"{BASE}/requests/{leak.pk}.json").json()[0]
    assert one["agency_responsible"] == "Водоканал (захід)" and one["long"] == 28.62
    assert client.get(f"{BASE}/requests/999999.json").status_code == 404


def test_xml_answers(client, city, citizen):
    report = make_report(city, citizen)
    response = client.get(f"{BASE}/requests/{report.pk}.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == str(report.pk)
    services_root = ET.fromstring(client.get(f"{BASE}/services.xml").content)  # noqa: S314
    assert services_root.find("service/service_code") is not None
    errors = ET.fromstring(client.get(f"{BASE}/services/none.xml").content)  # noqa: S314
    assert errors.find("error/code").text == "404"


def test_the_platform_base_needs_a_jurisdiction_when_several_exist(client, city, dnipro):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 400 and "jurisdiction_id" in response.json()[0]["description"]
    ok = client.get("/open311/v2/services.json", {"jurisdiction_id": "zhytomyr"})
    assert {s["service_code"] for s in ok.json()} >= {"water-leak"}
    assert client.get("/open311/v2/services.json",
                      {"jurisdiction_id": "atlantis"}).status_code == 404
    discovery = client.get("/open311/discovery.json").json()
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2/")
    assert client.get("/open311/discovery.xml").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_third_party_open311_client_reads_the_server(live_server, city, citizen, key):
    import requests
    from georeport import GeoReport

    root = f"{live_server.url}/open311/v2"
    created = requests.post(f"{root}/requests.json", data={
        "jurisdiction_id": "zhytomyr", "api_key": key, "service_code": "water-leak",
        "lat": "50.2547", "long": "28.6200", "description": "Прорив труби біля школи.",
        "attribute[damage]": "pipe",
    }, timeout=10)
    assert created.status_code == 201
    number = created.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = GeoReport(root, jurisdiction="zhytomyr", output_format=fmt)
        codes = {s["service_code"] for s in client.get_service_list()}
        assert "water-leak" in codes
        definition = client.get_service_definition("water-leak")
        assert "attributes" in definition
        request = client.get_service_request(number)
        assert request["service_request_id"] == number
        assert request["agency_responsible"] == "Водоканал (захід)"


@pytest.mark.django_db(transaction=True)
def test_a_second_client_library_files_and_follows_a_request(live_server, city, key):
    """``civicbot``'s GeoReport v2 client: POST with attributes checked against
    the live service definition, the token, then the request; its errors."""
    from civicbot.http import HttpError, HttpTransport, RateLimiter
    from civicbot.open311 import Open311Client
    from civicbot.registry import Endpoint

    endpoint = Endpoint(id="zhytomyr", name="Житомир", write=True,
                        base_url=f"{live_server.url}/open311/v2/")
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    client = Open311Client(endpoint, transport=transport, jurisdiction_id="zhytomyr")
    sent = client.create_request(
        "water-leak", dry_run=False, confirm="SEND", api_key=key, validate_remote=True,
        lat=50.2547, lng=28.62, description="Прорив труби біля школи №5.",
        attributes={"damage": "hatch"}, first_name="Олена", last_name="Шевчук",
        phone="+380671234567",
    )
    answer = sent.response[0]
    report = Report.objects.get(pk=int(answer["service_request_id"]))
    assert report.extra == {"damage": "hatch"} and report.caller_phone == "+380671234567"
    assert report.organisation == city.water_west and report.source == "open311"
    assert client.get_token(answer["token"])[0]["service_request_id"] == str(report.pk)
    fetched = client.get_request(report.pk)
    assert fetched["status"] == "open" and fetched["service_code"] == "water-leak"
    listed = client.list_requests(service_code="water-leak", status="open")
    assert [r["service_request_id"] for r in listed] == [str(report.pk)]
    # The client checks attributes against the live definition before sending.
    from civicbot.open311 import ValidationError as ClientValidationError

    with pytest.raises(ClientValidationError):
        client.create_request("water-leak", dry_run=False, confirm="SEND", api_key=key,
                              validate_remote=True, lat=50.2547, lng=28.62,
                              description="Ще одна", attributes={"damage": "meteorite"})
    # The server's own errors: the spec's list with 403 / 404 / 400.
    for api_key, code, status in ((key + "x", "water-leak", 403),
                                  (key, "no-such-service", 404)):
        with pytest.raises(HttpError) as exc:
            client.create_request(code, dry_run=False, confirm="SEND", api_key=api_key,
                                  lat=50.2547, lng=28.62, description="Тест помилки")
        assert exc.value.status == status
        body = __import__("json").loads(exc.value.body)
        assert body[0]["code"] == status and body[0]["description"]
    with pytest.raises(HttpError) as exc:
        client.create_request("water-leak", dry_run=False, confirm="SEND", api_key=key,
                              lat=50.45, lng=30.52, description="Точка в Києві")
    assert exc.value.status == 400
    assert Report.objects.count() == 1


def test_a_key_revoked_by_staff_is_refused_at_once(client, city, key):
    from opencity.models import Open311Key

    stored = Open311Key.objects.get()
    form = {"jurisdiction_id": "zhytomyr", "api_key": key, "service_code": "water-leak",
            "lat": "50.2547", "long": "28.6200", "description": "Прорив труби біля школи."}
    assert client.post(f"{BASE}/requests.json", form).status_code == 201
    with pytest.raises(Exception):  # noqa: B017 - an official without the admin role
        services.open311_key_revoke(actor=city.official, key=stored)
    services.open311_key_revoke(actor=city.admin, key=stored)
    refused = client.post(f"{BASE}/requests.xml", form)
    assert refused.status_code == 403
    root = ET.fromstring(refused.content)  # noqa: S314
    assert root.tag == "errors" and root.find("error/code").text == "403"
    assert Report.objects.count() == 1
