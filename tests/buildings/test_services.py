"""Services of the buildings module on the real database."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from buildings import services, signing
from buildings.models import (
    Building,
    Meeting,
    MeterReading,
    Owner,
    Ownership,
    PaperBallot,
    Premises,
    Vote,
)
from buildings.selectors import meeting_results
from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.notifications.models import Delivery, Notification
from edem.participation.models import AuditEntry
from tests.buildings.factories import make_meeting
from tests.factories import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db


def png_upload(name="ballot.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf_upload(name="ballot.pdf") -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Author": "scanner 3000"})
    out = io.BytesIO()
    writer.write(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


# --- weights -----------------------------------------------------------------------------


def test_weights_with_joint_and_multiple_ownership(building, register):
    owners = register["owners"]
    assert services.owner_weight(owners["olena"]) == Decimal("100")  # 60 + 80/2
    assert services.owner_weight(owners["petro"]) == Decimal("40")
    assert services.owner_weight(owners["maria"]) == Decimal("70")
    assert services.owner_weight(owners["ivan"]) == Decimal("90")
    assert services.building_total_area(building) == Decimal("300")


def test_a_third_share_keeps_its_exact_weight(building):
    from tests.buildings.factories import add_owner, add_premises

    a, b, c = (add_owner(building, name) for name in ("А", "Б", "В"))
    add_premises(building, "9", "100.00", [(a, "1/3"), (b, "1/3"), (c, "1/3")])
    weights = [services.owner_weight(o) for o in (a, b, c)]
    assert weights == [Decimal("33.333333")] * 3


def test_a_share_above_the_whole_is_refused_by_the_database(building, register):
    premises = Premises.objects.get(building=building, number="3")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ownership.objects.create(
            premises=premises,
            owner=register["owners"]["petro"],
            share_numerator=3,
            share_denominator=2,
        )


# --- register import ---------------------------------------------------------------------


REGISTER_CSV = (
    "premises;kind;area;owner_reference;owner_name;share\n"
    "1;квартира;60,00;O-1;Олена Коваленко;1\n"
    "2;квартира;80;O-1;Олена Коваленко;1/2\n"
    "2;квартира;80;O-2;Петро Коваленко;1/2\n"
    "3;apartment;70;O-3;Марія Шевчук;\n"
    "М1;нежитлове;90;O-4;Іван Бондар;1/1\n"
)


def csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "register.csv", text.encode("utf-8"), content_type="text/csv"
    )


def test_register_import_builds_premises_owners_and_shares_and_is_audited(
    building, administrator
):
    summary = services.register_import(
        actor=administrator, building=building, upload=csv_upload(REGISTER_CSV)
    )
    assert (summary.premises, summary.owners, summary.shares) == (4, 4, 5)
    assert services.building_total_area(building) == Decimal("300")
    olena = Owner.objects.get(building=building, reference="O-1")
    assert services.owner_weight(olena) == Decimal("100")
    entry = AuditEntry.objects.get(action="buildings.register_imported")
    assert entry.actor == administrator
    assert entry.after["premises"] == 4 and len(entry.after["file_sha256"]) == 64


def test_register_import_keeps_linked_owners_by_register_number(
    building, administrator, register
):
    olena = register["owners"]["olena"]
    services.register_import(
        actor=administrator, building=building, upload=csv_upload(REGISTER_CSV)
    )
    olena.refresh_from_db()
    assert olena.identity_id == register["users"]["olena"].identity_id
    assert Owner.objects.filter(building=building).count() == 4


def test_register_with_any_bad_row_is_refused_whole(building, administrator):
    bad = (
        REGISTER_CSV + "4;квартира;-5;O-5;Хтось;1\n" + "2;квартира;80;O-6;Третій;1/2\n"
    )
    with pytest.raises(ValidationError) as exc:
        services.register_import(
            actor=administrator, building=building, upload=csv_upload(bad)
        )
    messages = exc.value.message_dict["file"]
    assert any("Рядок 7" in m or "Line 7" in m for m in messages), messages
    assert Premises.objects.filter(building=building).count() == 0
    assert Owner.objects.filter(building=building).count() == 0
    assert not AuditEntry.objects.filter(action="buildings.register_imported").exists()


def test_shares_above_the_whole_of_a_premises_are_refused(building, administrator):
    bad = REGISTER_CSV + "2;квартира;80;O-6;Третій;1/2\n"
    with pytest.raises(ValidationError) as exc:
        services.register_import(
            actor=administrator, building=building, upload=csv_upload(bad)
        )
    assert any("2" in m for m in exc.value.message_dict["file"])
    assert not Premises.objects.filter(building=building).exists()


def test_register_import_needs_the_administrator(building, register):
    with pytest.raises(PermissionRefused):
        services.register_import(
            actor=register["users"]["olena"],
            building=building,
            upload=csv_upload(REGISTER_CSV),
        )


def test_register_is_frozen_while_a_meeting_is_announced(
    building, administrator, register
):
    make_meeting(building)
    with pytest.raises(Conflict):
        services.register_import(
            actor=administrator, building=building, upload=csv_upload(REGISTER_CSV)
        )


# --- linking owners -------------------------------------------------------------------------


def test_invitation_code_links_the_owner_once_and_no_tax_number_is_kept(
    building, administrator, register
):
    maria = register["owners"]["maria"]
    code = services.owner_invite(actor=administrator, owner=maria)
    maria.refresh_from_db()
    assert code not in maria.invitation_digest and len(maria.invitation_digest) == 64
    person = CitizenFactory()
    linked = services.owner_link(actor=person, code=code.lower())
    assert linked.pk == maria.pk and linked.identity_id == person.identity_id
    other = CitizenFactory()
    with pytest.raises(DomainError):
        services.owner_link(actor=other, code=code)
    field_names = {f.name for f in Owner._meta.get_fields()}
    assert not {"tax_number", "rnokpp"} & field_names


def test_an_expired_invitation_is_refused(building, administrator, register):
    maria = register["owners"]["maria"]
    code = services.owner_invite(
        actor=administrator, owner=maria, now=timezone.now() - dt.timedelta(days=90)
    )
    with pytest.raises(DomainError):
        services.owner_link(actor=CitizenFactory(), code=code)
    maria.refresh_from_db()
    assert maria.identity_id is None


# --- meetings: notice ------------------------------------------------------------------------


def _draft(building, administrator, *, starts_in_days: float, thresholds=("majority",)):
    now = timezone.now()
    return services.meeting_create(
        actor=administrator,
        building=building,
        title="Ремонт ліфта",
        voting_starts_at=now + dt.timedelta(days=starts_in_days),
        voting_ends_at=now + dt.timedelta(days=starts_in_days + 7),
        items=[
            {"title": f"Питання {n}", "proposed_decision": "Так", "threshold": t}
            for n, t in enumerate(thresholds, start=1)
        ],
    )


def test_a_start_before_the_notice_period_is_refused(building, administrator, register):
    meeting = _draft(building, administrator, starts_in_days=9)
    with pytest.raises(ValidationError) as exc:
        services.meeting_announce(actor=administrator, meeting=meeting)
    assert "voting_starts_at" in exc.value.message_dict
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT
    assert not Notification.objects.exists()


def test_a_configured_longer_notice_period_is_enforced(
    building, administrator, register
):
    building.notice_days = 14
    building.save()
    meeting = _draft(building, administrator, starts_in_days=11)
    with pytest.raises(ValidationError):
        services.meeting_announce(actor=administrator, meeting=meeting)


def test_announcement_notifies_every_linked_owner_on_all_channels(
    building, administrator, register
):
    meeting = _draft(building, administrator, starts_in_days=10.01)
    services.meeting_announce(actor=administrator, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ANNOUNCED
    assert meeting.total_area == Decimal("300")
    told = Notification.objects.filter(kind="buildings.meeting_announced")
    assert {n.recipient_id for n in told} == {u.pk for u in register["users"].values()}
    assert {d.channel for d in Delivery.objects.all()} == {"email", "sms"}


# --- voting ----------------------------------------------------------------------------------


def test_results_count_thresholds_over_all_co_owners(building, register):
    meeting = make_meeting(building, items=2, thresholds=("majority", "two_thirds"))
    first, second = meeting.items.all()
    users = register["users"]
    # Olena 100 and Petro 40 vote for both: 140 of 300 m² — most of those who voted,
    # but not more than half of all co-owners' area.
    for who in ("olena", "petro"):
        services.ballot_cast(
            actor=users[who],
            meeting=meeting,
            choices={first.pk: "for", second.pk: "for"},
        )
    services.ballot_cast(
        actor=users["ivan"],
        meeting=meeting,
        choices={first.pk: "against", second.pk: "abstain"},
    )
    results = meeting_results(meeting)
    assert results.total_area == Decimal("300")
    assert results.turnout_weight == Decimal("230")
    one, two = results.items
    assert one.weights == {"for": Decimal("140"), "against": Decimal("90")}
    assert not one.adopted  # 140 / 300 < 1/2 although 140 / 230 > 1/2
    assert not two.adopted


def test_majority_needs_more_than_half_and_two_thirds_at_least_two_thirds(
    building, register
):
    meeting = make_meeting(building, items=2, thresholds=("majority", "two_thirds"))
    first, second = meeting.items.all()
    users = register["users"]
    for who in ("olena", "petro", "ivan"):  # 230 of 300
        services.ballot_cast(
            actor=users[who],
            meeting=meeting,
            choices={first.pk: "for", second.pk: "for"},
        )
    one, two = meeting_results(meeting).items
    assert one.adopted and two.adopted  # 230/300 = 76.7 %
    Vote.objects.filter(owner=register["owners"]["petro"]).delete()  # 190 of 300
    one, two = meeting_results(meeting).items
    assert one.adopted and not two.adopted  # 63.3 %: above half, below two thirds


def test_a_vote_after_the_period_is_refused(building, register):
    meeting = make_meeting(building, open_now=False)
    item = meeting.items.first()
    with pytest.raises(DomainError) as exc:
        services.ballot_cast(
            actor=register["users"]["olena"], meeting=meeting, choices={item.pk: "for"}
        )
    assert "завершено" in str(exc.value) or "ended" in str(exc.value)
    assert not Vote.objects.exists()


def test_a_vote_before_the_period_is_refused(building, register):
    meeting = make_meeting(building)
    meeting.voting_starts_at = timezone.now() + dt.timedelta(days=2)
    meeting.voting_ends_at = timezone.now() + dt.timedelta(days=9)
    meeting.save()
    with pytest.raises(DomainError):
        services.ballot_cast(
            actor=register["users"]["olena"],
            meeting=meeting,
            choices={meeting.items.first().pk: "for"},
        )


def test_a_vote_may_change_until_the_end_when_allowed(building, register):
    meeting = make_meeting(building, votes_changeable=True)
    item = meeting.items.first()
    olena = register["users"]["olena"]
    services.ballot_cast(actor=olena, meeting=meeting, choices={item.pk: "for"})
    services.ballot_cast(actor=olena, meeting=meeting, choices={item.pk: "against"})
    vote = Vote.objects.get()
    assert vote.choice == "against" and vote.weight == Decimal("100")


def test_a_vote_cannot_change_when_the_meeting_says_so(building, register):
    meeting = make_meeting(building, votes_changeable=False)
    item = meeting.items.first()
    olena = register["users"]["olena"]
    services.ballot_cast(actor=olena, meeting=meeting, choices={item.pk: "for"})
    with pytest.raises(Conflict):
        services.ballot_cast(actor=olena, meeting=meeting, choices={item.pk: "against"})
    assert Vote.objects.get().choice == "for"


def test_one_vote_per_owner_and_item_in_the_database(building, register):
    meeting = make_meeting(building)
    item = meeting.items.first()
    owner = register["owners"]["olena"]
    Vote.objects.create(
        item=item,
        owner=owner,
        choice="for",
        channel="online",
        weight=Decimal(100),
        cast_by=register["users"]["olena"],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(
            item=item,
            owner=owner,
            choice="against",
            channel="online",
            weight=Decimal(100),
            cast_by=register["users"]["olena"],
        )


def test_two_accounts_of_one_person_are_one_owner(building, register):
    meeting = make_meeting(building, votes_changeable=True)
    item = meeting.items.first()
    second_account = UserFactory(identity=register["users"]["olena"].identity)
    services.ballot_cast(
        actor=register["users"]["olena"], meeting=meeting, choices={item.pk: "for"}
    )
    services.ballot_cast(
        actor=second_account, meeting=meeting, choices={item.pk: "against"}
    )
    assert Vote.objects.count() == 1


def test_a_non_owner_cannot_vote(building, register):
    meeting = make_meeting(building)
    with pytest.raises(PermissionRefused):
        services.ballot_cast(
            actor=CitizenFactory(),
            meeting=meeting,
            choices={meeting.items.first().pk: "for"},
        )


def test_an_item_of_another_meeting_is_refused(building, register):
    meeting = make_meeting(building)
    other = make_meeting(building)
    with pytest.raises(DomainError):
        services.ballot_cast(
            actor=register["users"]["olena"],
            meeting=meeting,
            choices={other.items.first().pk: "for"},
        )
    assert not Vote.objects.exists()


# --- paper ballots -----------------------------------------------------------------------------


def test_paper_ballot_with_scan_counts_with_the_owners_weight(
    building, administrator, register
):
    meeting = make_meeting(building)
    item = meeting.items.first()
    maria = register["owners"]["maria"]
    ballot = services.paper_ballot_enter(
        actor=administrator,
        meeting=meeting,
        owner=maria,
        choices={item.pk: "for"},
        scan=png_upload(),
    )
    assert ballot.scan_kind == "png" and ballot.scan.name.endswith(".png")
    vote = Vote.objects.get(owner=maria)
    assert (vote.channel, vote.weight, vote.paper_ballot_id) == (
        "paper",
        Decimal("70"),
        ballot.pk,
    )


def test_a_pdf_scan_is_rewritten_without_its_metadata(
    building, administrator, register
):
    from pypdf import PdfReader

    meeting = make_meeting(building)
    ballot = services.paper_ballot_enter(
        actor=administrator,
        meeting=meeting,
        owner=register["owners"]["maria"],
        choices={meeting.items.first().pk: "against"},
        scan=pdf_upload(),
    )
    ballot.scan.open("rb")
    reader = PdfReader(ballot.scan)
    assert len(reader.pages) == 1
    assert "scanner 3000" not in str(reader.metadata or {})


def test_a_broken_scan_is_refused_and_nothing_is_counted(
    building, administrator, register
):
    meeting = make_meeting(building)
    broken = SimpleUploadedFile("ballot.pdf", b"%PDF-1.7 this is not a pdf")
    with pytest.raises(DomainError):
        services.paper_ballot_enter(
            actor=administrator,
            meeting=meeting,
            owner=register["owners"]["maria"],
            choices={meeting.items.first().pk: "for"},
            scan=broken,
        )
    assert not PaperBallot.objects.exists() and not Vote.objects.exists()


def test_paper_prevails_replaces_online_votes_and_closes_online_voting(
    building, administrator, register
):
    meeting = make_meeting(building, paper_rule=Building.PaperRule.PAPER_PREVAILS)
    item = meeting.items.first()
    olena = register["users"]["olena"]
    services.ballot_cast(actor=olena, meeting=meeting, choices={item.pk: "against"})
    services.paper_ballot_enter(
        actor=administrator,
        meeting=meeting,
        owner=register["owners"]["olena"],
        choices={item.pk: "for"},
        scan=png_upload(),
    )
    votes = Vote.objects.filter(owner=register["owners"]["olena"])
    assert [(v.channel, v.choice) for v in votes] == [("paper", "for")]
    with pytest.raises(Conflict):
        services.ballot_cast(actor=olena, meeting=meeting, choices={item.pk: "against"})
    assert meeting_results(meeting).items[0].weights == {"for": Decimal("100")}


def test_online_prevails_refuses_a_paper_ballot_after_an_online_vote(
    building, administrator, register
):
    meeting = make_meeting(building, paper_rule=Building.PaperRule.ONLINE_PREVAILS)
    item = meeting.items.first()
    services.ballot_cast(
        actor=register["users"]["petro"], meeting=meeting, choices={item.pk: "for"}
    )
    with pytest.raises(Conflict):
        services.paper_ballot_enter(
            actor=administrator,
            meeting=meeting,
            owner=register["owners"]["petro"],
            choices={item.pk: "against"},
            scan=png_upload(),
        )
    assert [(v.channel, v.choice) for v in Vote.objects.all()] == [("online", "for")]
    assert not PaperBallot.objects.exists()


def test_online_prevails_an_online_vote_replaces_the_paper_ballot(
    building, administrator, register
):
    meeting = make_meeting(building, paper_rule=Building.PaperRule.ONLINE_PREVAILS)
    item = meeting.items.first()
    ballot = services.paper_ballot_enter(
        actor=administrator,
        meeting=meeting,
        owner=register["owners"]["petro"],
        choices={item.pk: "against"},
        scan=png_upload(),
    )
    services.ballot_cast(
        actor=register["users"]["petro"], meeting=meeting, choices={item.pk: "for"}
    )
    ballot.refresh_from_db()
    assert ballot.status == PaperBallot.Status.SUPERSEDED
    assert [(v.channel, v.choice) for v in Vote.objects.all()] == [("online", "for")]


def test_a_second_paper_ballot_of_one_owner_is_refused(
    building, administrator, register
):
    meeting = make_meeting(building)
    item = meeting.items.first()
    maria = register["owners"]["maria"]
    services.paper_ballot_enter(
        actor=administrator,
        meeting=meeting,
        owner=maria,
        choices={item.pk: "for"},
        scan=png_upload(),
    )
    with pytest.raises(Conflict):
        services.paper_ballot_enter(
            actor=administrator,
            meeting=meeting,
            owner=maria,
            choices={item.pk: "against"},
            scan=png_upload(),
        )
    assert Vote.objects.get(owner=maria).choice == "for"


def test_the_owner_sees_and_disputes_the_ballot_the_administrator_withdraws_it(
    building, administrator, register
):
    meeting = make_meeting(building)
    item = meeting.items.first()
    ivan = register["users"]["ivan"]
    ballot = services.paper_ballot_enter(
        actor=administrator,
        meeting=meeting,
        owner=register["owners"]["ivan"],
        choices={item.pk: "for"},
        scan=png_upload(),
    )
    assert Notification.objects.filter(
        recipient=ivan, kind="buildings.paper_ballot_entered"
    ).exists()
    with pytest.raises(PermissionRefused):
        services.paper_ballot_dispute(
            actor=register["users"]["olena"], ballot=ballot, reason="Не моє"
        )
    services.paper_ballot_dispute(
        actor=ivan, ballot=ballot, reason="Я не підписував бюлетень"
    )
    assert Notification.objects.filter(
        recipient=administrator, kind="buildings.paper_ballot_disputed"
    ).exists()
    with pytest.raises(Conflict):  # a disputed ballot blocks the close
        meeting.voting_ends_at = timezone.now() - dt.timedelta(minutes=1)
        meeting.voting_starts_at = timezone.now() - dt.timedelta(days=3)
        meeting.save()
        services.meeting_close(actor=administrator, meeting=meeting)
    services.paper_ballot_resolve(
        actor=administrator,
        ballot=ballot,
        withdraw=True,
        answer="Підпис не збігається, бюлетень вилучено",
    )
    ballot.refresh_from_db()
    assert ballot.status == PaperBallot.Status.WITHDRAWN
    assert not Vote.objects.exists()


def test_paper_ballots_are_not_entered_after_the_period(
    building, administrator, register
):
    meeting = make_meeting(building, open_now=False)
    with pytest.raises(DomainError):
        services.paper_ballot_enter(
            actor=administrator,
            meeting=meeting,
            owner=register["owners"]["maria"],
            choices={meeting.items.first().pk: "for"},
            scan=png_upload(),
        )


# --- closing and the protocol ---------------------------------------------------------------------


def test_closing_publishes_a_signed_protocol_whose_digest_verifies(
    building, administrator, register, tmp_path, settings
):
    settings.PROTOCOL_SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    meeting = make_meeting(building)
    item = meeting.items.first()
    services.ballot_cast(
        actor=register["users"]["olena"], meeting=meeting, choices={item.pk: "for"}
    )
    services.paper_ballot_enter(
        actor=administrator,
        meeting=meeting,
        owner=register["owners"]["maria"],
        choices={item.pk: "for"},
        scan=png_upload(),
    )
    with pytest.raises(DomainError):  # voting still runs
        services.meeting_close(actor=administrator, meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_ends_at=timezone.now() - dt.timedelta(minutes=1)
    )
    meeting.refresh_from_db()
    protocol = services.meeting_close(actor=administrator, meeting=meeting)
    protocol.document.open("rb")
    data = protocol.document.read()
    assert data.startswith(b"%PDF-")
    assert signing.digest_of(data) == protocol.sha256
    claims = signing.verify_signature(protocol.signature)
    assert claims["sha256"] == protocol.sha256
    assert claims["sub"] == f"protocol:{protocol.public_id}"
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Протокол загальних зборів" in text or "Protocol" in text
    assert "Олена Коваленко" in text and "Марія Шевчук" in text
    assert "170.00" in text  # 100 + 70 m² for


def test_a_forged_signature_does_not_verify(tmp_path, settings):
    from edem.accounts.tokens import TokenError

    settings.PROTOCOL_SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    jws, _kid = signing.sign_digest("a" * 64, subject="protocol:x")
    header, payload, signature = jws.split(".")
    forged = ".".join([header, payload[:-4] + "AAAA", signature])
    with pytest.raises(TokenError):
        signing.verify_signature(forged)


# --- cabinet ------------------------------------------------------------------------------------------


def test_meter_reading_plausibility(building, register):
    olena = register["users"]["olena"]
    flat = Premises.objects.get(building=building, number="1")
    services.reading_submit(
        actor=olena,
        premises=flat,
        kind="cold_water",
        period=dt.date(2026, 9, 1),
        value="120.5",
    )
    with pytest.raises(ValidationError):  # lower than the previous month
        services.reading_submit(
            actor=olena,
            premises=flat,
            kind="cold_water",
            period=dt.date(2026, 10, 1),
            value="100",
        )
    with pytest.raises(ValidationError):  # 500 m³ of water in a month
        services.reading_submit(
            actor=olena,
            premises=flat,
            kind="cold_water",
            period=dt.date(2026, 10, 1),
            value="620.5",
        )
    services.reading_submit(
        actor=olena,
        premises=flat,
        kind="cold_water",
        period=dt.date(2026, 10, 15),
        value="126",
    )
    assert MeterReading.objects.get(period=dt.date(2026, 10, 1)).value == Decimal("126")


def test_meter_readings_only_for_ones_own_premises(building, register):
    shop = Premises.objects.get(building=building, number="М1")
    with pytest.raises(PermissionRefused):
        services.reading_submit(
            actor=register["users"]["olena"],
            premises=shop,
            kind="electricity",
            period=dt.date(2026, 10, 1),
            value="5",
        )


def test_readings_csv_for_the_management(building, administrator, register):
    flat = Premises.objects.get(building=building, number="1")
    olena = register["users"]["olena"]
    services.reading_submit(
        actor=olena,
        premises=flat,
        kind="electricity",
        period=dt.date(2026, 9, 1),
        value="1000",
    )
    services.reading_submit(
        actor=olena,
        premises=flat,
        kind="electricity",
        period=dt.date(2026, 10, 1),
        value="1150",
    )
    text = services.readings_csv(
        actor=administrator, building=building, period=dt.date(2026, 10, 1)
    )
    lines = text.strip().splitlines()
    assert lines[0].startswith("premises,kind,meter,period,value,previous,use")
    assert lines[1].startswith(
        "1,apartment,electricity,2026-10,1150.000,1000.000,150.000"
    )
    with pytest.raises(PermissionRefused):
        services.readings_csv(
            actor=olena, building=building, period=dt.date(2026, 10, 1)
        )


def test_a_match_confirmed_by_the_administrator_links_the_owner(
    building, administrator, register
):
    person = CitizenFactory()
    claim = services.owner_claim(actor=person, building=building, premises_number="3")
    assert Notification.objects.filter(
        recipient=administrator, kind="buildings.owner_claimed"
    ).exists()
    with pytest.raises(Conflict):
        services.owner_claim(actor=person, building=building, premises_number="3")
    with pytest.raises(Conflict):  # Petro is already linked
        services.owner_claim_decide(
            actor=administrator, claim=claim, owner=register["owners"]["petro"]
        )
    services.owner_claim_decide(
        actor=administrator, claim=claim, owner=register["owners"]["maria"]
    )
    register["owners"]["maria"].refresh_from_db()
    assert register["owners"]["maria"].identity_id == person.identity_id
    assert Notification.objects.filter(
        recipient=person, kind="buildings.owner_claimed"
    ).exists()


def test_a_refused_match_needs_a_reason_and_links_nobody(
    building, administrator, register
):
    claim = services.owner_claim(
        actor=CitizenFactory(), building=building, premises_number="9"
    )
    with pytest.raises(DomainError):
        services.owner_claim_decide(actor=administrator, claim=claim)
    services.owner_claim_decide(
        actor=administrator, claim=claim, reason="У реєстрі немає приміщення 9"
    )
    claim.refresh_from_db()
    assert claim.status == "refused"
    assert Owner.objects.filter(building=building, identity__isnull=False).count() == 3


# --- an initiative group calls a meeting ---------------------------------------------------


def test_an_initiative_group_of_three_owners_calls_and_announces_a_meeting(
    building, register
):
    users = register["users"]
    now = timezone.now()
    meeting = services.meeting_create(
        actor=users["petro"],
        building=building,
        title="Заміна вікон у під'їзді",
        voting_starts_at=now + dt.timedelta(days=11),
        voting_ends_at=now + dt.timedelta(days=18),
        items=[
            {
                "title": "Вікна",
                "proposed_decision": "Замінити вікна",
                "threshold": "majority",
            }
        ],
        initiator=Meeting.Initiator.ADMINISTRATOR,  # an owner cannot call as the administrator
    )
    assert meeting.initiator == Meeting.Initiator.INITIATIVE_GROUP
    services.initiative_join(actor=users["olena"], meeting=meeting)
    with pytest.raises(PermissionRefused):  # two owners are not enough
        services.meeting_announce(actor=users["petro"], meeting=meeting)
    with pytest.raises(Conflict):
        services.initiative_join(actor=users["olena"], meeting=meeting)
    services.initiative_join(actor=users["ivan"], meeting=meeting)
    services.meeting_announce(actor=users["olena"], meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ANNOUNCED
    assert meeting.initiative_group == "Петро Коваленко, Олена Коваленко, Іван Бондар"


def test_a_stranger_cannot_call_a_meeting(building, register):
    now = timezone.now()
    with pytest.raises(PermissionRefused):
        services.meeting_create(
            actor=CitizenFactory(),
            building=building,
            title="Х",
            voting_starts_at=now + dt.timedelta(days=11),
            voting_ends_at=now + dt.timedelta(days=18),
            items=[{"title": "Х", "proposed_decision": "Х"}],
        )


def test_owners_hear_once_that_voting_opened(building, register):
    from buildings.tasks import opening_notify

    meeting = make_meeting(building)
    make_meeting(building, open_now=False)  # over: nobody is told
    assert opening_notify.delay().get() == 1
    assert services.meetings_opening_notify() == 0
    told = Notification.objects.filter(title__contains=meeting.title)
    assert {n.recipient_id for n in told} == {u.pk for u in register["users"].values()}


def test_a_premises_with_meter_readings_cannot_leave_the_register(
    building, administrator, register
):
    flat = Premises.objects.get(building=building, number="1")
    services.reading_submit(
        actor=register["users"]["olena"],
        premises=flat,
        kind="cold_water",
        period=dt.date(2026, 10, 1),
        value="10",
    )
    without_flat_1 = (
        "\n".join(
            line for line in REGISTER_CSV.splitlines() if not line.startswith("1;")
        )
        + "\n"
    )
    with pytest.raises(ValidationError) as exc:
        services.register_import(
            actor=administrator, building=building, upload=csv_upload(without_flat_1)
        )
    assert "1" in exc.value.message_dict["file"][0]
    assert services.building_total_area(building) == Decimal("300")
