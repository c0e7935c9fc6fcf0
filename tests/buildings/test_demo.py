"""The demo data: a building with owners, a finished meeting with its protocol, a running one."""

from __future__ import annotations

import pytest

from buildings import signing
from buildings.demo import DEMO_INVITATION_CODE, seed_buildings
from buildings.models import Building, Meeting, Protocol
from buildings.selectors import meeting_results
from buildings.services import owner_link
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def test_demo_has_a_finished_meeting_with_a_signed_protocol_and_a_running_one(
    zhytomyr, tmp_path, settings
):
    settings.PROTOCOL_SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    seed_buildings(zhytomyr)
    seed_buildings(zhytomyr)  # idempotent
    building = Building.objects.get(municipality=zhytomyr)
    assert building.owners.count() == 9
    finished = Meeting.objects.get(building=building, status=Meeting.Status.CLOSED)
    running = Meeting.objects.get(building=building, status=Meeting.Status.ANNOUNCED)
    assert running.voting_open()
    protocol = Protocol.objects.get(meeting=finished)
    protocol.document.open("rb")
    assert signing.digest_of(protocol.document.read()) == protocol.sha256
    assert signing.verify_signature(protocol.signature)["sha256"] == protocol.sha256
    first, second = meeting_results(finished).items
    assert first.adopted  # majority of all co-owners' area
    assert finished.paper_ballots.count() == 1
    owner = owner_link(actor=CitizenFactory(), code=DEMO_INVITATION_CODE)
    assert owner.full_name == "Світлана Мельник"
