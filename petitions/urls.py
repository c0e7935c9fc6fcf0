"""URLs of the module, mounted under /<municipality>/petitions/."""

from django.urls import path

from . import views

app_name = "petitions"
urlpatterns = [
    path("", views.petition_list, name="list"),
    path("new/", views.petition_create, name="create"),
    path("similar/", views.petition_similar, name="similar"),
    path("export.csv", views.petition_export, name="export"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/edit/", views.petition_edit, name="edit"),
    path("<int:pk>/submit/", views.petition_submit, name="submit"),
    path("<int:pk>/withdraw/", views.petition_withdraw, name="withdraw"),
    path("<int:pk>/sign/", views.petition_sign, name="sign"),
    path("<int:pk>/follow/", views.petition_follow, name="follow"),
    path("<int:pk>/signers/", views.petition_signers, name="signers"),
]
