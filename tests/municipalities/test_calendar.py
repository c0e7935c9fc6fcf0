"""Working-day arithmetic on a municipality's calendar."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edem.municipalities.calendar import WorkingCalendar
from edem.municipalities.models import Holiday

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar(zhytomyr):
    Holiday.objects.create(municipality=zhytomyr, date=dt.date(2026, 8, 24), name="День Незалежності")
    # A Saturday declared a working day.
    Holiday.objects.create(
        municipality=zhytomyr, date=dt.date(2026, 8, 29), name="Робоча субота", is_working_day=True
    )
    return WorkingCalendar(zhytomyr)


def test_weekends_and_holidays_are_skipped(calendar):
    # Friday 21 Aug 2026 + 1 working day: Sat, Sun off, Mon 24 Aug is a holiday.
    assert calendar.add_working_days(dt.date(2026, 8, 21), 1) == dt.date(2026, 8, 25)


def test_declared_working_saturday_counts(calendar):
    assert calendar.add_working_days(dt.date(2026, 8, 28), 1) == dt.date(2026, 8, 29)


def test_ten_working_days_answer_deadline(calendar):
    # Published Mon 17 Aug: 18-21 (4), 25-28 (8), working Saturday 29 (9), Mon 31 (10);
    # the weekend of 22-23, the holiday on 24 and Sunday 30 are skipped.
    assert calendar.add_working_days(dt.date(2026, 8, 17), 10) == dt.date(2026, 8, 31)


def test_working_days_between_counts_both_ways(calendar):
    assert calendar.working_days_between(dt.date(2026, 8, 21), dt.date(2026, 8, 25)) == 1
    assert calendar.working_days_between(dt.date(2026, 8, 25), dt.date(2026, 8, 21)) == -1


def test_deadline_ends_at_local_midnight(calendar, zhytomyr):
    start = dt.datetime(2026, 8, 21, 10, 0, tzinfo=dt.UTC)
    end = calendar.deadline_end(start, 1)
    assert end.tzinfo.key == "Europe/Kyiv"
    assert (end.date(), end.hour, end.minute) == (dt.date(2026, 8, 25), 23, 59)


def test_working_hours_roll_over_night_and_weekend(calendar, zhytomyr):
    friday_5pm = dt.datetime(2026, 8, 21, 17, 0, tzinfo=zhytomyr.tz)
    # One hour left on Friday, then Tuesday (Mon is a holiday) from 9:00.
    assert calendar.add_working_hours(friday_5pm, 3) == dt.datetime(
        2026, 8, 25, 11, 0, tzinfo=zhytomyr.tz
    )


# The calendar fixture is only read, so sharing it between examples is safe.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(days=st.integers(min_value=0, max_value=60))
def test_adding_then_counting_round_trips(calendar, days):
    start = dt.date(2026, 8, 3)
    assert calendar.working_days_between(start, calendar.add_working_days(start, days)) == days
