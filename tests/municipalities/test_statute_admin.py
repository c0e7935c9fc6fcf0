"""Statute settings of every module are edited by the municipality's own admin only."""

import pytest

from edem.accounts.models import EligibilityPolicy
from edem.participation.models import AuditEntry
from tests.factories import MunicipalityRoleFactory

pytestmark = pytest.mark.django_db


def _staff(municipality, role):
    from cms.services import staff_groups_sync

    user = MunicipalityRoleFactory(municipality=municipality, role=role).user
    staff_groups_sync(user)  # admin access comes with the role's Wagtail groups
    return user


def _admin_of(municipality):
    return _staff(municipality, "admin")


def _url(suffix=""):
    return f"/cms/statute-accounts-eligibilitypolicy/{suffix}"


def test_admin_sees_and_edits_only_own_municipality(client, zhytomyr, dnipro):
    admin = _admin_of(zhytomyr)
    _admin_of(dnipro)
    client.force_login(admin)
    listing = client.get(_url())
    assert listing.status_code == 200
    own = EligibilityPolicy.objects.get(municipality=zhytomyr)
    other = EligibilityPolicy.for_municipality(dnipro)
    assert client.get(_url(f"edit/{other.pk}/")).status_code == 404

    response = client.post(
        _url(f"edit/{own.pk}/"),
        {"residency_required": "on", "min_age": "16", "accepted_auth_methods": "[]"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    assert own.min_age == 16
    entry = AuditEntry.objects.get(action="accounts.statute_settings_changed")
    assert (entry.actor, entry.before, entry.after) == (admin, {"min_age": 18}, {"min_age": 16})


def test_moderator_cannot_open_statute_settings(client, zhytomyr):
    moderator = _staff(zhytomyr, "moderator")
    client.force_login(moderator)
    assert client.get(_url()).status_code in (302, 403)
