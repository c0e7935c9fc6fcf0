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
    """The petitions collecting signatures now, most signed first."""
    from .models import Petition
    from .selectors import petition_list, with_counts

    petitions = with_counts(
        petition_list(municipality=municipality)
        .filter(status__in=(Petition.Status.COLLECTING, Petition.Status.THRESHOLD_REACHED))
        .order_by("-signature_count", "-published_at")[:5]
    )
    return [
        HomeBlock(
            title=_("Petitions"),
            template="petitions/home_block.html",
            context={
                "petitions": petitions,
                "url": reverse("petitions:list", kwargs={"municipality": municipality.slug}),
            },
        )
    ]


def cabinet_section(user):
    """"My petitions" and "my signatures" (from any account of the same person)."""
    from .selectors import my_petitions, my_signatures

    petitions = list(my_petitions(user=user)[:20])
    signatures = list(my_signatures(user=user)[:50])
    if not petitions and not signatures and not user.identity_id:
        return None
    return CabinetSection(
        title=_("Petitions"),
        template="petitions/cabinet_section.html",
        context={"petitions": petitions, "signatures": signatures},
    )


def demo_seeder(municipality):
    from .demo import seed_petitions

    seed_petitions(municipality)


registry.register(
    ModuleManifest(
        name="petitions",
        verbose_name=_("Petitions"),
        url_name="petitions:list",
        order=10,
        event_kinds={
            "petitions.petition_published": (_("My petition was published"), INAPP_EMAIL),
            "petitions.petition_rejected": (_("My petition was rejected"), INAPP_EMAIL),
            "petitions.petition_expired": (
                _("My petition did not collect enough signatures"), INAPP_EMAIL
            ),
            "petitions.threshold_reached": (
                _("A petition I wrote or signed has enough signatures"), INAPP_EMAIL
            ),
            "petitions.petition_answered": (
                _("A petition I wrote, signed or follow was answered"), INAPP_EMAIL
            ),
            "petitions.signature_invalidated": (
                _("My signature under a petition was invalidated"), INAPP_EMAIL
            ),
            "petitions.deadline_overdue": (
                _("Petitions past their deadline (municipality admins)"), INAPP_EMAIL
            ),
        },
        staff_event_kinds=frozenset({"petitions.deadline_overdue"}),
        home_blocks=home_blocks,
        cabinet_section=cabinet_section,
        demo_seeder=demo_seeder,
    )
)
