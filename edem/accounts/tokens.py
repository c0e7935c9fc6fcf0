"""The one door to JOSE (python-jose) in the project.

Every JSON Web Token the platform reads or writes passes through here, so the
rules are stated once:

- the algorithms come from configuration, never from the token: a token whose
  header names another algorithm (``none``, ``HS256`` "signed" with a public
  key, ...) is refused before any key is touched;
- a key is taken from the provider's published key set (JWKS) by ``kid`` and
  must be of the family the algorithm needs (RSA for RS*, EC on the right curve
  for ES*); the key set is cached and fetched again once when a token names an
  unknown ``kid`` (the provider rotated its keys);
- an ID token must carry ``iss``, ``aud``, ``exp``, ``iat``, ``sub`` and
  ``nonce``; ``iss`` and ``aud`` must be ours, the ``nonce`` must be the one we
  sent and is accepted once; clocks may differ by ``leeway`` seconds (60), an
  ``iat`` further in the future is refused.

Errors are ``TokenError`` with a short machine code; messages never contain
claim values (they may hold a tax number).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from jose import jwk, jwt
from jose.backends.base import Key
from jose.exceptions import (
    ExpiredSignatureError,
    JOSEError,
    JWTClaimsError,
)

# Algorithm families the wrapper knows how to check keys for. Symmetric (HS*)
# and "none" are deliberately absent: no configuration can enable them.
SUPPORTED_ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
}
DEFAULT_ALGORITHMS = ("RS256",)
DEFAULT_LEEWAY = 60
JWKS_CACHE_SECONDS = 3600
REQUIRED_ID_TOKEN_CLAIMS = ("iss", "aud", "exp", "iat", "sub", "nonce")

HttpGetJson = Callable[[str], Mapping[str, Any]]


class TokenError(Exception):
    """A token was refused. ``code`` says why; the text never holds claim values."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


def check_algorithms(algorithms: Iterable[str]) -> tuple[str, ...]:
    """Return the configured algorithms, refusing unknown or symmetric ones."""
    algs = tuple(a.strip().upper() for a in algorithms if a and a.strip())
    if not algs:
        raise TokenError("config", "no signing algorithm configured")
    for alg in algs:
        if alg not in SUPPORTED_ALGORITHMS:
            raise TokenError("config", f"algorithm {alg!r} is not allowed")
    return algs


# --- key sets ------------------------------------------------------------------


def _jwks_cache_key(jwks_uri: str) -> str:
    return "edem:jwks:" + hashlib.sha256(jwks_uri.encode()).hexdigest()


def _default_http_get_json(url: str) -> Mapping[str, Any]:
    import requests

    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return response.json()


def fetch_jwks(
    jwks_uri: str, *, http_get_json: HttpGetJson | None = None, refresh: bool = False
) -> dict[str, Any]:
    """The provider's key set, from the cache unless ``refresh`` is asked."""
    key = _jwks_cache_key(jwks_uri)
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    try:
        data = dict((http_get_json or _default_http_get_json)(jwks_uri))
    except Exception as exc:  # network, HTTP status, JSON: all mean "no keys"
        raise TokenError("jwks_unavailable", type(exc).__name__) from exc
    if not isinstance(data.get("keys"), list):
        raise TokenError("jwks_invalid", "no 'keys' list")
    cache.set(key, data, JWKS_CACHE_SECONDS)
    return data


def _key_fits(jwk_data: Mapping[str, Any], alg: str) -> bool:
    kty, curve = SUPPORTED_ALGORITHMS[alg]
    if jwk_data.get("kty") != kty:
        return False
    if curve and jwk_data.get("crv") != curve:
        return False
    if jwk_data.get("use") not in (None, "sig"):
        return False
    return jwk_data.get("alg") in (None, alg)


def _select_key(keys: list[Mapping[str, Any]], kid: str | None, alg: str):
    candidates = [k for k in keys if isinstance(k, Mapping)]
    if kid is not None:
        candidates = [k for k in candidates if k.get("kid") == kid]
    elif len(candidates) != 1:
        # Without a kid we only trust a provider that publishes a single key.
        return None
    for data in candidates:
        if _key_fits(data, alg):
            return data
    return None


def construct_public_key(jwk_data: Mapping[str, Any], alg: str) -> Key:
    """A verification key built for ``alg``, refusing a key of another family."""
    alg = check_algorithms([alg])[0]
    if not _key_fits(jwk_data, alg):
        raise TokenError("key_mismatch", f"key does not fit {alg}")
    try:
        return jwk.construct(dict(jwk_data), algorithm=alg)
    except JOSEError as exc:
        raise TokenError("key_invalid", type(exc).__name__) from exc


# --- reading tokens ------------------------------------------------------------


def unverified_header(token: str) -> dict[str, Any]:
    """The token's header, for routing only (which key); never trusted."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenError("malformed", "not a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError as exc:
        raise TokenError("malformed", type(exc).__name__) from exc
    if not isinstance(header, dict):
        raise TokenError("malformed", "header is not an object")
    return header


def decode_verified(
    token: str,
    *,
    key: Key,
    algorithm: str,
    issuer: str | None,
    audience: str | None,
    required: Iterable[str] = (),
    access_token: str | None = None,
    leeway: int = DEFAULT_LEEWAY,
    now: float | None = None,
) -> dict[str, Any]:
    """Check signature and time claims of ``token`` with one known key.

    ``algorithm`` is the single algorithm the key was built for; the header
    must name exactly it.
    """
    header = unverified_header(token)
    if header.get("alg") != algorithm:
        raise TokenError("alg_refused", f"header alg {header.get('alg')!r}")
    required = set(required)
    options = {
        "verify_signature": True,
        "verify_aud": audience is not None,
        "verify_iss": issuer is not None,
        "verify_exp": True,
        "verify_iat": True,
        "verify_nbf": True,
        "verify_sub": True,
        "verify_at_hash": access_token is not None,
        # Presence of required claims is checked below, after the signature,
        # so a missing claim is reported as such.
        "leeway": leeway,
    }
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options=options,
            audience=audience,
            issuer=issuer,
            access_token=access_token,
        )
    except ExpiredSignatureError as exc:
        raise TokenError("expired") from exc
    except JWTClaimsError as exc:
        raise TokenError("claims", str(exc)) from exc
    except JOSEError as exc:
        raise TokenError("signature", type(exc).__name__) from exc
    if not isinstance(claims, dict):
        raise TokenError("malformed", "payload is not an object")
    missing = [name for name in required if claims.get(name) in (None, "")]
    if missing:
        raise TokenError("missing_claim", ",".join(sorted(missing)))
    if "iat" in claims:
        current = time.time() if now is None else now
        iat = claims["iat"]
        if not isinstance(iat, int | float) or iat > current + leeway:
            raise TokenError("iat_in_future")
    return claims


@dataclass(frozen=True)
class ProviderKeys:
    """Where and how one provider's ID tokens are checked."""

    issuer: str
    client_id: str
    jwks_uri: str
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway: int = DEFAULT_LEEWAY


def _nonce_seen_key(issuer: str, nonce: str) -> str:
    digest = hashlib.sha256(f"{issuer}\x00{nonce}".encode()).hexdigest()
    return f"edem:oidc-nonce:{digest}"


def verify_id_token(
    token: str,
    *,
    provider: ProviderKeys,
    nonce: str | None,
    access_token: str | None = None,
    http_get_json: HttpGetJson | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Verify an OpenID Connect ID token from ``provider`` and return its claims.

    The signature is always checked; ``nonce`` is the value we sent with the
    authorization request (a token without it, with another one, or with one
    already used is refused).
    """
    algorithms = check_algorithms(provider.algorithms)
    if not nonce:
        raise TokenError("nonce_missing", "no nonce was sent for this login")
    header = unverified_header(token)
    alg = header.get("alg")
    if alg not in algorithms:
        raise TokenError("alg_refused", f"header alg {alg!r}")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenError("malformed", "kid is not a string")

    jwks = fetch_jwks(provider.jwks_uri, http_get_json=http_get_json)
    jwk_data = _select_key(jwks["keys"], kid, alg)
    if jwk_data is None:
        # Keys may have been rotated since we cached them: ask once more.
        jwks = fetch_jwks(provider.jwks_uri, http_get_json=http_get_json, refresh=True)
        jwk_data = _select_key(jwks["keys"], kid, alg)
    if jwk_data is None:
        raise TokenError("unknown_kid", "no published key matches the token")
    key = construct_public_key(jwk_data, alg)

    claims = decode_verified(
        token,
        key=key,
        algorithm=alg,
        issuer=provider.issuer,
        audience=provider.client_id,
        required=REQUIRED_ID_TOKEN_CLAIMS,
        access_token=access_token,
        leeway=provider.leeway,
        now=now,
    )
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != provider.client_id:
        raise TokenError("claims", "several audiences without our azp")
    if not isinstance(claims["nonce"], str) or not hmac.compare_digest(
        claims["nonce"].encode(), nonce.encode()
    ):
        raise TokenError("nonce_mismatch")
    if not isinstance(claims["sub"], str):
        raise TokenError("claims", "sub is not a string")
    # A nonce is good for one token: a replayed response is refused even if
    # the state it came with could be produced again.
    ttl = max(int(claims["exp"] - (time.time() if now is None else now)), 0)
    ttl += provider.leeway
    if not cache.add(_nonce_seen_key(provider.issuer, nonce), 1, ttl):
        raise TokenError("nonce_replayed")
    return claims


# --- writing tokens ------------------------------------------------------------


def sign(
    claims: Mapping[str, Any],
    *,
    private_key: str | Mapping[str, Any],
    algorithm: str,
    kid: str | None = None,
) -> str:
    """Sign ``claims`` as a compact JWS with an asymmetric private key.

    Used for signed receipts and by tests that play an identity provider.
    """
    alg = check_algorithms([algorithm])[0]
    headers = {"kid": kid} if kid else None
    try:
        return jwt.encode(
            dict(claims), private_key, algorithm=alg, headers=headers
        )
    except JOSEError as exc:
        raise TokenError("sign_failed", type(exc).__name__) from exc


def public_jwk(private_or_public_pem: str, *, algorithm: str, kid: str) -> dict[str, Any]:
    """The public JWK (as published in a JWKS) for a PEM key."""
    alg = check_algorithms([algorithm])[0]
    try:
        key = jwk.construct(private_or_public_pem, algorithm=alg)
        data = key.public_key().to_dict()
    except JOSEError as exc:
        raise TokenError("key_invalid", type(exc).__name__) from exc
    data.update({"kid": kid, "alg": alg, "use": "sig"})
    return json.loads(json.dumps(data))
