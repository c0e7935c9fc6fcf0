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
    """The running cycle (what is open now) and the projects being built."""
    from .selectors import cycle_list, projects_in_implementation

    cycles = list(cycle_list(municipality=municipality)[:2])
    building = list(projects_in_implementation(municipality=municipality)[:5])
    if not cycles and not building:
        return []
    return [
        HomeBlock(
            title=_("Participatory budget"),
            template="participatory_budget/home_block.html",
            context={
                "cycles": cycles, "building": building,
                "url": reverse("participatory_budget:list",
                               kwargs={"municipality": municipality.slug}),
                "map_url": reverse("participatory_budget:map",
                                   kwargs={"municipality": municipality.slug}),
            },
        )
    ]


def cabinet_section(user):
    """"My budget projects" and "my ballots" (online and paper) of the person."""
    from .selectors import my_ballots, my_projects

    projects = list(my_projects(user=user)[:30])
    ballots = list(my_ballots(user=user)[:50])
    if not projects and not ballots:
        return None
    return CabinetSection(
        title=_("Participatory budget"),
        template="participatory_budget/cabinet_section.html",
        context={"projects": projects, "ballots": ballots},
    )


def demo_seeder(municipality):
    from .demo import seed_budget

    seed_budget(municipality)


registry.register(
    ModuleManifest(
        name="participatory_budget",
        verbose_name=_("Participatory budget"),
        url_name="participatory_budget:list",
        order=20,
        event_kinds={
            "participatory_budget.project_decided": (
                _("The commission decided on my budget project"), INAPP_EMAIL
            ),
            "participatory_budget.review_message": (
                _("A message in the review of my budget project"), INAPP_EMAIL
            ),
            "participatory_budget.results_published": (
                _("The results of a budget vote on my project"), INAPP_EMAIL
            ),
            "participatory_budget.project_commented": (
                _("A comment on my budget project"), INAPP_EMAIL
            ),
            "participatory_budget.voting_opened": (
                _("Voting opened in a participatory budget I took part in"), INAPP_EMAIL
            ),
            "participatory_budget.cycle_results": (
                _("Results of a participatory budget I took part in"), INAPP_EMAIL
            ),
            "participatory_budget.progress_reported": (
                _("Progress of a budget project I wrote or follow"), INAPP_EMAIL
            ),
        },
        phase_kinds={
            "submission": _("submission of projects"),
            "support": _("collection of support"),
            "review": _("review by the commission"),
            "voting": _("voting"),
            "results": _("results"),
            "implementation": _("implementation"),
        },
        home_blocks=home_blocks,
        cabinet_section=cabinet_section,
        demo_seeder=demo_seeder,
    )
)
