"""Forms of the public pages; they parse input, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from edem.core.forms import MultipleFileField

from .services import MAX_IMAGES


class ProjectForm(forms.Form):
    """Title, description, category/district, place on the map, address, images."""

    unit = forms.TypedChoiceField(label=_("Category or district"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What will be done, for whom and why (at least 50 characters)."),
    )
    lat = forms.CharField(label=_("Latitude"), required=False)
    lon = forms.CharField(label=_("Longitude"), required=False)
    area = forms.CharField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Address or landmark"), max_length=300, required=False)
    images = MultipleFileField(
        label=_("Images (optional)"), required=False,
        help_text=_("Up to %(n)d images. They are re-saved without location data.")
        % {"n": MAX_IMAGES},
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, _unit_label(u)) for u in units]


def _unit_label(unit) -> str:
    limit = f"{unit.min_cost:,.0f}–{unit.cost_limit:,.0f}".replace(",", " ")
    return f"{unit.name} ({limit} {unit.cycle.currency})"


class CostItemForm(forms.Form):
    description = forms.CharField(label=_("Item"), max_length=300, required=False)
    amount = forms.CharField(label=_("Amount"), required=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))


CostItemFormSet = forms.formset_factory(CostItemForm, extra=4, max_num=50,
                                        validate_max=True)


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=3000)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), max_length=3000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("Public reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)


class CorrectionForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.CharField(label=_("Corrected amount"))
    note = forms.CharField(label=_("Why"), max_length=500)
