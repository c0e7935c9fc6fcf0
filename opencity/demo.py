"""Demo open-city data for the demo municipalities: deadline classes, a category
tree, service areas of the demo organisations, their staff and reports at every
stage.

Idempotent: classes and categories are keyed by code, staff by user name, and
a demo report with the same description in the municipality is not made twice.
Every report and step goes through the services, as real people would.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from edem.core.demo import DEMO_MUNICIPALITIES, DEMO_PASSWORD
from edem.municipalities.models import Municipality, Organisation, OrganisationRole

from . import services
from .models import Category, Report

# (code, name_uk, name_en, class, parent code, organisation index, fields)
CATEGORIES = [
    ("water", "Водопостачання і каналізація", "Water and sewage", "short", None, 0, []),
    ("water-leak", "Витік води, прорив труби", "Water leak, burst pipe", "emergency",
     "water", 0, [{"code": "damage", "label_uk": "Що саме тече", "label_en": "What leaks",
                   "required": False, "choices": ["труба", "люк", "гідрант"]}]),
    ("no-water", "Немає води", "No water", "short", "water", 0,
     [{"code": "entrance", "label_uk": "Номер під'їзду", "label_en": "Entrance number",
       "required": True}]),
    ("open-hatch", "Відкритий каналізаційний люк", "Open manhole", "emergency", "water", 0,
     []),
    ("transport", "Громадський транспорт", "Public transport", "medium", None, 1, []),
    ("stop-damaged", "Пошкоджена зупинка", "Damaged stop", "medium", "transport", 1, []),
    ("contact-network", "Обрив контактної мережі", "Broken overhead wire", "emergency",
     "transport", 1, []),
    ("improvement", "Благоустрій", "Streets and yards", "medium", None, 2, []),
    ("street-light", "Не працює вуличне освітлення", "Street light out", "short",
     "improvement", 2,
     [{"code": "pole", "label_uk": "Номер опори (якщо видно)", "label_en": "Pole number",
       "required": False}]),
    ("pothole", "Яма на дорозі", "Pothole", "long", "improvement", 2, []),
    ("garbage", "Невивезене сміття", "Uncollected rubbish", "short", "improvement", 2, []),
    ("fallen-tree", "Аварійне дерево", "Dangerous tree", "emergency", "improvement", 2, []),
    ("other", "Інше", "Other", "long", None, 3, []),
]

# (category code, description, address, (lat, lon) offset from the centre, stage)
REPORTS = [
    ("water-leak", "Біля під'їзду б'є вода з-під асфальту, утворилася велика калюжа.",
     "вул. Київська, 45", (0.004, -0.006), "closed"),
    ("street-light", "Третій вечір поспіль не світять ліхтарі вздовж усього кварталу.",
     "просп. Миру, 12", (-0.006, 0.004), "resolved"),
    ("pothole", "Глибока яма на переході, машини об'їжджають по зустрічній смузі.",
     "вул. Велика Бердичівська, 20", (0.002, 0.010), "in_progress"),
    ("garbage", "Контейнери переповнені, сміття не вивозили вже тиждень.",
     "вул. Шевченка, 7", (-0.003, -0.012), "accepted"),
    ("stop-damaged", "На зупинці розбите скло павільйону, уламки на лавці.",
     "зупинка «Центральний ринок»", (0.007, 0.002), "new"),
    ("fallen-tree", "Старий тополь нахилився над дитячим майданчиком після вітру.",
     "двір будинку на вул. Перемоги, 3", (-0.008, -0.002), "overdue"),
    ("open-hatch", "Відкритий люк на тротуарі без огородження, небезпечно вночі.",
     "вул. Пушкінська, 18", (0.001, -0.004), "refused"),
]


def _user(username: str, **extra):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@e-dem.local", **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _demo(municipality: Municipality):
    return next((d for d in DEMO_MUNICIPALITIES if d.slug == municipality.slug), None)


@transaction.atomic
def seed_setup(municipality: Municipality) -> dict:
    """Classes, categories, service areas and staff of the demo organisations."""
    demo = _demo(municipality)
    classes = {c.code: c for c in services.deadline_classes_ensure(municipality=municipality)}
    services.settings_for(municipality)
    organisations: list[Organisation | None] = []
    if demo is not None:
        for name_uk, _name_en, _phone in demo.organisations:
            organisations.append(
                Organisation.objects.filter(municipality=municipality, name_uk=name_uk).first()
            )
    staff: dict[str, object] = {}
    for index, organisation in enumerate(organisations):
        if organisation is None:
            continue
        if not organisation.service_area and municipality.boundary and index < 3:
            organisation.service_area = municipality.boundary
            organisation.save(update_fields=["service_area", "updated_at"])
        roles = ("head", "executor") if not organisation.is_dispatcher else ("head", "operator")
        for role in roles:
            user = _user(f"{municipality.slug}-org{index + 1}-{role}", is_staff=False)
            OrganisationRole.objects.get_or_create(
                organisation=organisation, user=user, role=role
            )
            staff[f"{index}-{role}"] = user
    by_code: dict[str, Category] = {}
    for order, (code, name_uk, name_en, klass, parent, org_index, fields) in enumerate(
        CATEGORIES
    ):
        category, _created = Category.objects.update_or_create(
            municipality=municipality, code=code,
            defaults={
                "name_uk": name_uk, "name_en": name_en, "deadline_class": classes[klass],
                "parent": by_code.get(parent) if parent else None, "fields": fields,
                "order": order,
            },
        )
        by_code[code] = category
        if org_index < len(organisations) and organisations[org_index] is not None:
            organisation = organisations[org_index]
            if not organisation.is_dispatcher:
                category.organisations.add(organisation)
    return {"categories": by_code, "organisations": organisations, "staff": staff}


def seed_opencity(municipality: Municipality) -> None:
    """Set up the municipality and add demo reports at every stage (once)."""
    setup = seed_setup(municipality)
    if _demo(municipality) is None:
        return
    resident = _user(f"{municipality.slug}-resident", phone="+380501234567")
    centre_lat, centre_lon = float(municipality.centre_lat), float(municipality.centre_lon)
    for code, description, address, (dlat, dlon), stage in REPORTS:
        if Report.objects.filter(municipality=municipality, description=description).exists():
            continue
        extra = {"entrance": "2"} if code == "no-water" else {}
        report = services.report_create(
            actor=resident, municipality=municipality,
            category=setup["categories"][code], description=description,
            lat=f"{centre_lat + dlat:.6f}", lon=f"{centre_lon + dlon:.6f}",
            address=address, extra=extra,
        )
        _advance(report, stage, setup, resident)


def _staff_for(report: Report, setup: dict):
    organisations = setup["organisations"]
    index = next(
        (i for i, o in enumerate(organisations) if o is not None and o.pk == report.organisation_id),
        None,
    )
    head = setup["staff"].get(f"{index}-head")
    executor = setup["staff"].get(f"{index}-executor") or head
    return head, executor


def _advance(report: Report, stage: str, setup: dict, resident) -> None:
    if stage == "new":
        return
    head, executor = _staff_for(report, setup)
    if head is None:
        return
    if stage == "refused":
        services.report_refuse(
            actor=head, report=report,
            reason="Люк належить приватному підприємству; звернення передано власнику.",
        )
        return
    report = services.report_accept(actor=head, report=report, executor=executor)
    if stage == "accepted":
        return
    if stage == "overdue":
        # The deadline already passed: the beat task marks and escalates it.
        Report.objects.filter(pk=report.pk).update(
            due_at=timezone.now() - dt.timedelta(hours=2)
        )
        services.reports_escalate_overdue()
        return
    report = services.report_start(actor=executor, report=report)
    if stage == "in_progress":
        return
    report = services.report_resolve(
        actor=executor, report=report,
        answer="Бригада виїхала на місце, несправність усунено.",
    )
    if stage == "resolved":
        return
    report = services.report_confirm(actor=resident, report=report,
                                     comment="Дякую, все працює.")
    services.report_rate(actor=resident, report=report, rating=5,
                         comment="Швидко відреагували.")
