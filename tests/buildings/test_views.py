"""Pages of the module through HTTP: thin views over the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from buildings.models import Meeting, Owner, PaperBallot, Protocol, Vote
from tests.buildings.factories import BuildingFactory, make_meeting
from tests.buildings.test_services import REGISTER_CSV, png_upload
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def url(building_or_meeting, suffix: str = "") -> str:
    """The English page: the module's new strings are translated by the lead later."""
    with translation.override("uk"):
        return "/en" + building_or_meeting.get_absolute_url() + suffix


def test_the_cabinet_is_for_owners_and_administrators_only(
    client, building, register, administrator
):
    assert client.get(url(building)).status_code == 302  # to the login
    client.force_login(CitizenFactory())
    assert client.get(url(building)).status_code == 403
    client.force_login(register["users"]["olena"])
    page = client.get(url(building)).content.decode()
    assert "My share" in page and "100.00" in page  # her weight in m²
    assert "Pay utility bills" in page
    client.force_login(administrator)
    assert client.get(url(building)).status_code == 200


def test_another_municipalitys_building_is_a_404(client, dnipro, register, building):
    client.force_login(register["users"]["olena"])
    assert client.get(f"/en/dnipro/buildings/{building.pk}/").status_code == 404


def test_the_administrator_imports_the_register_and_sees_errors_by_line(
    client, building, administrator
):
    client.force_login(administrator)
    manage = url(building, "manage/")
    bad = SimpleUploadedFile(
        "r.csv", (REGISTER_CSV + "9;квартира;нуль;O-9;Хтось;1\n").encode()
    )
    page = client.post(manage, {"import": "1", "file": bad}).content.decode()
    assert "Line 7" in page
    assert not Owner.objects.filter(building=building).exists()
    good = SimpleUploadedFile("r.csv", REGISTER_CSV.encode())
    response = client.post(manage, {"import": "1", "file": good}, follow=True)
    assert "The register is imported" in response.content.decode()
    assert Owner.objects.filter(building=building).count() == 4


def test_an_owner_joins_with_the_invitation_code(
    client, building, administrator, register
):
    client.force_login(administrator)
    maria = register["owners"]["maria"]
    response = client.post(
        url(building, f"manage/owners/{maria.pk}/invite/"), follow=True
    )
    message = [str(m) for m in response.context["messages"]][0]
    code = message.split(": ")[1].split(" ")[0]
    person = CitizenFactory()
    client.force_login(person)
    response = client.post(
        f"/en/{building.municipality.slug}/buildings/link/", {"code": code}, follow=True
    )
    assert response.redirect_chain[-1][0] == url(building)
    maria.refresh_from_db()
    assert maria.identity_id == person.identity_id


def test_an_owner_votes_and_sees_the_live_turnout(client, building, register):
    meeting = make_meeting(building, items=2)
    first, second = meeting.items.all()
    client.force_login(register["users"]["olena"])
    page = client.get(url(meeting)).content.decode()
    assert "Turnout by area share" in page
    response = client.post(
        url(meeting, "vote/"),
        {f"item_{first.pk}": "for", f"item_{second.pk}": "abstain"},
        follow=True,
    )
    assert "Thank you: your vote is counted." in response.content.decode()
    assert Vote.objects.filter(owner=register["owners"]["olena"]).count() == 2
    turnout = client.get(url(meeting, "turnout.json")).json()
    assert turnout["turnout_percent"] == pytest.approx(33.33, abs=0.01)
    assert turnout["thresholds_percent"] == [50.0]


def test_a_vote_after_the_end_gets_a_clear_refusal(client, building, register):
    meeting = make_meeting(building, open_now=False)
    client.force_login(register["users"]["olena"])
    response = client.post(
        url(meeting, "vote/"), {f"item_{meeting.items.first().pk}": "for"}, follow=True
    )
    assert "Voting has ended" in response.content.decode()
    assert not Vote.objects.exists()


def test_paper_ballot_entered_seen_and_disputed_by_the_owner(
    client, building, administrator, register
):
    meeting = make_meeting(building)
    item = meeting.items.first()
    client.force_login(administrator)
    response = client.post(
        url(meeting, "manage/"),
        {
            "owner": register["owners"]["ivan"].pk,
            f"item_{item.pk}": "against",
            "scan": png_upload(),
        },
        follow=True,
    )
    assert "The paper ballot is entered" in response.content.decode()
    ballot = PaperBallot.objects.get()
    client.force_login(register["users"]["ivan"])
    cabinet = client.get("/en/me/").content.decode()
    assert "Paper ballots entered in my name" in cabinet
    page = client.get(url(meeting)).content.decode()
    assert "Paper ballot entered in my name" in page
    scan = client.get(url(meeting, f"ballots/{ballot.pk}/scan/"))
    assert scan.status_code == 200
    client.post(
        url(meeting, f"ballots/{ballot.pk}/dispute/"), {"reason": "Я не голосував"}
    )
    ballot.refresh_from_db()
    assert ballot.status == PaperBallot.Status.DISPUTED
    client.force_login(register["users"]["olena"])
    assert client.get(url(meeting, f"ballots/{ballot.pk}/scan/")).status_code == 403


def test_the_protocol_page_verifies_a_copy_and_refuses_a_changed_one(
    client, building, administrator, register, tmp_path, settings
):
    settings.PROTOCOL_SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    meeting = make_meeting(building)
    from buildings import services

    services.ballot_cast(
        actor=register["users"]["olena"],
        meeting=meeting,
        choices={meeting.items.first().pk: "for"},
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_ends_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client.force_login(administrator)
    client.post(url(meeting, "close/"))
    protocol = Protocol.objects.get()
    client.logout()
    verify = protocol.get_absolute_url()
    page = client.get(verify).content.decode()
    assert protocol.sha256 in page and 'data-verified="signature"' in page
    pdf = client.get(verify + "protocol.pdf")
    data = b"".join(pdf.streaming_content)
    ok = client.post(
        verify, {"file": SimpleUploadedFile("p.pdf", data)}
    ).content.decode()
    assert 'data-verified="copy"' in ok
    changed = client.post(verify, {"file": SimpleUploadedFile("p.pdf", data + b"\n%")})
    assert "differs from the signed protocol" in changed.content.decode()
    keys = client.get(
        f"/en/{building.municipality.slug}/buildings/protocols/key.json"
    ).json()
    assert keys["keys"][0]["kid"] == protocol.key_id


def test_an_early_start_is_refused_on_the_page(
    client, building, administrator, register
):
    client.force_login(administrator)
    starts = timezone.localtime() + dt.timedelta(days=3)
    response = client.post(
        url(building, "meetings/new/"),
        {
            "title": "Ліфт",
            "initiator": "administrator",
            "voting_starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "voting_ends_at": (starts + dt.timedelta(days=7)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "item_1_title": "Ремонт ліфта",
            "item_1_decision": "Так",
            "item_1_threshold": "majority",
        },
        follow=True,
    )
    meeting = Meeting.objects.get()
    response = client.post(url(meeting, "announce/"), follow=True)
    assert "the earliest start is" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT


def test_meter_readings_form_and_csv_export(client, building, administrator, register):
    client.force_login(register["users"]["olena"])
    flat = building.premises.get(number="1")
    month = timezone.localdate().strftime("%Y-%m")
    response = client.post(
        url(building, "readings/"),
        {
            "premises": flat.pk,
            "kind": "electricity",
            "period": month,
            "value": "1200",
        },
        follow=True,
    )
    assert "The reading is saved" in response.content.decode()
    client.force_login(administrator)
    csv_text = client.get(
        url(building, f"manage/readings.csv?month={month}")
    ).content.decode()
    assert ",electricity," in csv_text and "1200.000" in csv_text


def test_a_fault_request_goes_to_the_managements_organisation(
    client, building, register
):
    from opencity.models import Category, Report
    from tests.factories import OrganisationFactory

    organisation = OrganisationFactory(municipality=building.municipality)
    building.management.organisation = organisation
    building.management.save()
    other = OrganisationFactory(municipality=building.municipality)
    category = Category.objects.create(
        municipality=building.municipality, code="lift", name_uk="Ліфт", name_en="Lift"
    )
    category.organisations.add(other)
    client.force_login(register["users"]["petro"])
    page = client.get(url(building)).content.decode()
    assert "Lift" in page
    client.post(
        url(building, "fault/"),
        {
            "category": category.pk,
            "description": "Ліфт у другому під'їзді стоїть між поверхами.",
        },
    )
    report = Report.objects.get()
    assert report.organisation == organisation
    assert report.address == building.address


def test_board_messages_are_for_owners(client, building, register):
    client.force_login(register["users"]["petro"])
    client.post(url(building, "board/"), {"body": "Завтра прибирання двору о 10:00."})
    assert "Завтра прибирання двору" in client.get(url(building)).content.decode()
    client.force_login(CitizenFactory())
    client.post(url(building, "board/"), {"body": "Спам"})
    from edem.participation.models import Comment

    assert Comment.objects.count() == 1


def test_english_pages_and_a_stranger_refused(client, building, register):
    meeting = make_meeting(building)
    client.force_login(register["users"]["olena"])
    page = client.get(url(meeting)).content.decode()
    assert "Turnout by area share" in page and "My vote" in page
    other = BuildingFactory(municipality=building.municipality)
    assert client.get(url(other)).status_code == 403


def test_api_lists_meetings_gives_results_after_the_end_and_takes_votes(
    client, building, register
):
    running = make_meeting(building, title="Сонячні панелі")
    ended = make_meeting(building, open_now=False, title="Покрівля")
    from buildings.models import Vote as VoteRow

    VoteRow.objects.create(
        item=ended.items.first(),
        owner=register["owners"]["ivan"],
        choice="for",
        channel="online",
        weight=90,
        cast_by=register["users"]["ivan"],
    )
    base = f"/api/v1/{building.municipality.slug}/owner-meetings/"
    listed = client.get(base).json()["results"]
    assert {m["title"] for m in listed} == {"Сонячні панелі", "Покрівля"}
    assert client.get(f"{base}{running.pk}/results/").status_code == 409
    results = client.get(f"{base}{ended.pk}/results/").json()
    assert results["items"][0]["weight_for"] == "90.000000"
    assert results["items"][0]["adopted"] is False  # 90 of 300 m²
    assert (
        client.post(
            f"{base}{running.pk}/vote/",
            {"choices": {}},
            content_type="application/json",
        ).status_code
        == 403
    )
    client.force_login(register["users"]["olena"])
    response = client.post(
        f"{base}{running.pk}/vote/",
        {"choices": {str(running.items.first().pk): "for"}},
        content_type="application/json",
    )
    assert response.status_code == 201
    late = client.post(
        f"{base}{ended.pk}/vote/",
        {"choices": {str(ended.items.first().pk): "for"}},
        content_type="application/json",
    )
    assert late.status_code == 400


def test_owners_call_a_meeting_as_an_initiative_group_on_the_pages(
    client, building, register
):
    users = register["users"]
    client.force_login(users["petro"])
    starts = timezone.localtime() + dt.timedelta(days=12)
    page = client.get(url(building, "meetings/new/")).content.decode()
    assert "initiative group of owners" in page and 'name="initiator"' not in page
    response = client.post(
        url(building, "meetings/new/"),
        {
            "title": "Дитячий майданчик",
            "voting_starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "voting_ends_at": (starts + dt.timedelta(days=7)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "item_1_title": "Майданчик",
            "item_1_decision": "Встановити майданчик",
        },
        follow=True,
    )
    meeting = Meeting.objects.get()
    assert response.redirect_chain[-1][0] == url(meeting)
    for who in ("olena", "ivan"):
        client.force_login(users[who])
        assert "Дитячий майданчик" in client.get(url(building)).content.decode()
        client.post(url(meeting, "join/"))
    response = client.post(url(meeting, "announce/"), follow=True)
    assert "the owners are notified" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ANNOUNCED


def test_a_person_asks_to_be_matched_and_the_administrator_confirms_on_the_pages(
    client, building, administrator, register
):
    person = CitizenFactory()
    client.force_login(person)
    page = client.get(f"/en/{building.municipality.slug}/buildings/").content.decode()
    assert "No code? Ask the administrator to confirm you" in page
    response = client.post(
        f"/en/{building.municipality.slug}/buildings/claim/",
        {"building": building.pk, "premises_number": "3"},
        follow=True,
    )
    assert "Your request is sent" in response.content.decode()
    client.force_login(administrator)
    manage = client.get(url(building, "manage/")).content.decode()
    assert person.identity.family_name in manage and "premises 3" in manage
    claim = building.owner_claims.get()
    maria = register["owners"]["maria"]
    response = client.post(
        url(building, f"manage/claims/{claim.pk}/"),
        {"decision": "confirm", "owner": maria.pk},
        follow=True,
    )
    assert "The request is decided" in response.content.decode()
    maria.refresh_from_db()
    assert maria.identity_id == person.identity_id
