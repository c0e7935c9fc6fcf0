"""Open-city services on the real database: routing, deadlines, the lifecycle,
escalation with a frozen clock, SMS to callers and bad input."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override
from PIL import Image

from edem.core.errors import DomainError, PermissionRefused, TransitionRefused
from edem.municipalities.models import Holiday
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry
from edem.participation.selectors import follower_list, is_following
from opencity import services
from opencity.models import (
    CallerMessage,
    DeadlineClass,
    Report,
    ReportEscalation,
    ReportEvent,
    ReportPhoto,
)
from tests.factories import CitizenFactory, OrganisationFactory, UserFactory
from tests.opencity.conftest import (
    EAST_POINT,
    KYIV,
    OUTSIDE_POINT,
    WEST_POINT,
    freeze,
    make_report,
)
from tests.opencity.factories import image_bytes

pytestmark = pytest.mark.django_db
Status = Report.Status


# --- routing -----------------------------------------------------------------------


def test_a_leak_goes_to_the_water_utility_whose_area_holds_the_point(city, citizen):
    west = make_report(city, citizen, point=WEST_POINT)
    east = make_report(city, citizen, point=EAST_POINT)
    assert west.organisation == city.water_west
    assert east.organisation == city.water_east


def test_an_organisation_without_an_area_serves_the_whole_city(city, citizen):
    report = make_report(city, citizen, category=city.light, extra={"pole": "17"})
    assert report.organisation == city.housing


def test_no_responsible_organisation_means_the_dispatcher(city, citizen):
    report = make_report(city, citizen, category=city.pothole)
    assert report.organisation == city.dispatcher


def test_the_smallest_covering_area_wins(city, citizen):
    district = OrganisationFactory(
        municipality=city.municipality, name_uk="Район Богунія",
        service_area={"type": "Polygon", "coordinates": [[
            [28.60, 50.24], [28.64, 50.24], [28.64, 50.27], [28.60, 50.27], [28.60, 50.24]
        ]]},
    )
    city.leak.organisations.add(district)
    assert make_report(city, citizen, point=WEST_POINT).organisation == district
    outside_district = (Decimal("50.290000"), Decimal("28.600000"))
    assert make_report(city, citizen, point=outside_district).organisation == city.water_west


def test_a_point_outside_every_area_of_the_category_goes_to_the_dispatcher(city, citizen):
    city.leak.organisations.set([city.water_west])
    report = make_report(city, citizen, point=EAST_POINT)
    assert report.organisation == city.dispatcher


def test_routing_reads_the_area_again_after_an_edit(city, citizen):
    assert make_report(city, citizen, point=EAST_POINT).organisation == city.water_east
    city.water_east.service_area = {}
    city.water_east.save()
    city.water_west.service_area = {}
    city.water_west.save()
    # Both cover the whole city now: the first of them (by number) answers.
    assert make_report(city, citizen, point=EAST_POINT).organisation == city.water_west


# --- deadlines -----------------------------------------------------------------------


def test_calendar_hours_run_through_the_night(city):
    start = dt.datetime(2026, 3, 6, 22, 0, tzinfo=KYIV)  # Friday evening
    due = services.deadline_for(city.classes["emergency"], start,
                                municipality=city.municipality)
    assert due == dt.datetime(2026, 3, 7, 4, 0, tzinfo=KYIV)


def test_working_time_skips_nights_weekends_and_holidays(city):
    working = DeadlineClass.objects.create(
        municipality=city.municipality, code="working-day", name_uk="Робочий день",
        hours=24, counting=DeadlineClass.Counting.WORKING,
    )
    Holiday.objects.create(municipality=city.municipality, date=dt.date(2026, 3, 9),
                           name="Вихідний за 8 березня")
    start = dt.datetime(2026, 3, 5, 16, 0, tzinfo=KYIV)  # Thursday 16:00
    due = services.deadline_for(working, start, municipality=city.municipality)
    # Thu 16-18 (2 h), Fri 9-18 (9 h), Sat/Sun/Mon-holiday skipped,
    # Tue 9-18 (9 h), Wed 9-13 (4 h) = 24 h.
    assert due == dt.datetime(2026, 3, 11, 13, 0, tzinfo=KYIV)


def test_working_hours_follow_the_municipalitys_settings(city):
    rules = services.settings_for(city.municipality)
    rules.working_day_starts, rules.working_day_ends = 8, 17
    rules.save()
    working = DeadlineClass.objects.create(
        municipality=city.municipality, code="two-hours", name_uk="Дві години",
        hours=2, counting=DeadlineClass.Counting.WORKING,
    )
    start = dt.datetime(2026, 3, 4, 16, 30, tzinfo=KYIV)
    assert services.deadline_for(working, start, municipality=city.municipality) == (
        dt.datetime(2026, 3, 5, 9, 30, tzinfo=KYIV)
    )


def test_acceptance_fixes_the_deadline_of_the_inherited_class(city, citizen, monkeypatch):
    now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV)
    freeze(monkeypatch, now)
    report = make_report(city, citizen, category=city.pothole)
    head = city.heads[city.dispatcher.pk]
    report = services.report_accept(actor=head, report=report, executor=head)
    assert report.deadline_class == city.classes["long"]
    assert report.due_at == now + dt.timedelta(hours=168)


# --- the lifecycle ---------------------------------------------------------------------


def test_the_whole_journey_with_a_denial(city, citizen, monkeypatch):
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV))
    report = make_report(city, citizen)
    executor = city.executors[city.water_west.pk]
    head = city.heads[city.water_west.pk]
    report = services.report_accept(actor=head, report=report, executor=executor)
    assert report.status == Status.ACCEPTED
    assert report.due_at == dt.datetime(2026, 3, 2, 16, 0, tzinfo=KYIV)
    report = services.report_start(actor=executor, report=report)
    report = services.report_resolve(actor=executor, report=report,
                                     answer="Замінили прокладку, воду перекрито.")
    assert report.resolved_on_time is True
    freeze(monkeypatch, dt.datetime(2026, 3, 3, 9, 0, tzinfo=KYIV))
    report = services.report_reopen(actor=citizen, report=report,
                                    comment="Досі капає з люка.")
    assert report.status == Status.REOPENED and report.reopen_count == 1
    assert report.due_at == dt.datetime(2026, 3, 3, 15, 0, tzinfo=KYIV)
    report = services.report_resolve(actor=executor, report=report,
                                     answer="Замінили засувку повністю.")
    report = services.report_confirm(actor=citizen, report=report)
    assert report.status == Status.CLOSED
    report = services.report_rate(actor=citizen, report=report, rating=5,
                                  comment="Швидко і якісно")
    assert report.rating == 5
    kinds = list(report.events.values_list("kind", flat=True))
    assert kinds == ["created", "routed", "accepted", "in_progress", "resolved",
                     "reopened", "resolved", "confirmed", "rated"]
    # Staff steps are audited; the author was told about each staff step.
    actions = set(AuditEntry.objects.filter(object_id=str(report.pk))
                  .values_list("action", flat=True))
    assert {"opencity.report_accepted", "opencity.report_started",
            "opencity.report_resolved"} <= actions
    titles = list(Notification.objects.filter(recipient=citizen).values_list("title",
                                                                           flat=True))
    assert len(titles) == 4


def test_reopening_needs_a_comment_and_only_the_author_may(city, citizen):
    report = make_report(city, citizen)
    executor = city.executors[city.water_west.pk]
    services.report_accept(actor=executor, report=report, executor=executor)
    services.report_resolve(actor=executor, report=report, answer="Виконано.")
    with pytest.raises(DomainError):
        services.report_reopen(actor=citizen, report=report, comment="  ")
    with pytest.raises(PermissionRefused):
        services.report_reopen(actor=CitizenFactory(), report=report, comment="Не так")
    with pytest.raises(PermissionRefused):
        services.report_confirm(actor=executor, report=report)
    assert Report.objects.get(pk=report.pk).status == Status.RESOLVED


def test_the_executor_must_work_in_the_responsible_organisation(city, citizen):
    report = make_report(city, citizen)
    outsider = city.executors[city.housing.pk]
    with pytest.raises(DomainError):
        services.report_accept(actor=city.heads[city.water_west.pk], report=report,
                               executor=outsider)
    with pytest.raises(PermissionRefused):
        services.report_accept(actor=outsider, report=report, executor=outsider)
    assert Report.objects.get(pk=report.pk).status == Status.NEW


def test_steps_outside_the_table_are_refused(city, citizen):
    report = make_report(city, citizen)
    head = city.heads[city.water_west.pk]
    with pytest.raises(TransitionRefused):
        services.report_resolve(actor=head, report=report, answer="Готово")
    with pytest.raises(TransitionRefused):
        services.report_confirm(actor=citizen, report=report)


def test_rating_once_after_resolution_from_one_to_five(city, citizen):
    report = make_report(city, citizen)
    with pytest.raises(DomainError):
        services.report_rate(actor=citizen, report=report, rating=5)
    executor = city.executors[city.water_west.pk]
    services.report_accept(actor=executor, report=report, executor=executor)
    services.report_resolve(actor=executor, report=report, answer="Виконано.")
    with pytest.raises(DomainError):
        services.report_rate(actor=citizen, report=report, rating=6)
    services.report_rate(actor=citizen, report=report, rating=4)
    with pytest.raises(DomainError):
        services.report_rate(actor=citizen, report=report, rating=3)
    assert Report.objects.get(pk=report.pk).rating == 4


def test_refusal_needs_a_reason_the_author_sees(city, citizen):
    report = make_report(city, citizen)
    head = city.heads[city.water_west.pk]
    with pytest.raises(DomainError):
        services.report_refuse(actor=head, report=report, reason="")
    report = services.report_refuse(actor=head, report=report,
                                    reason="Це приватна територія, зверніться до ОСББ.")
    assert report.status == Status.REFUSED
    event = report.events.get(kind=ReportEvent.Kind.REFUSED)
    assert event.text.startswith("Це приватна") and event.organisation == city.water_west


def test_a_duplicate_hands_its_followers_to_the_original(city, citizen):
    original = make_report(city, citizen)
    other = CitizenFactory()
    duplicate = make_report(city, other)
    follower = CitizenFactory()
    from edem.participation.services import follow_set

    follow_set(actor=follower, target=duplicate, following=True)
    services.report_mark_duplicate(actor=city.heads[city.water_west.pk],
                                   report=duplicate, original=original)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.DUPLICATE and duplicate.duplicate_of == original
    assert set(follower_list(target=original)) == {citizen, other, follower}
    assert not follower_list(target=duplicate).exists()


def test_forwarding_changes_the_organisation_with_a_public_reason(city, citizen):
    report = make_report(city, citizen, category=city.pothole)
    operator = city.operator
    report = services.report_forward(actor=operator, report=report,
                                     organisation=city.housing,
                                     reason="Двір, а не дорога: відповідає ЖЕК.")
    assert report.status == Status.FORWARDED and report.organisation == city.housing
    event = report.events.get(kind=ReportEvent.Kind.FORWARDED)
    assert "Двір, а не дорога" in event.text and event.organisation == city.dispatcher
    entry = AuditEntry.objects.get(action="opencity.report_forwarded")
    assert entry.reason.startswith("Двір") and entry.after["organisation"] == city.housing.pk
    with pytest.raises(DomainError):
        services.report_forward(actor=operator, report=report, organisation=city.housing,
                                reason="ще раз")
    # The new organisation accepts it.
    housing_head = city.heads[city.housing.pk]
    services.report_accept(actor=housing_head, report=report, executor=housing_head)


def test_forwarding_needs_a_reason_and_the_same_municipality(city, citizen, dnipro):
    report = make_report(city, citizen)
    head = city.heads[city.water_west.pk]
    with pytest.raises(DomainError):
        services.report_forward(actor=head, report=report, organisation=city.housing,
                                reason="")
    with pytest.raises(DomainError):
        services.report_forward(actor=head, report=report,
                                organisation=OrganisationFactory(municipality=dnipro),
                                reason="Не наше")
    assert Report.objects.get(pk=report.pk).organisation == city.water_west


# --- callers and SMS -----------------------------------------------------------------------


def test_an_operator_files_for_a_caller_who_gets_sms_once(
    city, sms_locmem, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_file_for_caller(
            actor=city.operator, municipality=city.municipality,
            caller_name="Марія Іваненко", caller_phone="+380 (67) 111-22-33",
            category=city.leak, description="Прорив труби біля школи №5.",
            lat=WEST_POINT[0], lon=WEST_POINT[1],
        )
    assert report.author is None and report.filed_by == city.operator
    assert report.caller_phone == "+380671112233"
    assert [m.to for m in sms_locmem] == ["+380671112233"]
    executor = city.executors[city.water_west.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.report_accept(actor=executor, report=report, executor=executor)
    assert len(sms_locmem) == 2 and f"№{report.pk}" in sms_locmem[-1].text
    # A retried task finds the message claimed and sends nothing.
    from opencity.tasks import deliver_caller_message

    message = CallerMessage.objects.filter(report=report).latest("pk")
    assert deliver_caller_message(message.pk) == "already handled"
    assert len(sms_locmem) == 2
    # The operator takes the caller's answer by phone.
    services.report_resolve(actor=executor, report=report, answer="Трубу замінено.")
    services.report_confirm(actor=city.operator, report=report)
    assert Report.objects.get(pk=report.pk).status == Status.CLOSED


def test_a_citizen_cannot_file_for_a_caller(city, citizen):
    with pytest.raises(PermissionRefused):
        services.report_file_for_caller(
            actor=citizen, municipality=city.municipality, caller_name="Хтось",
            caller_phone="+380671112233", category=city.leak,
            description="Прорив труби біля школи.", lat=WEST_POINT[0], lon=WEST_POINT[1],
        )


def test_a_bad_caller_phone_is_refused(city):
    with pytest.raises(ValidationError) as exc:
        services.report_file_for_caller(
            actor=city.operator, municipality=city.municipality, caller_name="Марія",
            caller_phone="дзвонила", category=city.leak,
            description="Прорив труби біля школи.", lat=WEST_POINT[0], lon=WEST_POINT[1],
        )
    assert "caller_phone" in exc.value.message_dict
    assert not Report.objects.exists()


# --- the clock: escalation and auto-closing ----------------------------------------------


def test_overdue_reports_escalate_once_per_level(city, citizen, monkeypatch):
    accepted = dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV)
    freeze(monkeypatch, accepted)
    report = make_report(city, citizen)
    executor = city.executors[city.water_west.pk]
    services.report_accept(actor=executor, report=report, executor=executor)
    due = accepted + dt.timedelta(hours=6)

    assert services.reports_escalate_overdue(now=due - dt.timedelta(minutes=1)) == {
        "marked": 0, "level1": 0, "level2": 0}
    assert services.reports_escalate_overdue(now=due + dt.timedelta(minutes=1)) == {
        "marked": 1, "level1": 1, "level2": 0}
    assert services.reports_escalate_overdue(now=due + dt.timedelta(minutes=2)) == {
        "marked": 0, "level1": 0, "level2": 0}
    head = city.heads[city.water_west.pk]
    assert Notification.objects.filter(recipient=head, kind="opencity.report_overdue").count() == 1
    later = due + dt.timedelta(hours=24, minutes=1)
    assert services.reports_escalate_overdue(now=later)["level2"] == 1
    assert services.reports_escalate_overdue(now=later)["level2"] == 0
    dispatcher_head = city.heads[city.dispatcher.pk]
    assert Notification.objects.filter(recipient=dispatcher_head,
                                       kind="opencity.report_overdue").count() == 1
    assert ReportEscalation.objects.filter(report=report).count() == 2
    report.refresh_from_db()
    assert report.overdue_at == due + dt.timedelta(minutes=1)


def test_resolving_late_counts_as_not_on_time(city, citizen, monkeypatch):
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV))
    report = make_report(city, citizen)
    executor = city.executors[city.water_west.pk]
    services.report_accept(actor=executor, report=report, executor=executor)
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 17, 0, tzinfo=KYIV))
    report = services.report_resolve(actor=executor, report=report, answer="Зроблено.")
    assert report.resolved_on_time is False


def test_resolved_reports_close_by_themselves_after_the_set_days(city, citizen, monkeypatch):
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV))
    report = make_report(city, citizen)
    executor = city.executors[city.water_west.pk]
    services.report_accept(actor=executor, report=report, executor=executor)
    services.report_resolve(actor=executor, report=report, answer="Зроблено.")
    six_days = dt.datetime(2026, 3, 8, 10, 0, tzinfo=KYIV)
    assert services.reports_auto_close(now=six_days) == 0
    eight_days = dt.datetime(2026, 3, 10, 10, 0, tzinfo=KYIV)
    assert services.reports_auto_close(now=eight_days) == 1
    assert services.reports_auto_close(now=eight_days) == 0
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert report.events.filter(kind=ReportEvent.Kind.AUTO_CLOSED).count() == 1


# --- bad input: clear errors, nothing stored -----------------------------------------------


def _nothing_stored():
    return not Report.objects.exists() and not ReportPhoto.objects.exists()


def test_a_point_outside_the_municipality_is_refused(city, citizen):
    with override("en"), pytest.raises(ValidationError) as exc:
        make_report(city, citizen, point=OUTSIDE_POINT)
    assert "location" in exc.value.message_dict
    assert "inside" in exc.value.message_dict["location"][0]
    assert _nothing_stored()


def test_an_unknown_category_is_refused(city, citizen, dnipro):
    from tests.opencity.factories import CategoryFactory

    for category in (999_999, "no-such-code", CategoryFactory(municipality=dnipro),
                     city.roads):
        with pytest.raises(ValidationError) as exc:
            make_report(city, citizen, category=category)
        assert "category" in exc.value.message_dict
    assert _nothing_stored()


def test_a_required_extra_field_is_asked_for(city, citizen):
    with pytest.raises(ValidationError) as exc:
        make_report(city, citizen, category=city.light)
    assert "Номер опори" in exc.value.message_dict["extra"][0]
    with pytest.raises(ValidationError):
        make_report(city, citizen, extra={"damage": "meteorite"})
    assert _nothing_stored()


def test_a_renamed_non_image_is_refused(city, citizen):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", "image/jpeg")
    with pytest.raises(ValidationError) as exc:
        make_report(city, citizen, photos=[fake])
    assert "photos" in exc.value.message_dict
    assert _nothing_stored()


def test_a_fifty_megapixel_image_is_refused(city, citizen):
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, "PNG")
    big = SimpleUploadedFile("big.png", out.getvalue(), "image/png")
    with override("en"), pytest.raises(ValidationError) as exc:
        make_report(city, citizen, photos=[big])
    assert "megapixels" in " ".join(exc.value.message_dict["photos"])
    assert _nothing_stored()


def test_more_than_five_photos_are_refused(city, citizen):
    photos = [SimpleUploadedFile(f"p{i}.png", image_bytes(), "image/png") for i in range(6)]
    with pytest.raises(ValidationError):
        make_report(city, citizen, photos=photos)
    assert _nothing_stored()


def test_the_photos_gps_tag_is_gone(city, citizen):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (50.0, 15.0, 16.0), 3: "E", 4: (28.0, 39.0, 31.0)}
    exif[0x010F] = "PhoneMaker"
    data = image_bytes("JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    upload = SimpleUploadedFile("leak.jpg", data, "image/jpeg")
    report = make_report(city, citizen, photos=[upload])
    photo = report.photos.get()
    with photo.image.open("rb") as stored:
        image = Image.open(stored)
        assert not image.getexif().get_ifd(0x8825)
        assert len(image.getexif()) == 0


def test_a_verified_identity_is_required_only_where_the_municipality_says(city):
    plain = UserFactory()
    make_report(city, plain)
    rules = services.settings_for(city.municipality)
    rules.identity_required = True
    rules.save()
    with pytest.raises(PermissionRefused):
        make_report(city, plain)
    assert make_report(city, CitizenFactory()).pk


def test_the_author_follows_the_report(city, citizen):
    report = make_report(city, citizen)
    assert is_following(user=citizen, target=report)


# --- set-up services -----------------------------------------------------------------------


def test_open311_keys_are_shown_once_stored_hashed_and_revocable(city):
    key, raw = services.open311_key_issue(actor=city.admin, municipality=city.municipality,
                                          name="Мобільний застосунок")
    assert raw not in key.key_hash and services.open311_key_find(raw) == key
    with pytest.raises(PermissionRefused):
        services.open311_key_issue(actor=city.official, municipality=city.municipality,
                                   name="Інший")
    services.open311_key_revoke(actor=city.admin, key=key)
    assert services.open311_key_find(raw) is None


def test_category_tree_refuses_cycles_and_foreign_classes(city, dnipro):
    from tests.opencity.factories import DeadlineClassFactory

    with pytest.raises(DomainError):
        services.category_save(actor=city.admin, municipality=city.municipality,
                               category=city.roads, data={"parent": city.pothole})
    with pytest.raises(DomainError):
        services.category_save(
            actor=city.admin, municipality=city.municipality, category=city.roads,
            data={"deadline_class": DeadlineClassFactory(municipality=dnipro)},
        )
    with pytest.raises(DomainError):
        services.category_save(actor=city.admin, municipality=city.municipality,
                               category=city.roads, data={"fields": [{"code": "Bad code"}]})
    saved = services.category_save(
        actor=city.admin, municipality=city.municipality,
        data={"code": "graffiti", "name_uk": "Графіті", "parent": city.roads},
        organisations=[city.housing],
    )
    assert saved.effective_deadline_class() == city.classes["long"]
    assert list(saved.organisations.all()) == [city.housing]
