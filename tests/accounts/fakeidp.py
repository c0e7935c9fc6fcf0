"""An in-process OpenID Connect provider for attack tests.

It answers the platform's server-to-server requests (discovery, JWKS, token,
userinfo) through a ``requests`` transport, so each test decides exactly what
ID token the "provider" hands back - including forged ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from edem.accounts import tokens


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def ec_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def unsigned_token(claims: dict, header: dict | None = None) -> str:
    """``alg: none``: what an attacker sends hoping signatures are optional."""
    head = header or {"alg": "none", "typ": "JWT"}
    return (
        b64url(json.dumps(head).encode()) + "." + b64url(json.dumps(claims).encode()) + "."
    )


def hs256_with_public_key(claims: dict, public_key_pem: str, kid: str) -> str:
    """The algorithm-confusion forgery: HMAC keyed with the provider's public key."""
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(public_key_pem.encode(), f"{head}.{body}".encode(), hashlib.sha256)
    return f"{head}.{body}.{b64url(mac.digest())}"


def tamper(token: str, **changes) -> str:
    """Change claims of a signed token, keeping its original signature."""
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(changes)
    return f"{head}.{b64url(json.dumps(claims).encode())}.{sig}"


class FakeProvider:
    def __init__(self, issuer: str, client_id: str, *, algorithm: str = "RS256") -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.algorithm = algorithm
        self.private_pem = ec_pem() if algorithm.startswith("ES") else rsa_pem()
        self.kid = "key-1"
        self.jwks_fetches = 0
        self.discovery_issuer = self.issuer
        self.next_id_token: Callable[[dict], str] | str | None = None
        self.userinfo: dict[str, Any] = {}
        self.token_requests: list[dict] = []
        self.extra_keys: list[dict] = []

    # --- what the provider publishes ------------------------------------------
    def discovery(self) -> dict:
        return {
            "issuer": self.discovery_issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def jwks(self) -> dict:
        self.jwks_fetches += 1
        key = tokens.public_jwk(self.private_pem, algorithm=self.algorithm, kid=self.kid)
        return {"keys": [key, *self.extra_keys]}

    # --- tokens -----------------------------------------------------------------
    def claims(self, nonce: str | None, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "person-1",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "drfocode": "3123456789",
            "givenname": "Олена",
            "lastname": "Коваленко",
            "middlename": "Петрівна",
            "birthday": "1985-03-14",
            "katottg": "UA18040470010040545",
            "auth_type": "bankid",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict, *, kid: str | None = "default") -> str:
        return tokens.sign(
            claims,
            private_key=self.private_pem,
            algorithm=self.algorithm,
            kid=self.kid if kid == "default" else kid,
        )

    # --- HTTP -------------------------------------------------------------------
    def handle(self, request: requests.PreparedRequest) -> tuple[int, Any]:
        path = request.url.split("?")[0]
        if path == f"{self.issuer}/.well-known/openid-configuration":
            return 200, self.discovery()
        if path == f"{self.issuer}/jwks":
            return 200, self.jwks()
        if path == f"{self.issuer}/token":
            form = {k: v[0] for k, v in parse_qs(request.body or "").items()}
            self.token_requests.append(form)
            token = self.next_id_token
            if callable(token):
                token = token(form)
            return 200, {
                "access_token": "access-token-1",
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": token,
            }
        if path == f"{self.issuer}/userinfo":
            return 200, self.userinfo
        return 404, {"error": "not_found"}


class FakeTransport(requests.adapters.BaseAdapter):
    def __init__(self, providers: list[FakeProvider]) -> None:
        super().__init__()
        self.providers = providers

    def send(self, request, **kwargs):
        for provider in self.providers:
            if request.url.startswith(provider.issuer + "/"):
                status, body = provider.handle(request)
                break
        else:
            raise requests.ConnectionError(f"no route to {request.url}")
        response = requests.Response()
        response.status_code = status
        if isinstance(body, bytes | str):
            response._content = body.encode() if isinstance(body, str) else body
            response.headers["Content-Type"] = "text/html"
        else:
            response._content = json.dumps(body).encode()
            response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


def session_factory(providers: list[FakeProvider]) -> Callable[[], requests.Session]:
    def make(*args, **kwargs) -> requests.Session:
        session = requests.Session()
        transport = FakeTransport(providers)
        session.mount("https://", transport)
        session.mount("http://", transport)
        return session

    return make
