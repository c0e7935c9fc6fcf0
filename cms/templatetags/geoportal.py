"""Template helpers of the geoportal pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def attribute_value(properties: dict[str, Any], name: str) -> str:
    """A feature's attribute as a reader sees it: yes / no, a dash for no value."""
    value = (properties or {}).get(name)
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


@register.filter
def is_expired(feature, today) -> bool:
    return feature.is_expired(today)


@register.filter
def filter_param(params: dict[str, str], name: str) -> str:
    """The chosen value of the attribute filter ``name`` among a layer's parameters."""
    return (params or {}).get(f"attr.{name}", "")
