"""Reads of the CMS: a municipality's pages, announcements and search."""

from __future__ import annotations

from django.db.models import QuerySet
from wagtail.models import Page

from edem.municipalities.models import Municipality

from .models import AnnouncementIndexPage, AnnouncementPage, MunicipalityHomePage


def municipality_home_get(*, municipality: Municipality) -> MunicipalityHomePage | None:
    """The municipality's published home page, or ``None`` if it has none yet."""
    return (
        MunicipalityHomePage.objects.live()
        .filter(municipality=municipality)
        .select_related("municipality")
        .first()
    )


def announcement_list(
    *, municipality: Municipality, index: AnnouncementIndexPage | None = None
) -> QuerySet[AnnouncementPage]:
    """Published, public announcements and news of a municipality, newest first.

    Drafts, pages waiting for review and pages behind a view restriction are
    never listed.
    """
    home = MunicipalityHomePage.objects.filter(municipality=municipality).first()
    if home is None:
        return AnnouncementPage.objects.none()
    qs = AnnouncementPage.objects.live().public().descendant_of(home)
    if index is not None:
        qs = qs.child_of(index)
    return qs.order_by("-pinned", "-date", "-first_published_at")


def announcement_feed_list(
    *, municipality: Municipality, limit: int = 30
) -> QuerySet[AnnouncementPage]:
    """The newest published announcements for the feed (pinned ones not first)."""
    return announcement_list(municipality=municipality).order_by(
        "-date", "-first_published_at"
    )[:limit]


def page_search(*, municipality: Municipality, query: str):
    """Live public pages of one municipality matching the query (never another's)."""
    home = MunicipalityHomePage.objects.filter(municipality=municipality).first()
    query = (query or "").strip()
    if home is None or not query:
        return Page.objects.none()
    return (
        Page.objects.live().public().descendant_of(home, inclusive=True).search(query)
    )
