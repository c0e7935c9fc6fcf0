"""The demo seeder: realistic data for the demo municipalities, idempotent."""

from __future__ import annotations

import pytest

from opencity.models import Category, Report

pytestmark = pytest.mark.django_db


def test_demo_data_is_seeded_once_through_the_services(settings):
    from edem.core.demo import DEMO_MUNICIPALITIES, seed_municipality
    from opencity.demo import REPORTS, seed_opencity

    settings.SMS_BACKEND = "locmem"
    for demo in DEMO_MUNICIPALITIES:
        municipality = seed_municipality(demo)
        seed_opencity(municipality)
        seed_opencity(municipality)
        reports = Report.objects.filter(municipality=municipality)
        assert reports.count() == len(REPORTS)
        statuses = set(reports.values_list("status", flat=True))
        assert {"new", "accepted", "in_progress", "resolved", "closed", "refused"} <= statuses
        assert reports.filter(overdue_at__isnull=False).exists()
        assert all(r.organisation_id for r in reports)
        assert Category.objects.filter(municipality=municipality, code="water-leak").exists()
