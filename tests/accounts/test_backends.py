"""The account of a session comes with its verified identity in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.http import HttpRequest

from tests.factories import CitizenFactory

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
