"""Forms of the module's pages: they collect input; the services judge it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from edem.core.forms import MultipleFileField

from .models import MAX_PHOTOS, Category


def _category_choices(categories) -> list:
    groups: dict[str, list] = {}
    for category in categories:
        group = category.parent.name if category.parent_id else ""
        groups.setdefault(group, []).append((category.pk, category.name))
    choices: list = [("", "—")]
    for group, items in groups.items():
        if group:
            choices.append((group, items))
        else:
            choices.extend(items)
    return choices


class ReportForm(forms.Form):
    """Category, description, the place (map or coordinates), address, photos and
    the category's extra details."""

    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    description = forms.CharField(
        label=_("What is the problem?"),
        help_text=_("Describe what is wrong and where exactly."),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 5000}),
    )
    address = forms.CharField(
        label=_("Address or landmark"), required=False, max_length=300,
        help_text=_("E.g. Kyivska St 12, near the bus stop."),
    )
    lat = forms.CharField(
        label=_("Latitude"), required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lon = forms.CharField(
        label=_("Longitude"), required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    photos = MultipleFileField(
        label=_("Photos (optional)"), required=False,
        help_text=_("Up to %(n)d photos. They are re-saved without location data.")
        % {"n": MAX_PHOTOS},
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        categories = list(categories)
        self.categories = categories
        self.fields["category"].choices = _category_choices(categories)
        self.extra_fields: list[tuple[Category, str]] = []
        for category in categories:
            for spec in category.fields or []:
                name = f"extra_{category.pk}_{spec['code']}"
                label = f"{category.field_label(spec)} ({category.name})"
                choices = spec.get("choices") or []
                if choices:
                    field = forms.ChoiceField(
                        label=label, required=False,
                        choices=[("", "—")] + [(str(c), str(c)) for c in choices],
                    )
                else:
                    field = forms.CharField(label=label, required=False, max_length=300)
                field.category_id = category.pk
                if spec.get("required"):
                    field.help_text = _("Required for this category.")
                self.fields[name] = field
                self.extra_fields.append((category, name))

    def extra_for(self, category_id: int) -> dict[str, str]:
        prefix = f"extra_{category_id}_"
        return {
            name[len(prefix):]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix) and value
        }

    def extra_bound_fields(self):
        return [self[name] for _category, name in self.extra_fields]


class CallerReportForm(ReportForm):
    caller_name = forms.CharField(label=_("Caller's name"), max_length=150)
    caller_phone = forms.CharField(
        label=_("Caller's phone"), max_length=30,
        help_text=_("The caller gets SMS updates on this number."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    field_order = ["caller_name", "caller_phone", "category", "description"]


class AcceptForm(forms.Form):
    executor = forms.ModelChoiceField(label=_("Executor"), queryset=None)
    comment = forms.CharField(label=_("Comment (public)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, executors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["executor"].queryset = executors


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment (public)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    answer = forms.CharField(label=_("Answer to the resident"),
                             widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(label=_("Photo of the result (optional)"), required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the refusal (public)"),
                             widget=forms.Textarea(attrs={"rows": 3}))


class ForwardForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Forward to"), queryset=None)
    reason = forms.CharField(label=_("Reason (public)"),
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class DuplicateForm(forms.Form):
    original = forms.IntegerField(label=_("Number of the original report"), min_value=1)


class ReopenForm(forms.Form):
    comment = forms.CharField(label=_("What is still wrong?"),
                              widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmForm(forms.Form):
    comment = forms.CharField(label=_("Comment (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating of the work"), coerce=int, widget=forms.RadioSelect,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
    )
    comment = forms.CharField(label=_("Comment (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(AcceptForm):
    """The head hands the report to another executor."""

    prefix = "assign"


BULK_CHOICES = [
    ("", "—"),
    ("accept", _("Accept (the deadline starts)")),
    ("assign", _("Assign to the executor")),
    ("start", _("Mark work started")),
    ("forward", _("Forward to another organisation")),
    ("refuse", _("Refuse")),
]


class BulkForm(forms.Form):
    """One step for the reports ticked in the queue."""

    reports = forms.TypedMultipleChoiceField(label=_("Reports"), coerce=int, choices=())
    action = forms.ChoiceField(label=_("Action"), choices=BULK_CHOICES)
    executor = forms.ModelChoiceField(label=_("Executor"), queryset=None, required=False,
                                      empty_label=_("I will do it myself"))
    organisation = forms.ModelChoiceField(label=_("Forward to"), queryset=None,
                                          required=False)
    text = forms.CharField(label=_("Comment or reason (public)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, report_ids, executors, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reports"].choices = [(pk, str(pk)) for pk in report_ids]
        self.fields["executor"].queryset = executors
        self.fields["organisation"].queryset = organisations


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class WorkForm(forms.Form):
    """Works on the public map: organisation, kind, period, place, addresses."""

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=())
    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("E.g. Water main repair, no cold water."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeLocalInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeLocalInput(),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    affected_addresses = forms.CharField(
        label=_("Affected addresses"), required=False,
        help_text=_("One address per line."), widget=forms.Textarea(attrs={"rows": 4}),
    )
    geometry = forms.CharField(
        label=_("Place (GeoJSON)"), required=False,
        help_text=_("Click the map to put a point, or draw an area point by point; "
                    "or paste a GeoJSON point or polygon."),
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
    )
    geometry_file = forms.FileField(
        label=_("…or upload a GeoJSON file"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/json"}),
    )

    def __init__(self, *args, organisations, **kwargs):
        from .models import Work

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["kind"].choices = Work.Kind.choices

    def clean(self):
        data = super().clean()
        upload = data.get("geometry_file")
        if upload:
            if upload.size > 2_000_000:
                self.add_error("geometry_file", _("The GeoJSON file may be at most 2 MB."))
            else:
                try:
                    data["geometry"] = upload.read().decode("utf-8")
                except UnicodeDecodeError:
                    self.add_error("geometry_file", _("The file is not GeoJSON text."))
        return data


class CancelWorkForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling (public)"),
                             widget=forms.Textarea(attrs={"rows": 2}))
