"""Providers come from the environment only, and unsafe ones are refused."""

from __future__ import annotations

import pytest

from edem.accounts.claims import ClaimsError, map_claims, strip_sensitive
from edem.accounts.oidc_settings import (
    DEFAULT_CLAIMS,
    PROVIDER_CLASS,
    OIDCConfigError,
    socialaccount_providers,
)


def apps(env):
    return socialaccount_providers(env, "http://127.0.0.1:8001")["openid_connect"]["APPS"]


def test_default_is_the_development_provider():
    config = socialaccount_providers({}, "http://127.0.0.1:8001/")
    assert config["openid_connect"]["provider_class"] == PROVIDER_CLASS
    (app,) = config["openid_connect"]["APPS"]
    assert app["provider_id"] == "devidp"
    assert app["settings"]["issuer"] == "http://127.0.0.1:8001"
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert app["settings"]["algorithms"] == ["RS256"]


def test_several_providers_with_their_own_claim_names():
    env = {
        "OIDC_PROVIDERS": "bankid, esign",
        "OIDC_BANKID_ISSUER": "https://bankid.example/",
        "OIDC_BANKID_CLIENT_ID": "c1",
        "OIDC_BANKID_SECRET": "s1",
        "OIDC_BANKID_NAME": "BankID",
        "OIDC_BANKID_CLAIMS": "tax_number=inn,locality_code=koatuu",
        "OIDC_BANKID_AUTH_METHOD": "bankid",
        "OIDC_ESIGN_ISSUER": "https://id.example",
        "OIDC_ESIGN_CLIENT_ID": "c2",
        "OIDC_ESIGN_SCOPES": "openid profile",
        "OIDC_ESIGN_ALGORITHMS": "ES256,RS256",
        "OIDC_ESIGN_TOKEN_AUTH_METHOD": "client_secret_basic",
        "OIDC_ESIGN_LOGOUT": "false",
    }
    bankid, esign = apps(env)
    assert bankid["name"] == "BankID"
    assert bankid["settings"]["issuer"] == "https://bankid.example/"
    assert bankid["settings"]["claims"]["tax_number"] == "inn"
    assert bankid["settings"]["claims"]["given_name"] == DEFAULT_CLAIMS["given_name"]
    assert bankid["settings"]["auth_method"] == "bankid"
    assert esign["settings"]["algorithms"] == ["ES256", "RS256"]
    assert esign["settings"]["scope"] == ["openid", "profile"]
    assert esign["settings"]["token_auth_method"] == "client_secret_basic"
    assert esign["settings"]["rp_logout"] is False


@pytest.mark.parametrize(
    "env",
    [
        {"OIDC_PROVIDERS": "x", "OIDC_X_CLIENT_ID": "c"},  # no issuer
        {"OIDC_PROVIDERS": "x", "OIDC_X_ISSUER": "https://x"},  # no client id
        {"OIDC_PROVIDERS": "x", "OIDC_X_ISSUER": "https://x", "OIDC_X_CLIENT_ID": "c",
         "OIDC_X_ALGORITHMS": "HS256"},
        {"OIDC_PROVIDERS": "x", "OIDC_X_ISSUER": "https://x", "OIDC_X_CLIENT_ID": "c",
         "OIDC_X_ALGORITHMS": "none"},
        {"OIDC_PROVIDERS": "x", "OIDC_X_ISSUER": "https://x", "OIDC_X_CLIENT_ID": "c",
         "OIDC_X_CLAIMS": "salary=income"},
        {"OIDC_PROVIDERS": "X!", "OIDC_X_ISSUER": "https://x"},
        {"OIDC_PROVIDERS": "x", "OIDC_X_ISSUER": "https://x", "OIDC_X_CLIENT_ID": "c",
         "OIDC_X_FETCH_USERINFO": "maybe"},
    ],
)
def test_unsafe_or_incomplete_configuration_is_refused(env):
    with pytest.raises(OIDCConfigError):
        apps(env)


PEPPER = "pepper"


def test_claims_map_to_a_peppered_key_without_the_number():
    claims = map_claims(
        {"inn": "31 23456789", "givenname": "Олена", "birthday": "14.03.1985",
         "auth_type": "EDS", "address": {"formatted": "Житомир"}},
        claim_names={"tax_number": "inn"}, pepper=PEPPER,
    )
    assert claims.key_kind == "tax"
    assert "3123456789" not in str(claims.as_dict())
    assert claims.auth_method == "esign"
    assert claims.birth_date.isoformat() == "1985-03-14"
    assert claims.address == "Житомир"
    other_pepper = map_claims({"inn": "3123456789"}, claim_names={"tax_number": "inn"},
                              pepper="another")
    assert other_pepper.key != claims.key


def test_document_and_tax_keys_never_collide():
    tax = map_claims({"drfocode": "1234567890"}, claim_names={}, pepper=PEPPER)
    doc = map_claims({"passport": "1234567890"}, claim_names={}, pepper=PEPPER)
    assert tax.key != doc.key and doc.key_kind == "document"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ({}, "number_missing"),
        ({"drfocode": "12345"}, "number_invalid"),
        ({"drfocode": "1234567890", "edrpoucode": "12"}, "legal_entity_code_invalid"),
    ],
)
def test_claims_that_identify_nobody_are_refused(raw, code):
    with pytest.raises(ClaimsError) as refused:
        map_claims(raw, claim_names={}, pepper=PEPPER)
    assert refused.value.code == code


def test_sensitive_claims_are_stripped_at_any_depth():
    data = {"userinfo": {"drfocode": "1", "name": "x"}, "id_token": {"passport": "2"},
            "list": [{"inn": "3"}]}
    assert strip_sensitive(data, {"drfocode", "passport", "inn"}) == {
        "userinfo": {"name": "x"}, "id_token": {}, "list": [{}]
    }
