"""From a provider's verified claims to what the platform keeps about a person.

Brokers name claims differently, so the names come from the provider's
configuration (see ``oidc_settings.DEFAULT_CLAIMS``). The tax number (RNOKPP)
and the document number only ever leave this module as an HMAC key: they are
not returned, stored or logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .oidc_settings import DEFAULT_CLAIMS

KEY_PREFIX_TAX = "tax:"
KEY_PREFIX_DOCUMENT = "document:"
KEY_PREFIX_LEGAL = "legal:"

# Values brokers use for the way a person authenticated -> our AuthMethod.
AUTH_METHOD_ALIASES = {
    "bankid": "bankid",
    "bank_id": "bankid",
    "bank-id": "bankid",
    "nbu_bankid": "bankid",
    "esign": "esign",
    "eds": "esign",
    "kep": "esign",
    "qes": "esign",
    "dig_sign": "esign",
    "digital_signature": "esign",
    "diia": "diia",
    "diia_id": "diia",
    "diia-id": "diia",
    "diiaid": "diia",
    "diia_signature": "diia",
}

_TAX_RE = re.compile(r"^\d{10}$")
_EDRPOU_RE = re.compile(r"^\d{8}$")
_DOCUMENT_RE = re.compile(r"^[0-9A-ZА-ЯІЇЄҐ]{6,16}$")
_LOCALITY_RE = re.compile(r"^(UA\d{1,17}|\d{1,10})$")


class ClaimsError(ValueError):
    """The provider's claims do not identify a person; ``code`` says why."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class VerifiedClaims:
    """The part of a verified login the platform keeps (no raw numbers)."""

    key: str
    key_kind: str
    given_name: str = ""
    middle_name: str = ""
    family_name: str = ""
    birth_date: dt.date | None = None
    address: str = ""
    locality_code: str = ""
    auth_method: str = "other"
    is_legal_entity: bool = False
    email: str = ""
    phone: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "key_kind": self.key_kind,
            "given_name": self.given_name,
            "middle_name": self.middle_name,
            "family_name": self.family_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "address": self.address,
            "locality_code": self.locality_code,
            "auth_method": self.auth_method,
            "is_legal_entity": self.is_legal_entity,
            "email": self.email,
            "phone": self.phone,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerifiedClaims:
        birth = data.get("birth_date")
        return cls(
            **{
                **{k: v for k, v in data.items() if k in cls.__dataclass_fields__},
                "birth_date": dt.date.fromisoformat(birth) if birth else None,
            }
        )


def identity_key(pepper: str, prefix: str, number: str) -> str:
    """HMAC-SHA256 of ``prefix + number`` under the site's pepper (hex)."""
    return hmac.new(
        pepper.encode(), (prefix + number).encode(), hashlib.sha256
    ).hexdigest()


def normalize_tax_number(value: Any) -> str:
    number = re.sub(r"\s+", "", str(value or ""))
    return number if _TAX_RE.match(number) else ""


def normalize_document_number(value: Any) -> str:
    number = re.sub(r"[\s\-]+", "", str(value or "")).upper()
    return number if _DOCUMENT_RE.match(number) else ""


def normalize_locality_code(value: Any) -> str:
    code = re.sub(r"\s+", "", str(value or "")).upper()
    return code if _LOCALITY_RE.match(code) else ""


def _text(value: Any, limit: int) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return " ".join(str(value).split())[:limit]


def _address(value: Any) -> str:
    # OIDC's standard "address" claim is an object with "formatted".
    if isinstance(value, dict):
        value = value.get("formatted") or ", ".join(
            str(v) for v in value.values() if isinstance(v, str) and v
        )
    return _text(value, 500)


def _birth_date(value: Any) -> dt.date | None:
    text = _text(value, 20)
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def auth_method_of(value: Any, default: str = "") -> str:
    text = _text(value, 40).lower()
    return AUTH_METHOD_ALIASES.get(text) or default or "other"


def sensitive_claim_names(claim_names: Mapping[str, str] | None = None) -> set[str]:
    """Claim names that hold a tax or document number (never kept raw)."""
    names = dict(DEFAULT_CLAIMS, **(claim_names or {}))
    return {
        names["tax_number"],
        names["document_number"],
        DEFAULT_CLAIMS["tax_number"],
        DEFAULT_CLAIMS["document_number"],
        "rnokpp",
        "inn",
        "unzr",
    }


def strip_sensitive(data: Any, names: set[str]) -> Any:
    """A copy of ``data`` with every sensitive claim removed, at any depth."""
    if isinstance(data, dict):
        return {
            k: strip_sensitive(v, names) for k, v in data.items() if k not in names
        }
    if isinstance(data, list):
        return [strip_sensitive(v, names) for v in data]
    return data


def map_claims(
    raw: Mapping[str, Any],
    *,
    claim_names: Mapping[str, str],
    pepper: str,
    default_auth_method: str = "",
) -> VerifiedClaims:
    """Build ``VerifiedClaims`` from a provider's claims.

    The person is keyed by the tax number; a person without one (refused on
    religious grounds) by the identity document number under another prefix.
    A legal-entity key (EDRPOU code present) gets its own identity, so a
    company seal never acts as the person who holds it.
    """
    names = dict(DEFAULT_CLAIMS, **claim_names)

    def claim(field: str) -> Any:
        return raw.get(names[field])

    tax = normalize_tax_number(claim("tax_number"))
    document = normalize_document_number(claim("document_number"))
    edrpou_raw = _text(claim("legal_entity_code"), 20)
    edrpou = edrpou_raw if _EDRPOU_RE.match(edrpou_raw) else ""
    if edrpou_raw and not edrpou:
        raise ClaimsError("legal_entity_code_invalid")

    if edrpou:
        key = identity_key(pepper, KEY_PREFIX_LEGAL, f"{edrpou}:{tax}")
        kind = "legal"
    elif tax:
        key = identity_key(pepper, KEY_PREFIX_TAX, tax)
        kind = "tax"
    elif document:
        key = identity_key(pepper, KEY_PREFIX_DOCUMENT, document)
        kind = "document"
    elif claim("tax_number") or claim("document_number"):
        raise ClaimsError("number_invalid")
    else:
        raise ClaimsError("number_missing")

    return VerifiedClaims(
        key=key,
        key_kind=kind,
        given_name=_text(claim("given_name"), 150),
        middle_name=_text(claim("middle_name"), 150),
        family_name=_text(claim("family_name"), 150),
        birth_date=_birth_date(claim("birth_date")),
        address=_address(claim("address")),
        locality_code=normalize_locality_code(claim("locality_code")),
        auth_method=auth_method_of(claim("auth_method"), default_auth_method),
        is_legal_entity=bool(edrpou),
        email=_text(claim("email"), 254),
        phone=_text(claim("phone"), 20),
    )
