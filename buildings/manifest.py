"""Registers the module with the platform's module registry."""

from django.utils.translation import gettext_lazy as _

from edem.participation.registry import CabinetSection, ModuleManifest, registry

INAPP_EMAIL = ("inapp", "email")
ALL_CHANNELS = ("inapp", "email", "sms")


def cabinet_section(user):
    """The person's buildings, their meetings and the paper ballots entered in their name."""
    from .selectors import my_buildings, my_paper_ballots

    owners = my_buildings(user=user)
    ballots = my_paper_ballots(user=user)
    if not owners and not ballots:
        return None
    return CabinetSection(
        title=_("My building"),
        template="buildings/cabinet_section.html",
        context={"owners": owners, "ballots": ballots},
    )


def demo_seeder(municipality) -> dict[str, str]:
    from edem.core.demo import DEMO_PASSWORD

    from .demo import seed_buildings

    seed_buildings(municipality)
    return {f"{municipality.slug}-osbb": DEMO_PASSWORD}


registry.register(
    ModuleManifest(
        name="buildings",
        verbose_name=_("Buildings"),
        url_name="buildings:list",
        order=55,
        event_kinds={
            "buildings.meeting_announced": (
                _("A general meeting of my building is announced or cancelled"),
                ALL_CHANNELS,
            ),
            "buildings.meeting_closed": (
                _("Results of a general meeting of my building"),
                INAPP_EMAIL,
            ),
            "buildings.paper_ballot_entered": (
                _("A paper ballot was entered in my name"),
                ALL_CHANNELS,
            ),
            "buildings.announcement_published": (
                _("An announcement for my building"),
                INAPP_EMAIL,
            ),
            "buildings.owner_claimed": (
                _("A request to be linked as an owner, and its answer"),
                INAPP_EMAIL,
            ),
            "buildings.paper_ballot_disputed": (
                _("An owner disputes a paper ballot"),
                INAPP_EMAIL,
            ),
        },
        staff_event_kinds=frozenset({"buildings.paper_ballot_disputed"}),
        cabinet_section=cabinet_section,
        demo_seeder=demo_seeder,
    )
)
