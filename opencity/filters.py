"""django-filter filter sets of the module's lists (HTML, GeoJSON and API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Category, Report


class ReportFilter(django_filters.FilterSet):
    """Category (with its subcategories), status, organisation and period."""

    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.none(),
        empty_label=_("Any category"), method="in_category",
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Report.Status.choices, empty_label=_("Any status")
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"), queryset=None, empty_label=_("Any organisation")
    )
    since = django_filters.DateFilter(
        label=_("Reported from"), field_name="created_at", lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("Reported until"), field_name="created_at", lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Report
        fields = ["category", "status", "organisation", "since", "until"]

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        if municipality is None and self.request is not None:
            municipality = getattr(self.request, "municipality", None)
        from edem.municipalities.models import Organisation

        self.filters["category"].queryset = Category.objects.filter(
            municipality=municipality, is_active=True
        ).select_related("parent")
        self.filters["organisation"].queryset = Organisation.objects.filter(
            municipality=municipality
        ).order_by("name_uk")

    def in_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def selector_filters(self) -> dict:
        """The valid choices as the selectors' ``filters`` (empty when invalid)."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {k: v for k, v in self.form.cleaned_data.items() if v}
