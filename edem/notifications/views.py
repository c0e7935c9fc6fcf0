"""The person's notification list and channel preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import Channel
from .selectors import notification_list, preference_table
from .services import notification_mark_read, preference_set


@login_required
def notification_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    notification_mark_read(actor=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Save the table of checkboxes: a box per event kind and channel."""
    offered = [row["kind"] for group in preference_table(user=request.user) for row in group["rows"]]
    for kind in offered:
        for channel in (Channel.EMAIL, Channel.SMS):
            preference_set(
                actor=request.user, kind=kind, channel=channel,
                enabled=f"{kind}:{channel}" in request.POST,
            )
    messages.success(request, _("Your notification settings are saved."))
    return redirect("cabinet")
