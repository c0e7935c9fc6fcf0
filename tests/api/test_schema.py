"""The OpenAPI schema describes /api/v1/ without warnings, and its pages answer."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/municipalities/" in text
    assert "/cms/api/" not in text


def test_schema_and_docs_pages(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_municipality_list_and_search(client, zhytomyr, dnipro):
    slugs = [m["slug"] for m in client.get("/api/v1/municipalities/").json()["results"]]
    assert slugs == ["dnipro", "zhytomyr"]
    found = client.get("/api/v1/municipalities/", {"search": "Житом"}).json()["results"]
    assert [m["slug"] for m in found] == ["zhytomyr"]
    assert client.get("/api/v1/municipalities/nowhere/").status_code == 404


def test_municipality_search_ignores_the_case_of_cyrillic_letters(client, zhytomyr):
    found = client.get("/api/v1/municipalities/", {"search": "житом"}).json()["results"]
    assert [m["slug"] for m in found] == ["zhytomyr"]
