"""Status transition tables shared by every module's items."""

from collections.abc import Mapping

from django.utils.translation import gettext as _

from .errors import TransitionRefused


def check_transition(
    transitions: Mapping[str, set[str] | frozenset[str]], current: str, target: str
) -> None:
    """Refuse a move from ``current`` to ``target`` unless the table allows it."""
    if target not in transitions.get(current, ()):
        raise TransitionRefused(
            _("This step is not possible from the current status.")
        )
