"""GeoJSON builders for the geoportal tests (inside the test municipalities' box)."""

from __future__ import annotations

import json
from typing import Any

SCHEMA = [
    {"name": "name", "type": "string", "label_uk": "Назва", "label_en": "Name"},
    {
        "name": "energy_class",
        "type": "string",
        "label_uk": "Клас",
        "label_en": "Class",
        "filter": True,
    },
    {"name": "floors", "type": "integer", "label_uk": "Поверхів", "label_en": "Floors"},
    {
        "name": "valid_until",
        "type": "date",
        "label_uk": "Дійсний до",
        "label_en": "Valid until",
    },
]


def point(key: Any, lon: float, lat: float, **properties) -> dict:
    return {
        "type": "Feature",
        "id": key,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def collection(*features: dict, indent: int | None = 2) -> str:
    return json.dumps(
        {"type": "FeatureCollection", "features": list(features)},
        ensure_ascii=False,
        indent=indent,
    )


def buildings() -> str:
    return collection(
        point(
            "b1",
            28.66,
            50.25,
            name="Ліцей №1",
            energy_class="C",
            floors=3,
            valid_until="2020-01-01",
        ),
        point(
            "b2",
            28.67,
            50.26,
            name="Дитячий садок №12",
            energy_class="D",
            floors=2,
            valid_until="2099-01-01",
        ),
        point("b3", 28.65, 50.24, name="Лікарня №2", energy_class="C", floors=5),
    )
