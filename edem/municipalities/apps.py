from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalitiesConfig(AppConfig):
    name = "edem.municipalities"
    label = "municipalities"
    verbose_name = _("Municipalities")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Municipality
        from .selectors import municipality_cache_clear

        post_save.connect(municipality_cache_clear, sender=Municipality,
                          dispatch_uid="municipality-cache-save")
        post_delete.connect(municipality_cache_clear, sender=Municipality,
                            dispatch_uid="municipality-cache-delete")
