"""Demo layers of a municipality's geoportal.

Zoning areas, municipal property, investment sites, advertising permits (some
already expired) and municipal buildings with their energy class, placed
around the municipality's centre. ``seed_geoportal`` is idempotent: a layer
that exists (by its address) is left as staff may have edited it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from edem.municipalities.models import Municipality

from . import services
from .models import LayerCategory, MapLayer

STREETS = {
    "zhytomyr": [
        "вул. Київська",
        "вул. Велика Бердичівська",
        "майдан Корольова",
        "вул. Пушкінська",
        "вул. Перемоги",
        "вул. Хлібна",
        "вул. Театральна",
        "вул. Михайла Грушевського",
    ],
    "dnipro": [
        "просп. Дмитра Яворницького",
        "вул. Троїцька",
        "просп. Олександра Поля",
        "вул. Набережна Перемоги",
        "вул. Січеславська Набережна",
        "вул. Робоча",
        "просп. Слобожанський",
        "вул. Січових Стрільців",
    ],
}
DEFAULT_STREETS = ["вул. Центральна", "вул. Шкільна", "вул. Садова", "вул. Миру"]


@dataclass(frozen=True)
class DemoLayer:
    slug: str
    category: str
    title_uk: str
    title_en: str
    description_uk: str
    description_en: str
    source: str
    schema: list[dict[str, Any]]
    name_attribute: str
    colour: str
    fill_colour: str
    icon: str = "circle"
    line_style: str = "solid"
    expiry_attribute: str = ""
    order: int = 100
    features: list[dict[str, Any]] = field(default_factory=list)


def _attr(name, kind, uk, en, filter_=False):
    return {
        "name": name,
        "type": kind,
        "label_uk": uk,
        "label_en": en,
        "filter": filter_,
    }


def _point(lat: float, lon: float, properties: dict[str, Any], key: str) -> dict:
    return {
        "type": "Feature",
        "id": key,
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }


def _square(lat: float, lon: float, half: float, properties: dict, key: str) -> dict:
    ring = [
        [round(lon - half * 1.5, 6), round(lat - half, 6)],
        [round(lon + half * 1.5, 6), round(lat - half, 6)],
        [round(lon + half * 1.5, 6), round(lat + half, 6)],
        [round(lon - half * 1.5, 6), round(lat + half, 6)],
        [round(lon - half * 1.5, 6), round(lat - half, 6)],
    ]
    return {
        "type": "Feature",
        "id": key,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": properties,
    }


def demo_layers(municipality: Municipality, today: dt.date) -> list[DemoLayer]:
    """The five demo layers of a municipality, features placed around its centre."""
    lat0, lon0 = float(municipality.centre_lat), float(municipality.centre_lon)
    streets = STREETS.get(municipality.slug, DEFAULT_STREETS)
    zones = [
        (
            "Ж-1",
            "Житлова садибна забудова",
            "Residential, detached houses",
            -0.018,
            -0.030,
        ),
        (
            "Ж-3",
            "Житлова багатоквартирна забудова",
            "Residential, apartment blocks",
            0.012,
            -0.020,
        ),
        ("Ц-1", "Громадський центр", "Public centre", 0.000, 0.000),
        ("В-1", "Виробнича зона", "Industrial zone", -0.015, 0.032),
        (
            "Р-2",
            "Рекреаційна зона (парки, сквери)",
            "Recreation (parks, squares)",
            0.020,
            0.028,
        ),
    ]
    zoning = DemoLayer(
        slug="zoning",
        category=LayerCategory.PLANNING,
        title_uk="План зонування території",
        title_en="Zoning plan",
        description_uk="Функціональні зони міста за чинним планом зонування: що дозволено "
        "будувати на кожній ділянці.",
        description_en="Functional zones of the city under the zoning plan in force: "
        "what may be built on each plot.",
        source="Управління містобудування та архітектури",
        schema=[
            _attr("zone_code", "string", "Код зони", "Zone code", True),
            _attr("zone_name", "string", "Назва зони", "Zone", False),
            _attr("allowed_use", "string", "Дозволене використання", "Allowed use"),
            _attr("max_height_m", "integer", "Гранична висота, м", "Maximum height, m"),
        ],
        name_attribute="zone_name",
        colour="#7b3294",
        fill_colour="#c2a5cf",
        line_style="dashed",
        order=10,
        features=[
            _square(
                lat0 + dlat,
                lon0 + dlon,
                0.008,
                {
                    "zone_code": code,
                    "zone_name": f"{code} {uk}",
                    "allowed_use": en,
                    "max_height_m": [12, 48, 36, 20, 9][i],
                },
                f"zone-{i + 1}",
            )
            for i, (code, uk, en, dlat, dlon) in enumerate(zones)
        ],
    )
    uses = ["вільне", "в оренді", "використовується громадою"]
    property_layer = DemoLayer(
        slug="municipal-property",
        category=LayerCategory.PROPERTY,
        title_uk="Об'єкти комунальної власності",
        title_en="Municipal property",
        description_uk="Нежитлові приміщення та будівлі, що належать громаді: адреса, "
        "площа, балансоутримувач і чи вільне приміщення для оренди.",
        description_en="Non-residential premises and buildings owned by the community: "
        "address, area, holder and whether the premises are free to rent.",
        source="Департамент комунальної власності",
        schema=[
            _attr("name", "string", "Об'єкт", "Object"),
            _attr("address", "string", "Адреса", "Address"),
            _attr("area_m2", "number", "Площа, м²", "Area, m²"),
            _attr("holder", "string", "Балансоутримувач", "Holder"),
            _attr("use", "string", "Стан використання", "Use", True),
        ],
        name_attribute="name",
        colour="#1f78b4",
        fill_colour="#a6cee3",
        icon="square",
        order=10,
        features=[
            _point(
                lat0 + 0.004 * ((i % 4) - 1.5),
                lon0 + 0.006 * ((i // 4) - 1),
                {
                    "name": f"Нежитлове приміщення №{i + 1}",
                    "address": f"{streets[i % len(streets)]}, {10 + i * 3}",
                    "area_m2": 45.5 + i * 17,
                    "holder": "КП «Центр обслуговування»",
                    "use": uses[i % 3],
                },
                f"prop-{i + 1}",
            )
            for i in range(8)
        ],
    )
    investment = DemoLayer(
        slug="investment-sites",
        category=LayerCategory.INVESTMENT,
        title_uk="Інвестиційні ділянки",
        title_en="Investment sites",
        description_uk="Вільні земельні ділянки та браунфілди, які громада пропонує "
        "інвесторам, з площею, призначенням і наявними мережами.",
        description_en="Free land plots and brownfields the community offers to investors, "
        "with their area, purpose and available utilities.",
        source="Управління економічного розвитку",
        schema=[
            _attr("name", "string", "Ділянка", "Site"),
            _attr(
                "cadastral_number", "string", "Кадастровий номер", "Cadastral number"
            ),
            _attr("area_ha", "number", "Площа, га", "Area, ha"),
            _attr("purpose", "string", "Призначення", "Purpose", True),
            _attr(
                "utilities", "boolean", "Підведені мережі", "Utilities connected", True
            ),
        ],
        name_attribute="name",
        colour="#33a02c",
        fill_colour="#b2df8a",
        order=10,
        features=[
            _square(
                lat0 + dlat,
                lon0 + dlon,
                0.003,
                {
                    "name": name,
                    "cadastral_number": f"18101{i:05d}:01:00{i}:0{100 + i}",
                    "area_ha": area,
                    "purpose": purpose,
                    "utilities": utilities,
                },
                f"site-{i + 1}",
            )
            for i, (name, dlat, dlon, area, purpose, utilities) in enumerate(
                [
                    (
                        "Індустріальний парк «Північний»",
                        0.026,
                        0.010,
                        24.5,
                        "промисловість",
                        True,
                    ),
                    (
                        "Колишня територія заводу (браунфілд)",
                        -0.022,
                        0.018,
                        6.2,
                        "промисловість",
                        True,
                    ),
                    (
                        "Ділянка під логістичний центр",
                        -0.010,
                        -0.038,
                        3.8,
                        "логістика",
                        False,
                    ),
                    ("Ділянка під готель", 0.006, 0.014, 0.9, "туризм", True),
                ]
            )
        ],
    )
    kinds = ["білборд", "сітілайт", "вивіска", "призматрон"]
    permit_dates = [-400, -30, 45, 200, 365, -5, 730, 90, -120, 15]
    permits = DemoLayer(
        slug="advertising-permits",
        category=LayerCategory.PERMITS,
        title_uk="Дозволи на розміщення зовнішньої реклами",
        title_en="Outdoor advertising permits",
        description_uk="Рекламні засоби з чинними і простроченими дозволами: номер "
        "дозволу, власник, тип і строк дії. Прострочені позначені сірим.",
        description_en="Advertising structures with valid and expired permits: permit "
        "number, owner, type and validity. Expired ones are grey.",
        source="Управління реклами",
        schema=[
            _attr("permit_number", "string", "Номер дозволу", "Permit number"),
            _attr("owner", "string", "Розповсюджувач", "Owner"),
            _attr("kind", "string", "Тип засобу", "Type", True),
            _attr("address", "string", "Адреса", "Address"),
            _attr("valid_until", "date", "Дійсний до", "Valid until"),
        ],
        name_attribute="permit_number",
        expiry_attribute="valid_until",
        colour="#e31a1c",
        fill_colour="#fb9a99",
        icon="triangle",
        order=10,
        features=[
            _point(
                lat0 + 0.0025 * ((i % 5) - 2),
                lon0 - 0.004 + 0.008 * (i // 5),
                {
                    "permit_number": f"Р-{today.year - (1 if days < 0 else 0)}/{100 + i:03d}",
                    "owner": [
                        "ТОВ «Бігборд Україна»",
                        "ФОП Ковальчук",
                        "ТОВ «Медіасіті»",
                    ][i % 3],
                    "kind": kinds[i % 4],
                    "address": f"{streets[(i + 2) % len(streets)]}, {5 + i * 4}",
                    "valid_until": (today + dt.timedelta(days=days)).isoformat(),
                },
                f"permit-{i + 1}",
            )
            for i, days in enumerate(permit_dates)
        ],
    )
    buildings = [
        ("Ліцей №1", "C", 142, 1968),
        ("Дитячий садок №12", "D", 188, 1975),
        ("Міська лікарня №2", "E", 231, 1961),
        ("Центр надання адміністративних послуг", "B", 96, 2019),
        ("Гімназія №5", "C", 151, 1972),
        ("Спортивна школа", "F", 265, 1958),
        ("Бібліотека ім. Лесі Українки", "D", 176, 1980),
        ("Амбулаторія сімейної медицини", "A", 64, 2022),
    ]
    energy = DemoLayer(
        slug="energy-efficiency",
        category=LayerCategory.ENERGY,
        title_uk="Енергоефективність комунальних будівель",
        title_en="Energy efficiency of municipal buildings",
        description_uk="Клас енергоефективності за енергосертифікатом і питоме "
        "споживання тепла шкіл, садків, лікарень та адмінбудівель громади.",
        description_en="Energy class from the energy certificate and specific heat use of "
        "the community's schools, kindergartens, hospitals and offices.",
        source="Управління енергоменеджменту",
        schema=[
            _attr("name", "string", "Будівля", "Building"),
            _attr("address", "string", "Адреса", "Address"),
            _attr(
                "energy_class",
                "string",
                "Клас енергоефективності",
                "Energy class",
                True,
            ),
            _attr(
                "heat_kwh_m2",
                "integer",
                "Споживання тепла, кВт·год/м²",
                "Heat use, kWh/m²",
            ),
            _attr("year_built", "integer", "Рік побудови", "Year built"),
        ],
        name_attribute="name",
        colour="#ff7f00",
        fill_colour="#fdbf6f",
        icon="star",
        order=10,
        features=[
            _point(
                lat0 - 0.012 + 0.007 * (i % 4),
                lon0 - 0.015 + 0.012 * (i // 4),
                {
                    "name": name,
                    "address": f"{streets[(i + 4) % len(streets)]}, {2 + i * 7}",
                    "energy_class": cls,
                    "heat_kwh_m2": heat,
                    "year_built": year,
                },
                f"building-{i + 1}",
            )
            for i, (name, cls, heat, year) in enumerate(buildings)
        ],
    )
    layers = [zoning, property_layer, investment, permits, energy]
    scale = _spread_factor(municipality)
    for layer in layers:
        for feature in layer.features:
            feature["geometry"]["coordinates"] = _scaled(
                feature["geometry"]["coordinates"], lat0, lon0, scale
            )
    return layers


def _spread_factor(municipality: Municipality) -> float:
    """How much wider than Zhytomyr's (about 0.11 degrees tall) the city's outline is."""
    if not municipality.boundary:
        return 1.0
    from edem.core.geo import parse_area

    _west, south, _east, north = parse_area(municipality.boundary).bounds
    return max(0.5, min(3.0, (north - south) / 0.11))


def _scaled(coordinates: Any, lat0: float, lon0: float, scale: float) -> Any:
    """Positions moved away from (or towards) the centre by ``scale``."""
    if coordinates and isinstance(coordinates[0], (int, float)):
        lon, lat = coordinates
        return [
            round(lon0 + (lon - lon0) * scale, 6),
            round(lat0 + (lat - lat0) * scale, 6),
        ]
    return [_scaled(c, lat0, lon0, scale) for c in coordinates]


def _demo_actor(municipality: Municipality):
    from edem.core.demo import seed_staff

    seed_staff(municipality)
    return get_user_model().objects.get(username=f"{municipality.slug}-moderator")


@transaction.atomic
def seed_geoportal(municipality: Municipality) -> None:
    """Publish the demo layers of the municipality (missing ones only)."""
    actor = _demo_actor(municipality)
    existing = set(
        MapLayer.objects.filter(municipality=municipality).values_list(
            "slug", flat=True
        )
    )
    today = municipality.local_today()
    for demo in demo_layers(municipality, today):
        if demo.slug in existing:
            continue
        layer = services.layer_create(
            actor=actor,
            municipality=municipality,
            data={
                "slug": demo.slug,
                "category": demo.category,
                "title_uk": demo.title_uk,
                "title_en": demo.title_en,
                "description_uk": demo.description_uk,
                "description_en": demo.description_en,
                "source": demo.source,
                "schema": demo.schema,
                "name_attribute": demo.name_attribute,
                "expiry_attribute": demo.expiry_attribute,
                "colour": demo.colour,
                "fill_colour": demo.fill_colour,
                "icon": demo.icon,
                "line_style": demo.line_style,
                "order": demo.order,
            },
        )
        services.layer_data_replace(
            actor=actor,
            layer=layer,
            text=json.dumps(
                {"type": "FeatureCollection", "features": demo.features},
                ensure_ascii=False,
            ),
            source_name=f"{demo.slug}.geojson",
        )
        services.layer_publish(actor=actor, layer=layer)
