"""Browser journeys of consultations in Chromium.

A resident comments on a paragraph of a draft decision and proposes an
amendment; after the discussion the department answers it in the summary
report and the resident is notified. A resident answers a survey whose
questions depend on earlier answers (with the script, and the server's
multi-step form). A resident takes a quiz stage, sees the score, appears on the
scoreboard, and the winners' draw is recomputed from the revealed seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_opencity_journey import _login
from tests.fixtures.browser import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _official(municipality):
    from cms.services import staff_groups_sync
    from edem.municipalities.models import MunicipalityRole
    from tests.factories import MunicipalityRoleFactory, UserFactory

    user = UserFactory(username=f"{municipality.slug}-official")
    MunicipalityRoleFactory(municipality=municipality, user=user,
                            role=MunicipalityRole.Role.OFFICIAL)
    staff_groups_sync(user)
    return user


def test_a_resident_amends_a_draft_and_hears_the_departments_answer(
        page, live_server, zhytomyr, citizen):
    from consultations.models import DraftDecision, Proposal
    from edem.notifications.models import Notification
    from tests.consultations.factories import draft_decision

    draft = draft_decision(zhytomyr, title="Про правила благоустрою")
    base = f"{live_server.url}/en/zhytomyr/consultations"
    _login(page, live_server, citizen)
    page.goto(f"{base}/drafts/{draft.pk}/")
    paragraph = page.locator("#p1")
    paragraph.locator("summary").click()
    paragraph.get_by_label("a comment on this paragraph").check()
    paragraph.get_by_label("Your comment, or the reasons for the amendment").fill(
        "О восьмій ранку ще темно взимку.")
    paragraph.get_by_role("button", name="Publish").click()
    expect(page.locator(".message--success")).to_contain_text("Your comment is published")
    paragraph = page.locator("#p1")
    paragraph.locator("summary").click()
    paragraph.get_by_label("a new wording of this paragraph (amendment)").check()
    wording = paragraph.get_by_label("New wording (for an amendment): edit the paragraph's text")
    wording.fill(wording.input_value().replace("8:00", "10:00"))
    paragraph.get_by_label("Your comment, or the reasons for the amendment").fill(
        "Літні люди не встигають прибрати до 8:00.")
    paragraph.get_by_role("button", name="Publish").click()
    amendment = Proposal.objects.get(kind="amendment")
    shown = page.locator(f"#proposal-{amendment.pk}")
    expect(shown.locator("del")).to_contain_text("8")
    expect(shown.locator("ins")).to_contain_text("10")
    _shot(page, "consultations-draft-amendment")

    DraftDecision.objects.filter(pk=draft.pk).update(
        discussion_starts_at=timezone.now() - dt.timedelta(days=20),
        discussion_ends_at=timezone.now() - dt.timedelta(minutes=1))
    official = _official(zhytomyr)
    _login(page, live_server, official)
    page.goto(f"{live_server.url}/cms/consultations/drafts/{draft.pk}/")
    comment = Proposal.objects.get(kind="comment")
    # The admin speaks the staff member's language: fields are found by their names.
    for proposal, decision, reason in (
        (amendment, "accepted", "Слушно: строк зміщено на 10:00."),
        (comment, "partly", "Врахуємо під час зимового прибирання."),
    ):
        box = page.locator(f"#proposal-{proposal.pk}")
        box.locator(f"input[name='p{proposal.pk}-decision'][value='{decision}']").check()
        box.locator(f"textarea[name='p{proposal.pk}-reason']").fill(reason)
        box.locator("form:has(input[value='decide']) button[type=submit]").click()
        expect(page.locator(f"#proposal-{proposal.pk}")).to_contain_text(reason)
    page.locator("textarea[name='report-summary']").fill(
        "Надійшло дві пропозиції; поправку до пункту 1 враховано.")
    page.locator("form:has(input[value='report']) button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Надійшло дві пропозиції")
    assert DraftDecision.objects.get(pk=draft.pk).status == "reported"
    _shot(page, "consultations-draft-admin")

    _login(page, live_server, citizen)
    page.goto(f"{live_server.url}/en/me/")
    notice = page.get_by_role("link", name=re.compile("The summary report on the draft"))
    expect(notice).to_be_visible()
    notice.click()
    expect(page).to_have_url(re.compile(rf"/zhytomyr/consultations/drafts/{draft.pk}/#report$"))
    page.goto(f"{base}/drafts/{draft.pk}/")
    expect(page.locator("#report")).to_contain_text("поправку до пункту 1 враховано")
    expect(page.locator(f"#proposal-{amendment.pk}")).to_contain_text("accepted")
    expect(page.locator("#final-text ins")).to_contain_text("10")
    _shot(page, "consultations-draft-report")
    assert Notification.objects.filter(recipient=citizen,
                                       kind="consultations.report_published").count() == 1


def test_a_resident_answers_a_survey_with_conditional_questions(
        page, live_server, zhytomyr, citizen):
    from consultations import services
    from consultations.models import SurveyResponse
    from tests.consultations.factories import survey

    s = survey(zhytomyr, title="Транспорт міста", results="live")
    base = f"{live_server.url}/en/zhytomyr/consultations/surveys/{s.pk}"
    _login(page, live_server, citizen)
    page.goto(f"{base}/")
    page.get_by_role("link", name="Answer the survey").click()
    routes = page.locator("#question-routes")
    # The script hides the dependent question until its condition holds.
    expect(routes).to_be_hidden()
    page.get_by_label("Громадським транспортом").check()
    expect(routes).to_be_visible()
    page.get_by_label("Трамвай").check()
    # Saved on the server as the person answers.
    expect(page.locator(".autosave-status")).to_contain_text("Answers saved at")
    assert services.draft_answers(SurveyResponse.objects.get()) == {"mode": 0, "routes": [0]}
    _shot(page, "consultations-survey-step")
    page.get_by_role("button", name="Next").click()
    # The next section asks "wait", which depends on the first section's answer.
    expect(page.locator("#question-wait")).to_be_visible()
    page.locator("#question-wait").get_by_label("4").check()
    # The map-point question: a click on the map fills the coordinates.
    point_map = page.locator("#q_place_map")
    expect(point_map).to_be_visible()
    expect(point_map).to_have_attribute("data-ready", "1")
    point_map.click()
    expect(page.locator("#q_place_lat")).not_to_have_value("")
    lat = float(page.locator("#q_place_lat").input_value())
    lon = float(page.locator("#q_place_lon").input_value())
    # The map opens on the municipality's centre, where the click landed.
    assert abs(lat - float(zhytomyr.centre_lat)) < 0.05
    assert abs(lon - float(zhytomyr.centre_lon)) < 0.05
    _shot(page, "consultations-survey-point")
    violations = axe_violations(page)
    assert not violations, violations
    page.get_by_role("button", name="Review my answers").click()
    expect(page.locator("main")).to_contain_text("Трамвай")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#answered")).to_be_visible()
    assert SurveyResponse.objects.get().answers == {
        "mode": 0, "routes": [0], "wait": 4, "place": [lat, lon]}

    # Changing the answers: a driver is not asked about routes nor waiting.
    page.get_by_role("link", name="Change my answers").click()
    page.get_by_label("Автомобілем").check()
    expect(page.locator("#question-routes")).to_be_hidden()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#question-wait")).to_have_count(0)
    page.get_by_role("button", name="Review my answers").click()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#answered")).to_be_visible()
    # The place marked before is kept: it does not depend on the changed answer.
    assert SurveyResponse.objects.get().answers == {"mode": 1, "place": [lat, lon]}
    page.get_by_role("link", name="Results").click()
    expect(page.locator("#results-mode")).to_contain_text("Автомобілем")
    # The place given is drawn on the results map.
    expect(page.locator("#results-map-place")).to_have_attribute("data-loaded", "1")
    _shot(page, "consultations-survey-results")


def test_the_survey_works_without_javascript(browser_context, chromium, live_server,
                                            zhytomyr, citizen):
    from consultations.models import SurveyResponse
    from tests.consultations.factories import survey

    s = survey(zhytomyr)
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        _login(page, live_server, citizen)
        page.goto(f"{live_server.url}/en/zhytomyr/consultations/surveys/{s.pk}/answer/0/")
        expect(page.locator("#question-routes")).to_be_visible()
        expect(page.locator("#question-routes")).to_contain_text("Answer only if you chose")
        page.get_by_label("Громадським транспортом").check()
        page.get_by_role("button", name="Next").click()
        # Required: the server says so and keeps nothing of the section.
        expect(page.locator("#error-routes")).to_contain_text("This question needs an answer")
        page.get_by_label("Автобус").check()
        page.get_by_role("button", name="Next").click()
        page.locator("#question-wait").get_by_label("2").check()
        # Without JavaScript the map stays hidden and the coordinates are typed.
        expect(page.locator("#q_place_map")).to_be_hidden()
        page.get_by_label("Latitude").fill("50.2547")
        page.get_by_label("Longitude").fill("28.6587")
        page.get_by_role("button", name="Review my answers").click()
        page.get_by_role("button", name="Send my answers").click()
        expect(page.locator("#answered")).to_be_visible()
        assert SurveyResponse.objects.get().answers == {
            "mode": 0, "routes": [2], "wait": 2, "place": [50.2547, 28.6587]}
    finally:
        context.close()


def test_a_resident_takes_a_quiz_stage_and_the_draw_is_verifiable(
        page, live_server, zhytomyr, citizen):
    from consultations import services
    from consultations.models import QuizStage
    from tests.consultations.factories import quiz_stage, submitted_attempt

    stage = quiz_stage(zhytomyr, time_limit_seconds=600, winner_rule="draw",
                       winners_count=2, draw_min_score=1, reward="Квитки до музею",
                       seed="")
    seed = "5eed" * 16
    QuizStage.objects.filter(pk=stage.pk).update(
        seed=seed, seed_commitment=services.seed_commitment(seed))
    for score in (3, 2, 1, 0):
        submitted_attempt(stage, score=score)
    base = f"{live_server.url}/en/zhytomyr/consultations/stages/{stage.pk}"
    _login(page, live_server, citizen)
    page.goto(f"{base}/")
    commitment = page.locator("#seed-commitment").inner_text()
    assert seed not in page.content()
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.locator("#quiz-timer .timer__left")).to_contain_text(":")
    assert "correct" not in page.locator("#quiz-form").inner_html().replace(
        "several answers may be correct", "")
    page.get_by_label("15 днів").check()
    page.get_by_label("Петиція").check()
    page.get_by_label("Звернення").check()
    _shot(page, "consultations-quiz-attempt")
    page.get_by_role("button", name="Hand in my answers").click()
    expect(page.locator("#attempt-result")).to_contain_text("3 of 3 points")
    code = page.locator("#participant-code").inner_text()
    page.goto(f"{base}/")
    expect(page.locator("#scoreboard tr.mine")).to_contain_text(code)
    expect(page.locator("#scoreboard tr.mine")).to_contain_text("3")
    expect(page.get_by_role("button", name="Start the quiz")).to_have_count(0)
    _shot(page, "consultations-quiz-scoreboard")

    QuizStage.objects.filter(pk=stage.pk).update(
        closes_at=timezone.now() - dt.timedelta(seconds=1))
    official = _official(zhytomyr)
    _login(page, live_server, official)
    page.goto(f"{live_server.url}/cms/consultations/quizzes/{stage.quiz.pk}/manage/")
    page.locator("form:has(input[value='winners']) button[type=submit]").click()
    expect(page.locator("body")).to_contain_text(timezone.localtime().strftime("%Y"))
    assert QuizStage.objects.get(pk=stage.pk).winners_drawn_at is not None

    # Anyone recomputes the draw from the public page.
    anonymous = Client()
    data = anonymous.get(f"/en/zhytomyr/consultations/stages/{stage.pk}/draw/",
                         {"format": "json"}).json()
    assert data["seed"] == seed
    assert hashlib.sha256(data["seed"].encode()).hexdigest() == commitment
    codes = [c["code"] for c in data["candidates"] if c["score"] >= data["min_score"]]
    order = sorted(codes, key=lambda c: hashlib.sha256(f"{data['seed']}:{c}".encode())
                   .hexdigest())
    assert data["winners"] == order[: data["winners_count"]]
    assert code in codes
    page.goto(f"{base}/draw/")
    expect(page.locator("#draw-seed")).to_have_text(seed)
    expect(page.locator("main")).to_contain_text("matches the commitment")
    _shot(page, "consultations-quiz-draw")
    if code in data["winners"]:
        _login(page, live_server, citizen)
        page.goto(f"{live_server.url}/en/me/")
        expect(page.locator("#my-rewards")).to_contain_text("Квитки до музею")
