"""Residency confirmed by staff: services, permissions, audit and the staff page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from edem.accounts.claims import KEY_PREFIX_TAX, identity_key
from edem.accounts.eligibility import eligibility_check
from edem.accounts.models import Identity, ResidencyConfirmation, User
from edem.accounts.services import identity_refresh, residency_confirm, residency_revoke
from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.municipalities.models import MunicipalityRole
from edem.participation.models import AuditEntry

pytestmark = pytest.mark.django_db

TAX = "3123456789"


@pytest.fixture
def newcomer():
    """A displaced person from Lviv now living in Zhytomyr."""
    return Identity.objects.create(
        key=identity_key(settings.IDENTITY_PEPPER, KEY_PREFIX_TAX, TAX),
        key_kind="tax", given_name="Тарас", family_name="Гнатюк",
        birth_date=dt.date(1990, 6, 21), locality_code="UA46060250010015970",
        auth_method="bankid",
    )


def staff_of(municipality, role=MunicipalityRole.Role.ADMIN, name="admin"):
    user = User.objects.create_user(name, password="pw-123456789", is_staff=True)
    MunicipalityRole.objects.create(municipality=municipality, user=user, role=role)
    return user


def test_admin_confirms_and_the_person_becomes_eligible(zhytomyr, newcomer):
    admin = staff_of(zhytomyr)
    assert eligibility_check(newcomer, zhytomyr, "participate").code == "not_resident"
    confirmation = residency_confirm(
        actor=admin, identity=newcomer, municipality=zhytomyr,
        document="  IDP certificate   No. 1801-123 of 2024-03-01 ",
        valid_until=None,
    )
    assert confirmation.document == "IDP certificate No. 1801-123 of 2024-03-01"
    assert eligibility_check(newcomer, zhytomyr, "participate").allowed
    entry = AuditEntry.objects.get(action="accounts.residency_confirmed")
    assert entry.actor == admin and entry.municipality == zhytomyr
    assert entry.after["identity"] == newcomer.pk


@pytest.mark.parametrize("role", [None, MunicipalityRole.Role.MODERATOR])
def test_only_the_municipalitys_admins_may_confirm(zhytomyr, dnipro, newcomer, role):
    user = (
        staff_of(zhytomyr, role) if role else staff_of(dnipro)  # admin elsewhere
    )
    with pytest.raises(PermissionRefused):
        residency_confirm(actor=user, identity=newcomer, municipality=zhytomyr,
                          document="IDP certificate", valid_until=None)
    assert not ResidencyConfirmation.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("document", "valid_until", "code"),
    [
        ("   ", None, "document"),
        ("x" * 301, None, "document"),
        ("IDP certificate", dt.date(2000, 1, 1), "valid_until"),
    ],
)
def test_bad_input_changes_nothing(zhytomyr, newcomer, document, valid_until, code):
    with pytest.raises(DomainError) as refused:
        residency_confirm(actor=staff_of(zhytomyr), identity=newcomer,
                          municipality=zhytomyr, document=document,
                          valid_until=valid_until)
    assert refused.value.code == code
    assert not ResidencyConfirmation.objects.exists()


def test_legal_entity_cannot_be_a_resident(zhytomyr, newcomer):
    newcomer.is_legal_entity = True
    newcomer.save()
    with pytest.raises(DomainError):
        residency_confirm(actor=staff_of(zhytomyr), identity=newcomer,
                          municipality=zhytomyr, document="Extract", valid_until=None)


def test_new_confirmation_supersedes_the_old_one(zhytomyr, newcomer):
    admin = staff_of(zhytomyr)
    first = residency_confirm(actor=admin, identity=newcomer, municipality=zhytomyr,
                              document="Certificate 1", valid_until=None)
    second = residency_confirm(actor=admin, identity=newcomer, municipality=zhytomyr,
                               document="Certificate 2", valid_until=None)
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoke_reason == "superseded"
    assert second.revoked_at is None
    assert ResidencyConfirmation.objects.filter(revoked_at__isnull=True).count() == 1


def test_revoking_needs_a_reason_and_is_audited(zhytomyr, newcomer):
    admin = staff_of(zhytomyr)
    confirmation = residency_confirm(actor=admin, identity=newcomer,
                                     municipality=zhytomyr, document="Certificate",
                                     valid_until=None)
    with pytest.raises(DomainError):
        residency_revoke(actor=admin, confirmation=confirmation, reason=" ")
    residency_revoke(actor=admin, confirmation=confirmation, reason="Moved away")
    assert eligibility_check(newcomer, zhytomyr, "participate").code == "not_resident"
    entry = AuditEntry.objects.get(action="accounts.residency_revoked")
    assert entry.reason == "Moved away"
    with pytest.raises(Conflict):
        residency_revoke(actor=admin, confirmation=confirmation, reason="Again")


def test_staff_page_finds_the_person_by_tax_number_without_keeping_it(
    client, zhytomyr, newcomer, caplog
):
    client.force_login(staff_of(zhytomyr))
    url = "/identity/zhytomyr/residency/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"number": TAX, "document": "IDP certificate 77",
                                 "valid_until": ""})
    assert response.status_code == 302
    confirmation = ResidencyConfirmation.objects.get()
    assert confirmation.identity == newcomer
    page = client.get(url).content.decode()
    assert "Гнатюк" in page and TAX not in page
    assert TAX not in "\n".join(r.getMessage() for r in caplog.records)


def test_staff_page_explains_an_unknown_number(client, zhytomyr):
    client.force_login(staff_of(zhytomyr))
    response = client.post("/identity/zhytomyr/residency/",
                           {"number": "3000000001", "document": "Certificate"})
    assert response.status_code == 400
    assert not ResidencyConfirmation.objects.exists()


def test_staff_page_is_hidden_from_other_municipalities(client, zhytomyr, dnipro):
    client.force_login(staff_of(dnipro))
    assert client.get("/identity/zhytomyr/residency/").status_code == 404
    assert client.get("/identity/dnipro/residency/").status_code == 200


def test_identity_refresh_keeps_claims_the_provider_did_not_send(newcomer):
    from edem.accounts.claims import VerifiedClaims

    account = User.objects.create_user("citizen")
    identity_refresh(
        actor=account,
        claims=VerifiedClaims(key=newcomer.key, key_kind="tax", given_name="Тарас",
                              family_name="Гнатюк", auth_method="diia",
                              email="taras@example.org", phone="+380501112233"),
        at=timezone.now(),
    )
    newcomer.refresh_from_db()
    account.refresh_from_db()
    assert account.identity == newcomer
    assert newcomer.birth_date == dt.date(1990, 6, 21), "not sent: kept"
    assert newcomer.auth_method == "diia"
    assert account.email == "taras@example.org" and account.phone == "+380501112233"
    assert Identity.objects.count() == 1


def test_admin_menu_links_municipality_admins_to_residency_confirmation(client, zhytomyr):
    from cms.services import staff_groups_sync
    from tests.factories import MunicipalityRoleFactory

    admin = MunicipalityRoleFactory(municipality=zhytomyr, role="admin").user
    moderator = MunicipalityRoleFactory(municipality=zhytomyr, role="moderator").user
    staff_groups_sync(admin)
    staff_groups_sync(moderator)
    client.force_login(admin)
    assert "/identity/zhytomyr/residency/" in client.get("/cms/").content.decode()
    client.force_login(moderator)
    assert "/identity/zhytomyr/residency/" not in client.get("/cms/").content.decode()
