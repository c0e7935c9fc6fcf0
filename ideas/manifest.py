"""Registers the module with the platform's module registry."""

from django.utils.translation import gettext_lazy as _

from edem.participation.registry import ModuleManifest, registry

registry.register(
    ModuleManifest(
        name="ideas",
        verbose_name=_("Ideas"),
        # The module appears in navigation once its list page exists.
        url_name="ideas:list",
        order=30,
    )
)
