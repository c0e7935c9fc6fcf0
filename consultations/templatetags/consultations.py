"""Template tags of the module: the input of one survey question."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..blocks import QuestionKind

register = template.Library()


def _choice(kind: str, name: str, code: str, index: int, label: str, checked: bool,
            described: str) -> SafeString:
    return format_html(
        '<label class="choice" for="{id}"><input type="{kind}" id="{id}" name="{name}" '
        'value="{value}"{checked}{described}> {label}</label>',
        id=f"{name}-{index}", kind=kind, name=name, value=index, label=label,
        checked=SafeString(" checked") if checked else "",
        described=format_html(' aria-describedby="{}"', described) if described else "",
    )


def _selected(value, raw, index: int, *, many: bool) -> bool:
    if raw is not None:
        values = raw if isinstance(raw, list | tuple) else [raw]
        return str(index) in [str(v) for v in values]
    if value is None:
        return False
    return index in value if many else value == index


@register.simple_tag
def question_input(row: dict, posted: bool = False) -> SafeString:
    """Radio buttons, check boxes, rank selects, a text area or coordinates."""
    q = row["q"]
    name = f"q_{q.code}"
    value = row.get("value")
    raw = row.get("raw") if posted else None
    described = f"error-{q.code}" if row.get("error") else ""
    if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        kind = "radio" if q.kind == QuestionKind.SINGLE else "checkbox"
        many = q.kind == QuestionKind.MULTIPLE
        inputs = format_html_join(
            "", "{}",
            ((_choice(kind, name, q.code, i, label, _selected(value, raw, i, many=many),
                      described),) for i, label in enumerate(q.options)),
        )
        limits = ""
        if many and (q.min_choices or q.max_choices):
            limits = format_html(
                '<p class="help">{}</p>',
                _("Choose from %(low)d to %(high)d answers.")
                % {"low": q.min_choices or 0, "high": q.max_choices or len(q.options)},
            )
        return format_html('{}<div class="choices">{}</div>', limits, inputs)
    if q.kind == QuestionKind.SCALE:
        inputs = format_html_join(
            "", "{}",
            ((_choice("radio", name, q.code, v, str(v), _selected(value, raw, v, many=False),
                      described),) for v in q.scale_values),
        )
        return format_html(
            '<div class="scale"><span class="scale__label">{}</span><span class="choices '
            'choices--inline">{}</span><span class="scale__label">{}</span></div>',
            q.scale_min_label, inputs, q.scale_max_label,
        )
    if q.kind == QuestionKind.RANKING:
        places = {}
        if raw is not None:
            places = {i: str(r) for i, r in enumerate(raw)}
        elif value:
            places = {index: str(place) for place, index in enumerate(value, start=1)}
        rows = []
        for i, label in enumerate(q.options):
            options = format_html_join(
                "", '<option value="{}"{}>{}</option>',
                ((p, SafeString(" selected") if places.get(i) == str(p) else "", p)
                 for p in q.rank_positions),
            )
            rows.append(format_html(
                '<li><label for="{id}">{label}</label> <select id="{id}" name="{name}">'
                '<option value="">—</option>{options}</select></li>',
                id=f"{name}_{i}", name=f"{name}_{i}", label=label, options=options,
            ))
        return format_html(
            '<p class="help">{}</p><ul class="ranking">{}</ul>',
            _("Give each option its place: 1 for the most important."),
            format_html_join("", "{}", ((r,) for r in rows)),
        )
    if q.kind == QuestionKind.TEXT:
        text = raw if raw is not None else (value or "")
        return format_html(
            '<label class="visually-hidden" for="{id}">{label}</label>'
            '<textarea id="{id}" name="{name}" rows="4" maxlength="2000">{text}</textarea>',
            id=name, name=name, text=text, label=q.text,
        )
    if q.kind == QuestionKind.POINT:
        lat, lon = ("", "")
        if raw is not None:
            lat, lon = raw
        elif value:
            lat, lon = value
        # The map is hidden until the script shows it: without JavaScript the two
        # fields are the whole question and still work.
        return format_html(
            '<div class="point" data-point="{name}"><p class="help">{hint}</p>'
            '<p class="help point__map-help" id="{name}_map_help" hidden>{map_hint}</p>'
            '<div class="point__map" id="{name}_map" data-lat-input="{name}_lat" '
            'data-lon-input="{name}_lon" data-marker-title="{marker}" role="application" '
            'aria-label="{map_label}" aria-describedby="{name}_map_help" hidden></div>'
            '<div class="point__fields">'
            '<span><label for="{name}_lat">{lat_label}</label> '
            '<input type="text" inputmode="decimal" id="{name}_lat" name="{name}_lat" value="{lat}"></span> '
            '<span><label for="{name}_lon">{lon_label}</label> '
            '<input type="text" inputmode="decimal" id="{name}_lon" name="{name}_lon" value="{lon}"></span>'
            '</div></div>',
            name=name, lat=lat, lon=lon, lat_label=_("Latitude"), lon_label=_("Longitude"),
            hint=_("Give the place's coordinates, e.g. from a map application: "
                   "latitude 50.2547, longitude 28.6587."),
            map_hint=_("Or click the map to mark the place; drag the marker to move it. "
                       "The coordinates below follow."),
            map_label=_("Map: click to mark the place"), marker=_("The chosen place"),
        )
    return SafeString("")
