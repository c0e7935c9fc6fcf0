"""``manage.py seed_demo``: the demo municipalities with content of every module."""

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from edem.core.demo import (
    DEMO_MUNICIPALITIES,
    seed_municipality,
    seed_platform_admin,
    seed_staff,
)
from edem.participation.registry import registry


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo municipalities and their content."

    def handle(self, *args, **options):
        # The demo's own events still land in the in-app lists; their e-mails and
        # SMS stay in memory instead of flooding the console of `make run`.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            SMS_BACKEND="locmem",
        ):
            logins = self._seed()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Staff logins (password):"))
        for username, password in logins.items():
            self.stdout.write(f"  {username} / {password}")

    def _seed(self) -> dict[str, str]:
        from cms.demo import seed_cms

        logins = seed_platform_admin()
        for demo in DEMO_MUNICIPALITIES:
            municipality = seed_municipality(demo)
            logins.update(seed_staff(municipality))
            seed_cms(municipality)
            for manifest in registry.all():
                if manifest.demo_seeder is not None:
                    logins.update(manifest.demo_seeder(municipality) or {})
            self.stdout.write(f"  {municipality.slug}: {municipality.name_uk}")
        return logins
