"""Forms of the module's pages; the services do every check that matters."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Choice, Meeting, MeterKind, Threshold

AGENDA_ROWS = 5
SCAN_ACCEPT = "application/pdf,image/jpeg,image/png,image/webp"


class LinkForm(forms.Form):
    code = forms.CharField(
        label=_("Invitation code from the administrator"), max_length=20
    )


class RegisterImportForm(forms.Form):
    file = forms.FileField(
        label=_("Register of premises and owners (CSV)"),
        help_text=_(
            "Columns: premises, kind, area, owner_reference, owner_name, share "
            "(e.g. 1/2; empty for the whole premises)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MeetingForm(forms.Form):
    """The meeting and up to five agenda items (empty rows are ignored)."""

    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    initiator = forms.ChoiceField(
        label=_("Called by"), choices=Meeting.Initiator.choices
    )
    initiative_group = forms.CharField(
        label=_("Initiative group"),
        required=False,
        help_text=_("The owners who called the meeting, when an initiative group did."),
    )
    voting_starts_at = forms.DateTimeField(
        label=_("Voting opens"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    voting_ends_at = forms.DateTimeField(
        label=_("Voting ends"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )

    def __init__(self, *args, as_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if as_owner:
            # An owner calls the meeting as an initiative group; its members join.
            del self.fields["initiator"]
            del self.fields["initiative_group"]
        for n in range(1, AGENDA_ROWS + 1):
            self.fields[f"item_{n}_title"] = forms.CharField(
                label=_("Question %(n)d") % {"n": n}, required=False, max_length=300
            )
            self.fields[f"item_{n}_decision"] = forms.CharField(
                label=_("Proposed decision %(n)d") % {"n": n},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"item_{n}_threshold"] = forms.ChoiceField(
                label=_("Threshold %(n)d") % {"n": n},
                choices=Threshold.choices,
                initial=Threshold.MAJORITY,
                required=False,
            )

    def item_rows(self) -> list[tuple]:
        return [
            (
                self[f"item_{n}_title"],
                self[f"item_{n}_decision"],
                self[f"item_{n}_threshold"],
            )
            for n in range(1, AGENDA_ROWS + 1)
        ]

    def items(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "title": data.get(f"item_{n}_title", ""),
                "proposed_decision": data.get(f"item_{n}_decision", ""),
                "threshold": data.get(f"item_{n}_threshold") or Threshold.MAJORITY,
            }
            for n in range(1, AGENDA_ROWS + 1)
        ]


def choice_field(label: str, required: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=Choice.choices, required=required, widget=forms.RadioSelect
    )


class BallotForm(forms.Form):
    """For / against / abstain per agenda item of the meeting."""

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        for item in meeting.items.all():
            field = choice_field(f"{item.position}. {item.title}")
            field.help_text = _(
                "Proposed decision: %(text)s (threshold: %(threshold)s)"
            ) % {
                "text": item.proposed_decision,
                "threshold": item.get_threshold_display(),
            }
            self.fields[f"item_{item.pk}"] = field

    def choices(self) -> dict[int, str]:
        return {
            int(name.removeprefix("item_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("item_") and value
        }


class PaperBallotForm(BallotForm):
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    scan = forms.FileField(
        label=_("Scan of the signed ballot (PDF or image)"),
        widget=forms.ClearableFileInput(attrs={"accept": SCAN_ACCEPT}),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, meeting=meeting, **kwargs)
        self.fields["owner"].queryset = meeting.building.owners.order_by("full_name")
        self.order_fields(["owner", "scan"])


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with the ballot?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveForm(forms.Form):
    withdraw = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        choices=[("0", _("The ballot stays counted")), ("1", _("Withdraw the ballot"))],
    )
    answer = forms.CharField(
        label=_("Answer to the owner"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=2000)


class MonthField(forms.DateField):
    """A month (``<input type=month>``), kept as its first day."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.DateInput(format="%Y-%m", attrs={"type": "month"})
        )
        super().__init__(input_formats=["%Y-%m", "%Y-%m-%d"], **kwargs)


class ReadingForm(forms.Form):
    premises = forms.ModelChoiceField(label=_("Premises"), queryset=None)
    kind = forms.ChoiceField(label=_("Meter"), choices=MeterKind.choices)
    period = MonthField(label=_("Month"))
    value = forms.DecimalField(
        label=_("Reading"), max_digits=12, decimal_places=3, min_value=0
    )

    def __init__(self, *args, premises_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["premises"].queryset = premises_qs
        self.fields["premises"].empty_label = None
        self.fields["period"].initial = dt.date.today().replace(day=1)
        self.fields["period"].widget.attrs["max"] = dt.date.today().strftime("%Y-%m")


class FaultForm(forms.Form):
    category = forms.ChoiceField(label=_("What is broken?"))
    description = forms.CharField(
        label=_("Describe the fault"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where exactly (entrance, floor) and since when."),
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [
            (c.pk, str(c)) for c in categories
        ]


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("The protocol's PDF to check"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class ClaimForm(forms.Form):
    building = forms.ModelChoiceField(label=_("Building"), queryset=None)
    premises_number = forms.CharField(
        label=_("Number of my flat or premises"), max_length=20
    )

    def __init__(self, *args, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings
