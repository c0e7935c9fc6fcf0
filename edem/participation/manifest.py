"""The participation core's own event kinds."""

from django.utils.translation import gettext_lazy as _

from .registry import ModuleManifest, registry

registry.register(
    ModuleManifest(
        name="participation",
        verbose_name=_("Participation"),
        url_name=None,
        order=0,
        event_kinds={
            "participation.comment_replied": (_("A reply to my comment"), ("inapp", "email")),
            "participation.comment_hidden": (_("My comment was hidden"), ("inapp", "email")),
        },
    )
)
