"""Staff log in with a password and TOTP; citizens never with a password."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from edem.accounts.models import User

pytestmark = pytest.mark.django_db

MIDDLEWARE_PATH = "edem.accounts.middleware.StaffTwoFactorMiddleware"


@pytest.fixture
def two_factor_required(settings):
    if MIDDLEWARE_PATH not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE_PATH]
    settings.STAFF_REQUIRE_TOTP = True


def test_public_password_signup_is_closed(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "someone", "password1": "Very-long-pw-1", "password2": "Very-long-pw-1"},
    )
    assert not User.objects.filter(username="someone").exists()
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]


def test_citizen_account_cannot_log_in_with_a_password(client):
    User.objects.create_user("citizen", password="Very-long-pw-1")
    client.post("/accounts/login/", {"login": "citizen", "password": "Very-long-pw-1"})
    assert "_auth_user_id" not in client.session


def test_staff_logs_in_with_a_password(client):
    User.objects.create_user("clerk", password="Very-long-pw-1", is_staff=True)
    client.post("/accounts/login/", {"login": "clerk", "password": "Very-long-pw-1"})
    assert "_auth_user_id" in client.session


def test_staff_without_totp_is_sent_to_set_it_up(client, two_factor_required):
    clerk = User.objects.create_user("clerk", password="Very-long-pw-1", is_staff=True)
    client.force_login(clerk)
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    Authenticator.objects.create(user=clerk, type=Authenticator.Type.TOTP,
                                 data={"secret": "JBSWY3DPEHPK3PXP"})
    assert client.get("/django-admin/").status_code == 200


def test_citizens_are_not_affected(client, two_factor_required):
    citizen = User.objects.create_user("citizen")
    client.force_login(citizen)
    response = client.get("/django-admin/")
    assert "/accounts/2fa/" not in response.get("Location", "")
