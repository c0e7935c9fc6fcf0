"""URLs of the module, mounted under /<municipality>/budget/."""

from django.urls import path

from . import views

app_name = "participatory_budget"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("map/", views.budget_map, name="map"),
    path("map.geojson", views.budget_geojson, name="geojson"),
    path("<int:pk>/", views.cycle_detail, name="cycle"),
    path("<int:pk>/submit/", views.project_create, name="submit"),
    path("<int:pk>/vote/<int:unit>/", views.ballot, name="vote"),
    path("<int:pk>/vote/<int:unit>/<str:action>/", views.ballot_change, name="vote_change"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/statistics/", views.statistics, name="statistics"),
    path("<int:pk>/statistics.<str:fmt>", views.statistics_export, name="statistics_export"),
    path("<int:pk>/export/<int:unit>.pb", views.export_pabulib, name="export"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/review/", views.project_review, name="review"),
    path("projects/<int:pk>/message/", views.project_message, name="message"),
    path("projects/<int:pk>/follow/", views.project_follow, name="follow"),
    path("projects/<int:pk>/support/", views.project_support, name="support"),
    path("projects/<int:pk>/comment/", views.project_comment, name="comment"),
    path("projects/<int:pk>/join/<str:code>/", views.project_join, name="join"),
]
