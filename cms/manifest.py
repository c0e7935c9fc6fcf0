"""Registers the geoportal with the platform's module registry.

The geoportal is part of the CMS (its layers are content staff publish); as a
module it gets its place in the navigation, a switch per municipality and its
demo layers.
"""

from django.utils.translation import gettext_lazy as _

from edem.participation.registry import ModuleManifest, registry


def demo_seeder(municipality):
    from .geoportal.demo import seed_geoportal

    seed_geoportal(municipality)


registry.register(
    ModuleManifest(
        name="geoportal",
        verbose_name=_("Geoportal"),
        url_name="cms:map",
        order=60,
        demo_seeder=demo_seeder,
    )
)
