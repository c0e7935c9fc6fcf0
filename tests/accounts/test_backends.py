"""The account of a session comes with its verified identity in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.http import HttpRequest

from edem.accounts.backends import account_with_identity
from edem.accounts.models import User
from tests.factories import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "backend", ["edem.accounts.backends.PasswordBackend", "edem.accounts.backends.AccountBackend"]
)
def test_the_session_lookup_loads_the_identity(client, django_assert_num_queries, backend):
    person = CitizenFactory()
    client.force_login(person, backend=backend)
    request = HttpRequest()
    request.session = client.session
    assert request.session.get("_auth_user_id")  # the session itself is read first

    with django_assert_num_queries(1):
        user = get_user(request)
        assert user.pk == person.pk
        assert user.identity.full_name == person.identity.full_name


def test_an_inactive_account_has_no_session_user(client):
    person = CitizenFactory()
    client.force_login(person)
    person.is_active = False
    person.save(update_fields=["is_active"])
    request = HttpRequest()
    request.session = client.session
    assert not get_user(request).is_authenticated


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_compiled_lookup_builds_what_the_orm_builds():
    person = CitizenFactory()
    loaded = account_with_identity(str(person.pk))  # the session keeps the id as text
    expected = User.objects.select_related("identity").get(pk=person.pk)
    assert _values(loaded) == _values(expected)
    assert _values(loaded.identity) == _values(expected.identity)
    assert not loaded._state.adding and loaded._state.db == expected._state.db
    loaded.save()  # a loaded account saves as an existing row
    assert User.objects.count() == 1


def test_an_account_without_identity_and_unknown_ids(django_assert_num_queries):
    staff = UserFactory()
    with django_assert_num_queries(1):
        loaded = account_with_identity(staff.pk)
        assert loaded.identity is None
    assert account_with_identity(staff.pk + 1000) is None
    assert account_with_identity("not a number") is None
