"""Demo petitions for the demo municipalities: different statutes, every stage.

Idempotent: a petition with the same title in the municipality is not made
twice; demo signers are keyed by a fixed identity key. Everything goes
through the services, as a real user or moderator would.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from edem.accounts.models import Identity

from . import services
from .models import Addressee, Petition

STATUTES = {
    # A regional centre: a larger threshold and a longer period.
    "dnipro": {
        "signature_threshold": 250, "collection_days": 90, "moderation_working_days": 5,
        "answer_working_days": 10, "min_age": 18, "signers_public": False,
    },
    # A community: the smaller threshold small communities use.
    "zhytomyr": {
        "signature_threshold": 100, "collection_days": 60, "moderation_working_days": 3,
        "answer_working_days": 10, "min_age": 16, "signers_public": True,
    },
}

GIVEN = ["Олена", "Андрій", "Марія", "Тарас", "Ірина", "Богдан", "Оксана", "Василь"]
FAMILY = ["Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Мельник"]

PETITIONS = {
    "zhytomyr": [
        ("Облаштувати велодоріжку вздовж вулиці Київської", "Транспорт і дороги",
         Addressee.COUNCIL, "answered", 100),
        ("Встановити освітлення в парку імені Гагаріна", "Благоустрій",
         Addressee.MAYOR, "collecting", 37),
        ("Продовжити роботу тролейбуса №2 до 23:00", "Транспорт і дороги",
         Addressee.EXECUTIVE, "moderation", 0),
        ("Перейменувати всесвіт на честь мого кота", "Інше",
         Addressee.COUNCIL, "rejected", 0),
    ],
    "dnipro": [
        ("Відновити фонтан на Європейській площі", "Благоустрій",
         Addressee.COUNCIL, "collecting", 64),
        ("Створити безбар'єрні пішохідні переходи на проспекті Яворницького",
         "Транспорт і дороги", Addressee.MAYOR, "collecting", 12),
        ("Збільшити кількість укриттів біля шкіл Амур-Нижньодніпровського району",
         "Освіта", Addressee.EXECUTIVE, "moderation", 0),
    ],
}

TEXT = (
    "Шановні депутати та посадові особи! Мешканці громади щодня стикаються з цією "
    "проблемою. Просимо розглянути питання, передбачити кошти в бюджеті на "
    "наступний рік та оприлюднити план робіт із конкретними строками виконання. "
    "Ми готові долучитися до обговорення та громадського контролю."
)


def _citizen(municipality, n: int):
    User = get_user_model()
    code = (municipality.locality_codes or [""])[0]
    identity, _ = Identity.objects.get_or_create(
        key=f"demo-petitions:{municipality.slug}:{n}",
        defaults={
            "key_kind": Identity.KeyKind.TAX_NUMBER,
            "given_name": GIVEN[n % len(GIVEN)],
            "family_name": FAMILY[n % len(FAMILY)],
            "birth_date": dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
            "locality_code": code,
            "auth_method": Identity.AuthMethod.BANKID,
            "verified_at": timezone.now(),
        },
    )
    user, created = User.objects.get_or_create(
        username=f"demo-{municipality.slug}-citizen-{n}", defaults={"identity": identity}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _staff(municipality, role: str):
    return get_user_model().objects.filter(username=f"{municipality.slug}-{role}").first()


def seed_petitions(municipality) -> None:
    if municipality.slug not in STATUTES:
        return
    admin = _staff(municipality, "admin")
    moderator = _staff(municipality, "moderator")
    official = _staff(municipality, "official")
    if not (admin and moderator and official):
        return
    services.petition_settings_update(
        actor=admin, municipality=municipality, changes=STATUTES[municipality.slug]
    )
    signer_no = 1
    for index, (title, category, addressee, stage, signatures) in enumerate(
        PETITIONS[municipality.slug]
    ):
        if Petition.objects.filter(municipality=municipality, title=title).exists():
            continue
        author = _citizen(municipality, 1000 + index)
        with transaction.atomic():
            petition = services.petition_create(
                actor=author, municipality=municipality, title=title, text=TEXT,
                category=category, addressee=addressee,
            )
            petition = services.petition_submit(actor=author, petition=petition)
            if stage == "rejected":
                services.petition_reject(
                    actor=moderator, petition=petition,
                    reason="Петиція не стосується питань місцевого значення.",
                )
                continue
            if stage == "moderation":
                continue
            petition = services.petition_approve(actor=moderator, petition=petition)
        for _n in range(signatures):
            services.signature_create(
                actor=_citizen(municipality, signer_no), petition=petition,
                ip=f"198.51.100.{signer_no % 250 + 1}",
            )
            signer_no += 1
        if stage == "answered":
            petition.refresh_from_db()
            petition = services.petition_consider(actor=official, petition=petition)
            services.petition_answer(
                actor=official, petition=petition, decision=Petition.Decision.PARTLY,
                text=(
                    "Виконавчий комітет підтримує ідею. Проєкт велодоріжки включено до "
                    "програми розвитку транспорту; першу чергу збудують наступного року."
                ),
            )
    services.flush_signature_counts()
