"""Template context every page needs: municipality, its modules, unread count."""

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    from edem.notifications.selectors import unread_count
    from edem.participation.registry import registry

    municipality = getattr(request, "municipality", None)
    modules = registry.enabled_modules(municipality) if municipality else []
    return {
        "municipality": municipality,
        "nav_modules": modules,
        "unread_notifications": unread_count(user=request.user)
        if hasattr(request, "user") else 0,
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
