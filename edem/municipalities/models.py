"""Municipalities (tenants), their calendars, feature flags, roles and organisations.

Every top-level object of the platform belongs to one municipality. The
municipality's slug is the first segment of its URLs.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from edem.core.errors import DomainError
from edem.core.geo import parse_area
from edem.core.models import TimeStampedModel

# First URL segments the platform itself uses; no municipality may take them.
RESERVED_SLUGS = frozenset(
    {"admin", "api", "accounts", "identity", "me", "en", "uk", "static", "media",
     "healthz", "cms", "documents", "search", "feeds", "django-admin", "i18n"}
)

slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,48}[a-z0-9]$",
    _("Use 3-50 Latin lowercase letters, digits and hyphens."),
)


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("This address is reserved by the platform."))


def validate_boundary(value: dict) -> None:
    if not value:
        return
    try:
        parse_area(value)
    except DomainError as exc:
        raise ValidationError(exc.message) from exc


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (KeyError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone.")) from exc


class Municipality(TimeStampedModel):
    """A city or united territorial community served by the platform."""

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        COMMUNITY = "community", _("united territorial community")

    slug = models.SlugField(
        _("address (slug)"), max_length=50, unique=True,
        validators=[slug_validator, validate_not_reserved],
    )
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.CITY)
    coat_of_arms = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("coat of arms"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    boundary = models.JSONField(
        _("boundary (GeoJSON polygon)"), default=dict, blank=True,
        validators=[validate_boundary],
    )
    centre_lat = models.DecimalField(_("centre latitude"), max_digits=9, decimal_places=6)
    centre_lon = models.DecimalField(_("centre longitude"), max_digits=9, decimal_places=6)
    timezone = models.CharField(
        _("time zone"), max_length=50, default="Europe/Kyiv", validators=[validate_timezone]
    )
    weekend_days = models.JSONField(
        _("weekend days (0 = Monday ... 6 = Sunday)"), default=list, blank=True,
    )
    locality_codes = models.JSONField(
        _("locality codes (KATOTTH, KOATUU)"), default=list, blank=True,
        help_text=_("A verified address whose code starts with one of these is a resident's."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name_uk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("municipality_home", kwargs={"municipality": self.slug})

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "uk").startswith("en") else self.name_uk

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def weekends(self) -> frozenset[int]:
        return frozenset(self.weekend_days if self.weekend_days else (5, 6))

    def local_today(self) -> dt.date:
        from django.utils import timezone

        return timezone.now().astimezone(self.tz).date()

    def has_module(self, module: str) -> bool:
        return FeatureFlag.is_enabled(module, self)


class Holiday(models.Model):
    """A day off (official holiday) or, with ``is_working_day``, a weekend made working."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="holidays",
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=150)
    is_working_day = models.BooleanField(
        _("working day"), default=False,
        help_text=_("Tick for a weekend day that is declared a working day."),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "date"], name="holiday_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class FeatureFlag(models.Model):
    """Whether a module is on; a row without a municipality is the platform default."""

    module = models.CharField(_("module"), max_length=50)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="feature_flags",
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("module switch")
        verbose_name_plural = _("module switches")
        constraints = [
            models.UniqueConstraint(
                fields=["module", "municipality"], name="flag_once_per_municipality"
            ),
            models.UniqueConstraint(
                fields=["module"], condition=models.Q(municipality__isnull=True),
                name="flag_one_platform_default",
            ),
        ]

    def __str__(self) -> str:
        where = self.municipality or _("platform default")
        return f"{self.module} @ {where}: {self.enabled}"

    @classmethod
    def switches(cls, municipality: Municipality | None) -> dict[str, bool]:
        """Module -> on/off: the municipality's switch over the platform default."""
        rows = cls.objects.filter(
            models.Q(municipality=municipality) | models.Q(municipality__isnull=True)
        ).values_list("module", "municipality_id", "enabled")
        result: dict[str, bool] = {}
        for module, _municipality_id, enabled in sorted(rows, key=lambda r: r[1] is not None):
            result[module] = enabled  # platform defaults first, own switches override
        return result

    @classmethod
    def is_enabled(cls, module: str, municipality: Municipality | None) -> bool:
        """The municipality's switch, else the platform default, else the manifest's."""
        from edem.participation.registry import registry

        switches = cls.switches(municipality)
        if module in switches:
            return switches[module]
        entry = registry.get(module)
        return bool(entry and entry.enabled_by_default)


class MunicipalityRole(TimeStampedModel):
    """A staff role a person holds in one municipality."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("municipality administrator")
        MODERATOR = "moderator", _("moderator")
        OFFICIAL = "official", _("official")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="roles",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE,
        related_name="municipality_roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("municipality role")
        verbose_name_plural = _("municipality roles")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "user", "role"], name="municipality_role_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.municipality})"


class Organisation(TimeStampedModel):
    """A utility, department or district administration that answers to residents."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="organisations",
    )
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    service_area = models.JSONField(
        _("service area (GeoJSON)"), default=dict, blank=True,
        validators=[validate_boundary],
    )
    is_dispatcher = models.BooleanField(
        _("dispatcher"), default=False,
        help_text=_("Receives what no other organisation is responsible for."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_uk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name_uk"], name="organisation_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = get_language() or "uk"
        return self.name_en if lang.startswith("en") and self.name_en else self.name_uk


class OrganisationRole(TimeStampedModel):
    """A role a person holds in one organisation (used by open city)."""

    class Role(models.TextChoices):
        HEAD = "head", _("head")
        EXECUTOR = "executor", _("executor")
        OPERATOR = "operator", _("contact-centre operator")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
        related_name="roles",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE,
        related_name="organisation_roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    municipality_path = "organisation__municipality"

    class Meta:
        verbose_name = _("organisation role")
        verbose_name_plural = _("organisation roles")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "role"], name="organisation_role_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"


class MunicipalitySettings(models.Model):
    """Base of the typed statute settings a module adds to each municipality.

    A module subclasses it with its own fields (thresholds, deadlines, limits);
    the municipality's admin edits them in Wagtail.
    """

    municipality = models.OneToOneField(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name}: {self.municipality}"

    @classmethod
    def for_municipality(cls, municipality: Municipality):
        obj, _created = cls.objects.get_or_create(municipality=municipality)
        return obj
