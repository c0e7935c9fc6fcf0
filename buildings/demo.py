"""Demo data of the module: a building with its owners, a finished meeting with its
signed protocol and a meeting whose voting runs now.

Idempotent: a building with the demo address in the municipality is not made
twice. Every step goes through the services, with the moments of a past
meeting passed as ``now``. The administrator logs in as
``<municipality>-osbb`` with the demo password; the owner "Світлана Мельник"
is left unlinked with the invitation code ``DEMO-HOUS-E001`` so a persona of
the development identity provider can join the building.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from edem.accounts.models import Identity
from edem.core.demo import DEMO_PASSWORD
from edem.municipalities.models import Municipality, Organisation

from . import services
from .models import Building, Management, ManagementRole, Owner

DEMO_INVITATION_CODE = "DEMO-HOUS-E001"

ADDRESSES = {
    "zhytomyr": ("вул. Велика Бердичівська, 10", ("50.256900", "28.664100")),
    "dnipro": ("просп. Дмитра Яворницького, 52", ("48.466800", "35.045300")),
}

# premises, kind, area, owner reference, owner name, share
REGISTER = [
    ("1", "квартира", "62.40", "O-01", "Олена Коваленко", "1"),
    ("2", "квартира", "48.10", "O-02", "Петро Бондар", "1/2"),
    ("2", "квартира", "48.10", "O-03", "Ганна Бондар", "1/2"),
    ("3", "квартира", "75.30", "O-04", "Андрій Шевчук", "1"),
    ("4", "квартира", "54.00", "O-05", "Світлана Мельник", "1"),
    ("5", "квартира", "81.20", "O-01", "Олена Коваленко", "1"),
    ("6", "квартира", "39.90", "O-06", "Василь Ткаченко", "1"),
    ("7", "квартира", "66.60", "O-07", "Ірина Кравченко", "2/3"),
    ("7", "квартира", "66.60", "O-08", "Богдан Кравченко", "1/3"),
    ("М1", "нежитлове", "120.50", "O-09", "ТОВ «Пекарня на розі»", "1"),
]
LINKED = ["O-01", "O-02", "O-03", "O-04", "O-06", "O-07", "O-08"]


def _csv() -> SimpleUploadedFile:
    lines = ["premises;kind;area;owner_reference;owner_name;share"]
    lines += [";".join(row) for row in REGISTER]
    return SimpleUploadedFile("register.csv", "\n".join(lines).encode("utf-8"))


def _scan() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (620, 877), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 590, 847), outline="black", width=3)
    for n in range(8):
        draw.line((60, 120 + n * 80, 560, 120 + n * 80), fill="grey", width=2)
    draw.line((380, 780, 560, 760), fill="navy", width=4)  # a signature
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile("ballot.png", out.getvalue(), content_type="image/png")


def _administrator(municipality: Municipality, management: Management):
    user, created = get_user_model().objects.get_or_create(
        username=f"{municipality.slug}-osbb",
        defaults={"email": f"{municipality.slug}-osbb@e-dem.local"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    ManagementRole.objects.get_or_create(
        management=management, user=user, role=ManagementRole.Role.ADMINISTRATOR
    )
    return user


def _owner_account(municipality: Municipality, owner: Owner):
    given, _space, family = owner.full_name.partition(" ")
    identity, _created = Identity.objects.get_or_create(
        key=f"demo-buildings:{municipality.slug}:{owner.reference}",
        defaults={
            "key_kind": Identity.KeyKind.TAX_NUMBER,
            "given_name": given,
            "family_name": family or given,
            "birth_date": dt.date(1970 + len(owner.reference), 5, 17),
            "locality_code": (municipality.locality_codes or [""])[0],
            "auth_method": Identity.AuthMethod.BANKID,
            "verified_at": timezone.now(),
        },
    )
    user, created = get_user_model().objects.get_or_create(
        username=f"demo-{municipality.slug}-owner-{owner.reference.lower()}",
        defaults={
            "identity": identity,
            "email": f"{owner.reference.lower()}@e-dem.local",
        },
    )
    if created:
        user.set_unusable_password()
        user.save()
    owner.identity = identity
    owner.linked_at = timezone.now()
    owner.save(update_fields=["identity", "linked_at", "updated_at"])
    return user


def _finished_meeting(building, admin, people, now):
    announced = now - dt.timedelta(days=40)
    meeting = services.meeting_create(
        actor=admin,
        building=building,
        title="Капітальний ремонт покрівлі",
        description="Покрівля протікає над квартирами 5–7; кошторис підготувала комісія.",
        voting_starts_at=announced + dt.timedelta(days=10, hours=1),
        voting_ends_at=announced + dt.timedelta(days=24),
        items=[
            {
                "title": "Ремонт покрівлі",
                "threshold": "majority",
                "proposed_decision": "Провести капітальний ремонт покрівлі у 2026 році.",
            },
            {
                "title": "Кошторис і внесок",
                "threshold": "two_thirds",
                "proposed_decision": "Затвердити кошторис 640 000 грн і цільовий внесок "
                "25 грн за м² протягом 12 місяців.",
            },
        ],
    )
    meeting = services.meeting_announce(actor=admin, meeting=meeting, now=announced)
    first, second = meeting.items.all()
    during = announced + dt.timedelta(days=12)
    plan = {
        "O-01": ("for", "for"),
        "O-02": ("for", "against"),
        "O-03": ("for", "for"),
        "O-04": ("against", "against"),
        "O-06": ("for", "abstain"),
        "O-07": ("for", "for"),
    }
    for reference, (one, two) in plan.items():
        services.ballot_cast(
            actor=people[reference],
            meeting=meeting,
            choices={first.pk: one, second.pk: two},
            now=during,
        )
    services.paper_ballot_enter(
        actor=admin,
        meeting=meeting,
        owner=building.owners.get(reference="O-09"),
        choices={first.pk: "for", second.pk: "for"},
        scan=_scan(),
        now=during,
    )
    services.meeting_close(
        actor=admin, meeting=meeting, now=announced + dt.timedelta(days=25)
    )
    return meeting


def _running_meeting(building, admin, people, now):
    announced = now - dt.timedelta(days=12)
    meeting = services.meeting_create(
        actor=admin,
        building=building,
        title="Встановлення сонячних панелей",
        description="Панелі на даху живитимуть освітлення під'їздів і ліфт під час "
        "відключень.",
        voting_starts_at=announced + dt.timedelta(days=10, hours=1),
        voting_ends_at=now + dt.timedelta(days=9),
        items=[
            {
                "title": "Сонячна електростанція",
                "threshold": "two_thirds",
                "proposed_decision": "Встановити на даху сонячну електростанцію 15 кВт "
                "з акумуляторами.",
            },
            {
                "title": "Підрядник",
                "threshold": "majority",
                "proposed_decision": "Доручити правлінню обрати підрядника на Prozorro.",
            },
        ],
    )
    meeting = services.meeting_announce(actor=admin, meeting=meeting, now=announced)
    first, second = meeting.items.all()
    for reference, choice in (("O-01", "for"), ("O-04", "for"), ("O-06", "against")):
        services.ballot_cast(
            actor=people[reference],
            meeting=meeting,
            choices={first.pk: choice, second.pk: "for"},
        )
    return meeting


def _organisation(municipality: Municipality) -> Organisation | None:
    return (
        Organisation.objects.filter(
            municipality=municipality, name_uk__icontains="житлов"
        )
        .order_by("pk")
        .first()
        or Organisation.objects.filter(municipality=municipality, is_dispatcher=False)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def seed_buildings(municipality: Municipality) -> None:
    address, (lat, lon) = ADDRESSES.get(
        municipality.slug,
        ("вул. Незалежності, 1", (municipality.centre_lat, municipality.centre_lon)),
    )
    if Building.objects.filter(municipality=municipality, address=address).exists():
        return
    management = Management.objects.create(
        municipality=municipality,
        name=f"ОСББ «{address.split(',')[0].split(' ', 1)[-1]}»",
        kind=Management.Kind.ASSOCIATION,
        organisation=_organisation(municipality),
        payment_url="https://www.portmone.com.ua/",
        email="osbb@e-dem.local",
        phone="+380671112233",
    )
    building = Building.objects.create(
        municipality=municipality,
        management=management,
        address=address,
        lat=lat,
        lon=lon,
    )
    admin = _administrator(municipality, management)
    services.register_import(actor=admin, building=building, upload=_csv())
    people = {
        ref: _owner_account(municipality, building.owners.get(reference=ref))
        for ref in LINKED
    }
    unlinked = building.owners.get(reference="O-05")
    unlinked.invitation_digest = services._code_digest(DEMO_INVITATION_CODE)
    unlinked.invitation_expires_at = timezone.now() + dt.timedelta(days=3650)
    unlinked.save(
        update_fields=["invitation_digest", "invitation_expires_at", "updated_at"]
    )
    now = timezone.now()
    _finished_meeting(building, admin, people, now)
    _running_meeting(building, admin, people, now)
    services.announcement_publish(
        actor=admin,
        building=building,
        title="Відключення гарячої води",
        body="У четвер з 9:00 до 15:00 — планова промивка системи. Вибачте за незручності.",
    )
    services.board_post(
        actor=people["O-04"],
        building=building,
        body="Хто знає, коли полагодять домофон у другому під'їзді?",
    )
    flat = building.premises.get(number="1")
    month = timezone.localdate().replace(day=1)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    for period, value in ((previous, "231.400"), (month, "236.900")):
        services.reading_submit(
            actor=people["O-01"],
            premises=flat,
            kind="cold_water",
            period=period,
            value=value,
        )
