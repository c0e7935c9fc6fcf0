"""Forms of the geoportal's staff screens."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .geojson import max_upload_bytes
from .models import AttributeType, MapLayer
from .services import LAYER_FIELDS

# The layer's own fields on its form; the attribute schema has a field of its own.
LAYER_FORM_FIELDS = [name for name in LAYER_FIELDS if name != "schema"]
SCHEMA_HELP = gettext_lazy(
    "One attribute a line: name | type | label in Ukrainian | label in English | "
    "filter. Types: string, integer, number, boolean, date. Write “filter” at the end "
    "to let visitors filter by the attribute. Leave empty to take the attributes from "
    "the first uploaded file."
)


def schema_to_text(schema: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join(
            [
                spec["name"],
                spec["type"],
                spec.get("label_uk", ""),
                spec.get("label_en", ""),
            ]
            + (["filter"] if spec.get("filter") else [])
        )
        for spec in schema
    )


def schema_from_text(text: str) -> list[dict[str, Any]]:
    """Read the one-attribute-a-line notation; a malformed line names its number."""
    schema = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or parts[1] not in AttributeType.values:
            raise forms.ValidationError(
                _("Line %(number)s: write “name | type”, the type one of %(types)s.")
                % {"number": number, "types": ", ".join(AttributeType.values)}
            )
        parts += [""] * (5 - len(parts))
        schema.append(
            {
                "name": parts[0],
                "type": parts[1],
                "label_uk": parts[2],
                "label_en": parts[3],
                "filter": parts[4].lower() in ("filter", "фільтр", "yes", "так"),
            }
        )
    return schema


class LayerForm(forms.ModelForm):
    """A layer's description, style and attributes (and, when new, its municipality)."""

    source_url = forms.URLField(
        label=gettext_lazy("source address"), required=False, assume_scheme="https"
    )
    schema_text = forms.CharField(
        label=gettext_lazy("Attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "geo-schema"}),
        help_text=SCHEMA_HELP,
    )

    class Meta:
        model = MapLayer
        fields = ["municipality", *LAYER_FORM_FIELDS]
        widgets = {
            "data_updated_on": forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            ),
            "colour": forms.TextInput(attrs={"type": "color"}),
            "fill_colour": forms.TextInput(attrs={"type": "color"}),
            "description_uk": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["municipality"]
            self.fields["schema_text"].initial = schema_to_text(self.instance.schema)
        else:
            self.fields["municipality"].queryset = municipalities
            if municipalities is not None and municipalities.count() == 1:
                self.fields["municipality"].initial = municipalities.first()

    def clean_schema_text(self) -> list[dict[str, Any]]:
        return schema_from_text(self.cleaned_data.get("schema_text") or "")

    def layer_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in LAYER_FORM_FIELDS}
        data["schema"] = self.cleaned_data["schema_text"]
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("GeoJSON file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A FeatureCollection in WGS 84 longitude/latitude, UTF-8, at most "
            "%(limit)s MB. It replaces all features of the layer; the previous "
            "data stays in the versions."
        ) % {"limit": max_upload_bytes() // (1024 * 1024)}


class FeatureForm(forms.Form):
    """One feature: its geometry (drawn on the map or typed as GeoJSON) and attributes."""

    geometry = forms.CharField(
        label=gettext_lazy("Geometry (GeoJSON)"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "geo-geometry"}),
        help_text=gettext_lazy(
            "Click the map to place a point, or switch to drawing a line or an area "
            "and click its corners. Without the map, type the GeoJSON geometry."
        ),
    )

    def __init__(self, *args, layer: MapLayer, **kwargs):
        super().__init__(*args, **kwargs)
        self.layer = layer
        for spec in layer.schema:
            self.fields[f"attr_{spec['name']}"] = _attribute_field(layer, spec)

    def clean_geometry(self) -> dict[str, Any]:
        try:
            value = json.loads(self.cleaned_data["geometry"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("The geometry is not valid GeoJSON.")
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The geometry is not valid GeoJSON."))
        return value

    def properties(self) -> dict[str, Any]:
        values = {}
        for spec in self.layer.schema:
            value = self.cleaned_data.get(f"attr_{spec['name']}")
            if value in (None, ""):
                continue
            if spec["type"] == AttributeType.DATE:
                value = value.isoformat()
            elif spec["type"] == AttributeType.BOOLEAN:
                value = value == "true"
            elif spec["type"] == AttributeType.NUMBER:
                value = float(value)
            values[spec["name"]] = value
        return values


def _attribute_field(layer: MapLayer, spec: dict[str, Any]) -> forms.Field:
    label = layer.attribute_label(spec["name"])
    kind = spec["type"]
    if kind == AttributeType.INTEGER:
        return forms.IntegerField(label=label, required=False)
    if kind == AttributeType.NUMBER:
        return forms.DecimalField(label=label, required=False)
    if kind == AttributeType.BOOLEAN:
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", "—"), ("true", _("yes")), ("false", _("no"))],
        )
    if kind == AttributeType.DATE:
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    return forms.CharField(label=label, required=False, max_length=1000)


def feature_initial(layer: MapLayer, feature) -> dict[str, Any]:
    initial: dict[str, Any] = {"geometry": json.dumps(feature.geometry)}
    for spec in layer.schema:
        value = feature.properties.get(spec["name"])
        if spec["type"] == AttributeType.BOOLEAN and value is not None:
            value = "true" if value else "false"
        initial[f"attr_{spec['name']}"] = value
    return initial
