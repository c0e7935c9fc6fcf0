"""Shared fixtures: demo-like municipalities, staff and citizens."""

import os

import pytest

pytest_plugins = ["tests.fixtures.browser", "tests.fixtures.devidp"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database of this run's own on PostgreSQL, so runs never collide."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        if db["ENGINE"].endswith("sqlite3"):
            continue
        test = db.setdefault("TEST", {})
        name = test.get("NAME") or f"test_{db['NAME']}"
        test["NAME"] = f"{name}_{os.getpid()}"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Ukrainian, whatever language an earlier request left on."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clean_outboxes():
    from edem.notifications import sms

    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def zhytomyr(db):
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory(slug="zhytomyr", name_uk="Житомир", name_en="Zhytomyr")


@pytest.fixture
def dnipro(db):
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory(
        slug="dnipro", name_uk="Дніпро", name_en="Dnipro",
        centre_lat="48.464717", centre_lon="35.046183",
        locality_codes=["UA12020010010035254", "1210100000"],
    )


@pytest.fixture
def citizen(db):
    from tests.factories import CitizenFactory

    return CitizenFactory()
