"""A local e-petition from the first word to the official answer, in Chromium.

A resident logs in through the development identity provider and writes a
petition; while she types the title a similar one is suggested; she checks
the preview and submits it. The moderator publishes it in the staff screens.
A non-resident and a 15-year-old see why they cannot sign; two other
residents sign and the threshold is reached. An official takes it into
consideration and publishes the answer with a document; the signers find the
answer in their notifications. The journey runs in Ukrainian and once in
English.

People whose login is covered here once log in through the provider; the
staff and the second signer use a session cookie (their login is covered by
tests/e2e/test_login.py and the CMS journeys).
"""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from edem.accounts.models import User
from edem.notifications.models import Notification
from petitions.models import Petition, PetitionAttachment, Signature
from tests.cms.conftest import make_staff
from tests.factories import CitizenFactory
from tests.petitions.factories import TEXT, collecting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")
EXISTING = "Освітлення вулиці Київської від зупинки до парку"
TITLE = "Освітлення на вулиці Київській біля школи №5"

# What the citizen reads, by language. The Ukrainian texts of new strings come
# with the translation catalogue; until then the page keeps the English source,
# so the Ukrainian run checks the page's language and the structure, and the
# English run checks the words as well.
WORDS = {
    "en": {
        "preview": "Preview",
        "signed": "You signed this petition",
        "enough": "enough signatures",
        "answered": "The petition was answered",
        "supported": "supported",
        "not_resident": "Only residents",
        "too_young": "Only people aged 18 or older",
    },
}


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _provider_login(page, live_server, persona: str) -> None:
    """Log in as a persona of the development identity provider (a real OIDC login)."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator('button[data-provider="devidp"]').click()
    page.locator(f'button[data-persona="{persona}"]').click()
    expect(page).to_have_url(f"{live_server.url}/me/")


def _cookie_login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{
        "name": "sessionid", "value": client.cookies["sessionid"].value,
        "url": live_server.url,
    }])


def _staff(zhytomyr, role: str, lang: str):
    """A staff member working in the admin in ``lang`` (their Wagtail profile)."""
    from wagtail.users.models import UserProfile

    user = make_staff(zhytomyr, role, f"zhytomyr-petition-{role}")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = lang
    profile.save()
    return user


def _pdf(tmp_path) -> str:
    target = tmp_path / "rishennia.pdf"
    target.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return str(target)


@pytest.fixture
def city(zhytomyr):
    from petitions.services import statute_for

    statute = statute_for(zhytomyr)
    statute.signature_threshold = 2
    statute.collection_days = 30
    statute.save()
    existing = collecting(zhytomyr, title=EXISTING)
    return zhytomyr, existing


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_petition_from_writing_to_the_answer(page, live_server, devidp, city, lang,
                                             tmp_path):
    zhytomyr, existing = city
    prefix = "" if lang == "uk" else "/en"
    words = WORDS.get(lang)
    base = f"{live_server.url}{prefix}/zhytomyr/petitions"

    # --- the author writes; a similar petition is suggested while she types ---
    _provider_login(page, live_server, "zhytomyr")
    page.goto(f"{base}/new/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator("#id_title").press_sequentially(TITLE[:24], delay=20)
    suggestion = page.locator("#similar-petitions a")
    expect(suggestion).to_have_text(EXISTING)
    expect(suggestion).to_have_attribute(
        "href", re.compile(rf"/zhytomyr/petitions/{existing.pk}/$")
    )
    page.locator("#id_title").press_sequentially(TITLE[24:])
    page.fill("#id_text", TEXT)
    page.select_option("#id_category", "Благоустрій")
    page.select_option("#id_addressee", "council")
    _shot(page, f"petition-form-similar-{lang}")
    page.locator("main form button[type=submit]").click()

    petition = Petition.objects.get(title=TITLE)
    expect(page).to_have_url(f"{base}/{petition.pk}/")
    preview = page.locator("#preview-heading")
    expect(preview).to_be_visible()
    if words:
        expect(preview).to_have_text(words["preview"])
    # The preview also lists the similar petition (without JavaScript too).
    expect(page.locator("section.card").first.get_by_role("link", name=EXISTING)).to_be_visible()
    _shot(page, f"petition-preview-{lang}")
    page.locator("form[action$='/submit/'] button").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    petition.refresh_from_db()
    assert petition.status == Petition.Status.MODERATION
    assert petition.moderation_due is not None
    author = petition.author

    # --- the moderator publishes it from the queue ---
    moderator = _staff(zhytomyr, "moderator", lang)
    _cookie_login(page, live_server, moderator)
    page.goto(f"{live_server.url}/cms/petitions/")
    row = page.locator("tr", has=page.get_by_role("link", name=TITLE))
    expect(row.locator("[data-deadline-badge]")).to_be_visible()
    _shot(page, f"petition-staff-queue-{lang}")
    row.get_by_role("link", name=TITLE).click()
    page.locator("form:has(input[name=step][value=approve]) button").click()
    expect(page).to_have_url(f"{live_server.url}/cms/petitions/")
    petition.refresh_from_db()
    assert petition.status == Petition.Status.COLLECTING
    assert petition.signature_threshold == 2

    # --- a non-resident and a 15-year-old see why they cannot sign ---
    for persona, code in (("lviv", "not_resident"), ("teen", "too_young")):
        _provider_login(page, live_server, persona)
        page.goto(f"{base}/{petition.pk}/")
        why = page.locator("#why-not")
        expect(why).to_be_visible()
        if words:
            expect(why).to_contain_text(words[code])
        expect(page.locator("form[action$='/sign/']")).to_have_count(0)
        _shot(page, f"petition-cannot-sign-{persona}-{lang}")
    assert not Signature.objects.filter(petition=petition).exists()

    # --- two other residents sign; the second completes the threshold ---
    _provider_login(page, live_server, "no-tax-number")
    first_signer = User.objects.get(identity__given_name="Марія")
    page.goto(f"{base}/{petition.pk}/")
    page.locator("form[action$='/sign/'] button").click()
    expect(page.locator("[data-signature-count]")).to_have_text("1")
    expect(page.locator("p.ok")).to_be_visible()
    if words:
        expect(page.locator("p.ok")).to_contain_text(words["signed"])
    expect(page.locator(".progress")).to_have_attribute("aria-valuenow", "1")
    _shot(page, f"petition-signed-{lang}")

    second_signer = CitizenFactory()
    _cookie_login(page, live_server, second_signer)
    page.goto(f"{base}/{petition.pk}/")
    page.locator("form[action$='/sign/'] button").click()
    expect(page.locator("[data-signature-count]")).to_have_text("2")
    petition.refresh_from_db()
    assert petition.status == Petition.Status.THRESHOLD_REACHED
    page.reload()
    if words:
        expect(page.locator(".meta .tag").first).to_have_text(words["enough"])
    # The answer deadline runs in working days of the municipality's calendar.
    deadline = page.locator("[data-deadline=answer]")
    expect(deadline).to_be_visible()
    if words:
        expect(deadline).to_contain_text(re.compile(r"Answer due in \d+ working days"))
    _shot(page, f"petition-threshold-{lang}")

    # --- an official takes it into consideration and answers with a document ---
    # Notifications are written in the language of the step's request: the
    # official works in the journey's language.
    official = _staff(zhytomyr, "official", lang)
    _cookie_login(page, live_server, official)
    page.goto(f"{live_server.url}/cms/petitions/{petition.pk}/")
    page.locator("form:has(input[name=step][value=consider]) button").click()
    answer = page.locator("form:has(input[name=step][value=answer])")
    answer.locator("input[name=answer-decision][value=supported]").check()
    answer.locator("textarea[name=answer-text]").fill(
        "Виконавчий комітет підтримав петицію: освітлення встановлять до 1 жовтня."
    )
    answer.locator("input[name=answer-attachments]").set_input_files(_pdf(tmp_path))
    _shot(page, f"petition-staff-answer-{lang}")
    answer.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/cms/petitions/")
    petition.refresh_from_db()
    assert petition.status == Petition.Status.ANSWERED
    document = PetitionAttachment.objects.get(petition=petition, is_answer=True)
    assert document.kind == PetitionAttachment.Kind.DOCUMENT

    # --- the signers (and the author) find the answer in their notifications ---
    for person in (first_signer, second_signer, author):
        assert Notification.objects.filter(
            recipient=person, kind="petitions.petition_answered"
        ).exists()
    for n, signer in enumerate((first_signer, second_signer)):
        _cookie_login(page, live_server, signer)
        page.goto(f"{live_server.url}{prefix}/me/notifications/")
        item = page.locator(".notification-list li", has_text=TITLE).first
        expect(item).to_be_visible()
        if words:
            expect(item).to_contain_text(words["answered"])
        if n == 0:
            _shot(page, f"petition-notifications-{lang}")
        item.get_by_role("link").click()
        expect(page).to_have_url(re.compile(rf"/zhytomyr/petitions/{petition.pk}/$"))
        expect(page.locator("#answer-heading")).to_be_visible()
        expect(page.locator("main")).to_contain_text("освітлення встановлять до 1 жовтня")
        expect(page.locator(f"a[href='{document.file.url}']")).to_be_visible()
        if words:
            expect(page.locator(".tag--official")).to_have_text(words["supported"])
    _shot(page, f"petition-answered-{lang}")
