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
    """The running campaigns with their current phase."""
    from .selectors import campaign_list, phase_label

    campaigns = []
    for campaign in campaign_list(municipality=municipality)[:10]:
        phase = campaign.current_phase()
        if phase is not None:
            campaign.phase_now = phase
            campaign.phase_label = phase_label(phase)
            campaigns.append(campaign)
    return [
        HomeBlock(
            title=_("Ideas for the city"),
            template="ideas/home_block.html",
            context={
                "campaigns": campaigns[:3],
                "url": reverse("ideas:list", kwargs={"municipality": municipality.slug}),
            },
        )
    ]


def cabinet_section(user):
    """"My ideas" and "ideas I support" (from any account of the same person)."""
    from .selectors import my_ideas, my_supports

    ideas = list(my_ideas(user=user)[:20])
    supports = list(my_supports(user=user)[:50])
    if not ideas and not supports:
        return None
    return CabinetSection(
        title=_("Ideas"),
        template="ideas/cabinet_section.html",
        context={"ideas": ideas, "supports": supports},
    )


def demo_seeder(municipality):
    from .demo import seed_ideas

    seed_ideas(municipality)


registry.register(
    ModuleManifest(
        name="ideas",
        verbose_name=_("Ideas"),
        url_name="ideas:list",
        order=30,
        event_kinds={
            "ideas.idea_commented": (_("A comment on my idea"), INAPP_EMAIL),
            "ideas.idea_hidden": (_("My idea was hidden by a moderator"), INAPP_EMAIL),
            "ideas.idea_merged": (_("My idea was merged with a duplicate"), INAPP_EMAIL),
            "ideas.idea_withdrawn": (
                _("The author withdrew an idea I support or follow"), INAPP_EMAIL
            ),
            "ideas.idea_decided": (
                _("The commission decided on an idea I wrote, support or follow"),
                INAPP_EMAIL,
            ),
            "ideas.implementation_updated": (
                _("Implementation news of an idea I wrote, support or follow"),
                INAPP_EMAIL,
            ),
        },
        phase_kinds={
            "proposals": _("proposals"),
            "discussion": _("discussion"),
            "selection": _("selection"),
            "implementation": _("implementation report"),
        },
        home_blocks=home_blocks,
        cabinet_section=cabinet_section,
        demo_seeder=demo_seeder,
    )
)
