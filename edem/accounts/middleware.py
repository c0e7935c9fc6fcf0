"""Staff screens need two-factor authentication; the language a person reads is remembered."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

STAFF_PATH_PREFIXES = ("/cms/", "/django-admin/")


class StaffTwoFactorMiddleware:
    """Staff reach the admin screens only with a TOTP authenticator set up.

    A staff account without one is sent to set it up first (and comes back);
    citizens and public pages are not affected. Switched by
    ``STAFF_REQUIRE_TOTP``.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if (
            getattr(settings, "STAFF_REQUIRE_TOTP", True)
            and request.path_info.startswith(STAFF_PATH_PREFIXES)
            and user is not None
            and user.is_authenticated
            and (
                user.is_staff
                or user.is_superuser
                # e.g. a department's staff who answer a consultation (no role)
                or user.has_perm("wagtailadmin.access_admin")
            )
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            target = reverse("mfa_activate_totp")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class RememberLanguageMiddleware:
    """Remember the language a signed-in person uses, so messages reach them in it.

    Only pages count (an API client's language says nothing of the person's),
    only a request that already loaded its user is looked at (no extra query on
    anonymous or user-less requests), and the row is written only when the
    language changed.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        user = request.__dict__.get("_cached_user")
        language = getattr(request, "LANGUAGE_CODE", "")
        if (
            user is not None
            and response.get("Content-Type", "").startswith("text/html")
            and user.is_authenticated
            and language
            and user.language != language
        ):
            type(user).objects.filter(pk=user.pk).update(language=language)
            user.language = language
        return response
