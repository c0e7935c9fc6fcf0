"""Quizzes: server-side scoring, attempts, time limit, cheating, winners and the draw."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from consultations import selectors, services
from consultations.models import QuizAttempt, QuizStage, QuizWinner
from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry
from tests.consultations.factories import quiz_stage, submitted_attempt
from tests.factories import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ids(stage):
    return [child.id for child in stage.questions]


def _all_right(stage):
    first, second = _ids(stage)
    return {first: [1], second: [0, 1]}


def test_the_server_scores_an_attempt(zhytomyr, citizen):
    stage = quiz_stage(zhytomyr)
    attempt = services.attempt_start(actor=citizen, stage=stage)
    first, second = _ids(stage)
    attempt = services.attempt_submit(actor=citizen, attempt=attempt,
                                      answers={first: ["1"], second: ["0"]})
    assert attempt.score == 1 and attempt.status == QuizAttempt.Status.SUBMITTED
    assert attempt.time_taken_ms is not None


def test_new_stages_commit_to_a_secret_seed(zhytomyr, official):
    from consultations.models import Quiz

    quiz = Quiz.objects.create(municipality=zhytomyr, title="Вікторина")
    now = timezone.now()
    stage = services.stage_save(actor=official, data={
        "quiz": quiz, "number": 1, "title": "Етап", "questions": [],
        "opens_at": now + dt.timedelta(days=1), "closes_at": now + dt.timedelta(days=2)})
    assert len(stage.seed) == 64
    assert stage.seed_commitment == hashlib.sha256(stage.seed.encode()).hexdigest()
    entry = AuditEntry.objects.get(action="consultations.stage_saved")
    assert entry.after["seed_commitment"] == stage.seed_commitment
    assert stage.seed not in str(entry.after)


def test_the_page_never_sends_the_correct_answers_before_the_stage_closes(
        client, zhytomyr, citizen):
    stage = quiz_stage(zhytomyr)
    client.force_login(citizen)
    attempt = services.attempt_start(actor=citizen, stage=stage)
    url = f"/en/zhytomyr/consultations/stages/{stage.pk}/attempts/{attempt.pk}/"
    html = client.get(url).content.decode()
    assert "15 днів" in html and "correct" not in html.lower().replace(
        "several answers may be correct", "")
    client.post(url, {f"q_{qid}": v for qid, v in
                      zip(_ids(stage), ["1", "0"], strict=True)})
    html = client.get(url).content.decode()
    assert "1 of 3 points" in html and "✓" not in html
    QuizStage.objects.filter(pk=stage.pk).update(
        closes_at=timezone.now() - dt.timedelta(seconds=1))
    assert "✓" in client.get(url).content.decode()


def test_a_second_attempt_is_refused(zhytomyr, citizen):
    stage = quiz_stage(zhytomyr)
    attempt = services.attempt_start(actor=citizen, stage=stage)
    services.attempt_submit(actor=citizen, attempt=attempt, answers=_all_right(stage))
    with pytest.raises(Conflict):
        services.attempt_start(actor=citizen, stage=stage)
    with pytest.raises(Conflict):
        services.attempt_submit(actor=citizen, attempt=attempt, answers={})
    with pytest.raises(Conflict):  # another account of the same person
        services.attempt_start(actor=UserFactory(identity=citizen.identity), stage=stage)
    assert QuizAttempt.objects.count() == 1


def test_n_attempts_when_configured_and_the_best_counts(zhytomyr, citizen):
    stage = quiz_stage(zhytomyr, attempts_allowed=2)
    first = services.attempt_start(actor=citizen, stage=stage)
    services.attempt_submit(actor=citizen, attempt=first, answers={})
    second = services.attempt_start(actor=citizen, stage=stage)
    assert second.number == 2
    services.attempt_submit(actor=citizen, attempt=second, answers=_all_right(stage))
    with pytest.raises(Conflict):
        services.attempt_start(actor=citizen, stage=stage)
    board = selectors.scoreboard(stage=stage)
    assert [(row.place, row.attempt.score) for row in board] == [(1, 3)]


def test_an_answer_to_a_question_not_in_the_quiz_is_refused(zhytomyr, citizen):
    stage = quiz_stage(zhytomyr)
    other = quiz_stage(zhytomyr)
    attempt = services.attempt_start(actor=citizen, stage=stage)
    with pytest.raises(DomainError) as info:
        services.attempt_submit(actor=citizen, attempt=attempt,
                                answers={_ids(other)[0]: [1], **_all_right(stage)})
    assert info.value.code == "unknown_question"
    with pytest.raises(DomainError):
        services.attempt_submit(actor=citizen, attempt=attempt, answers={_ids(stage)[0]: [7]})
    with pytest.raises(DomainError):  # two options for a single-answer question
        services.attempt_submit(actor=citizen, attempt=attempt,
                                answers={_ids(stage)[0]: [0, 1]})
    attempt.refresh_from_db()
    assert attempt.status == QuizAttempt.Status.STARTED and attempt.answers == {}


def test_answers_after_the_time_limit_are_refused(zhytomyr, citizen):
    stage = quiz_stage(zhytomyr, time_limit_seconds=60)
    attempt = services.attempt_start(actor=citizen, stage=stage)
    assert attempt.deadline_at == attempt.started_at + dt.timedelta(seconds=60)
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=90),
        deadline_at=timezone.now() - dt.timedelta(seconds=30))
    with pytest.raises(DomainError) as info:
        services.attempt_submit(actor=citizen, attempt=attempt, answers=_all_right(stage))
    assert info.value.code == "time_over"
    attempt.refresh_from_db()
    assert attempt.status == QuizAttempt.Status.EXPIRED and attempt.score == 0
    assert attempt.answers == {}
    with pytest.raises(Conflict):
        services.attempt_start(actor=citizen, stage=stage)


def test_a_forged_score_in_the_request_is_refused(client, zhytomyr, citizen):
    stage = quiz_stage(zhytomyr)
    client.force_login(citizen)
    attempt = services.attempt_start(actor=citizen, stage=stage)
    url = f"/en/zhytomyr/consultations/stages/{stage.pk}/attempts/{attempt.pk}/"
    page = client.post(url, {f"q_{_ids(stage)[0]}": "0", "score": "3"}, follow=True)
    assert "we do not accept: score" in page.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == QuizAttempt.Status.STARTED and attempt.score == 0
    api = f"/api/v1/zhytomyr/quiz-stages/{stage.pk}/submit/"
    response = client.post(api, {"attempt": attempt.pk, "answers": _all_right(stage),
                                 "score": 99}, content_type="application/json")
    assert response.status_code == 400 and "score" in response.json()
    attempt.refresh_from_db()
    assert attempt.status == QuizAttempt.Status.STARTED
    response = client.post(api, {"attempt": attempt.pk, "answers": _all_right(stage)},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["score"] == 3


def test_someone_elses_attempt_cannot_be_handed_in(zhytomyr, citizen):
    stage = quiz_stage(zhytomyr)
    attempt = services.attempt_start(actor=citizen, stage=stage)
    with pytest.raises(PermissionRefused):
        services.attempt_submit(actor=CitizenFactory(), attempt=attempt, answers={})


def test_stage_dates_apply(zhytomyr, citizen):
    now = timezone.now()
    for stage in (quiz_stage(zhytomyr, opens=now + dt.timedelta(hours=1),
                             closes=now + dt.timedelta(hours=2)),
                  quiz_stage(zhytomyr, opens=now - dt.timedelta(hours=2),
                             closes=now - dt.timedelta(hours=1)),
                  quiz_stage(zhytomyr, published=False)):
        with pytest.raises(DomainError):
            services.attempt_start(actor=citizen, stage=stage)
    assert not QuizAttempt.objects.exists()


def test_ties_are_broken_by_time(zhytomyr):
    stage = quiz_stage(zhytomyr)
    slow = submitted_attempt(stage, score=3, time_ms=50_000)
    fast = submitted_attempt(stage, score=3, time_ms=20_000)
    low = submitted_attempt(stage, score=1, time_ms=1_000)
    assert [r.attempt for r in selectors.scoreboard(stage=stage)] == [fast, slow, low]


def _close(stage):
    QuizStage.objects.filter(pk=stage.pk).update(
        closes_at=timezone.now() - dt.timedelta(seconds=1))
    stage.refresh_from_db()


def test_top_winners_get_their_reward(zhytomyr, official):
    stage = quiz_stage(zhytomyr, winners_count=2, reward="Квитки до музею")
    first = submitted_attempt(stage, score=3, time_ms=10_000)
    second = submitted_attempt(stage, score=3, time_ms=20_000)
    submitted_attempt(stage, score=2)
    with pytest.raises(DomainError):
        services.stage_winners_determine(actor=official, stage=stage)
    _close(stage)
    winners = services.stage_winners_determine(actor=official, stage=stage)
    assert [w.attempt for w in winners] == [first, second]
    assert set(Notification.objects.filter(kind="consultations.quiz_reward")
               .values_list("recipient_id", flat=True)) == {first.user_id, second.user_id}
    with pytest.raises(Conflict):
        services.stage_winners_determine(actor=official, stage=stage)
    assert QuizWinner.objects.count() == 2


def test_the_draw_is_recomputable_from_the_revealed_seed(zhytomyr, official):
    stage = quiz_stage(zhytomyr, winner_rule=QuizStage.WinnerRule.DRAW, winners_count=2,
                       draw_min_score=2, seed="f" * 64)
    eligible = [submitted_attempt(stage, score=s) for s in (3, 2, 3, 2)]
    submitted_attempt(stage, score=1)  # below the minimum: not a candidate
    _close(stage)
    services.stage_winners_determine(actor=official, stage=stage)
    stage.refresh_from_db()
    codes = sorted(a.public_code for a in eligible)
    expected = sorted(codes, key=lambda c: hashlib.sha256(f"{'f' * 64}:{c}".encode())
                      .hexdigest())[:2]
    assert [w.attempt.public_code for w in selectors.winner_list(stage=stage)] == expected
    lines = "\n".join(f"{a.public_code},{a.score}"
                      for a in sorted(eligible, key=lambda a: a.public_code))
    assert stage.candidates_digest == hashlib.sha256(lines.encode()).hexdigest()
    entry = AuditEntry.objects.get(action="consultations.winners_determined")
    assert entry.after["seed"] == "f" * 64 and entry.after["winners"] == expected


def test_the_seed_stays_secret_until_the_draw(client, zhytomyr):
    stage = quiz_stage(zhytomyr, winner_rule=QuizStage.WinnerRule.DRAW, seed="e" * 64)
    page = client.get(f"/en/zhytomyr/consultations/stages/{stage.pk}/draw/").content.decode()
    assert stage.seed_commitment in page and "e" * 64 not in page
    api = client.get(f"/api/v1/zhytomyr/quiz-stages/{stage.pk}/").json()
    assert api["seed"] is None and api["seed_commitment"] == stage.seed_commitment
