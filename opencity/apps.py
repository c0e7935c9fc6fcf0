from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpencityConfig(AppConfig):
    name = "opencity"
    verbose_name = _("Opencity")
