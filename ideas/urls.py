"""URLs of the module, mounted under /<municipality>/ideas/."""

from django.urls import path

from . import views

app_name = "ideas"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/ideas/", views.idea_list, name="ideas"),
    path("campaigns/<int:pk>/new/", views.idea_create, name="create"),
    path("campaigns/<int:pk>/ideas.geojson", views.campaign_geojson, name="geojson"),
    path("campaigns/<int:pk>/similar/", views.idea_similar, name="similar"),
    path("campaigns/<int:pk>/results/", views.campaign_results, name="results"),
    path("campaigns/<int:pk>/statistics/", views.campaign_statistics, name="statistics"),
    path("campaigns/<int:pk>/export.csv", views.campaign_export_csv, name="export_csv"),
    path("campaigns/<int:pk>/export.json", views.campaign_export_json, name="export_json"),
    path("<int:pk>/", views.idea_detail, name="detail"),
    path("<int:pk>/edit/", views.idea_edit, name="edit"),
    path("<int:pk>/withdraw/", views.idea_withdraw, name="withdraw"),
    path("<int:pk>/support/", views.idea_support, name="support"),
    path("<int:pk>/comment/", views.idea_comment, name="comment"),
    path("<int:pk>/follow/", views.idea_follow, name="follow"),
]
