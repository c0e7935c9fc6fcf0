"""Writes of the accounts app: verified identities and residency confirmations."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edem.core.errors import Conflict, DomainError
from edem.participation.audit import audit_record
from edem.participation.permissions import require

from .claims import VerifiedClaims
from .models import Identity, ResidencyConfirmation

REFRESHED_FIELDS = (
    "given_name",
    "middle_name",
    "family_name",
    "birth_date",
    "address",
    "locality_code",
)


def identity_refresh(
    *, actor, claims: VerifiedClaims, at: dt.datetime | None = None
) -> Identity:
    """Record a verified login of ``actor`` (the account that just logged in).

    The person is found by the key of their tax (or document) number, so every
    account and provider of one person lands on one identity. The claims the
    provider sent replace the kept ones; claims it did not send keep their old
    value. The account is pointed to the identity and takes the verified names; the
    e-mail and phone (kept for notifications only, never for login) fill empty
    fields. The account is saved if it exists already.
    """
    at = at or timezone.now()
    values = {
        name: getattr(claims, name)
        for name in REFRESHED_FIELDS
        if getattr(claims, name) not in ("", None)
    }
    values.update(
        key_kind=claims.key_kind,
        auth_method=claims.auth_method,
        is_legal_entity=claims.is_legal_entity,
        verified_at=at,
    )
    with transaction.atomic():
        identity, _created = Identity.objects.update_or_create(
            key=claims.key, defaults=values
        )
        actor.identity = identity
        update = ["identity"]
        if claims.given_name or claims.family_name:
            actor.first_name = claims.given_name[:150]
            actor.last_name = claims.family_name[:150]
            update += ["first_name", "last_name"]
        # Contacts only fill gaps: the person may have changed them here.
        if claims.email and not actor.email and _valid_email(claims.email):
            actor.email = claims.email
            update.append("email")
        if claims.phone and not actor.phone:
            actor.phone = claims.phone[:20]
            update.append("phone")
        if actor.pk is not None:
            actor.save(update_fields=update)
    return identity


def _valid_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def residency_confirm(
    *,
    actor,
    identity: Identity,
    municipality,
    document: str,
    valid_until: dt.date | None = None,
) -> ResidencyConfirmation:
    """Staff confirm from a document that a person lives in the municipality.

    Only the municipality's administrators may. A legal entity's key cannot be
    a resident. A newer confirmation replaces the person's earlier one there.
    """
    require(actor, "accounts.confirm_residency", municipality)
    document = " ".join((document or "").split())
    if not document:
        raise DomainError(_("Say which document proves the residency."), code="document")
    if len(document) > 300:
        raise DomainError(_("Describe the document in at most 300 characters."),
                          code="document")
    if identity.is_legal_entity:
        raise DomainError(
            _("A legal entity's key cannot be confirmed as a resident."),
            code="legal_entity",
        )
    if valid_until is not None and valid_until < municipality.local_today():
        raise DomainError(_("The end of validity is in the past."), code="valid_until")
    try:
        with transaction.atomic():
            earlier = list(
                ResidencyConfirmation.objects.select_for_update().filter(
                    identity=identity, municipality=municipality, revoked_at__isnull=True
                )
            )
            for old in earlier:
                old.revoked_at = timezone.now()
                old.revoked_by = actor
                old.revoke_reason = "superseded"
                old.save(update_fields=["revoked_at", "revoked_by", "revoke_reason",
                                        "updated_at"])
            confirmation = ResidencyConfirmation.objects.create(
                identity=identity,
                municipality=municipality,
                confirmed_by=actor,
                document=document,
                valid_until=valid_until,
            )
            audit_record(
                actor=actor,
                municipality=municipality,
                action="accounts.residency_confirmed",
                target=confirmation,
                before={"confirmation": earlier[0].pk} if earlier else None,
                after={
                    "identity": identity.pk,
                    "document": document,
                    "valid_until": valid_until,
                },
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Someone confirmed this person's residency at the same moment; reload.")
        ) from exc
    return confirmation


def residency_revoke(
    *, actor, confirmation: ResidencyConfirmation, reason: str
) -> ResidencyConfirmation:
    """Staff withdraw a residency confirmation, saying why."""
    require(actor, "accounts.confirm_residency", confirmation.municipality)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Say why the confirmation is withdrawn."), code="reason")
    with transaction.atomic():
        confirmation = ResidencyConfirmation.objects.select_for_update().get(
            pk=confirmation.pk
        )
        if confirmation.revoked_at is not None:
            raise Conflict(_("This confirmation was already withdrawn."))
        confirmation.revoked_at = timezone.now()
        confirmation.revoked_by = actor
        confirmation.revoke_reason = reason[:300]
        confirmation.save(
            update_fields=["revoked_at", "revoked_by", "revoke_reason", "updated_at"]
        )
        audit_record(
            actor=actor,
            municipality=confirmation.municipality,
            action="accounts.residency_revoked",
            target=confirmation,
            before={"revoked": False},
            after={"revoked": True},
            reason=reason[:300],
        )
    return confirmation
