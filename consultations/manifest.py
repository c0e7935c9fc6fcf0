"""Registers the module with the platform's module registry."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edem.participation.registry import (
    CabinetSection,
    HomeBlock,
    ModuleManifest,
    registry,
)

INAPP_EMAIL = ("inapp", "email")


def home_blocks(municipality):
    """Draft decisions under discussion, open surveys and quiz stages running now."""
    from .selectors import open_now

    return [
        HomeBlock(
            title=_("Consultations"),
            template="consultations/home_block.html",
            context={
                **open_now(municipality=municipality),
                "url": reverse("consultations:list",
                               kwargs={"municipality": municipality.slug}),
            },
        )
    ]


def cabinet_section(user):
    """My proposals on draft decisions, my quiz results and rewards."""
    from .selectors import my_attempts, my_proposals, my_rewards

    proposals = list(my_proposals(user=user)[:20])
    attempts = list(my_attempts(user=user)[:20])
    rewards = list(my_rewards(user=user)[:20])
    if not (proposals or attempts or rewards):
        return None
    return CabinetSection(
        title=_("Consultations and quizzes"),
        template="consultations/cabinet_section.html",
        context={"proposals": proposals, "attempts": attempts, "rewards": rewards},
    )


def demo_seeder(municipality):
    from .demo import seed_consultations

    seed_consultations(municipality)


registry.register(
    ModuleManifest(
        name="consultations",
        verbose_name=_("Consultations"),
        url_name="consultations:list",
        order=40,
        event_kinds={
            "consultations.report_published": (
                _("The summary report on a draft decision I commented on"), INAPP_EMAIL
            ),
            "consultations.proposal_hidden": (
                _("My proposal on a draft decision was hidden"), INAPP_EMAIL
            ),
            "consultations.survey_concluded": (
                _("What was done with my answers to a survey"), INAPP_EMAIL
            ),
            "consultations.quiz_reward": (_("I won a quiz reward"), INAPP_EMAIL),
        },
        home_blocks=home_blocks,
        cabinet_section=cabinet_section,
        demo_seeder=demo_seeder,
    )
)
