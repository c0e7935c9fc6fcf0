"""CMS objects for the tenancy tests (tests/core/test_tenancy.py)."""

from cms.models import MunicipalityCollection


def _collection(municipality, **kwargs):
    from cms.services import municipality_site_setup

    municipality_site_setup(municipality)
    return MunicipalityCollection.objects.get(municipality=municipality)


SCOPED = {MunicipalityCollection: _collection}
