from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _statute_saved(sender, instance, **kwargs) -> None:
    # The signing path keeps a short-lived copy of the rate limits; whoever
    # saves the statute (the service or the generic statute screen) drops it.
    from .services import forget_sign_limits

    forget_sign_limits(instance.municipality_id)


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from .models import PetitionSettings

        post_save.connect(
            _statute_saved, sender=PetitionSettings, dispatch_uid="petitions-statute-saved"
        )
