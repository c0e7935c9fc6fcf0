"""OpenID Connect providers, read from the environment only.

A pure module (no model imports) so settings can call it. With no variable set
the platform logs in through the bundled development identity provider at
``DEVIDP_URL``. A city configures real providers like this::

    OIDC_PROVIDERS=bankid,esign          # ids, in the order shown on the login page
    OIDC_BANKID_ISSUER=https://id.gov.ua/            # must equal discovery's "issuer"
    OIDC_BANKID_CLIENT_ID=...
    OIDC_BANKID_SECRET=...
    OIDC_BANKID_NAME=BankID                        # button label
    OIDC_BANKID_SCOPES=openid                      # space or comma separated
    OIDC_BANKID_ALGORITHMS=RS256                   # RS256 / ES256 (+384/512)
    OIDC_BANKID_CLAIMS=tax_number=drfocode,locality_code=katottg
    OIDC_BANKID_AUTH_METHOD=bankid                 # when the broker sends no auth_type
    OIDC_BANKID_DISCOVERY_URL=...                  # only if not under the issuer
    OIDC_BANKID_TOKEN_AUTH_METHOD=client_secret_post   # or client_secret_basic
    OIDC_BANKID_FETCH_USERINFO=true
    OIDC_BANKID_LOGOUT=true                        # RP-initiated logout if offered

``CLAIMS`` overrides single entries of ``DEFAULT_CLAIMS`` (our field = the
provider's claim name); the defaults are id.gov.ua's names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PROVIDER_CLASS = "edem.accounts.oidc.provider.VerifiedOIDCProvider"
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
AUTH_METHODS = ("bankid", "esign", "diia", "other")

# Our field -> the claim name id.gov.ua (and the development provider) use.
DEFAULT_CLAIMS: dict[str, str] = {
    "tax_number": "drfocode",
    "document_number": "passport",
    "legal_entity_code": "edrpoucode",
    "given_name": "givenname",
    "middle_name": "middlename",
    "family_name": "lastname",
    "birth_date": "birthday",
    "address": "address",
    "locality_code": "katottg",
    "auth_method": "auth_type",
    "email": "email",
    "phone": "phone",
}

DEVIDP_PROVIDER_ID = "devidp"
DEVIDP_DEFAULT_CLIENT_ID = "edem-platform"
DEVIDP_DEFAULT_SECRET = "edem-platform-dev-secret"  # noqa: S105 - development only

_ID_RE = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class OIDCConfigError(ValueError):
    """The environment describes a provider that cannot be used safely."""


def _environ(env: Any) -> Mapping[str, str]:
    # Accept a django-environ ``Env`` (its ``ENVIRON``) or any mapping.
    return getattr(env, "ENVIRON", env)


def _split(value: str) -> list[str]:
    return [p for p in re.split(r"[\s,]+", value.strip()) if p]


def _bool(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise OIDCConfigError(f"{name} must be true or false")


def _claims(value: str, name: str) -> dict[str, str]:
    claims = dict(DEFAULT_CLAIMS)
    for item in _split(value):
        field, sep, claim = item.partition("=")
        if not sep or field not in DEFAULT_CLAIMS or not claim:
            raise OIDCConfigError(
                f"{name}: use field=claim pairs with fields from "
                + ", ".join(DEFAULT_CLAIMS)
            )
        claims[field] = claim
    return claims


def provider_app(
    *,
    provider_id: str,
    name: str,
    issuer: str,
    client_id: str,
    secret: str,
    scopes: list[str],
    algorithms: list[str],
    claims: dict[str, str],
    auth_method: str = "",
    discovery_url: str = "",
    token_auth_method: str = "",
    fetch_userinfo: bool = True,
    logout: bool = True,
) -> dict[str, Any]:
    """One allauth ``APPS`` entry; refuses settings that would weaken login."""
    if not _ID_RE.match(provider_id):
        raise OIDCConfigError(f"provider id {provider_id!r}: use a-z, 0-9, - and _")
    if not issuer:
        raise OIDCConfigError(f"{provider_id}: the issuer URL is required")
    if not client_id:
        raise OIDCConfigError(f"{provider_id}: the client id is required")
    algs = [a.upper() for a in algorithms] or ["RS256"]
    bad = [a for a in algs if a not in ALLOWED_ALGORITHMS]
    if bad:
        raise OIDCConfigError(f"{provider_id}: algorithms {bad} are not allowed")
    if "openid" not in scopes:
        scopes = ["openid", *scopes]
    if auth_method and auth_method not in AUTH_METHODS:
        raise OIDCConfigError(f"{provider_id}: auth method must be one of {AUTH_METHODS}")
    if token_auth_method not in ("", "client_secret_post", "client_secret_basic"):
        raise OIDCConfigError(f"{provider_id}: unknown token auth method")
    app_settings: dict[str, Any] = {
        "server_url": discovery_url or issuer,
        "issuer": issuer,
        "algorithms": algs,
        "scope": scopes,
        "claims": claims,
        "auth_method": auth_method,
        "fetch_userinfo": fetch_userinfo,
        "rp_logout": logout,
        "oauth_pkce_enabled": True,
    }
    if token_auth_method:
        app_settings["token_auth_method"] = token_auth_method
    return {
        "provider_id": provider_id,
        "name": name or provider_id,
        "client_id": client_id,
        "secret": secret,
        "settings": app_settings,
    }


def socialaccount_providers(env: Any, devidp_url: str) -> dict[str, Any]:
    """``SOCIALACCOUNT_PROVIDERS`` for allauth, built from the environment."""
    environ = _environ(env)
    ids = _split(environ.get("OIDC_PROVIDERS", ""))
    apps = []
    if not ids:
        base = devidp_url.rstrip("/")
        apps.append(
            provider_app(
                provider_id=DEVIDP_PROVIDER_ID,
                name=environ.get("DEVIDP_NAME", "") or "Dev ID (test personas)",
                issuer=environ.get("DEVIDP_ISSUER", "") or base,
                client_id=environ.get("DEVIDP_CLIENT_ID", "") or DEVIDP_DEFAULT_CLIENT_ID,
                secret=environ.get("DEVIDP_CLIENT_SECRET", "") or DEVIDP_DEFAULT_SECRET,
                scopes=["openid", "profile"],
                algorithms=["RS256"],
                claims=dict(DEFAULT_CLAIMS),
                discovery_url=base,
            )
        )
    for pid in ids:
        if not _ID_RE.match(pid):
            raise OIDCConfigError(f"OIDC_PROVIDERS: bad provider id {pid!r}")
        prefix = f"OIDC_{pid.upper().replace('-', '_')}_"

        def get(name: str, default: str = "", _prefix: str = prefix) -> str:
            return environ.get(_prefix + name, default)

        apps.append(
            provider_app(
                provider_id=pid,
                name=get("NAME", pid),
                issuer=get("ISSUER"),
                client_id=get("CLIENT_ID"),
                secret=get("SECRET"),
                scopes=_split(get("SCOPES", "openid")),
                algorithms=_split(get("ALGORITHMS", "RS256")),
                claims=_claims(get("CLAIMS"), prefix + "CLAIMS"),
                auth_method=get("AUTH_METHOD").strip().lower(),
                discovery_url=get("DISCOVERY_URL"),
                token_auth_method=get("TOKEN_AUTH_METHOD").strip(),
                fetch_userinfo=_bool(get("FETCH_USERINFO", "true"), prefix + "FETCH_USERINFO"),
                logout=_bool(get("LOGOUT", "true"), prefix + "LOGOUT"),
            )
        )
    return {
        "openid_connect": {
            # Our subclass replaces allauth's provider: it sends and checks the
            # nonce, pins the issuer and always verifies the ID token signature.
            "provider_class": PROVIDER_CLASS,
            "OAUTH_PKCE_ENABLED": True,
            "EMAIL_AUTHENTICATION": False,
            "VERIFIED_EMAIL": False,
            "APPS": apps,
        }
    }
