"""Forms of the module's pages: they collect input; the services judge it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from edem.core.forms import MultipleFileField

from .models import Addressee, Petition, PetitionSettings

# Photos and PDF documents; the services check every file.
DOCUMENT_ACCEPT = "image/*,.pdf"


class PetitionForm(forms.Form):
    """Title, text, category, addressee and optional images or PDF documents."""

    title = forms.CharField(
        label=_("Title"), help_text=_("Say in one sentence what you ask for."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    text = forms.CharField(
        label=_("Text of the petition"),
        help_text=_("Plain text: what is the problem and what should the municipality do."),
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    category = forms.ChoiceField(label=_("Category"))
    addressee = forms.ChoiceField(label=_("Addressed to"))
    attachments = MultipleFileField(
        accept=DOCUMENT_ACCEPT, label=_("Images or PDF documents (optional)"), required=False,
        help_text=_("Up to 5 files. Photos are re-saved without location data."),
    )

    def __init__(self, *args, statute: PetitionSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [
            (c, c) for c in statute.categories or []
        ]
        labels = dict(Addressee.choices)
        self.fields["addressee"].choices = [("", "—")] + [
            (a, labels.get(a, a)) for a in statute.addressees or []
        ]
        self.fields["title"].widget.attrs["maxlength"] = statute.title_max_length
        self.fields["text"].widget.attrs["maxlength"] = statute.text_max_length
        self.fields["text"].help_text = _(
            "Plain text, %(min)d to %(max)d characters: what is the problem and "
            "what should the municipality do."
        ) % {"min": statute.text_min_length, "max": statute.text_max_length}


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Petition.Decision.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 10}))
    attachments = MultipleFileField(
        accept=DOCUMENT_ACCEPT, label=_("Documents of the answer"), required=False
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection (public, the author is told)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class InvalidationForm(forms.Form):
    petition = forms.IntegerField(label=_("Petition number"), min_value=1)
    network = forms.CharField(
        label=_("IP address or subnet"), max_length=50,
        help_text=_("E.g. 203.0.113.7 or 203.0.113.0/24."),
    )
    since = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    until = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(
        label=_("Reason (the signers are told)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
