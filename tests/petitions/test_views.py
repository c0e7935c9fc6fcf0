"""Thin page, API and staff-screen tests: what people see and what answers 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from petitions.models import Petition, Signature
from tests.cms.conftest import make_staff
from tests.factories import CitizenFactory, IdentityFactory
from tests.petitions.factories import TEXT, PetitionFactory, collecting, sign_row

pytestmark = pytest.mark.django_db


def test_list_shows_public_petitions_with_progress_and_filters(client, zhytomyr):
    public = collecting(zhytomyr, title="Новий сквер на Пушкінській", signature_threshold=4)
    sign_row(public)
    PetitionFactory(municipality=zhytomyr, title="Чернетка не для всіх")
    response = client.get("/en/zhytomyr/petitions/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Новий сквер на Пушкінській" in html
    assert "Чернетка" not in html
    assert 'aria-valuenow="1"' in html and "width: 25%" in html
    response = client.get("/en/zhytomyr/petitions/", {"q": "сквер", "sort": "signatures"})
    assert "Новий сквер" in response.content.decode()
    response = client.get("/en/zhytomyr/petitions/", {"q": "немає такого"})
    assert "Новий сквер" not in response.content.decode()


def test_petition_of_another_municipality_is_404(client, zhytomyr, dnipro):
    petition = collecting(zhytomyr)
    assert client.get(f"/zhytomyr/petitions/{petition.pk}/").status_code == 200
    assert client.get(f"/dnipro/petitions/{petition.pk}/").status_code == 404
    user = CitizenFactory()
    client.force_login(user)
    response = client.post(f"/dnipro/petitions/{petition.pk}/sign/")
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_create_preview_and_submit_in_english(client, zhytomyr):
    collecting(zhytomyr, title="Велодоріжка на вулиці Київській")
    user = CitizenFactory()
    client.force_login(user)
    response = client.post("/en/zhytomyr/petitions/new/", {
        "title": "Велодоріжки на Київській", "text": "<b>коротко</b>",
        "category": "Благоустрій", "addressee": "council",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "plain text only" in html
    assert not Petition.objects.filter(author=user).exists()
    response = client.post("/en/zhytomyr/petitions/new/", {
        "title": "Велодоріжки на Київській", "text": TEXT,
        "category": "Благоустрій", "addressee": "council",
    }, follow=True)
    html = response.content.decode()
    petition = Petition.objects.get(author=user)
    assert "Preview" in html and "Similar petitions already exist" in html
    assert "Велодоріжка на вулиці Київській" in html
    client.post(f"/en/zhytomyr/petitions/{petition.pk}/submit/")
    petition.refresh_from_db()
    assert petition.status == Petition.Status.MODERATION


def test_similar_endpoint(client, zhytomyr):
    collecting(zhytomyr, title="Велодоріжка на вулиці Київській")
    data = client.get("/zhytomyr/petitions/similar/", {"title": "велодоріжка київська"}).json()
    assert [r["title"] for r in data["results"]] == ["Велодоріжка на вулиці Київській"]


def test_sign_twice_and_ineligible_see_why(client, zhytomyr):
    petition = collecting(zhytomyr)
    url = f"/en/zhytomyr/petitions/{petition.pk}/"
    person = CitizenFactory()
    client.force_login(person)
    html = client.post(url + "sign/", follow=True).content.decode()
    assert "your signature is counted" in html
    assert "You signed this petition" in html
    html = client.post(url + "sign/", follow=True).content.decode()
    assert "You have already signed this petition." in html
    outsider = CitizenFactory(identity=IdentityFactory(locality_code="UA46060250010015970"))
    client.force_login(outsider)
    html = client.get(url).content.decode()
    assert "You cannot sign this petition" in html and "Only residents" in html
    html = client.post(url + "sign/", follow=True).content.decode()
    assert "Only residents" in html
    assert Signature.objects.count() == 1


def test_signing_after_the_end_is_refused_with_a_message(client, zhytomyr):
    petition = collecting(zhytomyr)
    Petition.objects.filter(pk=petition.pk).update(
        collection_ends_at=timezone.now() - dt.timedelta(seconds=1)
    )
    client.force_login(CitizenFactory())
    html = client.post(f"/en/zhytomyr/petitions/{petition.pk}/sign/", follow=True)
    assert "Signing has closed" in html.content.decode()
    assert not Signature.objects.exists()


def test_csv_export_and_api(client, zhytomyr, dnipro):
    petition = collecting(zhytomyr, title="=HYPERLINK(\"x\") Сквер")
    sign_row(petition)
    PetitionFactory(municipality=zhytomyr, title="Прихована чернетка")
    response = client.get("/zhytomyr/petitions/export.csv")
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in body and "Прихована" not in body
    data = client.get("/api/v1/zhytomyr/petitions/").json()
    assert [p["id"] for p in data["results"]] == [petition.pk]
    assert data["results"][0]["signatures"] == 1
    days = client.get(f"/api/v1/zhytomyr/petitions/{petition.pk}/signatures-by-day/").json()
    assert sum(d["count"] for d in days) == 1
    assert client.get(f"/api/v1/dnipro/petitions/{petition.pk}/").status_code == 404


def test_api_sign_answers_409_on_second_signature(client, zhytomyr):
    petition = collecting(zhytomyr)
    client.force_login(CitizenFactory())
    url = f"/api/v1/zhytomyr/petitions/{petition.pk}/sign/"
    assert client.post(url).status_code == 201
    second = client.post(url)
    assert second.status_code == 409
    assert second.json()["code"] == "already_signed"


def test_cabinet_lists_my_petitions_and_signatures(client, zhytomyr):
    person = CitizenFactory()
    mine = PetitionFactory(municipality=zhytomyr, author=person, title="Моя петиція")
    signed = collecting(zhytomyr, title="Підписана петиція")
    sign_row(signed, user=person)
    client.force_login(person)
    html = client.get("/en/me/").content.decode()
    assert mine.title in html and signed.title in html


def test_staff_queue_review_and_scope(client, zhytomyr, dnipro):
    moderator = make_staff(zhytomyr, "moderator", "zh-mod")
    other = make_staff(dnipro, "moderator", "dn-mod")
    petition = PetitionFactory(municipality=zhytomyr, status=Petition.Status.MODERATION)
    client.force_login(moderator)
    html = client.get("/cms/petitions/").content.decode()
    assert petition.title in html and "data-deadline-badge" in html
    client.post(f"/cms/petitions/{petition.pk}/", {"step": "reject", "reject-reason": ""})
    petition.refresh_from_db()
    assert petition.status == Petition.Status.MODERATION
    client.post(f"/cms/petitions/{petition.pk}/", {"step": "approve"})
    petition.refresh_from_db()
    assert petition.status == Petition.Status.COLLECTING
    client.force_login(other)
    assert client.get(f"/cms/petitions/{petition.pk}/").status_code == 404
    assert petition.title not in client.get("/cms/petitions/").content.decode()


def test_fraud_page_preview_then_invalidate(client, zhytomyr):
    moderator = make_staff(zhytomyr, "moderator", "zh-mod2")
    petition = collecting(zhytomyr)
    bot = sign_row(petition, ip="203.0.113.5")
    honest = sign_row(petition, ip="198.51.100.5")
    client.force_login(moderator)
    now = timezone.localtime()
    params = {
        "petition": petition.pk, "network": "203.0.113.0/24",
        "since": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "until": (now + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
    }
    html = client.get("/cms/petitions/fraud/", params).content.decode()
    assert "203.0.113.5" in html and 'data-preview-count="1"' in html
    bot.refresh_from_db()
    assert bot.is_valid
    client.post("/cms/petitions/fraud/", {**params, "reason": "Бот-мережа"})
    bot.refresh_from_db()
    honest.refresh_from_db()
    assert not bot.is_valid and honest.is_valid


def test_statute_screen_is_for_admins(client, zhytomyr):
    admin = make_staff(zhytomyr, "admin", "zh-adm")
    moderator = make_staff(zhytomyr, "moderator", "zh-mod3")
    client.force_login(moderator)
    assert client.get(f"/cms/petitions/statute/{zhytomyr.pk}/").status_code == 404
    client.force_login(admin)
    url = f"/cms/petitions/statute/{zhytomyr.pk}/"
    assert client.get(url).status_code == 200
    from petitions.services import statute_for

    statute = statute_for(zhytomyr)
    data = {name: getattr(statute, name) for name in (
        "collection_days", "moderation_working_days", "answer_working_days", "min_age",
        "title_max_length", "text_min_length", "text_max_length",
        "sign_limit_per_ip", "sign_limit_per_session", "suspicious_per_hour")}
    data.update({"signature_threshold": 300, "residents_only": "on",
                 "signers_public": "on", "categories": "Транспорт\nЕкологія",
                 "addressees": ["council", "mayor"]})
    client.post(url, data)
    statute.refresh_from_db()
    assert statute.signature_threshold == 300
    assert statute.categories == ["Транспорт", "Екологія"]
