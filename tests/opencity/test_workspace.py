"""The officials' workspace: reassigning, bulk steps from the queue, statistics
per organisation and category, and the staff-only notification kinds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from edem.core.errors import DomainError, PermissionRefused
from edem.participation.models import AuditEntry
from edem.participation.registry import registry
from opencity import selectors, services
from opencity.models import Report, ReportEvent
from tests.opencity.conftest import EAST_POINT, KYIV, freeze, make_report

pytestmark = pytest.mark.django_db
Status = Report.Status


def accepted(city, citizen, **kwargs):
    report = make_report(city, citizen, **kwargs)
    head = city.heads[report.organisation_id]
    return services.report_accept(actor=head, report=report, executor=head)


def test_the_head_reassigns_without_moving_the_deadline(city, citizen):
    report = accepted(city, citizen)
    head = city.heads[city.water_west.pk]
    executor = city.executors[city.water_west.pk]
    due = report.due_at
    report = services.report_assign(actor=head, report=report, executor=executor,
                                    comment="Бригада №2")
    assert report.executor == executor and report.due_at == due
    assert report.events.filter(kind=ReportEvent.Kind.ASSIGNED).count() == 1
    assert AuditEntry.objects.filter(action="opencity.report_assigned").count() == 1
    with pytest.raises(DomainError):
        services.report_assign(actor=head, report=report, executor=executor)
    with pytest.raises(DomainError):  # not of the responsible organisation
        services.report_assign(actor=head, report=report,
                               executor=city.executors[city.water_east.pk])
    with pytest.raises(PermissionRefused):
        services.report_assign(actor=executor, report=report, executor=head)


def test_a_new_report_is_accepted_not_reassigned(city, citizen):
    report = make_report(city, citizen)
    with pytest.raises(DomainError):
        services.report_assign(actor=city.heads[city.water_west.pk], report=report,
                               executor=city.executors[city.water_west.pk])


def test_bulk_steps_do_what_fits_and_list_the_rest(city, citizen):
    head = city.heads[city.water_west.pk]
    executor = city.executors[city.water_west.pk]
    first, second = make_report(city, citizen), make_report(city, citizen)
    elsewhere = make_report(city, citizen, point=EAST_POINT)
    done, failed = services.reports_bulk(actor=head, reports=[first, second, elsewhere],
                                         action="accept", executor=executor)
    assert [r.pk for r in done] == [first.pk, second.pk]
    assert [(r.pk, bool(reason)) for r, reason in failed] == [(elsewhere.pk, True)]
    assert Report.objects.get(pk=elsewhere.pk).status == Status.NEW
    assert set(Report.objects.filter(executor=executor).values_list("pk", flat=True)) == {
        first.pk, second.pk}
    done, failed = services.reports_bulk(actor=head, reports=[first, second],
                                         action="start")
    assert len(done) == 2 and not failed
    with pytest.raises(DomainError):
        services.reports_bulk(actor=head, reports=[first], action="refuse", text=" ")
    with pytest.raises(DomainError):
        services.reports_bulk(actor=head, reports=[first], action="explode")


def test_bulk_forward_from_the_queue_page(client, city, citizen):
    head = city.heads[city.water_west.pk]
    reports = [make_report(city, citizen) for _ in range(3)]
    client.force_login(head)
    queue = reverse("opencity:queue", kwargs={"municipality": "zhytomyr"})
    page = client.get(queue).content.decode()
    assert 'name="reports"' in page and 'name="action"' in page
    response = client.post(reverse("opencity:bulk", kwargs={"municipality": "zhytomyr"}), {
        "reports": [reports[0].pk, reports[1].pk], "action": "forward",
        "organisation": city.housing.pk, "text": "Це не водопровід, а зливова каналізація.",
    })
    assert response.status_code == 302
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses[reports[0].pk] == statuses[reports[1].pk] == Status.FORWARDED
    assert statuses[reports[2].pk] == Status.NEW
    assert Report.objects.get(pk=reports[0].pk).organisation == city.housing
    # Without a reason nothing changes.
    client.post(reverse("opencity:bulk", kwargs={"municipality": "zhytomyr"}), {
        "reports": [reports[2].pk], "action": "refuse", "text": ""})
    assert Report.objects.get(pk=reports[2].pk).status == Status.NEW


def test_the_queue_puts_overdue_first_with_a_badge(client, city, citizen, monkeypatch):
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV))
    late = accepted(city, citizen)
    fresh = make_report(city, citizen)
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 20, 0, tzinfo=KYIV))
    client.force_login(city.heads[city.water_west.pk])
    page = client.get(reverse("opencity:queue", kwargs={"municipality": "zhytomyr"}),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.index(f'value="{late.pk}"') < page.index(f'value="{fresh.pk}"')
    assert "deadline-badge--overdue" in page


def test_statistics_per_organisation_and_category(city, citizen, monkeypatch):
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV))
    on_time = accepted(city, citizen)
    late = accepted(city, citizen, category=city.light, extra={"pole": "17"})
    head_w, head_h = city.heads[city.water_west.pk], city.heads[city.housing.pk]
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 14, 0, tzinfo=KYIV))
    services.report_resolve(actor=head_w, report=on_time, answer="Готово.")
    freeze(monkeypatch, dt.datetime(2026, 3, 4, 10, 0, tzinfo=KYIV))
    services.report_resolve(actor=head_h, report=late, answer="Замінили лампу.")
    services.report_rate(actor=citizen, report=Report.objects.get(pk=on_time.pk), rating=5)
    services.report_rate(actor=citizen, report=Report.objects.get(pk=late.pk), rating=2)
    stats = selectors.report_statistics(municipality=city.municipality)
    categories = {row["id"]: row for row in stats["by_category"]}
    assert categories[city.leak.pk]["on_time_share"] == 100
    assert categories[city.leak.pk]["median_resolution_hours"] == 4.0
    assert categories[city.light.pk]["on_time_share"] == 0
    assert categories[city.light.pk]["median_resolution_hours"] == 48.0
    assert categories[city.light.pk]["average_rating"] == 2
    organisations = {row["id"]: row for row in stats["organisations"]}
    assert organisations[city.water_west.pk]["average_rating"] == 5
    assert stats["on_time_share"] == 50 and stats["average_rating"] == 3.5


def test_staff_only_kinds_are_declared():
    manifest = registry.get("opencity")
    assert manifest.staff_event_kinds == {"opencity.report_received",
                                          "opencity.report_overdue"}
    assert manifest.staff_event_kinds < set(manifest.event_kinds)
    assert "opencity.report_changed" not in manifest.staff_event_kinds


def test_the_status_constraint_knows_every_status():
    constraint = next(c for c in Report._meta.constraints if c.name == "report_status_known")
    assert set(dict(constraint.condition.children)["status__in"]) == set(Status.values)
