"""Who may take part where: the eligibility matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from edem.accounts.eligibility import (
    eligibility_check,
    locality_in,
    locality_prefix,
)
from edem.accounts.models import EligibilityPolicy, Identity, ResidencyConfirmation
from edem.participation.models import Process

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 15)
ZHYTOMYR_CODE = "UA18040470010040545"
LVIV_CODE = "UA46060250010015970"


def person(**kw) -> Identity:
    defaults = {
        "key": f"test-{Identity.objects.count()}-{id(kw)}",
        "key_kind": "tax",
        "given_name": "Олена",
        "family_name": "Коваленко",
        "birth_date": dt.date(1985, 3, 14),
        "locality_code": ZHYTOMYR_CODE,
        "auth_method": "bankid",
    }
    return Identity.objects.create(**{**defaults, **kw})


def check(identity, municipality, action="participate", **kw):
    return eligibility_check(identity, municipality, action, on=DAY, **kw)


def test_resident_adult_may_take_part(zhytomyr):
    answer = check(person(), zhytomyr)
    assert answer.allowed and answer.code == "ok" and answer.reason == ""
    assert bool(answer) is True


def test_without_identity_only_reading_and_following(zhytomyr):
    assert check(None, zhytomyr, "read").allowed
    assert check(None, zhytomyr, "follow").allowed
    answer = check(None, zhytomyr, "petitions.sign")
    assert not answer.allowed and answer.code == "no_identity"
    assert "BankID" in answer.reason


def test_legal_entity_is_refused_citizen_actions(zhytomyr):
    answer = check(person(is_legal_entity=True), zhytomyr)
    assert (answer.allowed, answer.code) == (False, "legal_entity")
    assert check(person(is_legal_entity=True), zhytomyr, "follow").allowed


def test_non_resident_is_refused_with_the_municipality_named(zhytomyr):
    with translation.override("en"):
        answer = check(person(locality_code=LVIV_CODE), zhytomyr)
    assert (answer.allowed, answer.code) == (False, "not_resident")
    assert "Zhytomyr" in answer.reason


def test_reason_names_the_municipality_in_the_users_language(zhytomyr):
    outsider = person(locality_code=LVIV_CODE)
    with translation.override("uk"):
        assert "Житомир" in check(outsider, zhytomyr).reason
    with translation.override("en"):
        assert "Zhytomyr" in check(outsider, zhytomyr).reason


@pytest.mark.parametrize(
    ("birth", "allowed"),
    [
        (dt.date(2008, 6, 15), True),   # 18 today
        (dt.date(2008, 6, 16), False),  # 18 tomorrow
        (dt.date(2011, 5, 1), False),   # 15 years old
    ],
)
def test_minimum_age_on_the_day_of_the_action(zhytomyr, birth, allowed):
    answer = check(person(birth_date=birth), zhytomyr)
    assert answer.allowed is allowed
    if not allowed:
        assert answer.code == "too_young"


def test_unknown_birth_date_is_refused_when_an_age_applies(zhytomyr):
    answer = check(person(birth_date=None), zhytomyr)
    assert answer.code == "birth_date_unknown"
    policy = EligibilityPolicy.for_municipality(zhytomyr)
    policy.min_age = 0
    policy.save()
    assert check(person(birth_date=None), zhytomyr).allowed


def test_staff_confirmed_residency_counts_while_valid(zhytomyr):
    newcomer = person(locality_code=LVIV_CODE)
    ResidencyConfirmation.objects.create(
        identity=newcomer, municipality=zhytomyr, document="IDP certificate 1",
        valid_until=DAY,
    )
    assert check(newcomer, zhytomyr).allowed
    answer = eligibility_check(newcomer, zhytomyr, "participate", on=DAY + dt.timedelta(1))
    assert answer.code == "not_resident"


def test_revoked_confirmation_does_not_count(zhytomyr):
    newcomer = person(locality_code=LVIV_CODE)
    ResidencyConfirmation.objects.create(
        identity=newcomer, municipality=zhytomyr, document="IDP certificate 1",
        revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert check(newcomer, zhytomyr).code == "not_resident"


def test_confirmation_in_another_municipality_does_not_count(zhytomyr, dnipro):
    newcomer = person(locality_code=LVIV_CODE)
    ResidencyConfirmation.objects.create(
        identity=newcomer, municipality=dnipro, document="IDP certificate 1"
    )
    assert check(newcomer, zhytomyr).code == "not_resident"
    assert check(newcomer, dnipro).allowed


def test_municipality_may_open_participation_to_non_residents(zhytomyr):
    policy = EligibilityPolicy.for_municipality(zhytomyr)
    policy.residency_required = False
    policy.save()
    assert check(person(locality_code=LVIV_CODE), zhytomyr).allowed


def test_accepted_auth_methods(zhytomyr):
    policy = EligibilityPolicy.for_municipality(zhytomyr)
    policy.accepted_auth_methods = ["bankid", "esign"]
    policy.save()
    assert check(person(auth_method="bankid"), zhytomyr).allowed
    answer = check(person(auth_method="diia"), zhytomyr)
    assert answer.code == "auth_method"


def process_of(municipality, **kw) -> Process:
    return Process.objects.create(municipality=municipality, module="petitions",
                                  title="Cycle", **kw)


def test_process_narrows_but_never_widens(zhytomyr):
    policy = EligibilityPolicy.for_municipality(zhytomyr)
    policy.min_age = 16
    policy.accepted_auth_methods = ["bankid", "diia"]
    policy.save()
    sixteen = person(birth_date=dt.date(2010, 1, 1))
    assert check(sixteen, zhytomyr).allowed
    # A stricter age in the process wins ...
    assert check(sixteen, zhytomyr, process=process_of(zhytomyr, min_age=18)).code == (
        "too_young"
    )
    # ... a looser one does not.
    assert check(person(birth_date=dt.date(2012, 1, 1)), zhytomyr,
                 process=process_of(zhytomyr, min_age=14)).code == "too_young"
    # Residency: the process may require it, never waive it.
    outsider = person(locality_code=LVIV_CODE)
    assert check(outsider, zhytomyr,
                 process=process_of(zhytomyr, residency_required=False)).code == (
        "not_resident"
    )
    # Methods: only those both accept; none in common means nobody.
    assert check(person(auth_method="diia"), zhytomyr,
                 process=process_of(zhytomyr, accepted_auth_methods=["bankid"])).code == (
        "auth_method"
    )
    nobody = process_of(zhytomyr, accepted_auth_methods=["esign"])
    assert check(person(auth_method="bankid"), zhytomyr, process=nobody).code == (
        "auth_method"
    )


def test_process_requires_residency_where_the_municipality_does_not(zhytomyr):
    policy = EligibilityPolicy.for_municipality(zhytomyr)
    policy.residency_required = False
    policy.save()
    outsider = person(locality_code=LVIV_CODE)
    assert check(outsider, zhytomyr).allowed
    assert check(outsider, zhytomyr,
                 process=process_of(zhytomyr, residency_required=True)).code == (
        "not_resident"
    )


def test_action_time_is_taken_in_the_municipalitys_time_zone(zhytomyr):
    # 21:30 UTC on 14 June is already 15 June in Kyiv: the 18th birthday.
    identity = person(birth_date=dt.date(2008, 6, 15))
    late = dt.datetime(2026, 6, 14, 21, 30, tzinfo=dt.UTC)
    assert eligibility_check(identity, zhytomyr, "participate", on=late).allowed
    early = dt.datetime(2026, 6, 14, 20, 30, tzinfo=dt.UTC)
    assert not eligibility_check(identity, zhytomyr, "participate", on=early).allowed


@pytest.mark.parametrize(
    ("code", "entries", "inside"),
    [
        (ZHYTOMYR_CODE, ["UA18040470010040545"], True),  # the settlement itself
        (ZHYTOMYR_CODE, ["UA18040470000022614"], True),  # its community's full code
        (ZHYTOMYR_CODE, ["UA1804047"], True),  # a prefix as written
        (ZHYTOMYR_CODE, ["UA12020010010035254"], False),  # Dnipro
        ("1810136300", ["1810100000"], True),  # KOATUU within Zhytomyr city
        ("1210100000", ["1810100000"], False),
        (ZHYTOMYR_CODE, ["UA", ""], False),  # a bare prefix is never "everybody"
        ("", [ZHYTOMYR_CODE], False),
    ],
)
def test_locality_codes(code, entries, inside):
    assert locality_in(code, entries) is inside


def test_locality_prefix_strips_empty_levels():
    assert locality_prefix("UA18040470000022614") == "UA1804047"
    assert locality_prefix("UA18000000000093317") == "UA18"
    assert locality_prefix("1810100000") == "18101"
    assert locality_prefix(" ua1804 ") == "UA1804"
