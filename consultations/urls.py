"""URLs of the module, mounted under /<municipality>/consultations/."""

from django.urls import path

from . import views

app_name = "consultations"
urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft_detail"),
    path("drafts/<int:pk>/propose/", views.proposal_create, name="propose"),
    path("drafts/<int:pk>/follow/", views.draft_follow, name="draft_follow"),
    path("proposals/<int:pk>/support/", views.proposal_support, name="support"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/answer/<int:step>/", views.survey_step, name="survey_step"),
    path("surveys/<int:pk>/answer/<int:step>/autosave/", views.survey_autosave,
         name="survey_autosave"),
    path("surveys/<int:pk>/review/", views.survey_review, name="survey_review"),
    path("surveys/<int:pk>/results/", views.survey_results, name="survey_results"),
    path("surveys/<int:pk>/results.csv", views.survey_export, name="survey_export"),
    path("quizzes/<int:pk>/", views.quiz_detail, name="quiz_detail"),
    path("stages/<int:pk>/", views.stage_detail, name="stage_detail"),
    path("stages/<int:pk>/start/", views.stage_start, name="stage_start"),
    path("stages/<int:pk>/attempts/<int:attempt>/", views.attempt_view, name="attempt"),
    path("stages/<int:pk>/draw/", views.stage_draw, name="stage_draw"),
]
