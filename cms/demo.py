"""Demo pages of the demo municipalities: announcements, news and "About".

``seed_cms`` is idempotent: a page that exists (by its address) is left as staff
may have edited it; only missing pages are created and published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from edem.municipalities.models import Municipality, Organisation

from .models import AnnouncementIndexPage, AnnouncementPage, StandardPage
from .services import municipality_site_setup


@dataclass(frozen=True)
class DemoAnnouncement:
    slug: str
    kind: str
    category: str
    days_ago: int
    title: str
    summary: str
    body: str
    title_en: str
    summary_en: str
    body_en: str
    pinned: bool = False
    organisation_hint: str = ""


K = AnnouncementPage.Kind
C = AnnouncementPage.Category

ZHYTOMYR = [
    DemoAnnouncement(
        slug="hromadski-sluhannia-heneralnyi-plan",
        kind=K.OFFICIAL,
        category=C.GOVERNANCE,
        days_ago=1,
        pinned=True,
        title="Громадські слухання щодо змін до генерального плану міста",
        summary="Запрошуємо мешканців обговорити проєкт змін до генерального плану "
        "Житомира. Пропозиції приймаються до 30 днів з дня оприлюднення.",
        body="<p>Виконавчий комітет Житомирської міської ради повідомляє про початок "
        "громадських слухань щодо проєкту внесення змін до генерального плану міста.</p>"
        "<h2>Як взяти участь</h2><ul><li>ознайомитися з матеріалами на сайті та в "
        "управлінні містобудування (майдан С. П. Корольова, 4/2, каб. 309);</li>"
        "<li>подати письмові пропозиції особисто або електронною поштою;</li>"
        "<li>взяти участь у відкритих зборах у залі засідань міської ради.</li></ul>"
        "<p>Пропозиції мають містити прізвище, ім'я, по батькові та адресу "
        "проживання автора. Анонімні пропозиції не розглядаються.</p>",
        title_en="Public hearings on changes to the city's master plan",
        summary_en="Residents are invited to discuss the draft changes to Zhytomyr's "
        "master plan. Proposals are accepted for 30 days after publication.",
        body_en="<p>The executive committee of Zhytomyr City Council announces public "
        "hearings on the draft changes to the city's master plan.</p><h2>How to take "
        "part</h2><ul><li>read the documents online or at the urban planning "
        "department (4/2 Koroliova Square, room 309);</li><li>send written proposals "
        "in person or by e-mail;</li><li>come to the open meeting in the council "
        "chamber.</li></ul><p>Proposals must give the author's full name and home "
        "address. Anonymous proposals are not considered.</p>",
    ),
    DemoAnnouncement(
        slug="bjudzhet-uchasti-pryiom-proiektiv",
        kind=K.OFFICIAL,
        category=C.PARTICIPATION,
        days_ago=3,
        title="Розпочато прийом проєктів громадського бюджету",
        summary="До кінця місяця житомиряни можуть подати ідеї для міста: сквери, "
        "спортивні майданчики, освітні та культурні проєкти.",
        body="<p>Стартував прийом проєктів громадського бюджету. Подати проєкт може "
        "кожен мешканець громади, якому виповнилося 16 років, після входу через "
        "BankID, Дія або КЕП.</p><p>Усі подані проєкти видно на карті «Бюджет на "
        "мапі»: можна подивитися, що пропонують сусіди, і слідкувати за реалізацією "
        "переможців минулих років.</p>",
        title_en="Participatory budget: project submission is open",
        summary_en="Until the end of the month residents can submit ideas for the "
        "city: squares, sports grounds, education and culture projects.",
        body_en="<p>Submission of participatory budget projects has started. Any "
        "resident aged 16 or over can submit a project after logging in with "
        "BankID, Diia or a qualified e-signature.</p><p>Every submitted project is "
        "shown on the “Budget on the map”, where you can see what your neighbours "
        "propose and follow the implementation of past winners.</p>",
    ),
    DemoAnnouncement(
        slug="hrafik-vidkliuchennia-vody",
        kind=K.OFFICIAL,
        category=C.UTILITIES,
        days_ago=5,
        organisation_hint="водоканал",
        title="Графік планових відключень водопостачання",
        summary="Через ремонт магістрального водогону на Корбутівці воду буде "
        "тимчасово відключено. Перевірте свою адресу в графіку.",
        body="<p>КП «Житомирводоканал» проводить заміну аварійної ділянки "
        "магістрального водогону.</p><ul><li>вул. Корбутівська, 1–45 — з 9:00 до "
        "17:00;</li><li>вул. Бердичівська, 60–98 — з 10:00 до 16:00;</li><li>пров. "
        "Шкільний — з 9:00 до 13:00.</li></ul><p>Просимо заздалегідь зробити запас "
        "води. Довідки — у контакт-центрі 15-80.</p>",
        title_en="Scheduled water supply interruptions",
        summary_en="Water will be temporarily cut off while the trunk main in "
        "Korbutivka is repaired. Check your address in the schedule.",
        body_en="<p>The Zhytomyrvodokanal utility is replacing a damaged section of "
        "the trunk water main.</p><ul><li>Korbutivska St, 1–45 — 9:00 to 17:00;</li>"
        "<li>Berdychivska St, 60–98 — 10:00 to 16:00;</li><li>Shkilnyi Ln — 9:00 to "
        "13:00.</li></ul><p>Please store water in advance. Information: contact "
        "centre 15-80.</p>",
    ),
    DemoAnnouncement(
        slug="novi-trolejbusy",
        kind=K.NEWS,
        category=C.TRANSPORT,
        days_ago=2,
        organisation_hint="трамвайно",
        title="На маршрути вийшли нові тролейбуси з автономним ходом",
        summary="Шість нових тролейбусів можуть проїхати до 20 км без контактної "
        "мережі — маршрут до Малікова тепер без пересадок.",
        body="<p>Житомирське трамвайно-тролейбусне управління отримало шість нових "
        "низькопідлогових тролейбусів з автономним ходом. Машини обладнані "
        "пандусами, кондиціонерами та валідаторами для оплати банківською "
        "карткою.</p>",
        title_en="New trolleybuses with battery range enter service",
        summary_en="Six new trolleybuses can run up to 20 km without overhead wires, "
        "so the route to Malikova needs no change any more.",
        body_en="<p>The Zhytomyr tram and trolleybus company has received six new "
        "low-floor trolleybuses with battery range. They have ramps, air "
        "conditioning and validators that take bank cards.</p>",
    ),
    DemoAnnouncement(
        slug="heoportal-onovleno",
        kind=K.NEWS,
        category=C.PARTICIPATION,
        days_ago=8,
        title="Оновлено міський геопортал: бюджет на мапі та планові роботи",
        summary="На геопорталі з'явилися шари з проєктами громадського бюджету, "
        "плановими ремонтами доріг і зонами відключень.",
        body="<p>Міський геопортал отримав нові шари: проєкти громадського бюджету "
        "з етапами реалізації, планові ремонти доріг та тимчасові зони відключень "
        "комунальних послуг.</p>",
        title_en="City geoportal updated: the budget on the map and planned works",
        summary_en="The geoportal now shows participatory budget projects, planned "
        "road repairs and outage zones.",
        body_en="<p>The city geoportal has new layers: participatory budget projects "
        "with their implementation stages, planned road repairs and temporary "
        "utility outage zones.</p>",
    ),
]

DNIPRO = [
    DemoAnnouncement(
        slug="opaliuvalnyi-sezon",
        kind=K.OFFICIAL,
        category=C.UTILITIES,
        days_ago=1,
        pinned=True,
        title="Про початок опалювального сезону",
        summary="Подачу тепла до житлових будинків розпочнуть поетапно: спершу "
        "лікарні, школи та дитячі садки, далі — житлові будинки.",
        body="<p>Відповідно до рішення виконавчого комітету Дніпровської міської ради "
        "опалювальний сезон розпочинається поетапно.</p><ol><li>заклади охорони "
        "здоров'я, освіти та соціального захисту;</li><li>житлові будинки — після "
        "трьох діб із середньодобовою температурою нижче +8 °C.</li></ol><p>Якщо "
        "у вашому будинку немає тепла після підключення, повідомте контакт-центр "
        "1580 або подайте звернення на платформі.</p>",
        title_en="Start of the heating season",
        summary_en="Heating will be switched on in stages: hospitals, schools and "
        "kindergartens first, then residential buildings.",
        body_en="<p>By decision of the executive committee of Dnipro City Council the "
        "heating season starts in stages.</p><ol><li>health, education and social "
        "care buildings;</li><li>residential buildings — after three days with an "
        "average daily temperature below +8 °C.</li></ol><p>If your building has no "
        "heating after it has been connected, tell contact centre 1580 or report it "
        "on the platform.</p>",
    ),
    DemoAnnouncement(
        slug="kontakt-tsentr-1580-onlain",
        kind=K.OFFICIAL,
        category=C.GOVERNANCE,
        days_ago=4,
        organisation_hint="1580",
        title="Контакт-центр 1580 приймає звернення онлайн цілодобово",
        summary="Повідомити про аварію, оцінити роботу комунальних служб і "
        "простежити за виконанням заявки можна на платформі.",
        body="<p>Міський контакт-центр працює цілодобово. Звернення можна подати "
        "телефоном 1580 або онлайн: обрати категорію, описати проблему, позначити "
        "місце на мапі та додати фото.</p><p>Кожне звернення автоматично "
        "передається відповідальному підприємству, а статус видно в особистому "
        "кабінеті.</p>",
        title_en="Contact centre 1580 takes reports online around the clock",
        summary_en="Report an emergency, rate the work of utilities and follow your "
        "request on the platform.",
        body_en="<p>The city contact centre works around the clock. Reports can be "
        "made by phone (1580) or online: choose a category, describe the problem, "
        "mark the place on the map and add photos.</p><p>Every report is routed "
        "automatically to the responsible utility, and its status is shown in your "
        "cabinet.</p>",
    ),
    DemoAnnouncement(
        slug="vidkliuchennia-vody-livyi-bereh",
        kind=K.OFFICIAL,
        category=C.UTILITIES,
        days_ago=6,
        organisation_hint="водоканал",
        title="Тимчасове відключення водопостачання на лівому березі",
        summary="КП «Дніпроводоканал» ремонтує водовід: у частині житлових "
        "масивів Лівобережний та Сонячний тиск води буде знижено.",
        body="<p>У зв'язку з аварійно-відновлювальними роботами на водоводі діаметром "
        "800 мм тимчасово буде знижено тиск або відсутнє водопостачання:</p><ul>"
        "<li>ж/м Лівобережний-3 — з 8:00 до 20:00;</li><li>ж/м Сонячний — з 10:00 "
        "до 18:00.</li></ul><p>Підвіз питної води організовано автоцистернами.</p>",
        title_en="Temporary water supply interruption on the left bank",
        summary_en="Dniprovodokanal is repairing a water main: parts of the "
        "Livoberezhnyi and Sonyachnyi districts will have low water pressure.",
        body_en="<p>Because of emergency repairs on an 800 mm water main, water "
        "pressure will be low or supply interrupted:</p><ul><li>Livoberezhnyi-3 — "
        "8:00 to 20:00;</li><li>Sonyachnyi — 10:00 to 18:00.</li></ul><p>Drinking "
        "water is delivered by tank trucks.</p>",
    ),
    DemoAnnouncement(
        slug="novi-skveri",
        kind=K.NEWS,
        category=C.ENVIRONMENT,
        days_ago=3,
        organisation_hint="Благоустрій",
        title="У трьох районах облаштують нові сквери",
        summary="Проєкти-переможці громадського бюджету: тіньові навіси, "
        "інклюзивні дитячі майданчики й освітлення алей.",
        body="<p>КП «Благоустрій» розпочало роботи у скверах на Перемозі, в "
        "Амур-Нижньодніпровському та Центральному районах. Усі три проєкти "
        "перемогли в голосуванні громадського бюджету.</p>",
        title_en="New squares in three districts",
        summary_en="Winning participatory budget projects: shade canopies, "
        "inclusive playgrounds and lit alleys.",
        body_en="<p>The Blagoustrii utility has started works in squares in "
        "Peremoha, Amur-Nyzhnodniprovskyi and Tsentralnyi districts. All three "
        "projects won the participatory budget vote.</p>",
    ),
]

ABOUT = {
    "zhytomyr": (
        "<p>Житомирська міська територіальна громада — одна з найстаріших громад "
        "Полісся. Тут можна подати петицію, проголосувати за проєкти громадського "
        "бюджету, повідомити про проблему в місті та взяти участь у консультаціях.</p>"
        "<p>Контакт-центр міського голови: 15-80.</p>",
        "<p>Zhytomyr City Territorial Community is one of the oldest communities of "
        "Polissia. Here you can start a petition, vote for participatory budget "
        "projects, report a problem in the city and take part in consultations.</p>"
        "<p>Mayor's contact centre: 15-80.</p>",
    ),
    "dnipro": (
        "<p>Дніпро — місто на обох берегах Дніпра. На платформі мешканці подають "
        "петиції та проєкти бюджету участі, повідомляють про аварії через "
        "контакт-центр і стежать за плановими роботами.</p>"
        "<p>Міський контакт-центр: 1580.</p>",
        "<p>Dnipro is a city on both banks of the Dnipro river. On the platform "
        "residents submit petitions and participatory budget projects, report "
        "emergencies to the contact centre and follow planned works.</p>"
        "<p>City contact centre: 1580.</p>",
    ),
}


def _generic_announcements(municipality: Municipality) -> list[DemoAnnouncement]:
    """Announcements for a municipality without hand-written demo content."""
    return [
        DemoAnnouncement(
            slug="hromadski-sluhannia",
            kind=K.OFFICIAL,
            category=C.GOVERNANCE,
            days_ago=1,
            pinned=True,
            title="Громадські слухання щодо бюджету громади",
            summary="Запрошуємо мешканців обговорити проєкт бюджету на наступний рік.",
            body="<p>Обговорення відбудеться в залі засідань ради. Пропозиції "
            "приймаються письмово та на платформі.</p>",
            title_en="Public hearings on the community budget",
            summary_en="Residents are invited to discuss next year's draft budget.",
            body_en="<p>The meeting takes place in the council chamber. Proposals are "
            "accepted in writing and on the platform.</p>",
        ),
        DemoAnnouncement(
            slug="bjudzhet-uchasti",
            kind=K.OFFICIAL,
            category=C.PARTICIPATION,
            days_ago=3,
            title="Прийом проєктів бюджету участі",
            summary="Подайте проєкт для своєї громади до кінця місяця.",
            body="<p>Подати проєкт може кожен мешканець громади після входу через "
            "BankID, Дія або КЕП.</p>",
            title_en="Participatory budget: submit your project",
            summary_en="Submit a project for your community by the end of the month.",
            body_en="<p>Any resident can submit a project after logging in with "
            "BankID, Diia or a qualified e-signature.</p>",
        ),
        DemoAnnouncement(
            slug="vidkliuchennia-vody",
            kind=K.OFFICIAL,
            category=C.UTILITIES,
            days_ago=5,
            title="Планові відключення водопостачання",
            summary="Графік ремонтних робіт на водогоні цього тижня.",
            body="<p>Просимо заздалегідь зробити запас води.</p>",
            title_en="Scheduled water supply interruptions",
            summary_en="This week's schedule of repairs on the water main.",
            body_en="<p>Please store water in advance.</p>",
        ),
        DemoAnnouncement(
            slug="novyny-hromady",
            kind=K.NEWS,
            category=C.EDUCATION,
            days_ago=2,
            title="Відкрито оновлену бібліотеку",
            summary="Після ремонту бібліотека має укриття та коворкінг.",
            body="<p>Бібліотека працює щодня, крім неділі.</p>",
            title_en="Renovated library reopens",
            summary_en="After renovation the library has a shelter and a co-working "
            "space.",
            body_en="<p>The library is open every day except Sunday.</p>",
        ),
    ]


def _organisation(municipality: Municipality, hint: str) -> Organisation | None:
    if not hint:
        return None
    return Organisation.objects.filter(
        municipality=municipality, name_uk__icontains=hint
    ).first()


def _publish_child(parent, page) -> None:
    parent.add_child(instance=page)
    revision = page.save_revision()
    revision.publish()


@transaction.atomic
def seed_cms(municipality: Municipality) -> None:
    """Realistic announcements, news and an "About" page for a demo municipality."""
    home = municipality_site_setup(municipality)
    index = AnnouncementIndexPage.objects.child_of(home).first()
    content = {"zhytomyr": ZHYTOMYR, "dnipro": DNIPRO}.get(municipality.slug)
    if content is None:
        content = _generic_announcements(municipality)
    today = timezone.now().astimezone(municipality.tz).date()
    existing = set(
        AnnouncementPage.objects.child_of(index).values_list("slug", flat=True)
    )
    for item in content:
        if item.slug in existing:
            continue
        _publish_child(
            index,
            AnnouncementPage(
                title=item.title,
                slug=item.slug,
                kind=item.kind,
                category=item.category,
                pinned=item.pinned,
                date=today - dt.timedelta(days=item.days_ago),
                summary=item.summary,
                body=item.body,
                title_en=item.title_en,
                summary_en=item.summary_en,
                body_en=item.body_en,
                author_organisation=_organisation(municipality, item.organisation_hint),
            ),
        )
    if not StandardPage.objects.child_of(home).filter(slug="pro-hromadu").exists():
        body, body_en = ABOUT.get(
            municipality.slug,
            (
                f"<p>{municipality.name_uk} — громада на платформі E-DEM.</p>",
                f"<p>{municipality.name_en} is a community on the E-DEM platform.</p>",
            ),
        )
        _publish_child(
            home,
            StandardPage(
                title="Про громаду",
                title_en="About the community",
                slug="pro-hromadu",
                body=body,
                body_en=body_en,
                show_in_menus=True,
            ),
        )
