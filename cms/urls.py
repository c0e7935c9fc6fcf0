"""CMS URLs under /<municipality>/: feeds and search."""

from django.urls import path

from . import feeds, views

app_name = "cms"
urlpatterns = [
    path("feed/", feeds.AnnouncementFeed(), name="feed"),
    path("feed/atom/", feeds.AnnouncementAtomFeed(), name="feed_atom"),
    path("search/", views.search, name="search"),
]
