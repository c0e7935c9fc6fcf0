"""The OpenID Connect provider class the site uses instead of allauth's.

Registered through ``SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"]``
(see ``edem.accounts.oidc_settings``): same id and configuration format as
allauth's generic provider, plus PKCE (S256) always on, a fresh ``nonce`` in
every authorization request, and no raw tax or document number in the data
allauth keeps on the social account.
"""

from __future__ import annotations

import secrets

import requests
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.utils import generate_code_challenge
from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider,
)
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import get_language

from edem.accounts.claims import sensitive_claim_names, strip_sensitive

from .views import LoginRefused, VerifiedOIDCAdapter


class VerifiedOIDCProvider(OpenIDConnectProvider):
    oauth2_adapter_class = VerifiedOIDCAdapter
    # Logging in by posting a bare ID token (headless "token" flow) bypasses
    # the nonce; the site only accepts the redirect flow.
    supports_token_authentication = False

    def get_pkce_params(self) -> dict:
        return generate_code_challenge()

    def get_default_scope(self) -> list[str]:
        return ["openid"]

    def get_auth_params_from_request(self, request: HttpRequest, action) -> dict:
        # No authorization parameters from the query string: a crafted link
        # must not change redirect_uri, prompt or anything else we send.
        return self.get_auth_params()

    def get_scope_from_request(self, request: HttpRequest) -> list[str]:
        return self.get_scope()

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        app = self.app
        adapter = self.get_oauth2_adapter(request)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        # Values chosen by the site win over anything a visitor passes in.
        pkce = self.get_pkce_params()
        code_verifier = pkce.pop("code_verifier")
        nonce = secrets.token_urlsafe(32)
        auth_params.update(pkce)
        auth_params["nonce"] = nonce
        scope = kwargs.pop("scope", None) or self.get_scope()
        state_id = None
        try:
            client = adapter.get_client(request, app)
            authorize_url = adapter.authorize_url
            state_id = self.stash_redirect_state(
                request,
                process,
                next_url,
                data,
                pkce_code_verifier=code_verifier,
                nonce=nonce,
                language=get_language(),
                **kwargs,
            )
            client.state = state_id
            return HttpResponseRedirect(
                client.get_redirect_url(authorize_url, scope, auth_params)
            )
        except (LoginRefused, OAuth2Error, requests.RequestException) as exc:
            return render_authentication_error(
                request, self, extra_context={"state_id": state_id}, exception=exc
            )

    def verify_token(self, request: HttpRequest, token):
        from allauth.socialaccount.adapter import get_adapter

        raise get_adapter().validation_error("invalid_token")

    def extract_extra_data(self, data) -> dict:
        claim_names = self.app.settings.get("claims") or {}
        return strip_sensitive(dict(data), sensitive_claim_names(claim_names))

    def extract_common_fields(self, data) -> dict:
        # Names go to the verified identity; e-mail never links accounts, so
        # it is not handed to allauth's e-mail machinery either.
        return {}

    def extract_email_addresses(self, data) -> list:
        return []

