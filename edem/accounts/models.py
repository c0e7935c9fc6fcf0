"""Accounts (how someone logs in) and identities (who the person is).

An account may exist without an identity: it can read and follow. Every
participation action needs the account's verified ``Identity``; several
accounts of one person (two providers, two keys) point to the same identity, so
signatures and votes, unique per identity, stay one per person.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from edem.core.models import TimeStampedModel
from edem.municipalities.models import MunicipalitySettings


class Identity(TimeStampedModel):
    """One verified person, keyed by an HMAC of their tax or document number."""

    class KeyKind(models.TextChoices):
        TAX_NUMBER = "tax", _("tax number (RNOKPP)")
        DOCUMENT = "document", _("identity document number")
        LEGAL = "legal", _("legal-entity key (EDRPOU)")

    class AuthMethod(models.TextChoices):
        BANKID = "bankid", _("BankID")
        ESIGN = "esign", _("qualified e-signature")
        DIIA = "diia", _("Diia")
        OTHER = "other", _("other")

    key = models.CharField(_("identity key"), max_length=80, unique=True, editable=False)
    key_kind = models.CharField(_("key kind"), max_length=10, choices=KeyKind.choices)
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    middle_name = models.CharField(_("patronymic"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    locality_code = models.CharField(
        _("locality code (KATOTTH or KOATUU)"), max_length=32, blank=True, db_index=True
    )
    auth_method = models.CharField(
        _("authentication method"), max_length=20, choices=AuthMethod.choices,
        default=AuthMethod.OTHER,
    )
    is_legal_entity = models.BooleanField(_("legal entity key"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        return self.full_name or str(_("identity #%(pk)s") % {"pk": self.pk})

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family_name, self.given_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """Given name and the initial of the family name, as signers are shown."""
        initial = f"{self.family_name[:1]}." if self.family_name else ""
        return " ".join(p for p in (self.given_name, initial) if p)


class User(AbstractUser):
    """A login account: a citizen's provider account or a staff password account."""

    phone = models.CharField(_("phone for SMS"), max_length=20, blank=True)
    language = models.CharField(
        _("language of messages"), max_length=10, blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language the person last used on the site; messages to them are written in it."),
    )
    identity = models.ForeignKey(
        Identity,
        verbose_name=_("verified identity"),
        related_name="accounts",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    @property
    def display_name(self) -> str:
        if self.identity_id and self.identity.full_name:
            return self.identity.full_name
        return self.get_full_name() or self.username


class EligibilityPolicy(MunicipalitySettings):
    """Who may take part in a municipality: residency, age, how they logged in.

    A process may narrow it (never widen it); see ``edem.accounts.eligibility``.
    """

    residency_required = models.BooleanField(
        _("residents only"), default=True,
        help_text=_(
            "Residents are people whose verified address is in the municipality "
            "or whose residency staff confirmed from a document."
        ),
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=18,
        help_text=_("Age reached on the day of the action."),
    )
    accepted_auth_methods = models.JSONField(
        _("accepted authentication methods"), default=list, blank=True,
        help_text=_("Empty: every qualified method (BankID, e-signature, Diia)."),
    )

    class Meta:
        verbose_name = _("eligibility policy")
        verbose_name_plural = _("eligibility policies")


class ResidencyConfirmationQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None):
        from django.utils import timezone

        on = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=on)
        )


class ResidencyConfirmation(TimeStampedModel):
    """Staff confirmed from a document that a person lives in a municipality.

    For people whose verified address is elsewhere (internally displaced
    persons, registered at another address). At most one unrevoked
    confirmation per person and municipality.
    """

    identity = models.ForeignKey(
        Identity, verbose_name=_("identity"), on_delete=models.CASCADE,
        related_name="residency_confirmations",
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality", verbose_name=_("municipality"),
        on_delete=models.CASCADE, related_name="residency_confirmations",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    document = models.CharField(
        _("document"), max_length=300,
        help_text=_("Which document proves residency, e.g. an IDP certificate and its date."),
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    objects = ResidencyConfirmationQuerySet.as_manager()

    class Meta:
        verbose_name = _("residency confirmation")
        verbose_name_plural = _("residency confirmations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "municipality"],
                condition=models.Q(revoked_at__isnull=True),
                name="residency_one_unrevoked",
            )
        ]

    def __str__(self) -> str:
        return f"{self.identity} @ {self.municipality}"

    def is_active_on(self, on: dt.date) -> bool:
        return self.revoked_at is None and (
            self.valid_until is None or self.valid_until >= on
        )


def user_display(user) -> str:
    """How pages and messages name an account: the verified name when there is one."""
    return user.display_name
