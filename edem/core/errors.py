"""Domain errors raised by services and shown to the user in their language.

Views turn them into a message on the page, the API into a 400/403/409 answer;
none of them is ever a 500.
"""

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the platform refused the action; ``message`` is translatable."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return str(self.message)


class PermissionRefused(DomainError):
    """The actor holds no role or right for this action on this object."""

    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The action clashes with what already exists (e.g. "already signed")."""

    status_code = 409
    code = "conflict"


class TransitionRefused(DomainError):
    """The item's status does not allow this step."""

    status_code = 409
    code = "transition_refused"
