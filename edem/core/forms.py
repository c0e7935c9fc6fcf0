"""Form pieces every module's pages share."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError

# The image formats edem.core.uploads re-encodes, as a hint to the browser's picker.
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field: a list, empty when none was chosen.

    ``accept`` only guides the browser's file picker; the services check
    every file themselves.
    """

    def __init__(self, *args, accept: str = IMAGE_ACCEPT, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def add_validation_errors(
    form: forms.BaseForm, exc: ValidationError, *, fields: Mapping[str, str | None] | None = None
) -> None:
    """Show a service's refusal on the form: each message at its field, the rest on top.

    ``fields`` renames the service's field names to the form's (``None``: on top).
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    renamed = fields or {}
    for field, errors in exc.message_dict.items():
        target = renamed.get(field, field)
        form.add_error(target if target in form.fields else None, errors)
