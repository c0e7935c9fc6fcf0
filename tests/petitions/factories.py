"""Factories of the petitions module; ``SCOPED`` joins the tenancy tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from petitions.models import (
    COUNTER_SHARDS,
    Addressee,
    Petition,
    PetitionAttachment,
    PetitionCounter,
    PetitionSettings,
    Signature,
    SignatureInvalidation,
)
from tests.factories import CitizenFactory, MunicipalityFactory, UserFactory

TEXT = (
    "Просимо встановити нове освітлення вздовж вулиці Київської від зупинки "
    "«Центр» до парку, бо ввечері там темно й небезпечно для пішоходів і дітей."
)


class PetitionFactory(factory.django.DjangoModelFactory):
    """A petition in a given status; published ones carry a statute and shards."""

    class Meta:
        model = Petition
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    author = factory.SubFactory(CitizenFactory)
    author_identity = factory.LazyAttribute(lambda p: p.author.identity)
    title = factory.Sequence(lambda n: f"Освітлення вулиці Київської №{n}")
    text = TEXT
    category = "Благоустрій"
    addressee = Addressee.COUNCIL
    status = Petition.Status.DRAFT
    rejection_reason = factory.LazyAttribute(
        lambda p: "Питання не належить до повноважень громади"
        if p.status == Petition.Status.REJECTED else ""
    )
    decision = factory.LazyAttribute(
        lambda p: Petition.Decision.SUPPORTED if p.status == Petition.Status.ANSWERED
        else ""
    )
    answer_text = factory.LazyAttribute(
        lambda p: "Освітлення встановлять до кінця року."
        if p.status == Petition.Status.ANSWERED else ""
    )

    @factory.post_generation
    def published(obj, create, extracted, **kwargs):
        published_statuses = {
            Petition.Status.COLLECTING, Petition.Status.THRESHOLD_REACHED,
            Petition.Status.EXPIRED, Petition.Status.UNDER_CONSIDERATION,
            Petition.Status.ANSWERED,
        }
        if obj.status == Petition.Status.MODERATION and not obj.moderation_due:
            obj.submitted_at = timezone.now()
            obj.moderation_due = timezone.localdate() + dt.timedelta(days=3)
        if obj.status == Petition.Status.ANSWERED and not obj.answered_at:
            obj.answered_at = timezone.now()
        if obj.status in published_statuses and obj.published_at is None:
            obj.published_at = timezone.now() - dt.timedelta(days=1)
            obj.collection_ends_at = timezone.now() + dt.timedelta(days=30)
            obj.signature_threshold = obj.signature_threshold or 3
        if obj.status in (Petition.Status.THRESHOLD_REACHED,
                          Petition.Status.UNDER_CONSIDERATION) and not obj.answer_due:
            obj.threshold_reached_at = timezone.now()
            obj.answer_due = timezone.localdate() + dt.timedelta(days=14)
        obj.save()
        if obj.published_at:
            PetitionCounter.objects.bulk_create(
                [PetitionCounter(petition=obj, shard=n) for n in range(COUNTER_SHARDS)],
                ignore_conflicts=True,
            )


def collecting(municipality, **kwargs) -> Petition:
    return PetitionFactory(
        municipality=municipality, status=Petition.Status.COLLECTING, **kwargs
    )


def sign_row(petition: Petition, *, user=None, ip="203.0.113.7", when=None) -> Signature:
    """A signature row with its count, as the signing service leaves it."""
    from django.db.models import F

    user = user or CitizenFactory()
    signature = Signature.objects.create(
        petition=petition, identity=user.identity, user=user, shard=0, ip=ip,
        subnet=".".join(ip.split(".")[:3]) + ".0/24" if ip and "." in ip else "",
        created_at=when or timezone.now(),
    )
    PetitionCounter.objects.filter(petition=petition, shard=0).update(
        count=F("count") + 1
    )
    return signature


def _invalidation(municipality, **kwargs):
    petition = collecting(municipality)
    return SignatureInvalidation.objects.create(
        municipality=municipality, petition=petition, network="203.0.113.0/24",
        since=timezone.now() - dt.timedelta(hours=1), until=timezone.now(),
        reason="Серія підписів з однієї мережі", actor=UserFactory(),
    )


def _attachment(municipality, **kwargs):
    from django.core.files.base import ContentFile

    petition = collecting(municipality)
    attachment = PetitionAttachment(
        petition=petition, kind=PetitionAttachment.Kind.DOCUMENT, title="Схема"
    )
    attachment.file.save("scheme.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return attachment


def _petition(municipality, public=False, **kwargs):
    status = Petition.Status.COLLECTING if public else Petition.Status.DRAFT
    return PetitionFactory(municipality=municipality, status=status)


SCOPED = {
    Petition: _petition,
    PetitionSettings: lambda m, **kw: PetitionSettings.for_municipality(m),
    PetitionCounter: lambda m, **kw: collecting(m).counters.first(),
    Signature: lambda m, **kw: sign_row(collecting(m)),
    SignatureInvalidation: _invalidation,
    PetitionAttachment: _attachment,
}
