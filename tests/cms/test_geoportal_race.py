"""Layer data under concurrency, on PostgreSQL: uploads and edits of one layer
at the same moment are serialised by the layer's row lock, so versions stay
numbered 1, 2, 3... and the stored features are those of exactly one file."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from cms.geoportal import services
from tests.cms.conftest import make_layer
from tests.cms.geoportal_data import collection, point
from tests.factories import MunicipalityRoleFactory
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _file(tag: str, count: int) -> str:
    return collection(
        *[
            point(f"{tag}{i}", 28.60 + i * 0.01, 50.25, name=f"{tag} {i}")
            for i in range(count)
        ]
    )


def test_concurrent_uploads_and_edits_make_consecutive_versions(zhytomyr):
    require_postgres()
    actor = MunicipalityRoleFactory(municipality=zhytomyr, role="moderator").user
    layer = make_layer(zhytomyr, actor)
    files = {tag: _file(tag, n) for tag, n in (("a", 3), ("b", 5), ("c", 7), ("d", 9))}
    start = threading.Barrier(len(files) + 2)

    def upload(tag: str):
        start.wait(timeout=60)
        try:
            return services.layer_data_replace(
                actor=actor, layer=layer, text=files[tag]
            )
        finally:
            connection.close()

    def draw(name: str):
        start.wait(timeout=60)
        try:
            return services.feature_save(
                actor=actor,
                layer=layer,
                properties={"name": name},
                geometry={"type": "Point", "coordinates": [28.7, 50.28]},
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(len(files) + 2) as pool:
        futures = [pool.submit(upload, tag) for tag in files]
        futures += [pool.submit(draw, name) for name in ("x", "y")]
        for future in futures:
            future.result()
    layer.refresh_from_db()
    numbers = sorted(layer.versions.values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5, 6] and layer.version == 6
    last = layer.versions.get(number=6)
    assert layer.feature_count == layer.features.count() == last.feature_count
    tags = {
        key.rstrip("0123456789") for key in layer.features.values_list("key", flat=True)
    }
    # The features are one file's, plus the drawings made after it.
    assert len(tags - {""}) <= 1
