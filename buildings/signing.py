"""The platform's signature over protocol digests, through the one JOSE wrapper.

A protocol is signed as a compact JWS whose claims hold the SHA-256 digest of
the PDF; anyone who has the PDF recomputes the digest and checks the
signature with the platform's published key. The private key is an EC P-256
key kept in a file (``PROTOCOL_SIGNING_KEY_FILE``, default
``var/protocol-signing.pem``), created on first use.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from edem.accounts import tokens

ALGORITHM = "ES256"
CLAIM_DIGEST = "sha256"


@dataclass(frozen=True)
class SigningKey:
    pem: str
    kid: str

    def public_jwk(self) -> dict[str, Any]:
        return tokens.public_jwk(self.pem, algorithm=ALGORITHM, kid=self.kid)


def _key_path() -> Path:
    configured = getattr(settings, "PROTOCOL_SIGNING_KEY_FILE", "") or os.environ.get(
        "PROTOCOL_SIGNING_KEY_FILE", ""
    )
    return (
        Path(configured)
        if configured
        else Path(settings.BASE_DIR) / "var" / "protocol-signing.pem"
    )


def _load_or_create(path: Path) -> str:
    """The PEM key at ``path``; two processes creating it at once end with one key."""
    if path.exists():
        return path.read_text()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text()


def signing_key() -> SigningKey:
    """The platform's protocol key; its id is derived from the public key."""
    pem = _load_or_create(_key_path())
    public = serialization.load_pem_private_key(
        pem.encode(), password=None
    ).public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKey(pem=pem, kid="protocol-" + hashlib.sha256(der).hexdigest()[:16])


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign_digest(digest: str, *, subject: str) -> tuple[str, str]:
    """Sign a document's digest; returns the compact JWS and the key id."""
    key = signing_key()
    claims = {
        "iss": getattr(settings, "SITE_URL", "") or "e-dem",
        "sub": subject,
        CLAIM_DIGEST: digest,
        "iat": int(time.time()),
    }
    return tokens.sign(
        claims, private_key=key.pem, algorithm=ALGORITHM, kid=key.kid
    ), key.kid


def verify_signature(jws: str) -> dict[str, Any]:
    """The signed claims if the platform's key signed ``jws``; ``TokenError`` otherwise."""
    key = signing_key()
    header = tokens.unverified_header(jws)
    if header.get("kid") != key.kid:
        raise tokens.TokenError("unknown_kid", "not signed with the platform's key")
    public = tokens.construct_public_key(key.public_jwk(), ALGORITHM)
    return tokens.decode_verified(
        jws,
        key=public,
        algorithm=ALGORITHM,
        issuer=None,
        audience=None,
        required=(CLAIM_DIGEST, "sub"),
    )
