"""Forms of the module's pages: they collect input; the services judge it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Campaign, Idea
from .services import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH


class IdeaForm(forms.Form):
    """Title, text, sub-topic, an optional image and an optional place on the map."""

    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX_LENGTH,
        help_text=_("Say in one sentence what you propose."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    subtopic = forms.ChoiceField(label=_("Sub-topic"))
    text = forms.CharField(
        label=_("Your idea"), max_length=TEXT_MAX_LENGTH,
        help_text=_("Plain text: what should be done, where and why."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    image = forms.FileField(
        label=_("Image (optional)"), required=False,
        help_text=_("A photo or a sketch; it is re-saved without location data."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    lat = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    lon = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subtopic"].choices = [("", "—")] + [
            (str(s.pk), s.title) for s in campaign.subtopics.all()
        ]


class IdeaEditForm(IdeaForm):
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (public, the author is told)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(label=_("Merge into"), queryset=Idea.objects.none())
    reason = forms.CharField(
        label=_("Why they are duplicates (public, both authors are told)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["into"].queryset = candidates


class DecisionForm(forms.Form):
    selected = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "1",
        choices=[("1", _("select for implementation")), ("0", _("do not select"))],
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(
        label=_("The commission's decision (public)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class UpdateForm(forms.Form):
    implementation = forms.ChoiceField(
        label=_("Implementation status"), choices=Idea.Implementation.choices
    )
    happened_on = forms.DateField(
        label=_("Date"),
        # An <input type="date"> reads ISO dates only, whatever the language.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    text = forms.CharField(
        label=_("What has been done"), widget=forms.Textarea(attrs={"rows": 4})
    )
