"""Authentication backends that load the person's verified identity with the account.

Nearly every participation request asks for ``request.user.identity``; loading
both in the one query of the session lookup saves a round trip per request.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class IdentityLoadingMixin:
    def get_user(self, user_id):
        user = (
            get_user_model()._default_manager.select_related("identity")
            .filter(pk=user_id).first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None


class PasswordBackend(IdentityLoadingMixin, ModelBackend):
    """Staff password accounts (Django's model backend)."""


class AccountBackend(IdentityLoadingMixin, AuthenticationBackend):
    """Accounts logged in through allauth (identity providers)."""
