"""URLs of the shared discussion, mounted under /<municipality>/comments/."""

from django.urls import path

from . import views

app_name = "participation"
urlpatterns = [
    path("<int:pk>/report/", views.comment_report, name="comment_report"),
    path("<int:pk>/hide/", views.comment_hide, name="comment_hide"),
]
