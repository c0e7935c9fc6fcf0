"""Factories of the open-city module; ``SCOPED`` joins the tenancy tests."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal

import factory
from django.utils import timezone

from opencity.models import (
    CallerMessage,
    Category,
    DeadlineClass,
    Open311Key,
    OpenCitySettings,
    Report,
    ReportEscalation,
    ReportEvent,
    ReportPhoto,
    Work,
)
from tests.factories import CitizenFactory, MunicipalityFactory, UserFactory


def image_bytes(fmt: str = "PNG", size=(8, 8), exif: bytes | None = None) -> bytes:
    """A small real image; JPEG ones may carry an EXIF block (e.g. GPS tags)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    params = {"exif": exif} if exif else {}
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt, **params)
    return out.getvalue()


class DeadlineClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeadlineClass
        django_get_or_create = ("municipality", "code")

    municipality = factory.SubFactory(MunicipalityFactory)
    code = "short"
    name_uk = "Терміновий"
    name_en = "Short"
    hours = 24
    counting = DeadlineClass.Counting.CALENDAR


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"category-{n}")
    name_uk = factory.Sequence(lambda n: f"Категорія {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    deadline_class = factory.LazyAttribute(
        lambda c: DeadlineClassFactory(municipality=c.municipality)
    )


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    municipality = factory.SubFactory(MunicipalityFactory)
    category = factory.LazyAttribute(lambda r: CategoryFactory(municipality=r.municipality))
    author = factory.SubFactory(CitizenFactory)
    description = "Тече вода з люка біля під'їзду, калюжа на весь тротуар."
    address = "вул. Київська, 12"
    lat = Decimal("50.254650")
    lon = Decimal("28.658667")


def _report(municipality, public=False, **kwargs) -> Report:
    return ReportFactory(municipality=municipality, **kwargs)


def _photo(municipality, **kwargs) -> ReportPhoto:
    from django.core.files.base import ContentFile

    photo = ReportPhoto(report=_report(municipality))
    photo.image.save(f"{uuid.uuid4().hex}.png", ContentFile(image_bytes()), save=True)
    return photo


def _event(municipality, **kwargs) -> ReportEvent:
    return ReportEvent.objects.create(report=_report(municipality), kind="created")


def _escalation(municipality, **kwargs) -> ReportEscalation:
    now = timezone.now()
    return ReportEscalation.objects.create(
        report=_report(municipality), level=1, due_at=now, created_at=now
    )


def _caller_message(municipality, **kwargs) -> CallerMessage:
    return CallerMessage.objects.create(
        report=_report(municipality), phone="+380671112233", text="Звернення №1 прийнято"
    )


def _key(municipality, **kwargs) -> Open311Key:
    raw = uuid.uuid4().hex
    return Open311Key.objects.create(
        municipality=municipality, name="Міський застосунок", prefix=raw[:8],
        key_hash=hashlib.sha256(raw.encode()).hexdigest(), issued_by=UserFactory(),
    )


def _work(municipality, **kwargs) -> Work:
    from tests.factories import OrganisationFactory

    now = timezone.now()
    return Work.objects.create(
        municipality=municipality, organisation=OrganisationFactory(municipality=municipality),
        kind=Work.Kind.PLANNED, title="Ремонт водогону",
        geometry={"type": "Point", "coordinates": [28.658667, 50.254650]},
        south=Decimal("50.254650"), north=Decimal("50.254650"),
        west=Decimal("28.658667"), east=Decimal("28.658667"),
        starts_at=now, ends_at=now + timezone.timedelta(days=1), published_by=UserFactory(),
    )


SCOPED = {
    OpenCitySettings: lambda m, **kw: OpenCitySettings.for_municipality(m),
    DeadlineClass: lambda m, **kw: DeadlineClassFactory(municipality=m),
    Category: lambda m, **kw: CategoryFactory(municipality=m),
    Report: _report,
    ReportPhoto: _photo,
    ReportEvent: _event,
    ReportEscalation: _escalation,
    CallerMessage: _caller_message,
    Open311Key: _key,
    Work: _work,
}
