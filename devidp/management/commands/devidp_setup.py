"""Create or update the personas' accounts and the platform's client. Idempotent."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oauth2_provider.models import get_application_model

from devidp.personas import PERSONAS

DEFAULT_CLIENT_ID = "edem-platform"
DEFAULT_SECRET = "edem-platform-dev-secret"  # noqa: S105 - development only
DEFAULT_PLATFORM_URLS = "http://127.0.0.1:8000 http://localhost:8000"
PROVIDER_ID = "devidp"


def redirect_uris(platform_urls: list[str], extra: list[str]) -> list[str]:
    """The platform's callback under each base URL (loopback hosts match any port)."""
    uris = [
        f"{base.rstrip('/')}/accounts/oidc/{PROVIDER_ID}/login/callback/"
        for base in platform_urls
    ]
    return list(dict.fromkeys(uris + extra))


def post_logout_uris(platform_urls: list[str]) -> list[str]:
    uris = []
    for base in platform_urls:
        base = base.rstrip("/")
        uris += [f"{base}/", f"{base}/en/"]
    return uris


class Command(BaseCommand):
    help = "Create the test personas and the E-DEM platform client (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--platform-url", action="append", dest="platform_urls", default=None,
            help="Base URL of the platform (repeatable); default DEVIDP_PLATFORM_URLS "
            "or http://127.0.0.1:8000 and http://localhost:8000.",
        )

    def handle(self, *args, platform_urls=None, **options):
        User = get_user_model()
        for persona in PERSONAS:
            user, created = User.objects.get_or_create(username=persona.username)
            if created:
                user.set_unusable_password()
                user.save()
        platform_urls = platform_urls or (
            os.environ.get("DEVIDP_PLATFORM_URLS") or DEFAULT_PLATFORM_URLS
        ).split()
        extra = os.environ.get("DEVIDP_REDIRECT_URIS", "").split()
        Application = get_application_model()
        client_id = os.environ.get("DEVIDP_CLIENT_ID") or DEFAULT_CLIENT_ID
        app, created = Application.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": "E-DEM platform",
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "client_secret": os.environ.get("DEVIDP_CLIENT_SECRET") or DEFAULT_SECRET,
                "hash_client_secret": True,
                "redirect_uris": " ".join(redirect_uris(platform_urls, extra)),
                "post_logout_redirect_uris": " ".join(post_logout_uris(platform_urls)),
                "algorithm": Application.RS256_ALGORITHM,
                "skip_authorization": True,
            },
        )
        self.stdout.write(
            f"devidp: {len(PERSONAS)} personas, client {client_id!r} "
            f"{'created' if created else 'updated'}"
        )
