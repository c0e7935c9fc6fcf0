from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path(
        "<slug:municipality>/residency/",
        views.residency_list,
        name="confirm_residency",
    ),
    path(
        "<slug:municipality>/residency/<int:pk>/revoke/",
        views.residency_revoke_view,
        name="revoke_residency",
    ),
]
