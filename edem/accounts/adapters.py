"""allauth adapters: who may sign up and log in, and how a login becomes an identity.

- Citizens come only through a qualified identity provider; public password
  sign-up is closed and password login is for staff only.
- Every provider login is mapped to one ``Identity`` by the key of the tax (or
  document) number, refreshing the kept claims. E-mail addresses never link
  accounts, and linking another provider to a logged-in account is refused
  (a second account of the same person lands on the same identity anyway).
- Logging out also ends the provider session where it offers RP-initiated
  logout.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthProcess
from django.core.exceptions import MultipleObjectsReturned
from django.http import HttpRequest
from django.utils.crypto import get_random_string

from .oidc.views import LoginRefused
from .services import identity_refresh

logger = logging.getLogger("edem.accounts")

SESSION_PROVIDER_KEY = "edem_oidc_provider"
USERNAME_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """No public password sign-up: citizens come through a provider."""
        return False

    def authenticate(self, request: HttpRequest, **credentials):
        """Password login is for staff; a citizen's account has no password path."""
        user = super().authenticate(request, **credentials)
        if user is not None and not (user.is_staff or user.is_superuser):
            return None
        return user

    def login(self, request: HttpRequest, user) -> None:
        super().login(request, user)
        provider_id = getattr(request, "_edem_oidc_provider", None)
        if provider_id:
            request.session[SESSION_PROVIDER_KEY] = provider_id
        else:
            request.session.pop(SESSION_PROVIDER_KEY, None)

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        """After logging out here, end the provider session too, where offered."""
        default = super().get_logout_redirect_url(request)
        provider_id = request.session.get(SESSION_PROVIDER_KEY)
        if not provider_id or not request.user.is_authenticated:
            return default
        try:
            provider = get_social_adapter(request).get_provider(request, provider_id)
            app = provider.app
            if not app.settings.get("rp_logout", True):
                return default
            endpoint = provider.get_oauth2_adapter(request).openid_config.get(
                "end_session_endpoint"
            )
        except (LoginRefused, SocialApp.DoesNotExist, MultipleObjectsReturned):
            return default
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            return default
        query = urlencode(
            {
                "client_id": app.client_id,
                "post_logout_redirect_uri": request.build_absolute_uri(default),
            }
        )
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{query}"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return True

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin) -> bool:
        return True

    def can_authenticate_by_email(self, login, email) -> bool:
        return False

    def authenticate_by_email(self, sociallogin):
        return None

    def _refuse(self, request: HttpRequest, sociallogin, code: str):
        response = render_authentication_error(
            request, sociallogin.provider, exception=LoginRefused(code)
        )
        raise ImmediateHttpResponse(response)

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        """Map the verified claims to the person's identity before login."""
        claims = getattr(sociallogin, "verified_claims", None)
        if claims is None:
            self._refuse(request, sociallogin, "token_refused")
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            # One account per provider login: connecting another person's
            # provider account to this one would hand over their identity.
            self._refuse(request, sociallogin, "token_refused")
        identity = identity_refresh(actor=sociallogin.user, claims=claims)
        request._edem_oidc_provider = sociallogin.provider.app.provider_id
        logger.info(
            "Verified login through %s for identity %s",
            sociallogin.provider.app.provider_id,
            identity.pk,
        )

    def populate_user(self, request: HttpRequest, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # A neutral login name: names live on the identity, not in usernames.
        user.username = "c-" + get_random_string(12, USERNAME_ALPHABET)
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        code = getattr(exception, "code", None) or error or "unknown"
        logger.warning(
            "Login through %s failed: %s",
            getattr(getattr(provider, "app", None), "provider_id", provider),
            code,
        )
