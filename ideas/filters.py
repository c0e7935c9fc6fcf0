"""django-filter filter sets of the module's lists (HTML and API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Idea, SubTopic

SORTS = {
    "newest": ("-created_at", "-pk"),
    "supported": ("-support_count", "-created_at", "-pk"),
    "discussed": ("-comment_count", "-created_at", "-pk"),
}


class IdeaFilter(django_filters.FilterSet):
    """Sub-topic, status, words; sorted by most supported, newest or most discussed."""

    q = django_filters.CharFilter(label=_("Words"), method="search")
    subtopic = django_filters.ModelChoiceFilter(
        label=_("Sub-topic"), queryset=SubTopic.objects.none(),
        empty_label=_("Any sub-topic"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[
            (Idea.Status.PUBLISHED, Idea.Status.PUBLISHED.label),
            (Idea.Status.SHORTLISTED, Idea.Status.SHORTLISTED.label),
            (Idea.Status.SELECTED, Idea.Status.SELECTED.label),
            (Idea.Status.NOT_SELECTED, Idea.Status.NOT_SELECTED.label),
        ],
        empty_label=_("Any status"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[("supported", _("most supported")), ("newest", _("newest")),
                 ("discussed", _("most discussed"))],
        empty_label=_("most supported"),
        method="sort_by",
    )

    class Meta:
        model = Idea
        fields = ["q", "subtopic", "status"]

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        subtopics = SubTopic.objects.all()
        if campaign is not None:
            subtopics = campaign.subtopics.all()
        self.filters["subtopic"].queryset = subtopics

    @property
    def qs(self):
        qs = super().qs
        # The default order (no sort chosen) is the most supported first.
        if not (self.form.is_valid() and self.form.cleaned_data.get("sort")):
            qs = qs.order_by(*SORTS["supported"])
        return qs

    def search(self, queryset, name, value):
        value = value.strip()[:200]
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(text__icontains=value))

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["supported"]))
