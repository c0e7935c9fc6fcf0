"""The participatory budget in Chromium, from a resident's idea to a park on the map.

A resident submits a project with a point on the map and a cost breakdown; a
commission member admits it; residents vote with each ballot type (an
over-budget knapsack and an extra approval pick are refused with a clear
message); the municipality admin counts and publishes the results, which
explain every decision; an official reports the winner's implementation, and
its progress shows on "budget on the map".
"""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.factories import CitizenFactory
from tests.participatory_budget.factories import (
    admin_of,
    commission_member,
    cycle_in,
    official_of,
    project,
    schedule,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def _message(page):
    return page.locator(".messages")


def test_a_project_from_submission_to_the_map(page, live_server, zhytomyr):
    from wagtail.users.models import UserProfile

    from cms.services import staff_groups_sync
    from participatory_budget.models import PhaseKind, Project

    resident = CitizenFactory()
    cycle = cycle_in(zhytomyr, PhaseKind.SUBMISSION, budget="500000",
                     ballot_type="approval", max_picks=2)
    member = commission_member(cycle).user
    admin = admin_of(zhytomyr)
    official = official_of(zhytomyr)
    for staff in (admin, official):
        staff_groups_sync(staff)
        profile = UserProfile.get_for_user(staff)
        profile.preferred_language = "en"  # the staff area in English, as the checks read
        profile.save()
    base = f"{live_server.url}/en/zhytomyr/budget"

    # 1. The resident submits a project with a point and a cost breakdown.
    _login(page, live_server, resident)
    page.goto(f"{base}/{cycle.pk}/")
    page.get_by_role("link", name="Submit a project").click()
    expect(page.locator("#pick-map.leaflet-container")).to_be_visible()
    page.fill("#id_title", "Сквер з деревами на Польовій")
    page.fill("#id_description", "Висадити двадцять дерев, прокласти доріжки й поставити "
                                 "лавки на пустирі біля школи №5.")
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map .leaflet-overlay-pane path").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    expect(page.locator("#id_lat")).not_to_have_value("")
    page.fill("#id_items-0-description", "Саджанці (20 шт.)")
    page.fill("#id_items-0-amount", "120000")
    page.fill("#id_items-1-description", "Лавки та доріжки")
    page.fill("#id_items-1-amount", "80000")
    expect(page.locator("#cost-total")).to_contain_text("200")
    _shot(page, "budget-submit")
    page.get_by_role("button", name="Submit the project").click()
    expect(page).to_have_url(re.compile(r"/budget/projects/\d+/$"))
    expect(page.locator("#project-cost")).to_contain_text("200")
    park = Project.objects.get(title="Сквер з деревами на Польовій")
    assert park.lat is not None and park.cost == 200000

    # 1b. Support collection: a neighbour supports the project and discusses it.
    cycle.min_supports = 1
    cycle.save(update_fields=["min_supports"])
    schedule(cycle, PhaseKind.SUPPORT)
    neighbour = CitizenFactory()
    _login(page, live_server, neighbour)
    page.goto(f"{base}/projects/{park.pk}/")
    expect(page.locator("#support-count")).to_contain_text("0 residents support")
    page.get_by_role("button", name="Support the project").click()
    expect(_message(page)).to_contain_text("your support is counted")
    expect(page.locator("#support-count")).to_contain_text("1 resident supports")
    page.fill("#comments textarea", "Підтримую, там давно бракує тіні.")
    page.get_by_role("button", name="Publish the comment").click()
    expect(_message(page)).to_contain_text("Your comment is published.")
    expect(page.locator("#comments .comment-list")).to_contain_text("бракує тіні")
    _shot(page, "budget-support")
    page.goto(f"{live_server.url}/zhytomyr/budget/projects/{park.pk}/")
    expect(page.locator("#support-count")).to_contain_text("1")
    _shot(page, "uk-support")
    page.goto(f"{base}/{cycle.pk}/")
    expect(page.locator(".pb-supports").first).to_contain_text("1 support / 1")

    # 2. A commission member judges every criterion and admits it.
    schedule(cycle, PhaseKind.REVIEW)
    _login(page, live_server, member)
    page.goto(f"{base}/projects/{park.pk}/review/")
    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    page.get_by_role("button", name="Save the assessment").click()
    expect(_message(page)).to_contain_text("The assessment is saved.")
    page.fill("#id_reason", "Ділянка комунальна, кошторис реалістичний.")
    page.get_by_role("button", name="Admit to the vote").click()
    expect(page.locator("#project-status")).to_contain_text("admitted to the vote")

    # 3. Voting: approval (k = 2), the third pick is refused.
    others = [project(cycle, cost=c, title=t) for c, t in
              (("150000", "Ліхтарі на Київській"), ("300000", "Велодоріжка"))]
    schedule(cycle, PhaseKind.VOTING)
    unit = cycle.units.get()
    for voter in (resident, CitizenFactory(), CitizenFactory()):
        _login(page, live_server, voter)
        page.goto(f"{base}/{cycle.pk}/vote/{unit.pk}/")
        for p in (park, *others):
            page.check(f"#choice-{p.pk}")
        expect(page.locator("[data-over]")).to_be_visible()  # the live counter warns
        page.get_by_role("button", name="Save my ballot").click()
        expect(_message(page)).to_contain_text("You can choose at most 2 projects")
        page.uncheck(f"#choice-{others[1].pk}")
        if voter is not resident:
            page.uncheck(f"#choice-{others[0].pk}")
        page.get_by_role("button", name="Save my ballot").click()
        expect(_message(page)).to_contain_text("Your ballot is saved")
    expect(page.locator('[data-left="picks"]')).to_have_text("1")
    _shot(page, "budget-ballot-approval")

    # Knapsack, cumulative and ordinal ballots in three other cycles.
    knapsack = cycle_in(zhytomyr, PhaseKind.VOTING, budget="400000", ballot_type="knapsack")
    k_projects = [project(knapsack, cost=c) for c in ("250000", "200000", "100000")]
    k_unit = knapsack.units.get()
    _login(page, live_server, resident)
    page.goto(f"{base}/{knapsack.pk}/vote/{k_unit.pk}/")
    page.check(f"#choice-{k_projects[0].pk}")
    page.check(f"#choice-{k_projects[1].pk}")
    expect(page.locator('[data-left="cost"]')).to_contain_text("-50")
    page.get_by_role("button", name="Save my ballot").click()
    expect(_message(page)).to_contain_text("more than the budget of 400000")
    page.uncheck(f"#choice-{k_projects[1].pk}")
    page.check(f"#choice-{k_projects[2].pk}")
    page.get_by_role("button", name="Save my ballot").click()
    expect(_message(page)).to_contain_text("Your ballot is saved")
    expect(page.locator('[data-left="cost"]')).to_contain_text("50")
    _shot(page, "budget-ballot-knapsack")

    cumulative = cycle_in(zhytomyr, PhaseKind.VOTING, ballot_type="cumulative", points_total=5)
    c_projects = [project(cumulative) for _ in range(3)]
    c_unit = cumulative.units.get()
    page.goto(f"{base}/{cumulative.pk}/vote/{c_unit.pk}/")
    page.fill(f"#points-{c_projects[0].pk}", "3")
    page.fill(f"#points-{c_projects[1].pk}", "2")
    expect(page.locator('[data-left="points"]')).to_have_text("0")
    page.get_by_role("button", name="Save my ballot").click()
    expect(_message(page)).to_contain_text("Your ballot is saved")

    ordinal = cycle_in(zhytomyr, PhaseKind.VOTING, ballot_type="ordinal", max_picks=2)
    o_projects = [project(ordinal) for _ in range(3)]
    o_unit = ordinal.units.get()
    page.goto(f"{base}/{ordinal.pk}/vote/{o_unit.pk}/")
    page.select_option(f"#rank-{o_projects[2].pk}", "1")
    page.select_option(f"#rank-{o_projects[0].pk}", "2")
    page.get_by_role("button", name="Save my ballot").click()
    expect(_message(page)).to_contain_text("Your ballot is saved")
    expect(page.locator(f"#rank-{o_projects[2].pk}")).to_have_value("1")

    # 4. The admin counts and publishes in the control room; results explain.
    schedule(cycle, PhaseKind.RESULTS)
    _login(page, live_server, admin)
    page.goto(f"{live_server.url}/cms/budget/{cycle.pk}/")
    page.get_by_role("button", name="Count the votes").click()
    expect(page.locator(".messages")).to_contain_text("The votes are counted")
    page.get_by_role("button", name="Publish the results").click()
    expect(page.locator(".messages")).to_contain_text("The results are published")
    page.goto(f"{base}/{cycle.pk}/results/")
    row = page.locator(f"tr[data-project='{park.pk}']")
    expect(row).to_contain_text("selected")
    expect(row.locator(".pb-explanation")).to_contain_text("Support 3")
    skipped = page.locator(f"tr[data-project='{others[1].pk}'] .pb-explanation")
    expect(skipped).to_contain_text("skipped")
    expect(page.locator(".pb-budget-bar")).to_contain_text("350")
    _shot(page, "budget-results")

    # 5. An official starts the works and reports progress; the map shows it.
    schedule(cycle, PhaseKind.IMPLEMENTATION)
    _login(page, live_server, official)
    page.goto(f"{live_server.url}/cms/budget/{cycle.pk}/")
    page.fill(f"#contractor-{park.pk}", "ТОВ «Зелене місто»")
    page.locator(f"#contractor-{park.pk}").locator("xpath=..").get_by_role(
        "button", name="Start the implementation").click()
    expect(page.locator(".messages")).to_contain_text("The implementation has started")
    page.fill(f"#progress-{park.pk}", "60")
    page.fill(f"#money-{park.pk}", "110000")
    page.fill(f"#note-{park.pk}", "Висаджено дванадцять дерев.")
    page.locator(f"#note-{park.pk}").locator("xpath=..").get_by_role(
        "button", name="Publish the report").click()
    expect(page.locator(".messages")).to_contain_text("The progress report is published")

    page.goto(f"{base}/map/")
    budget_map = page.locator("#budget-map")
    expect(budget_map).to_have_attribute("data-progress", re.compile(rf"(^|,){park.pk}:60(,|$)"))
    expect(page.locator("#budget-map .leaflet-interactive").first).to_be_visible()
    expect(page.locator("#map-projects")).to_contain_text("60%")
    _shot(page, "budget-map")
    page.goto(f"{base}/{cycle.pk}/statistics/")
    expect(page.locator("#turnout-unit")).to_contain_text("fewer than 5")
    _shot(page, "budget-turnout")
    page.goto(f"{base}/projects/{park.pk}/")
    expect(page.locator("#project-progress")).to_have_text("60%")
    expect(page.locator("#progress-reports")).to_contain_text("Висаджено дванадцять дерев.")
