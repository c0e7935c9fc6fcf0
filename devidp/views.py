"""The persona picker: the provider's login page, and consent given automatically."""

from django.contrib.auth import get_user_model, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from oauth2_provider.views import AuthorizationView

from .personas import PERSONAS, persona_for


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=False
    ):
        return value
    return "/"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "devidp/home.html", {"personas": PERSONAS})


def pick_persona(request: HttpRequest) -> HttpResponse:
    """Log in as the persona picked (no password: this provider is for tests)."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST":
        persona = persona_for(request.POST.get("persona", ""))
        if persona is None:
            return HttpResponseBadRequest("Unknown persona.")
        user = get_user_model().objects.filter(username=persona.username).first()
        if user is None:
            return HttpResponseBadRequest("Run devidp_setup: the persona has no account.")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url)
    return render(
        request, "devidp/login.html", {"personas": PERSONAS, "next": next_url}
    )


class PersonaAuthorizationView(AuthorizationView):
    """Authorize with automatic consent, then forget the persona.

    Logging the persona out right after the code is issued shows the picker
    again on the next login, so one browser can try every persona.
    """

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.user.is_authenticated:
            logout(request)
        return response
