"""factory_boy factories for the platform core."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from edem.accounts.models import Identity, User
from edem.municipalities.models import (
    Municipality,
    MunicipalityRole,
    Organisation,
    OrganisationRole,
)

ZHYTOMYR_BOUNDARY = {
    "type": "Polygon",
    "coordinates": [[[28.58, 50.21], [28.76, 50.21], [28.76, 50.30], [28.58, 50.30], [28.58, 50.21]]],
}


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"city{n:03d}")
    name_uk = factory.Sequence(lambda n: f"Місто {n}")
    name_en = factory.Sequence(lambda n: f"City {n}")
    kind = Municipality.Kind.CITY
    centre_lat = "50.254650"
    centre_lon = "28.658667"
    boundary = factory.LazyFunction(lambda: dict(ZHYTOMYR_BOUNDARY))
    locality_codes = factory.LazyFunction(lambda: ["UA18040470010040545", "1810100000"])


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    key = factory.Sequence(lambda n: f"tax:{n:064x}"[-64:])
    key_kind = Identity.KeyKind.TAX_NUMBER
    given_name = "Олена"
    middle_name = "Петрівна"
    family_name = factory.Sequence(lambda n: f"Коваленко{n}")
    birth_date = dt.date(1985, 4, 12)
    locality_code = "UA18040470010040545"
    auth_method = Identity.AuthMethod.BANKID
    verified_at = factory.LazyFunction(timezone.now)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class CitizenFactory(UserFactory):
    identity = factory.SubFactory(IdentityFactory)
    phone = "+380671234567"


class MunicipalityRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MunicipalityRole

    municipality = factory.SubFactory(MunicipalityFactory)
    user = factory.SubFactory(UserFactory)
    role = MunicipalityRole.Role.MODERATOR


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    municipality = factory.SubFactory(MunicipalityFactory)
    name_uk = factory.Sequence(lambda n: f"Комунальне підприємство {n}")
    name_en = factory.Sequence(lambda n: f"Utility {n}")


class OrganisationRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationRole

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = OrganisationRole.Role.EXECUTOR


# --- participation core -----------------------------------------------------------

class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participation.Process"

    municipality = factory.SubFactory(MunicipalityFactory)
    module = "ideas"
    title = factory.Sequence(lambda n: f"Процес {n}")


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participation.Phase"

    process = factory.SubFactory(ProcessFactory)
    kind = "discussion"
    title = "Обговорення"
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    features = factory.LazyFunction(lambda: ["comment", "support"])


def _comment(municipality, **kwargs):
    from django.contrib.contenttypes.models import ContentType

    from edem.participation.models import Comment

    process = ProcessFactory(municipality=municipality)
    return Comment.objects.create(
        municipality=municipality,
        content_type=ContentType.objects.get_for_model(process),
        object_id=process.pk,
        author=CitizenFactory(),
        body="Підтримую, але треба додати велодоріжку.",
        **kwargs,
    )


def _comment_report(municipality, **kwargs):
    from edem.participation.models import CommentReport

    return CommentReport.objects.create(
        comment=_comment(municipality), reporter=CitizenFactory(), reason="Образи"
    )


def _follow(municipality, **kwargs):
    from django.contrib.contenttypes.models import ContentType

    from edem.participation.models import Follow

    process = ProcessFactory(municipality=municipality)
    return Follow.objects.create(
        municipality=municipality, user=CitizenFactory(),
        content_type=ContentType.objects.get_for_model(process), object_id=process.pk,
    )


def _audit(municipality, **kwargs):
    from edem.participation.audit import audit_record

    return audit_record(actor=UserFactory(), municipality=municipality, action="test.done")


def _holiday(municipality, **kwargs):
    from edem.municipalities.models import Holiday

    return Holiday.objects.create(
        municipality=municipality, date=dt.date(2027, 8, 24), name="День Незалежності"
    )


def scope_path(model) -> str | None:
    """The lookup from a model to its municipality (``municipality`` or declared)."""
    declared = getattr(model, "municipality_path", None)
    if declared:
        return declared
    try:
        field = model._meta.get_field("municipality")
    except Exception:
        return None
    return "municipality" if field.is_relation else None


def _register() -> dict:
    from edem.participation import models as participation

    return {
        Municipality.holidays.rel.related_model: _holiday,
        MunicipalityRole: lambda m, **kw: MunicipalityRoleFactory(municipality=m),
        Organisation: lambda m, **kw: OrganisationFactory(municipality=m),
        OrganisationRole: lambda m, **kw: OrganisationRoleFactory(
            organisation=OrganisationFactory(municipality=m)
        ),
        participation.Process: lambda m, **kw: ProcessFactory(municipality=m),
        participation.Phase: lambda m, **kw: PhaseFactory(
            process=ProcessFactory(municipality=m)
        ),
        participation.Comment: _comment,
        participation.CommentReport: _comment_report,
        participation.Follow: _follow,
        participation.AuditEntry: _audit,
    }


def _module_factories() -> dict:
    """Each module's ``tests/<app>/factories.py`` may export ``SCOPED`` to join in."""
    import importlib

    found: dict = {}
    for app in ("accounts", "cms", "petitions", "participatory_budget", "ideas",
                "consultations", "opencity", "buildings"):
        try:
            module = importlib.import_module(f"tests.{app}.factories")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"tests.{app}", f"tests.{app}.factories"):
                raise
            continue
        found.update(getattr(module, "SCOPED", {}))
    return found


# Scoped model -> function(municipality, public=False, **kwargs) building one object.
SCOPED_FACTORIES: dict = {**_register(), **_module_factories()}
