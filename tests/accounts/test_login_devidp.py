"""Logging in through the real development identity provider (a second process)."""

from __future__ import annotations

import hashlib
import logging
from io import StringIO
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command

from devidp.personas import BY_USERNAME, secret_numbers
from edem.accounts.models import Identity, User
from tests.accounts.conftest import login_as, start_login
from tests.fixtures.devidp import platform_providers, start_devidp, stop_devidp

pytestmark = pytest.mark.django_db

PERSONAS_THAT_LOG_IN = [
    "zhytomyr", "zhytomyr-second", "dnipro", "lviv", "teen", "no-tax-number",
    "legal-entity",
]


def logged_in_user(client) -> User:
    return User.objects.get(pk=client.session["_auth_user_id"])


@pytest.mark.parametrize("persona", PERSONAS_THAT_LOG_IN)
def test_each_persona_logs_in_with_a_verified_identity(client, devidp, persona):
    response = login_as(client, persona)
    assert response.status_code == 302, response.content[:500]
    user = logged_in_user(client)
    claims = BY_USERNAME[persona].claims()
    identity = user.identity
    assert identity is not None
    assert identity.family_name == claims["lastname"]
    assert identity.given_name == claims["givenname"]
    assert identity.locality_code == claims["katottg"]
    assert identity.auth_method == claims["auth_type"]
    assert identity.verified_at is not None
    assert identity.birth_date.isoformat() == claims["birthday"]
    assert identity.is_legal_entity == (persona == "legal-entity")
    expected_kind = {"no-tax-number": "document", "legal-entity": "legal"}.get(persona, "tax")
    assert identity.key_kind == expected_kind
    # The key is a peppered HMAC, not a bare hash of the number.
    number = claims.get("drfocode") or claims.get("passport")
    assert identity.key != hashlib.sha256(f"tax:{number}".encode()).hexdigest()
    assert number not in identity.key


def test_second_account_lands_on_the_same_identity(client, devidp):
    login_as(client, "zhytomyr")
    first = logged_in_user(client)
    client.logout()
    login_as(client, "zhytomyr-second")
    second = logged_in_user(client)
    assert first.pk != second.pk
    assert first.identity_id == second.identity_id
    assert Identity.objects.count() == 1
    second.identity.refresh_from_db()
    assert second.identity.auth_method == "diia", "claims are refreshed at each login"


def test_legal_entity_key_does_not_take_over_the_persons_identity(client, devidp):
    login_as(client, "legal-entity")
    company = logged_in_user(client).identity
    assert company.is_legal_entity
    client.logout()
    login_as(client, "zhytomyr")
    assert not logged_in_user(client).identity.is_legal_entity
    assert Identity.objects.count() == 2


def test_claims_are_refreshed_at_each_login(client, devidp):
    login_as(client, "dnipro")
    identity = logged_in_user(client).identity
    Identity.objects.filter(pk=identity.pk).update(family_name="Old", locality_code="")
    client.logout()
    login_as(client, "dnipro")
    identity.refresh_from_db()
    assert identity.family_name == "Мельник"
    assert identity.locality_code == "UA12020010010035254"


def test_wrong_audience_is_refused_without_a_session(client, devidp):
    response = login_as(client, "wrong-aud")
    assert response.status_code == 401
    assert b'data-login-error="token_refused"' in response.content
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists()
    assert not Identity.objects.exists()


def test_no_tax_number_is_kept_anywhere(client, devidp, caplog, zhytomyr, dnipro):
    caplog.set_level(logging.DEBUG)
    pages = []
    for persona in PERSONAS_THAT_LOG_IN + ["wrong-aud"]:
        login_as(client, persona)
        if "_auth_user_id" in client.session:
            pages.append(client.get("/me/").content.decode())
        client.logout()
    assert User.objects.count() == len(PERSONAS_THAT_LOG_IN)
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    extra = [a.extra_data for a in SocialAccount.objects.all()]
    logs = "\n".join(r.getMessage() for r in caplog.records)
    numbers = secret_numbers()
    assert len(numbers) == 7
    for number in numbers:
        assert number not in dump.getvalue()
        assert number not in str(extra)
        assert number not in logs
        for page in pages:
            assert number not in page
    assert "drfocode" not in str(extra)
    assert "passport" not in str(extra)


def test_cabinet_shows_name_and_eligibility(client, devidp, zhytomyr, dnipro):
    login_as(client, "zhytomyr")
    page = client.get("/me/").content.decode()
    assert "Коваленко Олена Петрівна" in page
    assert 'data-eligibility="allowed" data-municipality="zhytomyr"' in page
    assert (
        'data-eligibility="refused" data-eligibility-code="not_resident" '
        'data-municipality="dnipro"'
    ) in page


def test_logout_ends_the_provider_session_too(client, devidp):
    login_as(client, "lviv")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    location = response["Location"]
    assert location.startswith(f"{devidp.url}/logout/")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [devidp.client_id]
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    back = requests.get(location, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    assert urljoin(location, back.headers["Location"]) == "http://testserver/"


def test_provider_whose_discovery_names_another_issuer_is_refused(
    client, settings, tmp_path
):
    liar = start_devidp(tmp_path / "liar", issuer="http://127.0.0.1:9/not-me")
    try:
        providers = platform_providers(liar)
        # The platform is configured with the provider's real address as issuer.
        providers["openid_connect"]["APPS"][0]["settings"]["issuer"] = liar.url
        settings.SOCIALACCOUNT_PROVIDERS = providers
        response = start_login(client)
        assert response.status_code == 401
        assert b'data-login-error="issuer_mismatch"' in response.content
        assert "_auth_user_id" not in client.session
    finally:
        stop_devidp(liar)
