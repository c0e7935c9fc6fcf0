"""CMS URLs under /<municipality>/: feeds, search and the geoportal."""

from django.urls import path

from . import feeds, views
from .geoportal import views as geoportal

app_name = "cms"
urlpatterns = [
    path("feed/", feeds.AnnouncementFeed(), name="feed"),
    path("feed/atom/", feeds.AnnouncementAtomFeed(), name="feed_atom"),
    path("search/", views.search, name="search"),
    path("map/", geoportal.geoportal, name="map"),
    path("map/search.json", geoportal.map_search, name="map_search"),
    path("map/<slug:layer>/", geoportal.layer_detail, name="layer"),
    path("map/<slug:layer>.geojson", geoportal.layer_geojson, name="layer_geojson"),
    path(
        "map/<slug:layer>/download.geojson",
        geoportal.layer_download_geojson,
        name="layer_download_geojson",
    ),
    path(
        "map/<slug:layer>/download.csv",
        geoportal.layer_download_csv,
        name="layer_download_csv",
    ),
]
