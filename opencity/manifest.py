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
    """The latest public reports and the way to report a problem."""
    from .selectors import report_list

    reports = list(report_list(municipality=municipality)[:5])
    return [
        HomeBlock(
            title=_("Open city"),
            template="opencity/home_block.html",
            context={
                "reports": reports,
                "url": reverse("opencity:list", kwargs={"municipality": municipality.slug}),
                "create_url": reverse(
                    "opencity:create", kwargs={"municipality": municipality.slug}
                ),
            },
        )
    ]


def cabinet_section(user):
    """"My reports" in every municipality, and the queues of staff."""
    from .selectors import my_reports, organisations_of

    reports = list(my_reports(user=user)[:30])
    organisations = list(organisations_of(user))
    if not reports and not organisations:
        return None
    return CabinetSection(
        title=_("My problem reports"),
        template="opencity/cabinet_section.html",
        context={"reports": reports, "organisations": organisations},
    )


def demo_seeder(municipality):
    from .demo import seed_opencity

    seed_opencity(municipality)


registry.register(
    ModuleManifest(
        name="opencity",
        verbose_name=_("Open city"),
        url_name="opencity:list",
        order=50,
        event_kinds={
            "opencity.report_changed": (
                _("A report I made or follow changed status"), INAPP_EMAIL
            ),
            "opencity.report_received": (
                _("A report came to my organisation (staff)"), INAPP_EMAIL
            ),
            "opencity.report_overdue": (
                _("A report of my organisation is overdue (staff)"), INAPP_EMAIL
            ),
        },
        # Organisations' staff only: residents never see these in their preferences.
        staff_event_kinds=frozenset({"opencity.report_received", "opencity.report_overdue"}),
        home_blocks=home_blocks,
        cabinet_section=cabinet_section,
        demo_seeder=demo_seeder,
    )
)
