"""django-filter filter sets of the module's lists (HTML, GeoJSON and API)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Cycle, Project, Unit


class ProjectFilter(django_filters.FilterSet):
    """Cycle, status, category or district (unit), kind of unit, text."""

    cycle = django_filters.ModelChoiceFilter(
        label=_("Cycle"), queryset=Cycle.objects.none(), empty_label=_("Every cycle")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Project.Status.choices, empty_label=_("Any status")
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Category or district"), queryset=Unit.objects.none(),
        empty_label=_("Any category or district"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), field_name="unit__kind", choices=Unit.Kind.choices,
        empty_label=_("Categories and districts"),
    )
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = Project
        fields = ["cycle", "status", "unit", "kind", "q"]

    def __init__(self, *args, municipality=None, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        if municipality is None and self.request is not None:
            municipality = getattr(self.request, "municipality", None)
        self.filters["cycle"].queryset = Cycle.objects.filter(municipality=municipality)
        units = Unit.objects.filter(cycle__municipality=municipality).select_related("cycle")
        if cycle is not None:
            units = units.filter(cycle=cycle)
            del self.filters["cycle"]
        self.filters["unit"].queryset = units

    def search(self, queryset, name, value):
        return queryset.filter(title__icontains=value)

    def selector_filters(self) -> dict:
        """The valid choices as the selectors' ``filters`` (empty when invalid)."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {k: v for k, v in self.form.cleaned_data.items() if v}
