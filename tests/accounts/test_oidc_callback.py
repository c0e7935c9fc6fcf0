"""Forged tokens and lying providers against the real login views.

Each attack ends on the "login refused" page: never a 500, never a session,
never an account.
"""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount

from edem.accounts.adapters import SocialAccountAdapter
from edem.accounts.models import Identity, User
from edem.accounts.oidc_settings import socialaccount_providers
from tests.accounts.fakeidp import (
    FakeProvider,
    hs256_with_public_key,
    public_pem,
    session_factory,
    tamper,
    unsigned_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def idp():
    return FakeProvider("https://bankid.example", "edem-client")


@pytest.fixture
def other_idp():
    return FakeProvider("https://esign.example", "edem-client")


@pytest.fixture
def configured(settings, monkeypatch, idp, other_idp):
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        {
            "OIDC_PROVIDERS": "bankid,esign",
            "OIDC_BANKID_ISSUER": idp.issuer,
            "OIDC_BANKID_CLIENT_ID": idp.client_id,
            "OIDC_BANKID_SECRET": "secret-1",
            "OIDC_BANKID_NAME": "BankID",
            "OIDC_ESIGN_ISSUER": other_idp.issuer,
            "OIDC_ESIGN_CLIENT_ID": other_idp.client_id,
            "OIDC_ESIGN_SECRET": "secret-2",
            "OIDC_ESIGN_FETCH_USERINFO": "false",
        },
        "",
    )
    monkeypatch.setattr(
        SocialAccountAdapter, "get_requests_session",
        lambda self: session_factory([idp, other_idp])(),
    )


def begin(client, provider_id="bankid"):
    response = client.post(f"/accounts/oidc/{provider_id}/login/")
    assert response.status_code == 302, response.content[:300]
    query = parse_qs(urlsplit(response["Location"]).query)
    return {k: v[0] for k, v in query.items()}


def finish(client, params, provider_id="bankid", code="code-1"):
    return client.get(
        f"/accounts/oidc/{provider_id}/login/callback/",
        {"code": code, "state": params["state"]},
    )


def assert_refused(client, response, code=None):
    assert response.status_code == 401, response.content[:500]
    body = response.content.decode()
    assert "data-login-error" in body
    if code:
        assert f'data-login-error="{code}"' in body
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    assert not Identity.objects.exists()


def test_authorization_request_uses_pkce_s256_nonce_and_state(client, configured, idp):
    params = begin(client)
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    assert len(params["nonce"]) >= 32
    assert params["state"]
    assert params["client_id"] == idp.client_id
    assert params["redirect_uri"] == (
        "http://testserver/accounts/oidc/bankid/login/callback/"
    )
    # A crafted link cannot change what is sent.
    response = client.post(
        "/accounts/oidc/bankid/login/?auth_params=nonce%3Dfixed%26redirect_uri%3Dhttps%3A%2F%2Fevil.example"
    )
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["nonce"][0] != "fixed"
    assert query["redirect_uri"][0].startswith("http://testserver/")


def test_genuine_login_succeeds_and_rotates_the_session(client, configured, idp):
    client.get("/accounts/login/")
    params = begin(client)
    session_before = client.session.session_key
    idp.next_id_token = idp.sign(idp.claims(params["nonce"]))
    idp.userinfo = {"sub": "person-1", "email": "olena@example.org"}
    response = finish(client, params)
    assert response.status_code == 302, response.content[:500]
    assert client.session.session_key != session_before
    user = User.objects.get()
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user.identity.full_name == "Коваленко Олена Петрівна"
    # PKCE: the verifier sent to the token endpoint matches the challenge.
    verifier = idp.token_requests[-1]["code_verifier"]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert digest.rstrip(b"=").decode() == params["code_challenge"]


FORGERIES = {
    "alg none": lambda idp, other, nonce: unsigned_token(idp.claims(nonce)),
    "HS256 with the provider's RSA public key": lambda idp, other, nonce: (
        hs256_with_public_key(idp.claims(nonce), public_pem(idp.private_pem), idp.kid)
    ),
    "wrong aud": lambda idp, other, nonce: idp.sign(idp.claims(nonce, aud="other-site")),
    "wrong iss": lambda idp, other, nonce: idp.sign(
        idp.claims(nonce, iss="https://evil.example")
    ),
    "expired": lambda idp, other, nonce: idp.sign(
        idp.claims(nonce, exp=int(time.time()) - 120, iat=int(time.time()) - 900)
    ),
    "iat in the future": lambda idp, other, nonce: idp.sign(
        idp.claims(nonce, iat=int(time.time()) + 600, exp=int(time.time()) + 900)
    ),
    "missing nonce": lambda idp, other, nonce: idp.sign(idp.claims(None)),
    "another login's nonce": lambda idp, other, nonce: idp.sign(idp.claims("stale")),
    "unknown kid": lambda idp, other, nonce: idp.sign(idp.claims(nonce), kid="nope"),
    "tampered payload": lambda idp, other, nonce: tamper(
        idp.sign(idp.claims(nonce)), drfocode="3999999999"
    ),
    "second provider's token": lambda idp, other, nonce: other.sign(other.claims(nonce)),
    "not a JWT": lambda idp, other, nonce: "garbage",
    "no id_token": lambda idp, other, nonce: None,
}


@pytest.mark.parametrize("attack", list(FORGERIES))
def test_forged_tokens_are_refused_at_the_callback(
    client, configured, idp, other_idp, attack
):
    params = begin(client)
    idp.next_id_token = FORGERIES[attack](idp, other_idp, params["nonce"])
    idp.userinfo = {"sub": "person-1"}
    assert_refused(client, finish(client, params), "token_refused")


def test_replayed_callback_is_refused(client, configured, idp):
    params = begin(client)
    idp.next_id_token = idp.sign(idp.claims(params["nonce"]))
    idp.userinfo = {"sub": "person-1"}
    assert finish(client, params).status_code == 302
    client.logout()
    User.objects.all().delete()
    SocialAccount.objects.all().delete()
    Identity.objects.all().delete()
    # The same state and code again: the state was used up.
    response = finish(client, params)
    assert_refused(client, response)


def test_replayed_token_in_a_new_login_is_refused(client, configured, idp):
    params = begin(client)
    token = idp.sign(idp.claims(params["nonce"]))
    idp.next_id_token = token
    idp.userinfo = {"sub": "person-1"}
    assert finish(client, params).status_code == 302
    client.logout()
    User.objects.all().delete()
    SocialAccount.objects.all().delete()
    Identity.objects.all().delete()
    params = begin(client)
    idp.next_id_token = token  # the old token, old nonce
    assert_refused(client, finish(client, params), "token_refused")


def test_forged_state_is_refused(client, configured, idp):
    begin(client)
    idp.next_id_token = idp.sign(idp.claims("whatever"))
    response = client.get(
        "/accounts/oidc/bankid/login/callback/", {"code": "c", "state": "forged"}
    )
    assert_refused(client, response)


def test_userinfo_of_another_person_is_refused(client, configured, idp):
    params = begin(client)
    idp.next_id_token = idp.sign(idp.claims(params["nonce"]))
    idp.userinfo = {"sub": "person-2", "drfocode": "3111111111"}
    assert_refused(client, finish(client, params), "token_refused")


def test_token_of_the_first_provider_presented_to_the_second(
    client, configured, idp, other_idp
):
    params = begin(client, "esign")
    other_idp.next_id_token = idp.sign(
        idp.claims(params["nonce"], aud=other_idp.client_id)
    )
    assert_refused(client, finish(client, params, "esign"), "token_refused")


def test_discovery_naming_another_issuer_refuses_login(client, configured, idp):
    idp.discovery_issuer = "https://impostor.example"
    response = client.post("/accounts/oidc/bankid/login/")
    assert_refused(client, response, "issuer_mismatch")
    assert "impostor" not in response.get("Location", "")


def test_discovery_issuer_mismatch_also_refuses_the_callback(client, configured, idp):
    params = begin(client)
    from django.core.cache import cache

    cache.clear()  # the provider changes its discovery after the redirect
    idp.discovery_issuer = "https://impostor.example"
    idp.next_id_token = idp.sign(idp.claims(params["nonce"]))
    assert_refused(client, finish(client, params), "issuer_mismatch")


def test_unreachable_provider_is_a_clear_page(client, settings, configured):
    settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]["settings"][
        "server_url"
    ] = "https://down.example"
    settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]["settings"][
        "issuer"
    ] = "https://down.example"
    response = client.post("/accounts/oidc/bankid/login/")
    assert_refused(client, response, "provider_unavailable")


def test_claims_without_any_number_are_refused(client, configured, idp):
    params = begin(client)
    idp.next_id_token = idp.sign(idp.claims(params["nonce"], drfocode=None))
    idp.userinfo = {"sub": "person-1"}
    response = finish(client, params)
    assert_refused(client, response, "number_missing")


def test_unknown_provider_is_a_404(client, configured):
    assert client.post("/accounts/oidc/nope/login/").status_code == 404
    assert client.get("/accounts/oidc/nope/login/callback/").status_code == 404


def test_cancel_at_the_provider_is_not_an_error_500(client, configured):
    params = begin(client)
    response = client.get(
        "/accounts/oidc/bankid/login/callback/",
        {"error": "access_denied", "state": params["state"]},
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_email_never_links_accounts(client, configured, idp):
    staff = User.objects.create_user(
        "clerk", email="olena@example.org", password="pw-123456789", is_staff=True
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=staff, email="olena@example.org", verified=True,
                                primary=True)
    params = begin(client)
    idp.next_id_token = idp.sign(idp.claims(params["nonce"], email="olena@example.org"))
    idp.userinfo = {"sub": "person-1", "email": "olena@example.org"}
    assert finish(client, params).status_code == 302
    citizen = User.objects.exclude(pk=staff.pk).get()
    assert int(client.session["_auth_user_id"]) == citizen.pk
    staff.refresh_from_db()
    assert staff.identity is None
