"""Migrate, set up personas and client, and serve the provider: one command."""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development identity provider (migrate + devidp_setup + runserver)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("DEVIDP_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("DEVIDP_PORT", "8001"))
        )
        parser.add_argument(
            "--platform-url", action="append", dest="platform_urls", default=None,
            help="Base URL of the platform, for its redirect URIs (repeatable).",
        )

    def handle(self, *args, host, port, platform_urls=None, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("devidp_setup", platform_urls=platform_urls)
        call_command(
            "runserver", f"{host}:{port}", use_reloader=False, skip_checks=True
        )
