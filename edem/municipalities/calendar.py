"""Working-day arithmetic on a municipality's calendar.

Deadlines in statutes are counted in working days: weekends and official
holidays are skipped, a weekend declared working counts.
"""

from __future__ import annotations

import datetime as dt

from .models import Holiday, Municipality


class WorkingCalendar:
    """The working days of one municipality, loaded once for a date range."""

    def __init__(self, municipality: Municipality) -> None:
        self.weekends = municipality.weekends
        self.days = {h.date: h.is_working_day for h in Holiday.objects.filter(municipality=municipality)}
        self.tz = municipality.tz

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.days:
            return self.days[day]
        return day.weekday() not in self.weekends

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        remaining = days
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if past)."""
        if end == start:
            return 0
        sign = 1 if end > start else -1
        lo, hi = (start, end) if sign > 0 else (end, start)
        count = 0
        day = lo
        while day < hi:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return sign * count

    def deadline_end(self, start: dt.datetime, working_days: int) -> dt.datetime:
        """The end (23:59:59 local) of the working day that closes the period."""
        local_start = start.astimezone(self.tz)
        last = self.add_working_days(local_start.date(), working_days)
        return dt.datetime.combine(last, dt.time(23, 59, 59), tzinfo=self.tz)

    def add_working_hours(
        self, start: dt.datetime, hours: float, *, day_start: int = 9, day_end: int = 18
    ) -> dt.datetime:
        """Add working time (``day_start``-``day_end`` on working days) to ``start``."""
        remaining = dt.timedelta(hours=hours)
        current = start.astimezone(self.tz)
        while True:
            day = current.date()
            opens = dt.datetime.combine(day, dt.time(day_start), tzinfo=self.tz)
            closes = dt.datetime.combine(day, dt.time(day_end), tzinfo=self.tz)
            if not self.is_working_day(day) or current >= closes:
                current = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(day_start), tzinfo=self.tz)
                continue
            current = max(current, opens)
            available = closes - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            current = closes
