"""Reads of the accounts app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from edem.municipalities.models import Municipality

from .eligibility import effective_policy, evaluate
from .models import EligibilityPolicy, Identity, ResidencyConfirmation


def identity_overview(user) -> dict[str, Any]:
    """What the person's cabinet shows about who they are and where they may act.

    For every active municipality: may the person take part there
    (``eligibility_check`` with action "participate", today), and if not, why.
    Reads stay bounded: one query each for municipalities, policies and
    residency confirmations, whatever their number.
    """
    identity: Identity | None = getattr(user, "identity", None) if user else None
    municipalities = list(Municipality.objects.filter(is_active=True).order_by("name_uk"))
    policies = {
        p.municipality_id: p
        for p in EligibilityPolicy.objects.filter(municipality__in=municipalities)
    }
    confirmed: set[int] = set()
    if identity is not None:
        confirmed = set(
            ResidencyConfirmation.objects.active()
            .filter(identity=identity, municipality__in=municipalities)
            .values_list("municipality_id", flat=True)
        )
    rows = []
    for municipality in municipalities:
        policy = policies.get(municipality.pk) or EligibilityPolicy(
            municipality=municipality
        )
        answer = evaluate(
            identity,
            municipality,
            "participate",
            policy=effective_policy(policy),
            day=municipality.local_today(),
            residency_confirmed=municipality.pk in confirmed,
        )
        rows.append(
            {
                "municipality": municipality,
                "allowed": answer.allowed,
                "reason": answer.reason,
                "code": answer.code,
                "residency_confirmed": municipality.pk in confirmed,
            }
        )
    return {
        "identity": identity,
        "verified": identity is not None,
        "full_name": identity.full_name if identity else "",
        "auth_method": identity.get_auth_method_display() if identity else "",
        "verified_at": identity.verified_at if identity else None,
        "is_legal_entity": bool(identity and identity.is_legal_entity),
        "municipalities": rows,
        "allowed_count": sum(1 for r in rows if r["allowed"]),
        "refused_count": sum(1 for r in rows if not r["allowed"]),
    }


def residency_confirmation_list(*, municipality) -> QuerySet[ResidencyConfirmation]:
    """Unrevoked residency confirmations in a municipality, newest first."""
    return (
        ResidencyConfirmation.objects.filter(
            municipality=municipality, revoked_at__isnull=True
        )
        .select_related("identity", "confirmed_by")
        .order_by("-created_at")
    )


def identity_find_by_number(*, number: str, pepper: str) -> Identity | None:
    """The identity of a person by the tax or document number staff typed in.

    The number is only hashed (as at login) and never kept.
    """
    from .claims import (
        KEY_PREFIX_DOCUMENT,
        KEY_PREFIX_TAX,
        identity_key,
        normalize_document_number,
        normalize_tax_number,
    )

    tax = normalize_tax_number(number)
    if tax:
        return Identity.objects.filter(key=identity_key(pepper, KEY_PREFIX_TAX, tax)).first()
    document = normalize_document_number(number)
    if document:
        return Identity.objects.filter(
            key=identity_key(pepper, KEY_PREFIX_DOCUMENT, document)
        ).first()
    return None
