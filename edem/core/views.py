"""Platform pages that belong to no module: the citizen cabinet and error pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from edem.participation.registry import registry


def _cabinet_sections(user) -> list:
    sections = []
    for manifest in registry.all():
        if manifest.cabinet_section is None:
            continue
        section = manifest.cabinet_section(user)
        if section is not None:
            sections.append(section)
    return sections


@login_required
def cabinet(request: HttpRequest) -> HttpResponse:
    """The citizen's own page: identity, activity in every module, notifications."""
    from edem.accounts.selectors import identity_overview
    from edem.notifications.selectors import notification_list, preference_table

    return render(
        request,
        "core/cabinet.html",
        {
            "identity_overview": identity_overview(request.user),
            "sections": _cabinet_sections(request.user),
            "notifications": notification_list(user=request.user)[:10],
            "preferences": preference_table(user=request.user),
        },
    )


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    message = str(exception.args[0]) if exception and exception.args else ""
    if not message or message.startswith(("No ", "Resolver404", "{")):
        message = _("We could not find this page.")
    return render(request, "404.html", {"message": message}, status=404)
