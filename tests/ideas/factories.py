"""Factories of the ideas module; ``SCOPED`` joins the tenancy tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.db.models import F
from django.utils import timezone

from edem.participation.models import Phase, Process
from ideas.models import (
    PHASE_FEATURES,
    PHASE_ORDER,
    Campaign,
    CommissionMember,
    Idea,
    ImplementationUpdate,
    SubTopic,
    Support,
)
from tests.factories import CitizenFactory, MunicipalityFactory, UserFactory

TEXT = (
    "Пропоную встановити питні фонтанчики в сквері, бо влітку там дуже спекотно, "
    "а найближчий магазин далеко."
)


def phase_windows(stage: str, now: dt.datetime | None = None) -> dict:
    """Week-long phases in order, with ``stage`` running now ("over": all past)."""
    now = now or timezone.now()
    week = dt.timedelta(days=7)
    index = PHASE_ORDER.index(stage) if stage in PHASE_ORDER else len(PHASE_ORDER)
    start = now - dt.timedelta(days=1) - week * index
    windows = {}
    for kind in PHASE_ORDER:
        windows[kind] = (start, start + week)
        start += week
    return windows


def set_stage(campaign: Campaign, stage: str) -> Campaign:
    """Move the campaign's phases so that ``stage`` runs now (test set-up only)."""
    for kind, (starts, ends) in phase_windows(stage).items():
        Phase.objects.update_or_create(
            process=campaign.process, kind=kind,
            defaults={"title": kind, "starts_at": starts, "ends_at": ends,
                      "features": list(PHASE_FEATURES[kind])},
        )
    return campaign


class CampaignFactory(factory.django.DjangoModelFactory):
    """A published campaign with two sub-topics, in the proposal phase by default."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    process = factory.LazyAttribute(
        lambda c: Process.objects.create(
            municipality=c.municipality, module="ideas", title="Зелене місто"
        )
    )
    title = factory.Sequence(lambda n: f"Зелене місто {n}")
    description = "Як зробити сквери зручнішими?"
    ideas_per_person = 3
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def stage(obj, create, extracted, **kwargs):
        set_stage(obj, extracted or "proposals")
        SubTopic.objects.get_or_create(campaign=obj, title="Сквери", defaults={"order": 0})
        SubTopic.objects.get_or_create(campaign=obj, title="Набережна", defaults={"order": 1})


class IdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Idea

    campaign = factory.SubFactory(CampaignFactory)
    municipality = factory.LazyAttribute(lambda i: i.campaign.municipality)
    subtopic = factory.LazyAttribute(lambda i: i.campaign.subtopics.first())
    author = factory.SubFactory(CitizenFactory)
    author_identity = factory.LazyAttribute(lambda i: i.author.identity)
    title = factory.Sequence(lambda n: f"Питні фонтанчики у сквері №{n}")
    text = TEXT


def support_row(idea: Idea, user=None) -> Support:
    """A support with its count, as the supporting service leaves it."""
    user = user or CitizenFactory()
    support = Support.objects.create(idea=idea, identity=user.identity, user=user)
    Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") + 1)
    return support


def _campaign(municipality, public=False, **kwargs):
    return CampaignFactory(municipality=municipality, published_at=timezone.now())


def _idea(municipality, public=False, **kwargs):
    return IdeaFactory(campaign=CampaignFactory(municipality=municipality))


def _update(municipality, **kwargs):
    idea = IdeaFactory(
        campaign=CampaignFactory(municipality=municipality), status="selected",
        decision_text="Обрано", implementation="planned",
    )
    return ImplementationUpdate.objects.create(
        idea=idea, author=UserFactory(), happened_on=timezone.localdate(),
        implementation="in_progress", text="Роботи почалися.",
    )


SCOPED = {
    Campaign: _campaign,
    Idea: _idea,
    SubTopic: lambda m, **kw: CampaignFactory(municipality=m).subtopics.first(),
    CommissionMember: lambda m, **kw: CommissionMember.objects.create(
        campaign=CampaignFactory(municipality=m), user=UserFactory()
    ),
    Support: lambda m, **kw: support_row(IdeaFactory(campaign=CampaignFactory(municipality=m))),
    ImplementationUpdate: _update,
}
