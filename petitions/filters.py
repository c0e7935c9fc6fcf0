"""django-filter filter sets of the module's lists (HTML and API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Addressee, Petition


class PetitionFilter(django_filters.FilterSet):
    """Status, category, addressee, words; sorted by signatures, newest, ending soon."""

    q = django_filters.CharFilter(label=_("Words"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        # The whole set (one enum in the API schema); the list holds public ones only.
        choices=Petition.Status.choices,
        empty_label=_("Any status"),
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=[], empty_label=_("Any category")
    )
    addressee = django_filters.ChoiceFilter(
        label=_("Addressee"), choices=Addressee.choices, empty_label=_("Anyone")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[("newest", _("newest")), ("signatures", _("most signatures")),
                 ("ending", _("ending soon"))],
        empty_label=_("newest"),
        method="sort_by",
    )

    class Meta:
        model = Petition
        fields = ["q", "status", "category", "addressee"]

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        if categories is None:
            categories = sorted(
                set(self.queryset.values_list("category", flat=True).distinct()[:100])
            )
        category = self.filters["category"]
        category.extra["choices"] = [(c, c) for c in categories]
        # The copied filter may carry a form field built earlier from the class
        # (schema generation does that) with no choices; build it anew.
        category.__dict__.pop("_field", None)

    def search(self, queryset, name, value):
        value = value.strip()[:200]
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(text__icontains=value))

    def sort_by(self, queryset, name, value):
        if value == "signatures":
            return queryset.order_by("-signature_count", "-published_at")
        if value == "ending":
            return queryset.filter(
                status__in=(Petition.Status.COLLECTING, Petition.Status.THRESHOLD_REACHED),
                collection_ends_at__gt=timezone.now(),
            ).order_by("collection_ends_at")
        return queryset.order_by("-published_at")
