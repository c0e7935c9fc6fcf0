from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "edem.participation"
    label = "participation"
    verbose_name = _("Participation")

    def ready(self) -> None:
        # Every app's manifest.py registers its module with the registry.
        autodiscover_modules("manifest")
