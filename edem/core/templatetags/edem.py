"""Template helpers shared by every page."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

register = template.Library()

LANGUAGE_LABELS = {"uk": "Українська", "en": "English"}


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """Links to the same page in every language (the switch keeps the page)."""
    request = context.get("request")
    path = request.get_full_path() if request else "/"
    current = (get_language() or settings.LANGUAGE_CODE)[:2]
    links = []
    for code, _name in settings.LANGUAGES:
        links.append(
            {
                "code": code,
                "label": LANGUAGE_LABELS.get(code, code),
                "url": translate_url(path, code),
                "current": code == current,
            }
        )
    return links
