"""Forms of the accounts app (staff screens)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .claims import normalize_document_number, normalize_tax_number


class ResidencyConfirmForm(forms.Form):
    number = forms.CharField(
        label=_("Tax number (RNOKPP) or, for a person without one, passport number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_("Used only to find the person; it is not stored."),
    )
    document = forms.CharField(
        label=_("Document that proves residency"),
        max_length=300,
        help_text=_("For example: IDP certificate No. 1234-5678 of 2024-03-01."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty if the document does not expire."),
    )

    def clean_number(self) -> str:
        value = self.cleaned_data["number"]
        if not (normalize_tax_number(value) or normalize_document_number(value)):
            raise forms.ValidationError(
                _("Enter a 10-digit tax number or a passport / ID card number.")
            )
        return value


class ResidencyRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Why is the confirmation withdrawn?"), max_length=300)
