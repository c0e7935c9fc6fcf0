"""Thin views: parse input, call a service or selector, render."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edem.core.errors import DomainError
from edem.core.geo import map_config
from edem.municipalities.models import Municipality
from edem.participation.selectors import is_following
from edem.participation.services import follow_set

from . import questionnaire, selectors, services
from .blocks import QuestionKind
from .forms import ProposalForm
from .models import DraftDecision, Proposal, QuizAttempt, Survey, SurveyResponse


def _errors_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def consultation_list(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Draft decisions, surveys and quizzes of the municipality, current ones first."""
    return render(request, "consultations/consultation_list.html", {
        "drafts": selectors.draft_list(municipality=municipality).order_by(
            "status", "-discussion_starts_at")[:50],
        "surveys": selectors.survey_list(municipality=municipality).order_by("-opens_at")[:50],
        "quizzes": selectors.quiz_list(municipality=municipality)[:20],
        "now": timezone.now(),
    })


# --- draft decisions ------------------------------------------------------------------------


def draft_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The draft paragraph by paragraph with comments, amendments as differences,
    support buttons, and after the discussion the summary report and final text."""
    draft = selectors.draft_get(municipality=municipality, pk=pk, viewer=request.user)
    paragraphs, general = selectors.draft_text(draft=draft)
    eligibility = None
    if draft.discussion_open() and request.user.is_authenticated:
        eligibility = services.eligibility_for(request.user, municipality, draft,
                                               "consultation.propose")
    reported = draft.status == DraftDecision.Status.REPORTED
    return render(request, "consultations/draft_detail.html", {
        "draft": draft,
        "paragraphs": paragraphs,
        "general": general,
        "open": draft.discussion_open(),
        "eligibility": eligibility,
        "supported": selectors.supported_ids(user=request.user, draft=draft),
        "final": selectors.final_text(draft=draft) if reported else None,
        "counts": selectors.report_counts(draft=draft) if reported else None,
        "following": is_following(user=request.user, target=draft),
        "form": ProposalForm(),
    })


@login_required
@require_POST
def proposal_create(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    draft = selectors.draft_get(municipality=municipality, pk=pk, viewer=request.user)
    form = ProposalForm(request.POST)
    anchor = ""
    if not form.is_valid():
        messages.error(request, _("Write your comment or the reasons for the amendment."))
        return redirect(draft)
    data = form.cleaned_data
    paragraph = None
    if data["paragraph"]:
        paragraph = draft.paragraphs.filter(pk=data["paragraph"]).first()
        if paragraph is None:
            messages.error(request, _("This paragraph is not in the draft."))
            return redirect(draft)
        anchor = f"#{paragraph.anchor}"
    try:
        proposal = services.proposal_create(
            actor=request.user, draft=draft, kind=data["kind"], body=data["body"],
            paragraph=paragraph, proposed_text=data["proposed_text"],
        )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Your amendment is published.") if proposal.kind == Proposal.Kind.AMENDMENT
            else _("Your comment is published."),
        )
        anchor = f"#proposal-{proposal.pk}"
    return redirect(draft.get_absolute_url() + anchor)


@login_required
@require_POST
def proposal_support(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    proposal = Proposal.objects.select_related("draft", "draft__municipality").filter(
        municipality=municipality, pk=pk).first()
    if proposal is None or proposal.draft.status == DraftDecision.Status.DRAFT:
        raise Http404(_("There is no such proposal here."))
    try:
        services.proposal_support(actor=request.user, proposal=proposal)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your support is counted."))
    return redirect(proposal.get_absolute_url())


@login_required
@require_POST
def draft_follow(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    draft = selectors.draft_get(municipality=municipality, pk=pk, viewer=request.user)
    following = request.POST.get("following") == "1"
    follow_set(actor=request.user, target=draft, following=following)
    messages.success(request, _("You follow this draft decision.") if following
                     else _("You no longer follow this draft decision."))
    return redirect(draft)


# --- surveys ---------------------------------------------------------------------------------


def survey_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    survey = selectors.survey_get(municipality=municipality, pk=pk, viewer=request.user)
    response = services.response_of(survey, request.user)
    eligibility = None
    if survey.is_open() and request.user.is_authenticated:
        eligibility = services.eligibility_for(request.user, municipality, survey,
                                               "survey.answer")
    sections = services.survey_structure(survey)
    return render(request, "consultations/survey_detail.html", {
        "survey": survey,
        "response": response,
        "submitted": response is not None
        and response.status == SurveyResponse.Status.SUBMITTED,
        "eligibility": eligibility,
        "sections": sections,
        "questions_count": len(questionnaire.all_questions(sections)),
    })


def _step_questions(sections, index: int, answers: dict) -> list[dict]:
    """The questions of one section as asked now: a question depending on an earlier
    section is asked or skipped on the server; one depending on a question of the same
    section is shown with a note (a script hides it until its condition holds)."""
    section = sections[index]
    here = {q.code for q in section.questions}
    rows = []
    for question in section.questions:
        source = questionnaire.condition_source(question, sections)
        if source is not None and source.code not in here and not questionnaire.is_shown(
                question, answers, sections):
            continue
        rows.append({
            "q": question,
            "value": answers.get(question.code),
            "depends_here": source if source is not None and source.code in here else None,
            "depends_value": source.options.index(question.show_if_answer)
            if source is not None and question.show_if_answer in source.options else None,
        })
    return rows


def _next_step(sections, start: int, answers: dict, direction: int = 1) -> int | None:
    index = start
    while 0 <= index < len(sections):
        if _step_questions(sections, index, answers):
            return index
        index += direction
    return None


def _step_url(survey: Survey, step: int) -> str:
    return reverse("consultations:survey_step", kwargs={
        "municipality": survey.municipality.slug, "pk": survey.pk, "step": step})


def _raw_section(section, data) -> dict:
    return {q.code: questionnaire.raw_from_post(q, data) for q in section.questions}


@login_required
def survey_step(request: HttpRequest, municipality: Municipality, pk: int,
                step: int) -> HttpResponse:
    """One section of the survey; each step is saved on the server as a draft."""
    survey = selectors.survey_get(municipality=municipality, pk=pk, viewer=request.user)
    sections = services.survey_structure(survey)
    if not 0 <= step < len(sections):
        raise Http404(_("There is no such section in the survey."))
    response = services.response_of(survey, request.user)
    errors: dict[str, str] = {}
    posted = None
    if request.method == "POST":
        action = request.POST.get("action", "next")
        posted = _raw_section(sections[step], request.POST)
        try:
            response = services.survey_draft_save(
                actor=request.user, survey=survey, section=step, raw=posted,
                complete=action == "next",
            )
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            messages.error(request, _("Some answers need your attention."))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(survey)
        else:
            answers = services.draft_answers(response)
            if action == "back":
                previous = _next_step(sections, step - 1, answers, -1)
                return redirect(_step_url(survey, previous) if previous is not None
                                else survey.get_absolute_url())
            if action == "save":
                messages.success(request, _("Your answers are saved. You can come back "
                                            "and finish before the survey closes."))
                return redirect(_step_url(survey, step))
            following = _next_step(sections, step + 1, answers)
            if following is None:
                return redirect("consultations:survey_review", municipality=municipality.slug,
                                pk=survey.pk)
            return redirect(_step_url(survey, following))
    else:
        try:
            services._require_may_answer(request.user, survey, response)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(survey)
    answers = services.draft_answers(response)
    rows = _step_questions(sections, step, answers)
    for row in rows:
        if posted is not None:
            row["raw"] = posted.get(row["q"].code)
        row["error"] = errors.get(row["q"].code, "")
    has_point = any(row["q"].kind == QuestionKind.POINT for row in rows)
    return render(request, "consultations/survey_step.html", {
        "survey": survey, "section": sections[step], "step": step, "steps": len(sections),
        "rows": rows, "posted": posted is not None, "has_point": has_point,
        "map_config": map_config(municipality) if has_point else None,
        "autosave_url": reverse("consultations:survey_autosave", kwargs={
            "municipality": municipality.slug, "pk": survey.pk, "step": step}),
    })


@login_required
@require_POST
def survey_autosave(request: HttpRequest, municipality: Municipality, pk: int,
                    step: int) -> JsonResponse:
    """Saves a section's answers while the person types (the page's script calls it)."""
    survey = selectors.survey_get(municipality=municipality, pk=pk, viewer=request.user)
    sections = services.survey_structure(survey)
    if not 0 <= step < len(sections):
        raise Http404
    try:
        services.survey_draft_save(actor=request.user, survey=survey, section=step,
                                   raw=_raw_section(sections[step], request.POST))
    except ValidationError as exc:
        return JsonResponse({"saved": False, "errors": exc.message_dict}, status=400)
    except DomainError as exc:
        return JsonResponse({"saved": False, "detail": str(exc.message)},
                            status=exc.status_code)
    return JsonResponse({"saved": True, "at": timezone.localtime().strftime("%H:%M:%S")})


@login_required
def survey_review(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The person's answers on one page before sending them."""
    survey = selectors.survey_get(municipality=municipality, pk=pk, viewer=request.user)
    response = services.response_of(survey, request.user)
    if request.method == "POST":
        try:
            services.survey_submit(actor=request.user, survey=survey)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you: your answers are counted."))
            return redirect(survey)
    sections = services.survey_structure(survey)
    answers = services.draft_answers(response)
    summary = []
    for section in sections:
        rows = [
            {"q": q, "label": questionnaire.answer_label(q, answers.get(q.code))}
            for q in section.questions if questionnaire.is_shown(q, answers, sections)
        ]
        if rows:
            summary.append({"section": section, "rows": rows})
    return render(request, "consultations/survey_review.html", {
        "survey": survey, "summary": summary, "response": response,
        "open": survey.is_open(),
    })


def survey_results(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    survey = selectors.survey_get(municipality=municipality, pk=pk, viewer=request.user)
    visible = survey.results_visible()
    results = selectors.survey_results(survey=survey) if visible else []
    # Places given in answers to map-point questions are drawn on a map.
    has_points = any(r.question.kind == QuestionKind.POINT and r.points for r in results)
    return render(request, "consultations/survey_results.html", {
        "survey": survey, "visible": visible, "results": results,
        "has_points": has_points,
        "map_config": map_config(municipality) if has_points else None,
    })


def survey_export(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """Open data: one row per response (free text only once published), UTF-8 CSV."""
    survey = selectors.survey_get(municipality=municipality, pk=pk, viewer=request.user)
    if not survey.results_visible():
        raise Http404(_("The results of this survey are not published yet."))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in selectors.survey_export_rows(survey=survey):
        writer.writerow([_csv_safe(c) for c in row])
    return response


def _csv_safe(value) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


# --- quizzes ----------------------------------------------------------------------------------


def quiz_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    quiz = selectors.quiz_get(municipality=municipality, pk=pk, viewer=request.user)
    return render(request, "consultations/quiz_detail.html", {
        "quiz": quiz, "stages": quiz.stages.order_by("number"), "now": timezone.now(),
    })


def stage_detail(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """The stage: dates, rules, the seed commitment, my attempts, scoreboard, winners."""
    stage = selectors.stage_get(municipality=municipality, pk=pk, viewer=request.user)
    attempts = selectors.attempt_list(stage=stage, user=request.user)
    eligibility = None
    if stage.is_open() and request.user.is_authenticated:
        eligibility = services.eligibility_for(request.user, municipality, stage.quiz,
                                               "quiz.take")
    used = len([a for a in attempts if a.status != QuizAttempt.Status.STARTED])
    return render(request, "consultations/stage_detail.html", {
        "stage": stage, "quiz": stage.quiz, "attempts": attempts,
        "in_progress": next((a for a in attempts if a.status == QuizAttempt.Status.STARTED),
                            None),
        "attempts_left": max(0, stage.attempts_allowed - used),
        "eligibility": eligibility,
        "scoreboard": selectors.scoreboard(stage=stage, limit=selectors.SCOREBOARD_SIZE),
        "winners": list(selectors.winner_list(stage=stage)),
    })


@login_required
@require_POST
def stage_start(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    stage = selectors.stage_get(municipality=municipality, pk=pk, viewer=request.user)
    try:
        attempt = services.attempt_start(actor=request.user, stage=stage)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(stage)
    return redirect("consultations:attempt", municipality=municipality.slug, pk=stage.pk,
                    attempt=attempt.pk)


# Fields a quiz form may send besides the answers.
_QUIZ_FORM_FIELDS = frozenset({"csrfmiddlewaretoken"})


def _quiz_answers(data) -> dict[str, list[str]]:
    """Answers by question id from ``q_<id>`` fields; any other field (a score, a
    time) is refused, since the server alone computes them."""
    unexpected = sorted(k for k in data if not k.startswith("q_") and k not in _QUIZ_FORM_FIELDS)
    if unexpected:
        raise DomainError(
            _("The form sent fields we do not accept: %(fields)s. The score is computed "
              "by the server.") % {"fields": ", ".join(unexpected)}, code="unexpected_field",
        )
    return {key[2:]: data.getlist(key) for key in data if key.startswith("q_")}


@login_required
def attempt_view(request: HttpRequest, municipality: Municipality, pk: int,
                 attempt: int) -> HttpResponse:
    """Answer the stage's questions (no correct answers in the page) and hand them in."""
    stage = selectors.stage_get(municipality=municipality, pk=pk, viewer=request.user)
    current = selectors.attempt_get(stage=stage, pk=attempt, user=request.user)
    if request.method == "POST":
        try:
            current = services.attempt_submit(
                actor=request.user, attempt=current, answers=_quiz_answers(request.POST))
        except DomainError as exc:
            messages.error(request, exc.message)
            current.refresh_from_db()
        else:
            messages.success(
                request, _("Your answers are handed in: %(score)d of %(max)d points.")
                % {"score": current.score, "max": stage.max_score})
            return redirect("consultations:attempt", municipality=municipality.slug,
                            pk=stage.pk, attempt=current.pk)
    questions = []
    if current.status == QuizAttempt.Status.STARTED:
        questions = [
            {"id": child.id, "text": child.value["text"], "multiple": child.value["multiple"],
             "points": child.value["points"],
             "options": [o["text"] for o in child.value["options"]]}
            for child in stage.questions
        ]
    return render(request, "consultations/attempt.html", {
        "stage": stage, "quiz": stage.quiz, "attempt": current, "questions": questions,
        "review": selectors.attempt_review(attempt=current),
        "seconds_left": max(0, int((current.deadline_at - timezone.now()).total_seconds()))
        if current.deadline_at else None,
    })


def stage_draw(request: HttpRequest, municipality: Municipality, pk: int) -> HttpResponse:
    """How the winners were drawn: the commitment, the revealed seed, the public list
    of candidates and the draw order anyone can recompute."""
    stage = selectors.stage_get(municipality=municipality, pk=pk, viewer=request.user)
    revealed = stage.seed_revealed
    candidates = selectors.draw_candidates(stage=stage) if revealed else []
    rows = []
    if revealed and stage.winner_rule == stage.WinnerRule.DRAW:
        keys = {a.public_code: services.draw_key(stage.seed, a.public_code) for a in candidates}
        order = services.draw_order(stage.seed, list(keys))
        by_code = {a.public_code: a for a in candidates}
        rows = [{"place": i, "code": code, "score": by_code[code].score, "key": keys[code],
                 "winner": i <= stage.winners_count} for i, code in enumerate(order, start=1)]
    payload = {
        "stage": stage.pk, "rule": stage.winner_rule, "winners_count": stage.winners_count,
        "min_score": stage.draw_min_score, "seed_commitment": stage.seed_commitment,
        "seed": stage.seed if revealed else None,
        "candidates": [{"code": a.public_code, "score": a.score} for a in candidates],
        "candidates_digest": stage.candidates_digest or None,
        "winners": [w.attempt.public_code for w in selectors.winner_list(stage=stage)],
    }
    if request.GET.get("format") == "json":
        return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    return render(request, "consultations/stage_draw.html", {
        "stage": stage, "quiz": stage.quiz, "revealed": revealed, "rows": rows,
        "candidates": candidates, "payload": payload,
        "commitment_ok": revealed and services.seed_commitment(stage.seed)
        == stage.seed_commitment,
    })
