"""Demo idea campaigns for the demo municipalities.

Each municipality gets a running campaign: Zhytomyr's is in discussion (ideas
to support and comment on), Dnipro's takes proposals. Zhytomyr also has a
finished campaign whose selected ideas report their implementation, so the
results page has something to show. Everything goes through the services, as
residents, moderators and the commission would; the phases are moved along by
the admin, as staff would. Idempotent: a campaign with the same theme in the
municipality is not made twice.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from edem.accounts.models import Identity
from edem.participation.services import follow_set

from . import services
from .models import PHASE_ORDER, Campaign, Idea

GIVEN = ["Олена", "Андрій", "Марія", "Тарас", "Ірина", "Богдан", "Оксана", "Василь"]
FAMILY = ["Гончаренко", "Литвиненко", "Савченко", "Руденко", "Кузьменко", "Бойко"]

TEXT_TAIL = (
    " Це зробить район зручнішим для мешканців різного віку, а витрати громади "
    "будуть помірними. Готовий долучитися до обговорення деталей."
)

RUNNING = {
    "zhytomyr": {
        "title": "Зелений Житомир: ідеї для скверів і набережних",
        "description": (
            "Міська рада запрошує мешканців запропонувати, як оновити сквери, "
            "набережну Тетерева та дворові простори. Експертна комісія відбере "
            "найкращі ідеї, а місто звітуватиме про їх втілення."
        ),
        "subtopics": ["Сквери та парки", "Набережна Тетерева", "Дворові простори"],
        "stage": "discussion",
        "spam": "Найкращі пластикові вікна зі знижкою для всіх мешканців",
        "ideas": [
            ("Поставити питні фонтанчики в сквері Соборному", 0, 12, (50.2547, 28.6587)),
            ("Облаштувати пляжну зону з лежаками біля Тетерева", 1, 8, (50.2489, 28.6511)),
            ("Створити дитячий майданчик з тіньовими навісами у дворах Мальованки", 2, 5, None),
            ("Висадити алею каштанів уздовж набережної", 1, 3, None),
            ("Встановити велопарковки біля входів до парку Гагаріна", 0, 2, (50.2441, 28.6722)),
        ],
    },
    "dnipro": {
        "title": "Дніпро, що рухається: ідеї для громадського простору",
        "description": (
            "Пропонуйте, як зробити набережну, зупинки та двори Дніпра зручнішими. "
            "Після збору пропозицій буде тиждень обговорення, потім комісія "
            "відбере ідеї для втілення наступного року."
        ),
        "subtopics": ["Набережна", "Зупинки громадського транспорту", "Двори"],
        "stage": "proposals",
        "ideas": [
            ("Зробити теплі зупинки з підзарядкою телефонів на проспекті Яворницького", 1, 0, None),
            ("Облаштувати зони для вуличних музикантів на набережній", 0, 0, (48.4680, 35.0530)),
        ],
    },
}

FINISHED = {
    "zhytomyr": {
        "title": "Безпечні маршрути до шкіл",
        "description": (
            "Мешканці пропонували, як зробити шлях дітей до шкіл безпечнішим. "
            "Комісія відібрала ідеї, місто звітує про їх втілення."
        ),
        "subtopics": ["Пішохідні переходи", "Освітлення"],
        "ideas": [
            ("Підняті пішохідні переходи біля шкіл №23 і №25", 0, 9, "selected"),
            ("Освітлити стежку через парк до ліцею №1", 1, 6, "selected"),
            ("Заборонити в'їзд автомобілів у всі двори біля шкіл", 0, 1, "not_selected"),
        ],
    },
}

COMMENTS = [
    "Дуже потрібна ідея, підтримую!",
    "Варто подумати, хто доглядатиме за цим після встановлення.",
    "Пропоную додати ще лавки поруч.",
]


def _person(municipality, n: int):
    User = get_user_model()
    identity, _created = Identity.objects.get_or_create(
        key=f"demo-ideas:{municipality.slug}:{n}",
        defaults={
            "key_kind": Identity.KeyKind.TAX_NUMBER,
            "given_name": GIVEN[n % len(GIVEN)],
            "family_name": FAMILY[n % len(FAMILY)],
            "birth_date": dt.date(1965 + n % 35, 1 + n % 12, 1 + n % 28),
            "locality_code": (municipality.locality_codes or [""])[0],
            "auth_method": Identity.AuthMethod.BANKID,
            "verified_at": timezone.now(),
        },
    )
    user, created = User.objects.get_or_create(
        username=f"demo-{municipality.slug}-ideas-{n}", defaults={"identity": identity}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _staff(municipality, role: str):
    return get_user_model().objects.filter(username=f"{municipality.slug}-{role}").first()


def _phases(current: str, now: dt.datetime) -> dict:
    """Phase windows putting ``current`` around ``now`` (one week each)."""
    week = dt.timedelta(days=7)
    index = PHASE_ORDER.index(current) if current in PHASE_ORDER else len(PHASE_ORDER)
    start = now - dt.timedelta(days=2) - week * index
    windows = {}
    for kind in PHASE_ORDER:
        windows[kind] = (start, start + week)
        start += week
    return windows


def _move_to(admin, campaign: Campaign, stage: str, now: dt.datetime) -> Campaign:
    return services.campaign_update(
        actor=admin, campaign=campaign, title=campaign.title,
        description=campaign.description,
        subtopics=list(campaign.subtopics.values_list("title", flat=True)),
        phases=_phases(stage, now), ideas_per_person=campaign.ideas_per_person,
        publish=True,
    )


def _propose(campaign: Campaign, spec, person_base: int) -> list[Idea]:
    subtopics = list(campaign.subtopics.all())
    ideas = []
    for n, (title, topic, _supports, point) in enumerate(spec):
        ideas.append(
            services.idea_create(
                actor=_person(campaign.municipality, person_base + n), campaign=campaign,
                title=title, text=title + "." + TEXT_TAIL,
                subtopic_id=subtopics[topic].pk,
                lat=point[0] if point else None, lon=point[1] if point else None,
            )
        )
    return ideas

AUTHOR_REPLY = "Дякую за підтримку! Додам це до опису ідеї."


def _discuss(campaign: Campaign, ideas: list[Idea], spec, person_base: int) -> None:
    supporter = person_base
    for n, idea in enumerate(ideas):
        for _k in range(spec[n][2]):
            services.support_create(
                actor=_person(campaign.municipality, supporter), idea=idea
            )
            supporter += 1
        comments = [
            services.idea_comment(
                actor=_person(campaign.municipality, person_base + 50 + k), idea=idea,
                body=COMMENTS[k],
            )
            for k in range(min(spec[n][2], len(COMMENTS)))
        ]
        if n == 0 and comments:
            # The author answers the first comment: the discussion shows a thread.
            services.idea_comment(actor=idea.author, idea=idea, body=AUTHOR_REPLY,
                                  parent=comments[0])


def _running(municipality, admin, moderator, spec) -> None:
    now = timezone.now()
    with transaction.atomic():
        campaign = services.campaign_create(
            actor=admin, municipality=municipality, title=spec["title"],
            description=spec["description"], subtopics=spec["subtopics"],
            phases=_phases("proposals", now), ideas_per_person=3, publish=True,
        )
        ideas = _propose(campaign, spec["ideas"], 1)
        if spec.get("spam"):
            spam = services.idea_create(
                actor=_person(municipality, 90), campaign=campaign,
                subtopic_id=campaign.subtopics.first().pk, title=spec["spam"],
                text=spec["spam"] + " Телефонуйте за номером у профілі, знижки щодня!",
            )
            services.idea_hide(
                actor=moderator, idea=spam,
                reason="Реклама комерційних послуг порушує правила кампанії.",
            )
        if spec["stage"] == "discussion":
            campaign = _move_to(admin, campaign, "discussion", now)
            _discuss(campaign, ideas, spec["ideas"], 100)


def _finished(municipality, admin, official, spec) -> None:
    now = timezone.now()
    with transaction.atomic():
        campaign = services.campaign_create(
            actor=admin, municipality=municipality, title=spec["title"],
            description=spec["description"], subtopics=spec["subtopics"],
            phases=_phases("proposals", now), ideas_per_person=2, publish=True,
        )
        ideas = _propose(campaign, [(*i[:3], None) for i in spec["ideas"]], 200)
        campaign = _move_to(admin, campaign, "discussion", now)
        _discuss(campaign, ideas, spec["ideas"], 300)
        campaign = _move_to(admin, campaign, "selection", now)
        services.commission_member_add(actor=admin, campaign=campaign, user=official)
        for idea, (_title, _topic, _supports, outcome) in zip(
            ideas, spec["ideas"], strict=True
        ):
            if outcome == "selected":
                services.idea_shortlist(actor=official, idea=idea)
                services.idea_decide(
                    actor=official, idea=idea, selected=True,
                    decision="Комісія підтримала ідею: її включено до плану робіт "
                             "управління транспорту на поточний рік.",
                )
                follow_set(actor=idea.author, target=idea, following=True)
            else:
                services.idea_decide(
                    actor=official, idea=idea, selected=False,
                    decision="Повна заборона в'їзду унеможливить під'їзд спецтранспорту; "
                             "натомість облаштуємо підняті переходи.",
                )
        campaign = _move_to(admin, campaign, "implementation", now)
        selected = [i for i in ideas if Idea.objects.get(pk=i.pk).status == "selected"]
        for n, idea in enumerate(selected):
            services.implementation_update_create(
                actor=official, idea=idea, implementation=Idea.Implementation.IN_PROGRESS,
                happened_on=municipality.local_today() - dt.timedelta(days=3 - n),
                text="Підрядник розпочав роботи, завершення заплановано на наступний місяць.",
            )


def seed_ideas(municipality) -> None:
    admin = _staff(municipality, "admin")
    moderator = _staff(municipality, "moderator")
    official = _staff(municipality, "official")
    if not (admin and moderator and official):
        return
    finished = FINISHED.get(municipality.slug)
    if finished and not Campaign.objects.filter(
        municipality=municipality, title=finished["title"]
    ).exists():
        _finished(municipality, admin, official, finished)
    running = RUNNING.get(municipality.slug)
    if running and not Campaign.objects.filter(
        municipality=municipality, title=running["title"]
    ).exists():
        _running(municipality, admin, moderator, running)
        campaign = Campaign.objects.get(municipality=municipality, title=running["title"])
        if not campaign.commission.filter(user=official).exists():
            services.commission_member_add(actor=admin, campaign=campaign, user=official)
