"""Helpers for the accounts tests: logging in through the real development provider."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Discovery, key sets and used nonces live in the cache.
    cache.clear()
    yield
    cache.clear()


def start_login(client, provider_id: str = "devidp", next_url: str | None = None):
    """POST the platform's provider login button; the answer redirects to the provider."""
    data = {"next": next_url} if next_url else {}
    return client.post(f"/accounts/oidc/{provider_id}/login/", data)


def pick_persona(authorize_url: str, persona: str) -> str:
    """Play the browser at the development provider: pick ``persona``.

    Returns the platform callback URL the provider redirects back to.
    """
    with requests.Session() as browser:
        response = browser.get(authorize_url, allow_redirects=True, timeout=10)
        assert response.status_code == 200, response.text[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        next_value = re.search(r'name="next" value="([^"]*)"', response.text)
        assert token and next_value, "the persona picker page has no form"
        response = browser.post(
            response.url,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "next": unescape(next_value.group(1)),
                "persona": persona,
            },
            headers={"Referer": response.url},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]
        response = browser.get(
            urljoin(response.url, response.headers["Location"]),
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


def login_as(client, persona: str, provider_id: str = "devidp"):
    """The whole authorization-code flow for ``persona``; returns the callback answer."""
    response = start_login(client, provider_id)
    assert response.status_code == 302, response.content[:500]
    callback = pick_persona(response["Location"], persona)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")
