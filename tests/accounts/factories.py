"""Accounts objects of a municipality for the tenancy tests (tests/core/test_tenancy.py)."""

from edem.accounts.models import EligibilityPolicy, ResidencyConfirmation
from tests.factories import IdentityFactory, UserFactory


def _confirmation(municipality, **kwargs):
    return ResidencyConfirmation.objects.create(
        identity=IdentityFactory(locality_code="UA46060250010015970"),
        municipality=municipality,
        confirmed_by=UserFactory(),
        document="Довідка про реєстрацію місця проживання № 123",
    )


SCOPED = {
    EligibilityPolicy: lambda municipality, **kw: EligibilityPolicy.for_municipality(
        municipality
    ),
    ResidencyConfirmation: _confirmation,
}
