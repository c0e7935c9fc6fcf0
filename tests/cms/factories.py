"""CMS objects for the tenancy tests (tests/core/test_tenancy.py)."""

from cms.models import LayerFeature, LayerVersion, MapLayer, MunicipalityCollection


def _collection(municipality, **kwargs):
    from cms.services import municipality_site_setup

    municipality_site_setup(municipality)
    return MunicipalityCollection.objects.get(municipality=municipality)


def _layer(municipality, public=False, **kwargs):
    """A map layer with its first version of three features, published if public."""
    from cms.geoportal import services
    from tests.cms.geoportal_data import SCHEMA, buildings
    from tests.factories import MunicipalityRoleFactory

    actor = MunicipalityRoleFactory(municipality=municipality, role="moderator").user
    layer = services.layer_create(
        actor=actor,
        municipality=municipality,
        data={"slug": "buildings", "title_uk": "Будівлі", "schema": SCHEMA},
    )
    services.layer_data_replace(actor=actor, layer=layer, text=buildings())
    if public:
        services.layer_publish(actor=actor, layer=layer)
    layer.refresh_from_db()
    return layer


SCOPED = {
    MunicipalityCollection: _collection,
    MapLayer: _layer,
    LayerFeature: lambda m, **kw: _layer(m, **kw).features.first(),
    LayerVersion: lambda m, **kw: _layer(m, **kw).versions.first(),
}
