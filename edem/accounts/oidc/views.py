"""Login through an OpenID Connect provider, hardened.

allauth's generic OpenID Connect views do the authorization-code dance; this
adapter adds what a qualified identity needs: the issuer from discovery must be
the configured one, the ``nonce`` sent with the request must come back in the
ID token, and the ID token is always verified (signature, algorithms, claims)
by ``edem.accounts.tokens`` - even though it arrived over TLS from the token
endpoint. Any failure ends on the authentication-error page, never a 500 and
never a session.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2CallbackView,
    OAuth2LoginView,
)
from allauth.socialaccount.providers.openid_connect.views import (
    OpenIDConnectOAuth2Adapter,
)
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import MultipleObjectsReturned
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from edem.accounts import tokens
from edem.accounts.claims import ClaimsError, map_claims

logger = logging.getLogger("edem.accounts.oidc")

DISCOVERY_CACHE_SECONDS = 3600

MESSAGES = {
    "provider_unavailable": _(
        "The identity provider is not available right now. Please try again later."
    ),
    "issuer_mismatch": _(
        "The identity provider's configuration does not match this site's "
        "settings, so login through it is refused for your safety."
    ),
    "token_refused": _(
        "The identity provider's answer could not be verified, so login is "
        "refused for your safety. Please start again."
    ),
    "number_missing": _(
        "Your identity provider did not send a tax number or an identity "
        "document number, so we cannot verify who you are."
    ),
    "number_invalid": _(
        "Your identity provider sent a tax or document number we cannot read, "
        "so we cannot verify who you are."
    ),
    "legal_entity_code_invalid": _(
        "Your identity provider sent an EDRPOU code we cannot read."
    ),
}


class LoginRefused(ProviderException):
    """A login was refused; ``message`` is shown, ``code`` is logged."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.message = MESSAGES.get(code, MESSAGES["token_refused"])
        super().__init__(f"{code}: {detail}" if detail else code)


def _discovery_cache_key(url: str) -> str:
    return "edem:oidc-discovery:" + hashlib.sha256(url.encode()).hexdigest()


class VerifiedOIDCAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter with a pinned issuer and a verified ID token."""

    expected_nonce: str | None = None

    def _get_json(self, url: str) -> Any:
        with get_adapter().get_requests_session() as session:
            response = session.get(url)
            response.raise_for_status()
            return response.json()

    @property
    def openid_config(self) -> dict[str, Any]:
        if hasattr(self, "_openid_config"):
            return self._openid_config
        provider = self.get_provider()
        url = provider.server_url
        config = cache.get(_discovery_cache_key(url))
        if config is None:
            try:
                config = self._get_json(url)
            except (requests.RequestException, ValueError) as exc:
                raise LoginRefused("provider_unavailable", type(exc).__name__) from exc
            if not isinstance(config, dict):
                raise LoginRefused("provider_unavailable", "discovery is not an object")
        expected = provider.app.settings.get("issuer") or ""
        if not expected or config.get("issuer") != expected:
            # Mix-up defence: a discovery document that names another issuer
            # (a moved or impersonated provider) is never used.
            logger.warning(
                "OIDC discovery for provider %s names another issuer; login refused",
                provider.app.provider_id,
            )
            raise LoginRefused("issuer_mismatch")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(config.get(name), str) or not config[name]:
                raise LoginRefused("provider_unavailable", f"discovery lacks {name}")
        cache.set(_discovery_cache_key(url), config, DISCOVERY_CACHE_SECONDS)
        self._openid_config = config
        return config

    def get_callback_url(self, request: HttpRequest, app) -> str:
        # One redirect URI per provider, whatever the visitor's language: the
        # language is carried in the state and restored at the callback.
        with translation.override(settings.LANGUAGE_CODE):
            path = reverse(
                "openid_connect_callback", kwargs={"provider_id": self.provider_id}
            )
        return build_absolute_uri(request, path, self.redirect_uri_protocol)

    def get_access_token_data(self, request, app, client, pkce_code_verifier=None):
        try:
            return super().get_access_token_data(
                request, app, client, pkce_code_verifier=pkce_code_verifier
            )
        except ValueError as exc:  # an answer that is not JSON
            raise LoginRefused("token_refused", "token endpoint answer") from exc

    def _provider_keys(self, app: SocialApp) -> tokens.ProviderKeys:
        return tokens.ProviderKeys(
            issuer=app.settings["issuer"],
            client_id=app.client_id,
            jwks_uri=self.openid_config["jwks_uri"],
            algorithms=tuple(app.settings.get("algorithms") or tokens.DEFAULT_ALGORITHMS),
        )

    def _decode_id_token(
        self, app: SocialApp, id_token: str, access_token: str | None = None
    ) -> dict:
        """Verify the ID token: signature always, algorithms from configuration."""
        try:
            return tokens.verify_id_token(
                id_token,
                provider=self._provider_keys(app),
                nonce=self.expected_nonce,
                access_token=access_token,
                http_get_json=self._get_json,
            )
        except tokens.TokenError as exc:
            logger.warning(
                "ID token from provider %s refused: %s", app.provider_id, exc.code
            )
            raise LoginRefused("token_refused", exc.code) from exc

    def _fetch_user_info(self, access_token: str) -> dict:
        try:
            data = super()._fetch_user_info(access_token)
        except (requests.RequestException, ValueError) as exc:
            raise LoginRefused("provider_unavailable", "userinfo") from exc
        if not isinstance(data, dict):
            raise LoginRefused("token_refused", "userinfo is not an object")
        return data

    def complete_login(self, request: HttpRequest, app, token: SocialToken, **kwargs):
        response = kwargs.get("response") or {}
        id_token = response.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise LoginRefused("token_refused", "no id_token")
        claims = self._decode_id_token(app, id_token, access_token=token.token)
        data: dict[str, Any] = {"id_token": claims}
        raw = dict(claims)
        if app.settings.get("fetch_userinfo", True):
            userinfo = self._fetch_user_info(token.token)
            if userinfo.get("sub") != claims["sub"]:
                raise LoginRefused("token_refused", "userinfo sub differs")
            data["userinfo"] = userinfo
            raw.update(userinfo)
        try:
            verified = map_claims(
                raw,
                claim_names=app.settings.get("claims") or {},
                pepper=settings.IDENTITY_PEPPER,
                default_auth_method=app.settings.get("auth_method") or "",
            )
        except ClaimsError as exc:
            logger.warning(
                "Claims from provider %s refused: %s", app.provider_id, exc.code
            )
            raise LoginRefused(exc.code) from exc
        provider = self.get_provider()
        login = provider.sociallogin_from_response(request, data)
        login.verified_claims = verified
        return login


class VerifiedCallbackView(OAuth2CallbackView):
    """The callback: restores the nonce and language saved with the state."""

    def _get_state(self, request: HttpRequest, provider):
        state, response = super()._get_state(request, provider)
        if state:
            self.adapter.expected_nonce = state.get("nonce")
            language = state.get("language")
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return state, response

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        provider = self.adapter.get_provider()
        try:
            return super().dispatch(request, *args, **kwargs)
        except (LoginRefused, OAuth2Error, requests.RequestException) as exc:
            # Raised where allauth does not catch (discovery read for the
            # token request): the same clear page.
            return render_authentication_error(request, provider, exception=exc)
        except (ValueError, KeyError, TypeError) as exc:
            # Malformed answers of a provider (a uid that is not a string, a
            # missing field) are refused like any other bad answer.
            logger.warning(
                "OIDC callback of provider %s failed: %s",
                provider.app.provider_id,
                type(exc).__name__,
            )
            return render_authentication_error(
                request, provider, exception=LoginRefused("token_refused")
            )


def _adapter_or_404(request: HttpRequest, provider_id: str) -> VerifiedOIDCAdapter:
    adapter = VerifiedOIDCAdapter(request, provider_id)
    try:
        adapter.get_provider()
    except (SocialApp.DoesNotExist, MultipleObjectsReturned) as exc:
        raise Http404 from exc
    return adapter


@login_not_required
def login(request: HttpRequest, provider_id: str):
    adapter = _adapter_or_404(request, provider_id)
    return OAuth2LoginView.adapter_view(adapter)(request)


@login_not_required
def callback(request: HttpRequest, provider_id: str):
    adapter = _adapter_or_404(request, provider_id)
    return VerifiedCallbackView.adapter_view(adapter)(request)
