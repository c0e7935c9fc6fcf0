"""Form pieces every module's pages share."""

from __future__ import annotations

from django import forms

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
