"""Registers the module with the platform's module registry."""

from django.utils.translation import gettext_lazy as _

from edem.participation.registry import ModuleManifest, registry

registry.register(
    ModuleManifest(
        name="participatory_budget",
        verbose_name=_("Participatory budget"),
        # The module appears in navigation once its list page exists.
        url_name="participatory_budget:list",
        order=20,
    )
)
