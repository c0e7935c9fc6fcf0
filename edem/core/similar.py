"""Finding earlier items whose titles resemble what a person is typing.

Petitions and ideas both suggest similar existing items while the author types
the title, so that people join an existing initiative instead of splitting it.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

# How many of the latest items the embedded (SQLite) fallback compares.
FALLBACK_SCAN = 500
# Trigram word similarity from which a title counts as similar.
MIN_SIMILARITY = 0.3


def similar_by_title(
    queryset: QuerySet, title: str, *, newest_first: str, tie_break: str,
    limit: int = 5, max_length: int = 300,
) -> list:
    """Items of ``queryset`` whose ``title`` resembles ``title``, most similar first.

    On PostgreSQL by trigram word similarity (robust to Ukrainian word endings,
    ties broken by ``tie_break``); elsewhere by shared word stems of four
    letters or more among the latest items (ordered by ``newest_first``).
    """
    title = (title or "").strip()[:max_length]
    if len(title) < 4:
        return []
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramWordSimilarity

        return list(
            queryset.annotate(similarity=TrigramWordSimilarity(title, "title"))
            .filter(similarity__gte=MIN_SIMILARITY)
            .order_by("-similarity", tie_break)[:limit]
        )
    words = {w.strip(".,:;!?«»\"'()").lower() for w in title.split()}
    stems = [w[: max(4, len(w) - 2)] for w in words if len(w) >= 4]
    if not stems:
        return []
    # SQLite folds the case of Latin letters only, so the (small, embedded)
    # fallback compares in Python over the latest items.
    scored = []
    for item in queryset.order_by(newest_first)[:FALLBACK_SCAN]:
        lowered = item.title.lower()
        score = sum(1 for stem in stems if stem in lowered)
        if score:
            scored.append((score, item))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _score, item in scored[:limit]]
