"""Demo consultations: a draft decision under discussion, a survey and a quiz.

Idempotent: nothing is made twice for a municipality (looked up by title).
Everything goes through the services, as staff and residents would.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from edem.accounts.models import Identity
from edem.municipalities.models import Organisation

from . import services
from .models import DraftDecision, Proposal, Quiz, Survey

DRAFT_TITLE = "Про Правила благоустрою території громади (нова редакція)"
DRAFT_TEXT = """# Розділ 1. Загальні положення

1. Ці Правила визначають вимоги до утримання територій, будівель, зелених насаджень і малих архітектурних форм у громаді.

2. Правила обов'язкові для всіх підприємств, установ, організацій і мешканців громади.

# Розділ 2. Утримання територій

3. Власники та користувачі будівель прибирають прилеглу територію щодня до 8:00, а взимку очищують тротуари від снігу та ожеледі.

4. Розміщення тимчасових споруд на газонах і пішохідних доріжках забороняється.

5. Вигул собак дозволяється лише на спеціально відведених майданчиках, визначених виконавчим комітетом.

# Розділ 3. Відповідальність

6. За порушення цих Правил винні особи несуть відповідальність згідно із законодавством України.
"""

SURVEY_TITLE = "Як ви пересуваєтеся містом?"
SURVEY_SECTIONS = [
    {"type": "section", "value": {
        "title": "Ваші поїздки", "intro": "Кілька запитань про те, як ви добираєтеся на роботу чи навчання.",
        "questions": [
            {"code": "mode", "text": "Як ви найчастіше добираєтеся на роботу чи навчання?",
             "help": "", "kind": "single", "required": True,
             "options": ["Громадським транспортом", "Автомобілем", "Велосипедом", "Пішки"],
             "min_choices": None, "max_choices": None, "scale_min": 1, "scale_max": 5,
             "scale_min_label": "", "scale_max_label": "", "show_if_question": "",
             "show_if_answer": ""},
            {"code": "transit_routes", "text": "Якими маршрутами ви користуєтеся?",
             "help": "Оберіть до трьох.", "kind": "multiple", "required": True,
             "options": ["Трамвай", "Тролейбус", "Автобус", "Маршрутне таксі"],
             "min_choices": 1, "max_choices": 3, "scale_min": 1, "scale_max": 5,
             "scale_min_label": "", "scale_max_label": "",
             "show_if_question": "mode", "show_if_answer": "Громадським транспортом"},
        ]}},
    {"type": "section", "value": {
        "title": "Оцінка та пріоритети", "intro": "",
        "questions": [
            {"code": "satisfaction", "text": "Наскільки ви задоволені громадським транспортом?",
             "help": "", "kind": "scale", "required": True, "options": [],
             "min_choices": None, "max_choices": None, "scale_min": 1, "scale_max": 5,
             "scale_min_label": "зовсім ні", "scale_max_label": "цілком",
             "show_if_question": "", "show_if_answer": ""},
            {"code": "priorities", "text": "Розставте пріоритети на наступний рік",
             "help": "", "kind": "ranking", "required": False,
             "options": ["Нові тролейбуси", "Велодоріжки", "Ремонт тротуарів"],
             "min_choices": None, "max_choices": None, "scale_min": 1, "scale_max": 5,
             "scale_min_label": "", "scale_max_label": "", "show_if_question": "",
             "show_if_answer": ""},
            {"code": "idea", "text": "Що варто змінити в першу чергу?", "help": "",
             "kind": "text", "required": False, "options": [], "min_choices": None,
             "max_choices": None, "scale_min": 1, "scale_max": 5, "scale_min_label": "",
             "scale_max_label": "", "show_if_question": "", "show_if_answer": ""},
            {"code": "stop", "text": "Де бракує зупинки громадського транспорту?",
             "help": "Позначте місце на карті або введіть координати.",
             "kind": "point", "required": False, "options": [], "min_choices": None,
             "max_choices": None, "scale_min": 1, "scale_max": 5, "scale_min_label": "",
             "scale_max_label": "", "show_if_question": "", "show_if_answer": ""},
        ]}},
]

QUIZ_TITLE = "Вікторина «Знай свою громаду»"
STAGE_QUESTIONS = [
    [
        {"type": "question", "value": {
            "text": "Скільки днів триває громадське обговорення проєкту рішення в нашій громаді?",
            "multiple": False, "points": 1, "explanation": "Зазвичай — не менше 15 днів.",
            "options": [{"text": "3 дні", "correct": False}, {"text": "15 днів", "correct": True},
                        {"text": "1 рік", "correct": False}]}},
        {"type": "question", "value": {
            "text": "Що можна зробити на платформі E-DEM?", "multiple": True, "points": 2,
            "explanation": "",
            "options": [{"text": "Підписати петицію", "correct": True},
                        {"text": "Повідомити про проблему в місті", "correct": True},
                        {"text": "Сплатити штраф за паркування", "correct": False}]}},
    ],
    [
        {"type": "question", "value": {
            "text": "Хто ухвалює бюджет громади?", "multiple": False, "points": 1,
            "explanation": "",
            "options": [{"text": "Міська рада", "correct": True},
                        {"text": "Обласна адміністрація", "correct": False}]}},
    ],
]


def _staff(municipality, role: str):
    return get_user_model().objects.filter(username=f"{municipality.slug}-{role}").first()


def _resident(municipality, n: int):
    User = get_user_model()
    identity, _created = Identity.objects.get_or_create(
        key=f"demo-consultations:{municipality.slug}:{n}",
        defaults={
            "key_kind": Identity.KeyKind.TAX_NUMBER, "given_name": ["Ірина", "Петро", "Ганна"][n % 3],
            "family_name": ["Мельник", "Коваль", "Бойко"][n % 3],
            "birth_date": dt.date(1975 + n, 3, 10),
            "locality_code": (municipality.locality_codes or [""])[0],
            "auth_method": Identity.AuthMethod.BANKID, "verified_at": timezone.now(),
        },
    )
    user, created = User.objects.get_or_create(
        username=f"demo-{municipality.slug}-resident-{n}", defaults={"identity": identity})
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _seed_draft(municipality, admin, now) -> None:
    if DraftDecision.objects.filter(municipality=municipality, title=DRAFT_TITLE).exists():
        return
    department = (Organisation.objects.filter(municipality=municipality, is_dispatcher=False)
                  .order_by("pk").last())
    if department is None:
        return
    with transaction.atomic():
        draft = services.draft_save(
            actor=admin, municipality=municipality, text=DRAFT_TEXT,
            data={"title": DRAFT_TITLE,
                  "summary": "Виконавчий комітет пропонує оновити Правила благоустрою: "
                             "чіткіші строки прибирання, заборона споруд на газонах, "
                             "майданчики для вигулу собак. Висловіть свою думку до кожного пункту.",
                  "issuer": DraftDecision.Issuer.COUNCIL, "department": department,
                  "discussion_starts_at": now - dt.timedelta(days=2),
                  "discussion_ends_at": now + dt.timedelta(days=14)},
        )
        draft = services.draft_publish(actor=admin, draft=draft)
        paragraph = draft.paragraphs.get(number="3")
        first, second = _resident(municipality, 1), _resident(municipality, 2)
        amendment = services.proposal_create(
            actor=first, draft=draft, kind=Proposal.Kind.AMENDMENT, paragraph=paragraph,
            body="Літні люди не встигають прибрати до 8:00; краще до 10:00.",
            proposed_text=paragraph.text.replace("до 8:00", "до 10:00"),
        )
        services.proposal_create(
            actor=second, draft=draft, kind=Proposal.Kind.COMMENT,
            body="Підтримую оновлення правил, але додайте вимоги до освітлення дворів.",
        )
        services.proposal_support(actor=second, proposal=amendment)


def _seed_survey(municipality, admin, now) -> None:
    if Survey.objects.filter(municipality=municipality, title=SURVEY_TITLE).exists():
        return
    with transaction.atomic():
        survey = services.survey_save(
            actor=admin, municipality=municipality,
            data={"title": SURVEY_TITLE,
                  "description": "Відповіді допоможуть спланувати маршрути й ремонти на наступний рік.",
                  "sections": SURVEY_SECTIONS, "opens_at": now - dt.timedelta(days=1),
                  "closes_at": now + dt.timedelta(days=21), "anonymous": True,
                  "allow_changes": True, "results": Survey.Results.LIVE},
        )
        services.survey_publish(actor=admin, survey=survey)


def _seed_quiz(municipality, admin, now) -> None:
    if Quiz.objects.filter(municipality=municipality, title=QUIZ_TITLE).exists():
        return
    with transaction.atomic():
        quiz = services.quiz_save(
            actor=admin, municipality=municipality,
            data={"title": QUIZ_TITLE,
                  "description": "Дві частини, переможці отримають квитки до міського музею."},
        )
        stages = [
            ("Частина 1. Як працює громада", now - dt.timedelta(days=1),
             now + dt.timedelta(days=7), 300, "top"),
            ("Частина 2. Бюджет", now + dt.timedelta(days=7), now + dt.timedelta(days=14),
             None, "draw"),
        ]
        for number, (title, opens, closes, limit, rule) in enumerate(stages, start=1):
            services.stage_save(actor=admin, data={
                "quiz": quiz, "number": number, "title": title,
                "questions": STAGE_QUESTIONS[number - 1], "opens_at": opens,
                "closes_at": closes, "time_limit_seconds": limit, "attempts_allowed": 1,
                "winner_rule": rule, "winners_count": 3, "draw_min_score": 1,
                "reward": "Два квитки до міського краєзнавчого музею",
            })
        services.quiz_publish(actor=admin, quiz=quiz)


def seed_consultations(municipality) -> None:
    admin = _staff(municipality, "admin")
    if admin is None:
        return
    now = timezone.now()
    _seed_draft(municipality, admin, now)
    _seed_survey(municipality, admin, now)
    _seed_quiz(municipality, admin, now)
