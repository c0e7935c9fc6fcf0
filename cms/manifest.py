"""Registers the geoportal with the platform's module registry.

The geoportal is part of the CMS (its layers are content staff publish); as a
module it gets its place in the navigation, a switch per municipality and its
demo layers.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edem.participation.registry import HomeBlock, ModuleManifest, registry


def home_blocks(municipality):
    """The municipality's published layers and the way to its map."""
    from .geoportal.selectors import layer_list

    return [
        HomeBlock(
            title=_("Geoportal"),
            template="cms/geoportal/home_block.html",
            context={
                "layers": list(layer_list(municipality=municipality)[:5]),
                "url": reverse("cms:map", kwargs={"municipality": municipality.slug}),
            },
        )
    ]


def demo_seeder(municipality):
    from .geoportal.demo import seed_geoportal

    seed_geoportal(municipality)


registry.register(
    ModuleManifest(
        name="geoportal",
        verbose_name=_("Geoportal"),
        url_name="cms:map",
        order=60,
        home_blocks=home_blocks,
        demo_seeder=demo_seeder,
    )
)
