"""RSS and Atom feeds of a municipality's published announcements and news."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from edem.municipalities.models import Municipality

from .models import AnnouncementPage
from .selectors import announcement_feed_list


class AnnouncementFeed(Feed):
    """The 30 newest published announcements of one municipality (never drafts)."""

    url_name = "cms:feed"

    def get_object(self, request, municipality: Municipality) -> Municipality:
        # The municipality middleware has already turned the slug into the object.
        return municipality

    def title(self, municipality: Municipality) -> str:
        return _("%(name)s: news and announcements") % {"name": municipality.name}

    def link(self, municipality: Municipality) -> str:
        return municipality.get_absolute_url()

    def description(self, municipality: Municipality) -> str:
        return _("Official announcements and news of %(name)s on E-DEM.") % {
            "name": municipality.name
        }

    def feed_url(self, municipality: Municipality) -> str:
        return reverse(self.url_name, kwargs={"municipality": municipality.slug})

    def items(self, municipality: Municipality):
        return announcement_feed_list(municipality=municipality)

    def item_title(self, item: AnnouncementPage) -> str:
        prefix = _("Official announcement") if item.is_official else _("News")
        return f"{prefix}: {item.display_title}"

    def item_description(self, item: AnnouncementPage) -> str:
        return item.display_summary or strip_tags(item.display_body)[:500]

    def item_link(self, item: AnnouncementPage) -> str:
        return item.get_url()

    def item_guid(self, item: AnnouncementPage) -> str:
        return f"edem:{item.municipality.slug}:page:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: AnnouncementPage) -> dt.datetime:
        return item.first_published_at or dt.datetime.combine(
            item.date, dt.time(), tzinfo=dt.UTC
        )

    def item_updateddate(self, item: AnnouncementPage) -> dt.datetime | None:
        return item.last_published_at

    def item_categories(self, item: AnnouncementPage) -> list[str]:
        return [str(item.get_kind_display()), str(item.get_category_display())]

    def item_author_name(self, item: AnnouncementPage) -> str | None:
        return item.author_organisation.name if item.author_organisation else None


class AnnouncementAtomFeed(AnnouncementFeed):
    feed_type = Atom1Feed
    url_name = "cms:feed_atom"

    def subtitle(self, municipality: Municipality) -> str:
        return self.description(municipality)
