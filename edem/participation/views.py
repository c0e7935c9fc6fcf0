"""Thin views of the shared discussion: report a comment, hide it as a moderator.

Every module's item page shows its comments with the same template
(``participation/_comment.html``); these two actions are the same everywhere,
so they live here once and send the reader back to the comment.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edem.core.errors import DomainError
from edem.municipalities.models import Municipality

from . import services
from .models import Comment


def _back_to(comment: Comment) -> str:
    target = comment.target
    url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else "/"
    return f"{url}#comment-{comment.pk}"


def _comment(municipality: Municipality, pk: int) -> Comment:
    """A comment of this municipality; another municipality's comment is a 404."""
    return get_object_or_404(
        Comment.objects.select_related("municipality"), pk=pk, municipality=municipality
    )


@login_required
@require_POST
def comment_report(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    """A reader reports a comment that breaks the rules, once, with a reason."""
    comment = _comment(municipality, pk)
    try:
        services.comment_report(
            actor=request.user, comment=comment, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Thank you: the moderators will look at the comment.")
        )
    return redirect(_back_to(comment))


@login_required
@require_POST
def comment_hide(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    """A moderator hides a comment with a public reason; its text is kept."""
    comment = _comment(municipality, pk)
    try:
        services.comment_hide(
            actor=request.user, comment=comment, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The comment is hidden; its author is told why."))
    return redirect(_back_to(comment))
