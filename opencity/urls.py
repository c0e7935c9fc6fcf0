"""URLs of the module, mounted under /<municipality>/city/."""

from django.urls import path

from . import open311, views

app_name = "opencity"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("map.geojson", views.report_geojson, name="geojson"),
    path("new/", views.report_create, name="create"),
    path("call/", views.report_file_for_caller, name="file_for_caller"),
    path("queue/", views.report_queue, name="queue"),
    path("queue/bulk/", views.report_bulk, name="bulk"),
    path("works/", views.work_list, name="works"),
    path("works.geojson", views.work_geojson, name="works_geojson"),
    path("works/new/", views.work_form, name="work_create"),
    path("works/<int:pk>/", views.work_detail, name="work_detail"),
    path("works/<int:pk>/edit/", views.work_form, name="work_edit"),
    path("works/<int:pk>/cancel/", views.work_cancel, name="work_cancel"),
    path("statistics/", views.report_statistics, name="statistics"),
    path("export.csv", views.report_export, {"fmt": "csv"}, name="export_csv"),
    path("export.json", views.report_export, {"fmt": "json"}, name="export_json"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/accept/", views.report_accept, name="accept"),
    path("<int:pk>/assign/", views.report_assign, name="assign"),
    path("<int:pk>/start/", views.report_start, name="start"),
    path("<int:pk>/resolve/", views.report_resolve, name="resolve"),
    path("<int:pk>/refuse/", views.report_refuse, name="refuse"),
    path("<int:pk>/forward/", views.report_forward, name="forward"),
    path("<int:pk>/duplicate/", views.report_duplicate, name="duplicate"),
    path("<int:pk>/confirm/", views.report_confirm, name="confirm"),
    path("<int:pk>/reopen/", views.report_reopen, name="reopen"),
    path("<int:pk>/rate/", views.report_rate, name="rate"),
    path("<int:pk>/follow/", views.report_follow, name="follow"),
    # Open311 GeoReport v2 with the municipality as the jurisdiction.
    *open311.municipality_urlpatterns,
]
