"""``require()``: the one way services check a permission."""

from django.utils.translation import gettext as _

from edem.core.errors import PermissionRefused


def require(actor, perm: str, obj=None) -> None:
    """Refuse with ``PermissionRefused`` unless the rules grant ``perm`` on ``obj``."""
    if actor is None or not actor.has_perm(perm, obj):
        raise PermissionRefused(_("You have no right to do this here."))
