"""URLs of the module, mounted under /<municipality>/buildings/."""

from django.urls import path

from . import views

app_name = "buildings"
urlpatterns = [
    path("", views.building_list, name="list"),
    path("link/", views.owner_link, name="link"),
    path("claim/", views.owner_claim, name="claim"),
    path("<int:pk>/", views.building_detail, name="detail"),
    path("<int:pk>/board/", views.board_post, name="board"),
    path("<int:pk>/fault/", views.fault_report, name="fault"),
    path("<int:pk>/readings/", views.reading_submit, name="reading"),
    path("<int:pk>/manage/", views.building_manage, name="manage"),
    path(
        "<int:pk>/manage/owners/<int:owner_pk>/invite/",
        views.owner_invite,
        name="invite",
    ),
    path("<int:pk>/manage/readings.csv", views.readings_export, name="readings_csv"),
    path(
        "<int:pk>/manage/claims/<int:claim_pk>/",
        views.owner_claim_decide,
        name="claim_decide",
    ),
    path("<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/turnout.json", views.meeting_turnout, name="turnout"),
    path("meetings/<int:pk>/vote/", views.meeting_vote, name="vote"),
    path("meetings/<int:pk>/manage/", views.meeting_manage, name="meeting_manage"),
    path("meetings/<int:pk>/announce/", views.meeting_announce, name="announce"),
    path("meetings/<int:pk>/join/", views.initiative_join, name="join"),
    path("meetings/<int:pk>/close/", views.meeting_close, name="close"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path(
        "meetings/<int:pk>/ballots/<int:ballot_pk>/dispute/",
        views.ballot_dispute,
        name="dispute",
    ),
    path(
        "meetings/<int:pk>/ballots/<int:ballot_pk>/resolve/",
        views.ballot_resolve,
        name="resolve",
    ),
    path(
        "meetings/<int:pk>/ballots/<int:ballot_pk>/scan/",
        views.ballot_scan,
        name="scan",
    ),
    path("protocols/key.json", views.protocol_keys, name="protocol_keys"),
    path("protocols/<uuid:public_id>/", views.protocol_verify, name="protocol_verify"),
    path(
        "protocols/<uuid:public_id>/protocol.pdf",
        views.protocol_download,
        name="protocol_pdf",
    ),
]
