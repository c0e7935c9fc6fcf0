"""Browser journey of an owners' general meeting in Chromium.

The administrator of the building imports the register of premises, hands an
owner an invitation code and calls a meeting; announcing it notifies the
owners (in-app, e-mail, SMS) and refuses a start inside the notice period.
When voting opens two owners vote online and the administrator enters a paper
ballot with its scan; that owner sees the ballot in their cabinet. Voting
ends, the administrator closes the meeting: the results count area shares
against thresholds over all co-owners, and the protocol PDF downloads and its
digest verifies on the public page. The meeting's dates are moved between
the steps, as the clock would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tests.fixtures.browser import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")
REGISTER = (
    "premises;kind;area;owner_reference;owner_name;share\n"
    "1;квартира;60;O-1;Олена Коваленко;1\n"
    "2;квартира;80;O-1;Олена Коваленко;1/2\n"
    "2;квартира;80;O-2;Петро Коваленко;1/2\n"
    "3;квартира;70;O-3;Марія Шевчук;1\n"
    "М1;нежитлове;90;O-4;Іван Бондар;1\n"
)


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )


def _scan_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 840), "white")
    ImageDraw.Draw(image).line((380, 760, 560, 740), fill="navy", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def setting(transactional_db, tmp_path, settings):
    """Zhytomyr, a building of an owners' association, its administrator, three residents."""
    from buildings.models import Building, Management, ManagementRole
    from cms.services import municipality_site_setup
    from tests.factories import CitizenFactory, MunicipalityFactory, UserFactory

    settings.PROTOCOL_SIGNING_KEY_FILE = str(tmp_path / "protocol-key.pem")
    zhytomyr = MunicipalityFactory(
        slug="zhytomyr", name_uk="Житомир", name_en="Zhytomyr"
    )
    municipality_site_setup(zhytomyr)
    management = Management.objects.create(
        municipality=zhytomyr,
        name="ОСББ «Бердичівська, 10»",
        payment_url="https://pay.example.org/osbb-10",
    )
    building = Building.objects.create(
        municipality=zhytomyr,
        management=management,
        address="вул. Велика Бердичівська, 10",
        lat="50.256900",
        lon="28.664100",
    )
    administrator = UserFactory(username="osbb-admin")
    ManagementRole.objects.create(
        management=management,
        user=administrator,
        role=ManagementRole.Role.ADMINISTRATOR,
    )
    return {
        "municipality": zhytomyr,
        "building": building,
        "administrator": administrator,
        "olena": CitizenFactory(),
        "petro": CitizenFactory(),
        "ivan": CitizenFactory(),
    }


def test_a_general_meeting_from_register_to_verified_protocol(
    page, live_server, setting, tmp_path
):
    from buildings import services
    from buildings.models import Meeting, Owner, Protocol
    from edem.notifications.models import Delivery

    building, admin = setting["building"], setting["administrator"]
    base = f"{live_server.url}/en/zhytomyr/buildings"

    # The administrator imports the register of premises and owners.
    _login(page, live_server, admin)
    page.goto(f"{base}/{building.pk}/manage/")
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    page.set_input_files("#id_file", str(register))
    page.get_by_role("button", name="Import the register").click()
    expect(page.locator(".messages")).to_contain_text(
        "The register is imported: 4 premises, 4 owners, 5 shares."
    )
    expect(page.locator("main")).to_contain_text(
        "total area of all co-owners 300.00 m²"
    )
    _shot(page, "buildings-register-en")

    # An invitation code links Olena's verified identity to her place in the register.
    page.get_by_role("button", name="Invitation code — Олена Коваленко").click()
    message = page.locator(".messages").inner_text()
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", message).group(0)
    _login(page, live_server, setting["olena"])
    page.goto(f"{base}/")
    page.fill("#id_code", code)
    page.get_by_role("button", name="Join the building").click()
    expect(page).to_have_url(re.compile(rf"/buildings/{building.pk}/$"))
    expect(page.locator("main")).to_contain_text("My vote weighs 100.00 m²")
    for who, reference in (("petro", "O-2"), ("ivan", "O-4")):
        owner = Owner.objects.get(building=building, reference=reference)
        services.owner_link(
            actor=setting[who], code=services.owner_invite(actor=admin, owner=owner)
        )

    # The administrator calls a meeting; a start inside the notice period is refused.
    _login(page, live_server, admin)
    page.goto(f"{base}/{building.pk}/meetings/new/")
    soon = timezone.localtime() + dt.timedelta(days=5)
    page.fill("#id_title", "Ремонт покрівлі та внесок")
    page.fill("#id_voting_starts_at", soon.strftime("%Y-%m-%dT%H:%M"))
    page.fill(
        "#id_voting_ends_at", (soon + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    )
    page.fill("#id_item_1_title", "Ремонт покрівлі")
    page.fill(
        "#id_item_1_decision", "Провести капітальний ремонт покрівлі у 2026 році."
    )
    page.fill("#id_item_2_title", "Цільовий внесок")
    page.fill("#id_item_2_decision", "Затвердити внесок 25 грн за м² протягом року.")
    page.select_option("#id_item_2_threshold", "two_thirds")
    page.get_by_role("button", name="Prepare the meeting").click()
    expect(page.locator(".messages")).to_contain_text("The meeting is prepared")
    page.get_by_role("button", name="Announce and notify the owners").click()
    expect(page.locator(".messages")).to_contain_text(
        "Owners must be notified at least 10 days before voting opens"
    )
    meeting = Meeting.objects.get(building=building)
    assert meeting.status == Meeting.Status.DRAFT
    start = timezone.now() + dt.timedelta(days=10, hours=2)
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_starts_at=start, voting_ends_at=start + dt.timedelta(days=7)
    )
    page.reload()
    page.get_by_role("button", name="Announce and notify the owners").click()
    expect(page.locator(".messages")).to_contain_text("the owners are notified")
    kinds = Delivery.objects.filter(notification__kind="buildings.meeting_announced")
    assert (
        sorted(kinds.values_list("channel", flat=True)) == ["email"] * 3 + ["sms"] * 3
    )

    # Petro reads the notice in his notifications, written in the language he
    # last read the site in (Ukrainian, the default: he had not visited it).
    _login(page, live_server, setting["petro"])
    page.goto(f"{live_server.url}/en/me/notifications/")
    notice = "Загальні збори співвласників будинку вул. Велика Бердичівська, 10"
    expect(page.locator(".notification-list")).to_contain_text(notice)

    # Ten days later voting opens: two owners vote online.
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_starts_at=timezone.now() - dt.timedelta(minutes=1)
    )
    first, second = meeting.items.all()
    for who, choices in (("olena", ("for", "for")), ("petro", ("for", "against"))):
        _login(page, live_server, setting[who])
        page.goto(f"{base}/meetings/{meeting.pk}/")
        page.check(f"input[name=item_{first.pk}][value={choices[0]}]")
        page.check(f"input[name=item_{second.pk}][value={choices[1]}]")
        page.get_by_role("button", name="Vote").click()
        expect(page.locator(".messages")).to_contain_text(
            "Thank you: your vote is counted."
        )
    expect(page.locator("[data-turnout-percent]")).to_have_text("46.67")
    expect(page.locator(".rule")).to_contain_text(
        "a paper ballot replaces the owner's online votes"
    )
    _shot(page, "buildings-voting-en")
    violations = axe_violations(page)
    assert not violations, violations

    # The administrator enters Ivan's paper ballot with its scan.
    _login(page, live_server, admin)
    page.goto(f"{base}/meetings/{meeting.pk}/manage/")
    page.select_option("#id_owner", label="Іван Бондар")
    page.set_input_files(
        "#id_scan",
        files=[
            {"name": "ballot-ivan.png", "mimeType": "image/png", "buffer": _scan_png()}
        ],
    )
    page.check(f"input[name=item_{first.pk}][value=for]")
    page.check(f"input[name=item_{second.pk}][value=for]")
    page.get_by_role("button", name="Enter the ballot").click()
    expect(page.locator(".messages")).to_contain_text(
        "The paper ballot is entered and counted."
    )
    expect(page.locator("[data-turnout-percent]")).to_have_text("76.67")
    _shot(page, "buildings-manage-en")

    # Ivan sees the ballot entered in his name in his cabinet, with its scan.
    _login(page, live_server, setting["ivan"])
    page.goto(f"{live_server.url}/en/me/")
    expect(page.locator("main")).to_contain_text("Paper ballots entered in my name")
    page.get_by_role("link", name="Ремонт покрівлі та внесок", exact=True).click()
    ballot = page.locator("#my-ballot")
    expect(ballot).to_contain_text("counted")
    expect(ballot).to_contain_text("Цільовий внесок: for")
    scan_href = ballot.get_by_role("link", name="see the scan").get_attribute("href")
    scan = page.context.request.get(live_server.url + scan_href)
    assert scan.ok and scan.body().startswith(b"\x89PNG")
    expect(ballot.get_by_role("button", name="Dispute the ballot")).to_be_visible()

    # Voting ends; the administrator closes the meeting and the protocol is published.
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_starts_at=timezone.now() - dt.timedelta(days=7),
        voting_ends_at=timezone.now() - dt.timedelta(minutes=1),
    )
    _login(page, live_server, admin)
    page.goto(f"{base}/meetings/{meeting.pk}/manage/")
    page.get_by_role("button", name="Close and publish the protocol").click()
    expect(page.locator(".messages")).to_contain_text(
        "its signed protocol is published"
    )

    # Results by area share, thresholds over all co-owners (300 m², Maria did not vote).
    page.goto(f"{base}/meetings/{meeting.pk}/")
    results = page.locator("#results")
    expect(results).to_contain_text(
        "Took part: 3 of 4 owners, 230.00 of 300.00 m² (76.67 %)."
    )
    roof, levy = results.locator(".result").all()
    expect(roof).to_contain_text("adopted")
    expect(roof).to_contain_text("for: 230.00 m² (76.67 %)")
    # 190 of the 230 m² that voted is 83 %, but only 63.33 % of all co-owners' area.
    expect(levy).to_contain_text("not adopted")
    expect(levy).to_contain_text("for: 190.00 m² (63.33 %)")
    expect(levy).to_contain_text("against: 40.00 m² (13.33 %)")
    _shot(page, "buildings-results-en")

    # The protocol PDF downloads; its digest verifies on the public page.
    link = page.get_by_role("link", name="Download the protocol (PDF)")
    pdf = page.context.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    data = pdf.body()
    protocol = Protocol.objects.get(meeting=meeting)
    assert hashlib.sha256(data).hexdigest() == protocol.sha256
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/en{protocol.get_absolute_url()}")
    expect(page.locator("[data-verified=signature]")).to_be_visible()
    expect(page.locator("[data-digest]")).to_have_text(protocol.sha256)
    page.set_input_files(
        "#id_file",
        files=[{"name": "protocol.pdf", "mimeType": "application/pdf", "buffer": data}],
    )
    page.get_by_role("button", name="Check the copy").click()
    expect(page.locator("[data-verified=copy]")).to_contain_text(
        "The copy is authentic"
    )
    _shot(page, "buildings-protocol-en")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "protocol.pdf",
                "mimeType": "application/pdf",
                "buffer": data + b"%tampered",
            }
        ],
    )
    page.get_by_role("button", name="Check the copy").click()
    expect(page.locator("main")).to_contain_text(
        "The copy differs from the signed protocol."
    )

    # The Ukrainian pages.
    page.goto(f"{live_server.url}{protocol.get_absolute_url()}")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    _shot(page, "buildings-protocol-uk")
    _login(page, live_server, setting["olena"])
    page.goto(f"{live_server.url}/zhytomyr/buildings/meetings/{meeting.pk}/")
    expect(page.locator("#results .result")).to_have_count(2)
    violations = axe_violations(page)
    assert not violations, violations
    _shot(page, "buildings-results-uk")
    page.goto(f"{live_server.url}/zhytomyr/buildings/{building.pk}/")
    _shot(page, "buildings-cabinet-uk")
