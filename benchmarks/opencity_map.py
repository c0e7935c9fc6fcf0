"""The public map of reports at a million reports.

``python -m benchmarks.opencity_map`` (PostgreSQL only) creates or reuses a
dedicated database (``BENCH_OPENCITY_DATABASE_URL``, by default
``postgres://postgres@127.0.0.1:5432/edem_bench_opencity``), migrates it and
loads ``BENCH_REPORTS`` (one million) reports of one municipality with a single
``INSERT … SELECT generate_series`` in the database. Then, for boxes from a
block to the whole city, it times in the same run

- the GeoJSON endpoint ``/<municipality>/city/map.geojson?bbox=…`` through the
  whole Django stack (URL resolving, middleware, filters, serialisation), and
- the baseline: the raw indexed SQL query for the same box and the same page
  (the rows the endpoint needs, nothing else), fetched with a cursor,

and follows the ``next_after`` cursor for a few pages of the densest box.
Target: the endpoint at most 2× the raw query, never more than 2,000 features
in a response.
"""

from __future__ import annotations

import json
import os
from functools import partial

from benchmarks.harness import ensure_postgres_database

REPORTS = int(os.environ.get("BENCH_REPORTS", "1000000"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/edem_bench_opencity"
SLUG = "bench-map"
# The municipality's extent: about 18 × 10 km, like a large regional centre.
WEST, SOUTH, EAST, NORTH = 28.55, 50.20, 28.80, 50.30
BOXES = {
    "block (≈300 m)": (28.670, 50.250, 28.674, 50.253),
    "district (≈2 km)": (28.660, 50.245, 28.690, 50.260),
    "half the city": (28.55, 50.20, 28.675, 50.30),
    "whole city": (WEST, SOUTH, EAST, NORTH),
}
MAX_FEATURES = 2000
TARGET_RATIO = 2.0


def _load() -> int:
    """Migrate and load the reports once; later runs reuse them."""
    from django.core.management import call_command
    from django.db import connection

    from edem.municipalities.models import Municipality, Organisation
    from opencity import services
    from opencity.models import Category, Report

    call_command("migrate", verbosity=0, interactive=False)
    boundary = {"type": "Polygon", "coordinates": [[
        [WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]]}
    municipality, _ = Municipality.objects.get_or_create(
        slug=SLUG, defaults={"name_uk": "Бенчмарк", "name_en": "Benchmark",
                             "centre_lat": 50.25, "centre_lon": 28.67,
                             "boundary": boundary, "locality_codes": ["UA99"]},
    )
    classes = services.deadline_classes_ensure(municipality=municipality)
    water, _ = Organisation.objects.get_or_create(
        municipality=municipality, name_uk="Водоканал", defaults={"name_en": "Water"})
    categories = []
    for code, name in (("leak", "Витік"), ("light", "Ліхтар"), ("pothole", "Яма"),
                       ("waste", "Сміття"), ("tree", "Дерево")):
        category, _ = Category.objects.get_or_create(
            municipality=municipality, code=code,
            defaults={"name_uk": name, "deadline_class": classes[1]})
        categories.append(category.pk)
    have = Report.objects.filter(municipality=municipality).count()
    if have >= REPORTS:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE opencity_report")
        return municipality.pk
    missing = REPORTS - have
    print(f"loading {missing:,} reports …", flush=True)
    statuses = ["new", "accepted", "in_progress", "resolved", "closed", "reopened"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO opencity_report (
                created_at, updated_at, municipality_id, token, category_id,
                organisation_id, source, caller_name, caller_phone, description,
                address, lat, lon, extra, status, is_public, reopen_count, answer,
                refusal_reason, rating_comment)
            SELECT now() - (n %% 700) * interval '1 day', now(), %(m)s,
                   gen_random_uuid(), (%(categories)s::int[])[1 + n %% 5], %(org)s,
                   'open311', '', '', 'Бенчмарк: звернення №' || n, '',
                   round((%(south)s + random() * %(dlat)s)::numeric, 6),
                   round((%(west)s + random() * %(dlon)s)::numeric, 6),
                   '{}'::jsonb, (%(statuses)s::text[])[1 + n %% 6], n %% 50 <> 0, 0,
                   '', '', ''
            FROM generate_series(1, %(n)s) AS n
            """,
            {"m": municipality.pk, "categories": categories, "org": water.pk,
             "south": SOUTH, "dlat": NORTH - SOUTH, "west": WEST, "dlon": EAST - WEST,
             "statuses": statuses, "n": missing},
        )
    # As autovacuum would after a load: statistics and the visibility map
    # (index-only scans need it).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE opencity_report")
    return municipality.pk


RAW_SQL = """
    SELECT id, lat, lon, status, category_id FROM opencity_report
    WHERE municipality_id = %s AND is_public
      AND lat BETWEEN %s AND %s AND lon BETWEEN %s AND %s AND id > %s
    ORDER BY id LIMIT %s
"""


def _endpoint(client, box: tuple, after: int = 0) -> bytes:
    """The endpoint's answer as the browser receives it (parsing is the client's work)."""
    response = client.get(f"/{SLUG}/city/map.geojson",
                          {"bbox": ",".join(map(str, box)), "after": after})
    assert response.status_code == 200, response.content[:300]
    return response.content


def _raw(municipality_id: int, box: tuple, after: int = 0) -> list:
    from django.db import connection

    west, south, east, north = box
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, [municipality_id, south, north, west, east, after,
                                 MAX_FEATURES + 1])
        return cursor.fetchall()


def main() -> int:
    url = os.environ.get("BENCH_OPENCITY_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        print("The map benchmark needs PostgreSQL (BENCH_OPENCITY_DATABASE_URL).")
        return 2
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "edem.settings.test"
    # Municipalities are kept per process as in production (tests switch it off).
    os.environ.setdefault("MUNICIPALITY_CACHE_SECONDS", "30")
    ensure_postgres_database(url)
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from benchmarks.harness import Result, measure, report

    setup_test_environment()
    municipality_id = _load()
    client = Client()
    results: list[Result] = []
    too_many = 0
    print(f"reports in the benchmark municipality: {REPORTS:,}")
    # The fixed cost of any request to the map (URL, middleware, the
    # municipality's row), measured on a box with no reports.
    empty = (0.0, 0.0, 0.001, 0.001)
    fixed = Result(
        name="empty box: endpoint (0 features)",
        baseline_name="raw indexed SQL, same box",
        seconds=measure(partial(_endpoint, client, empty), repeat=30),
        baseline_seconds=measure(partial(_raw, municipality_id, empty), repeat=30),
    )
    for label, box in BOXES.items():
        first = json.loads(_endpoint(client, box))
        count = len(first["features"])
        too_many += count > MAX_FEATURES
        assert count == min(len(_raw(municipality_id, box)), MAX_FEATURES)
        results.append(Result(
            name=f"{label}: endpoint, page 1 ({count} features)",
            baseline_name="raw indexed SQL, same box and page",
            seconds=measure(partial(_endpoint, client, box), repeat=15),
            baseline_seconds=measure(partial(_raw, municipality_id, box), repeat=15),
        ))
        if label == "whole city":
            after, pages, page = 0, 0, first
            while page.get("next_after") and pages < 5:
                after = page["next_after"]
                page = json.loads(_endpoint(client, box, after))
                pages += 1
                too_many += len(page["features"]) > MAX_FEATURES
            results.append(Result(
                name=f"{label}: endpoint, page {pages + 1} (after={after})",
                baseline_name="raw indexed SQL, same box and page",
                seconds=measure(partial(_endpoint, client, box, after), repeat=15),
                baseline_seconds=measure(partial(_raw, municipality_id, box, after),
                                         repeat=15),
            ))
    report([fixed, *results])
    worst = max(r.ratio for r in results)
    print(f"worst ratio {worst:.2f} (target ≤ {TARGET_RATIO}); responses over "
          f"{MAX_FEATURES} features: {too_many}; fixed cost of a map request "
          f"{fixed.seconds * 1000:.1f} ms")
    return 0 if worst <= TARGET_RATIO and not too_many else 1


if __name__ == "__main__":
    raise SystemExit(main())
