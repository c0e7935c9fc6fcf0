"""Citizens log in in Chromium through the development identity provider.

Each persona picks itself on the provider's page, comes back verified and sees
in the cabinet (/me/) where it may take part and why not elsewhere.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from edem.accounts.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cities(zhytomyr, dnipro):
    return zhytomyr, dnipro


def log_in(page, live_server, persona: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator('button[data-provider="devidp"]').click()
    page.locator(f'button[data-persona="{persona}"]').click()


def row(page, municipality: str):
    return page.locator(f'li[data-municipality="{municipality}"]')


# persona -> expected state in Zhytomyr and in Dnipro ("allowed" or a refusal code)
JOURNEYS = {
    "zhytomyr": ("Коваленко Олена Петрівна", "allowed", "not_resident"),
    "dnipro": ("Мельник Андрій Іванович", "not_resident", "allowed"),
    "lviv": ("Гнатюк Тарас Богданович", "not_resident", "not_resident"),
    "teen": ("Бондар Максим Олегович", "too_young", "too_young"),
    "no-tax-number": ("Шевчук Марія Іванівна", "allowed", "not_resident"),
    "legal-entity": ("Ткаченко Ігор Васильович", "legal_entity", "legal_entity"),
}


@pytest.mark.parametrize("persona", list(JOURNEYS))
def test_persona_logs_in_and_sees_where_it_may_take_part(
    page, live_server, devidp, cities, persona
):
    name, in_zhytomyr, in_dnipro = JOURNEYS[persona]
    log_in(page, live_server, persona)
    expect(page).to_have_url(f"{live_server.url}/me/")
    expect(page.locator("[data-identity-name]")).to_have_text(name)
    for slug, state in (("zhytomyr", in_zhytomyr), ("dnipro", in_dnipro)):
        item = row(page, slug)
        if state == "allowed":
            expect(item).to_have_attribute("data-eligibility", "allowed")
        else:
            expect(item).to_have_attribute("data-eligibility", "refused")
            expect(item).to_have_attribute("data-eligibility-code", state)
            # The reason is on the page, in words.
            expect(item.locator(".eligibility-reason")).to_be_visible()
            expect(item.locator(".eligibility-reason")).not_to_be_empty()
    legal_note = page.locator("[data-identity-legal-entity]")
    if persona == "legal-entity":
        expect(legal_note).to_be_visible()
    else:
        expect(legal_note).to_have_count(0)


def test_second_account_lands_on_the_same_identity(page, live_server, devidp, cities):
    log_in(page, live_server, "zhytomyr")
    expect(page).to_have_url(f"{live_server.url}/me/")
    page.get_by_role("button", name="Log out").or_(
        page.locator('form[action$="/accounts/logout/"] button')
    ).first.click()
    # RP-initiated logout went through the provider and came back here.
    expect(page).to_have_url(f"{live_server.url}/")
    log_in(page, live_server, "zhytomyr-second")
    expect(page).to_have_url(f"{live_server.url}/me/")
    expect(page.locator("[data-identity-name]")).to_have_text("Коваленко Олена Петрівна")
    expect(row(page, "zhytomyr")).to_have_attribute("data-eligibility", "allowed")
    users = list(User.objects.filter(identity__isnull=False))
    assert len(users) == 2
    assert users[0].identity_id == users[1].identity_id


def test_token_for_another_site_is_refused(page, live_server, devidp, cities):
    log_in(page, live_server, "wrong-aud")
    expect(page.locator("[data-login-error]")).to_have_attribute(
        "data-login-error", "token_refused"
    )
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto(f"{live_server.url}/me/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/me/")
    assert not User.objects.exists()
