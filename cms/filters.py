"""Filters of the news and announcements list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import AnnouncementPage


class AnnouncementFilter(django_filters.FilterSet):
    """Narrow a municipality's announcements by kind and category."""

    kind = django_filters.ChoiceFilter(
        label=_("Kind"),
        choices=AnnouncementPage.Kind.choices,
        empty_label=_("All kinds"),
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"),
        choices=AnnouncementPage.Category.choices,
        empty_label=_("All categories"),
    )

    class Meta:
        model = AnnouncementPage
        fields = ["kind", "category"]
