"""Forms of the module's pages: they collect input; the services judge it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DraftDecision, Proposal


class ProposalForm(forms.Form):
    """A comment on the draft or a paragraph, or an amendment to a paragraph."""

    kind = forms.ChoiceField(
        label=_("What do you propose?"), choices=Proposal.Kind.choices,
        widget=forms.RadioSelect, initial=Proposal.Kind.COMMENT,
    )
    paragraph = forms.IntegerField(required=False, widget=forms.HiddenInput)
    proposed_text = forms.CharField(
        label=_("New wording of the paragraph (for an amendment)"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    body = forms.CharField(
        label=_("Your comment, or the reasons for the amendment"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DraftAdminForm(forms.ModelForm):
    """The staff form of a draft decision: metadata, and the text pasted or uploaded."""

    text = forms.CharField(
        label=_("Text of the draft"), required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Paragraphs separated by an empty line; a line starting with “# ” "
                    "is a section heading. Leave empty to keep the current text."),
    )
    document = forms.FileField(
        label=_("…or the DOCX or PDF file of the draft"), required=False,
        help_text=_("The text is taken from the file and split into paragraphs."),
    )

    class Meta:
        model = DraftDecision
        fields = ["title", "summary", "issuer", "department", "discussion_starts_at",
                  "discussion_ends_at", "min_age", "residency_required"]
        widgets = {
            "discussion_starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                        format="%Y-%m-%dT%H:%M"),
            "discussion_ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                      format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Proposal.Decision.choices,
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reasons (public)"),
                             widget=forms.Textarea(attrs={"rows": 3}))
    adopted_text = forms.CharField(
        label=_("Wording adopted (for a partly accepted amendment)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportForm(forms.Form):
    summary = forms.CharField(label=_("Summary of the report (public)"),
                              widget=forms.Textarea(attrs={"rows": 6}))


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason for hiding (public, the author is told)"),
                             max_length=500)


class ConclusionForm(forms.Form):
    text = forms.CharField(label=_("Official conclusion: what we did with the answers"),
                           widget=forms.Textarea(attrs={"rows": 8}))
