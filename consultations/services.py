"""Every write and state change of the module: <entity>_<verb>(*, actor, ...).

Draft decisions: staff prepare the text and publish it for the discussion
dates; residents comment, propose amendments and support each other's
proposals while the discussion runs; afterwards the department decides every
proposal and publishes the summary report, and the authors are told.

Surveys: staff build and publish; a resident's answers are saved as a draft
section by section and submitted once; the respondent may change them until
closing when the survey allows; free-text answers are published after
moderation; staff publish the official conclusion.

Quizzes: an attempt is started and scored on the server, within the time
limit; winners are the top N or a draw anyone can recompute from the
revealed seed. Every staff step is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from edem.accounts.eligibility import eligibility_check
from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.core.geo import area_contains
from edem.core.transitions import check_transition
from edem.municipalities.models import Municipality, Organisation
from edem.notifications.services import notify
from edem.participation.audit import audit_record
from edem.participation.permissions import require

from . import questionnaire, texts
from .blocks import QuestionKind
from .models import (
    DRAFT_TRANSITIONS,
    DraftDecision,
    FreeTextAnswer,
    Paragraph,
    Proposal,
    ProposalSupport,
    Quiz,
    QuizAttempt,
    QuizStage,
    QuizWinner,
    Survey,
    SurveyResponse,
)

PROPOSAL_MAX_LENGTH = 5000
# Network and clicking take time: a submission this late after the limit still counts.
QUIZ_GRACE = dt.timedelta(seconds=5)


# --- shared helpers -------------------------------------------------------------------


def _require_eligible(actor, municipality: Municipality, action: str, policy) -> None:
    result = eligibility_check(actor.identity, municipality, action, process=policy)
    if not result.allowed:
        raise PermissionRefused(result.reason, code=result.code)


def eligibility_for(user, municipality: Municipality, policy, action: str):
    """The eligibility answer shown next to a form (no exception)."""
    identity = getattr(user, "identity", None) if user.is_authenticated else None
    return eligibility_check(identity, municipality, action, process=policy)


def _plain(value: str, *, field: str, label: str, max_length: int, required: bool = True):
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("Fill in: %(label)s.") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("At most %(n)d characters (now %(len)d).")
             % {"n": max_length, "len": len(value)}}
        )
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _check_dates(start: dt.datetime, end: dt.datetime, field: str) -> None:
    if start is None or end is None:
        raise ValidationError({field: _("Give both dates.")})
    if end <= start:
        raise ValidationError({field: _("The end must be after the start.")})


ELIGIBILITY_FIELDS = ("min_age", "residency_required", "accepted_auth_methods")


# --- draft decisions: staff ------------------------------------------------------------------

DRAFT_FIELDS = ("title", "summary", "issuer", "department", "discussion_starts_at",
                "discussion_ends_at", *ELIGIBILITY_FIELDS)


def _paragraphs_replace(draft: DraftDecision, parsed: Sequence[texts.ParsedParagraph]) -> int:
    draft.paragraphs.all().delete()
    Paragraph.objects.bulk_create([
        Paragraph(draft=draft, position=i, kind=p.kind, number=p.number, text=p.text)
        for i, p in enumerate(parsed, start=1)
    ])
    return len(parsed)


@transaction.atomic
def draft_save(
    *,
    actor,
    municipality: Municipality,
    data: Mapping[str, Any],
    draft: DraftDecision | None = None,
    text: str = "",
    document=None,
) -> DraftDecision:
    """Staff prepare a draft decision; its text comes from ``text`` or a DOCX/PDF file.

    The text and the eligibility freeze once the draft is published; only the
    end of the discussion may then be moved later.
    """
    require(actor, "consultations.change_draftdecision", draft or municipality)
    if draft is not None:
        draft = DraftDecision.objects.select_for_update().get(pk=draft.pk)
        municipality = draft.municipality
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed here."))
    department = data.get("department", draft.department if draft else None)
    if not isinstance(department, Organisation) or department.municipality_id != municipality.pk:
        raise ValidationError({"department": _("Choose a department of this municipality.")})
    start = _aware(data.get("discussion_starts_at") or draft.discussion_starts_at)
    end = _aware(data.get("discussion_ends_at") or draft.discussion_ends_at)
    _check_dates(start, end, "discussion_ends_at")
    parsed = None
    if document is not None:
        parsed = texts.split_text(texts.document_text(document))
    elif (text or "").strip():
        parsed = texts.split_text(text)
    before = {}
    if draft is None:
        if parsed is None:
            raise ValidationError({"text": _("Enter the text or upload the document.")})
        draft = DraftDecision(municipality=municipality)
    elif draft.status != DraftDecision.Status.DRAFT:
        frozen = {n for n in data if n != "discussion_ends_at"
                  and data[n] != getattr(draft, n)}
        if parsed is not None or frozen:
            raise DomainError(
                _("A published draft cannot be changed; only the discussion may be "
                  "extended.")
            )
        if end < draft.discussion_ends_at:
            raise DomainError(_("The discussion may be extended, never shortened."))
    if draft.pk:
        before = {"title": draft.title, "discussion_ends_at": draft.discussion_ends_at,
                  "status": draft.status}
    draft.title = _plain(data.get("title", draft.title), field="title", label=_("title"),
                         max_length=300)
    draft.summary = _plain(data.get("summary", draft.summary), field="summary",
                           label=_("summary"), max_length=5000)
    draft.issuer = data.get("issuer") or draft.issuer
    if draft.issuer not in DraftDecision.Issuer.values:
        raise ValidationError({"issuer": _("Choose whose decision it is.")})
    draft.department = department
    draft.discussion_starts_at, draft.discussion_ends_at = start, end
    for name in ELIGIBILITY_FIELDS:
        if name in data:
            setattr(draft, name, data[name])
    draft.save()
    paragraphs = _paragraphs_replace(draft, parsed) if parsed is not None else None
    audit_record(
        actor=actor, municipality=municipality,
        action="consultations.draft_saved" if before else "consultations.draft_created",
        target=draft, before=before,
        after={"title": draft.title, "discussion_ends_at": draft.discussion_ends_at,
               "paragraphs": paragraphs},
    )
    return draft


@transaction.atomic
def draft_publish(*, actor, draft: DraftDecision) -> DraftDecision:
    """Staff open the draft to residents for the discussion dates; the text freezes."""
    require(actor, "consultations.change_draftdecision", draft)
    draft = DraftDecision.objects.select_for_update().get(pk=draft.pk)
    check_transition(DRAFT_TRANSITIONS, draft.status, DraftDecision.Status.PUBLISHED)
    if not draft.paragraphs.filter(kind=Paragraph.Kind.PARAGRAPH).exists():
        raise DomainError(_("The draft has no text yet."))
    if draft.discussion_over():
        raise DomainError(_("The discussion dates are over: set new dates first."))
    draft.status = DraftDecision.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor, municipality=draft.municipality,
        action="consultations.draft_published", target=draft,
        before={"status": DraftDecision.Status.DRAFT},
        after={"status": draft.status, "discussion_starts_at": draft.discussion_starts_at,
               "discussion_ends_at": draft.discussion_ends_at},
    )
    return draft


# --- draft decisions: residents ------------------------------------------------------------


def _require_discussion_open(draft: DraftDecision) -> None:
    if draft.discussion_open():
        return
    if draft.status == DraftDecision.Status.PUBLISHED and not draft.discussion_over():
        raise DomainError(
            _("The discussion has not started yet."), code="closed"
        )
    raise DomainError(_("The discussion of this draft is closed."), code="closed")


@transaction.atomic
def proposal_create(
    *,
    actor,
    draft: DraftDecision,
    kind: str,
    body: str,
    paragraph: Paragraph | None = None,
    proposed_text: str = "",
) -> Proposal:
    """An eligible resident comments on the draft or a paragraph, or proposes a new
    wording of a paragraph (with reasons), while the discussion runs."""
    require(actor, "consultations.add_proposal", draft)
    _require_discussion_open(draft)
    _require_eligible(actor, draft.municipality, "consultation.propose", draft)
    if kind not in Proposal.Kind.values:
        raise DomainError(_("Choose a comment or an amendment."))
    if paragraph is not None and paragraph.draft_id != draft.pk:
        raise DomainError(_("This paragraph is not in the draft."))
    if paragraph is not None and paragraph.kind != Paragraph.Kind.PARAGRAPH:
        raise DomainError(_("Choose a numbered paragraph, not a heading."))
    body = _plain(body, field="body",
                  label=_("reasons") if kind == Proposal.Kind.AMENDMENT else _("comment"),
                  max_length=PROPOSAL_MAX_LENGTH)
    proposed_text = (proposed_text or "").strip()
    if kind == Proposal.Kind.AMENDMENT:
        if paragraph is None:
            raise DomainError(_("An amendment changes one paragraph: choose it."))
        proposed_text = _plain(proposed_text, field="proposed_text",
                               label=_("proposed wording"), max_length=PROPOSAL_MAX_LENGTH)
        if " ".join(proposed_text.split()) == " ".join(paragraph.text.split()):
            raise ValidationError(
                {"proposed_text": _("The proposed wording is the same as the original.")}
            )
    else:
        proposed_text = ""
    proposal = Proposal.objects.create(
        municipality=draft.municipality, draft=draft, paragraph=paragraph, kind=kind,
        author=actor, author_identity=actor.identity, body=body,
        proposed_text=proposed_text,
    )
    DraftDecision.objects.filter(pk=draft.pk).update(proposals_count=F("proposals_count") + 1)
    return proposal


def proposal_support(*, actor, proposal: Proposal) -> ProposalSupport:
    """A person supports someone else's comment or amendment, once, while the
    discussion runs; a second support (from any of their accounts) is refused."""
    require(actor, "consultations.support_proposal", proposal)
    draft = proposal.draft
    _require_discussion_open(draft)
    _require_eligible(actor, draft.municipality, "consultation.support", draft)
    if proposal.status != Proposal.Status.VISIBLE:
        raise DomainError(_("This proposal was hidden by a moderator."))
    if proposal.author_identity_id == actor.identity_id:
        raise DomainError(_("You cannot support your own proposal."))
    try:
        with transaction.atomic():
            support = ProposalSupport.objects.create(
                proposal=proposal, identity_id=actor.identity_id, user=actor
            )
            Proposal.objects.filter(pk=proposal.pk).update(
                supports_count=F("supports_count") + 1
            )
    except IntegrityError as exc:
        raise Conflict(_("You have already supported this proposal."),
                       code="already_supported") from exc
    return support


@transaction.atomic
def proposal_hide(*, actor, proposal: Proposal, reason: str) -> Proposal:
    """A moderator hides a proposal that breaks the rules, with a public reason.

    The text is never rewritten; the author is told. A hidden proposal needs no
    decision in the report.
    """
    require(actor, "consultations.moderate_proposal", proposal)
    reason = _plain(reason, field="reason", label=_("reason"), max_length=500)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    before = {"status": proposal.status}
    proposal.status = Proposal.Status.HIDDEN
    proposal.hidden_reason = reason
    proposal.save(update_fields=["status", "hidden_reason", "updated_at"])
    audit_record(actor=actor, municipality=proposal.municipality,
                 action="consultations.proposal_hidden", target=proposal, before=before,
                 after={"status": proposal.status}, reason=reason)
    notify(kind="consultations.proposal_hidden", recipients=[proposal.author],
           municipality=proposal.municipality,
           title=lambda: _("Your proposal was hidden by a moderator"), body=reason,
           url=proposal.draft.get_absolute_url)
    return proposal


# --- draft decisions: the department ----------------------------------------------------------


@transaction.atomic
def proposal_decide(
    *, actor, proposal: Proposal, decision: str, reason: str, adopted_text: str = ""
) -> Proposal:
    """The department decides a proposal after the discussion, with reasons.

    An accepted amendment puts its wording into the final text; a partly
    accepted one the wording the department adopts. A paragraph takes the
    wording of one amendment at most.
    """
    require(actor, "consultations.decide_proposal", proposal)
    proposal = Proposal.objects.select_for_update(of=("self",)).select_related(
        "draft", "draft__municipality", "paragraph").get(pk=proposal.pk)
    draft = proposal.draft
    if draft.status != DraftDecision.Status.PUBLISHED:
        raise DomainError(_("The summary report is already published."))
    if not draft.discussion_over():
        raise DomainError(_("Proposals are decided after the discussion ends."))
    if proposal.status != Proposal.Status.VISIBLE:
        raise DomainError(_("A hidden proposal needs no decision."))
    if decision not in Proposal.Decision.values:
        raise ValidationError({"decision": _("Choose: accepted, partly accepted or rejected.")})
    reason = _plain(reason, field="reason", label=_("reasons"), max_length=5000)
    adopted_text = (adopted_text or "").strip()
    if proposal.kind == Proposal.Kind.AMENDMENT and decision == Proposal.Decision.PARTLY:
        adopted_text = _plain(adopted_text, field="adopted_text", label=_("wording adopted"),
                              max_length=PROPOSAL_MAX_LENGTH)
    else:
        adopted_text = ""
    if proposal.kind == Proposal.Kind.AMENDMENT and decision != Proposal.Decision.REJECTED:
        other = Proposal.objects.filter(
            paragraph=proposal.paragraph, kind=Proposal.Kind.AMENDMENT,
            decision__in=(Proposal.Decision.ACCEPTED, Proposal.Decision.PARTLY),
        ).exclude(pk=proposal.pk).first()
        if other is not None:
            raise DomainError(
                _("Amendment #%(n)d to this paragraph is already accepted: a paragraph "
                  "takes one wording. Accept this one partly in that amendment's "
                  "decision instead.") % {"n": other.pk}
            )
    before = {"decision": proposal.decision, "reason": proposal.decision_reason}
    proposal.decision = decision
    proposal.decision_reason = reason
    proposal.adopted_text = adopted_text
    proposal.decided_at = timezone.now()
    proposal.decided_by = actor
    proposal.save()
    audit_record(actor=actor, municipality=draft.municipality,
                 action="consultations.proposal_decided", target=proposal, before=before,
                 after={"decision": decision, "adopted_text": adopted_text}, reason=reason)
    return proposal


@transaction.atomic
def draft_report_publish(*, actor, draft: DraftDecision, summary: str) -> DraftDecision:
    """The department publishes the summary report once every proposal is decided;
    every author of a proposal and every follower is told."""
    require(actor, "consultations.decide_proposal", draft)
    draft = DraftDecision.objects.select_for_update().select_related("municipality").get(
        pk=draft.pk)
    check_transition(DRAFT_TRANSITIONS, draft.status, DraftDecision.Status.REPORTED)
    if not draft.discussion_over():
        raise DomainError(_("The report is published after the discussion ends."))
    undecided = draft.proposals.filter(status=Proposal.Status.VISIBLE, decision="").count()
    if undecided:
        raise DomainError(
            _("Decide every proposal first: %(n)d still without a decision.") % {"n": undecided}
        )
    summary = _plain(summary, field="summary", label=_("summary of the report"),
                     max_length=20000)
    draft.status = DraftDecision.Status.REPORTED
    draft.report_text = summary
    draft.reported_at = timezone.now()
    draft.reported_by = actor
    draft.save()
    audit_record(actor=actor, municipality=draft.municipality,
                 action="consultations.report_published", target=draft,
                 before={"status": DraftDecision.Status.PUBLISHED},
                 after={"status": draft.status,
                        "proposals": draft.proposals.filter(
                            status=Proposal.Status.VISIBLE).count()})
    from edem.participation.selectors import follower_list

    from .selectors import proposal_authors

    notify(
        kind="consultations.report_published",
        recipients=[*proposal_authors(draft=draft), *follower_list(target=draft)],
        municipality=draft.municipality,
        title=lambda: (_("The summary report on the draft is published: %(title)s")
        % {"title": draft.title}),
        body=summary[:300], url=lambda: draft.get_absolute_url() + "#report",
    )
    return draft


# --- surveys: staff ---------------------------------------------------------------------------

SURVEY_FIELDS = ("title", "description", "department", "sections", "opens_at", "closes_at",
                 "anonymous", "allow_changes", "results", *ELIGIBILITY_FIELDS)
# What may still change once people answer: the questions and the way answers
# are kept are fixed.
SURVEY_OPEN_FIELDS = frozenset({"title", "description", "department", "closes_at",
                                "results"})


def survey_structure(survey: Survey) -> list[questionnaire.Section]:
    return questionnaire.structure(survey.sections)


def _survey_started(survey: Survey) -> bool:
    return survey.pk is not None and (
        survey.responses.exists()
        or (survey.status == Survey.Status.PUBLISHED and survey.opens_at <= timezone.now())
    )


@transaction.atomic
def survey_save(
    *, actor, municipality: Municipality, data: Mapping[str, Any], survey: Survey | None = None
) -> Survey:
    """Staff build or change a survey; the questions freeze once it opens."""
    require(actor, "consultations.change_survey", survey or municipality)
    unknown = set(data) - set(SURVEY_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed here."))
    if survey is not None:
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        municipality = survey.municipality
        if _survey_started(survey):
            changed = {
                n for n in data if n not in SURVEY_OPEN_FIELDS
                and _comparable(data[n]) != _comparable(getattr(survey, n))
            }
            if changed:
                raise DomainError(
                    _("People are answering this survey: its questions and settings of "
                      "answering cannot change any more.")
                )
    else:
        survey = Survey(municipality=municipality)
    before = {"title": survey.title, "closes_at": survey.closes_at} if survey.pk else {}
    for name, value in data.items():
        setattr(survey, name, value)
    department = survey.department
    if department is not None and department.municipality_id != municipality.pk:
        raise ValidationError({"department": _("Choose a department of this municipality.")})
    survey.title = _plain(survey.title, field="title", label=_("title"), max_length=300)
    survey.opens_at, survey.closes_at = _aware(survey.opens_at), _aware(survey.closes_at)
    _check_dates(survey.opens_at, survey.closes_at, "closes_at")
    errors = questionnaire.structure_errors(survey_structure(survey))
    if errors:
        raise ValidationError({"sections": errors})
    survey.save()
    audit_record(actor=actor, municipality=municipality,
                 action="consultations.survey_saved", target=survey, before=before,
                 after={"title": survey.title, "closes_at": survey.closes_at,
                        "questions": len(questionnaire.all_questions(survey_structure(survey)))})
    return survey


def _comparable(value):
    raw = getattr(value, "raw_data", None)
    if raw is not None:
        return [{"type": c["type"], "value": c["value"]} for c in raw]
    return value


@transaction.atomic
def survey_publish(*, actor, survey: Survey) -> Survey:
    """Staff publish a survey with at least one question; it opens at its date."""
    require(actor, "consultations.change_survey", survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == Survey.Status.PUBLISHED:
        raise DomainError(_("The survey is already published."), code="transition_refused")
    if not questionnaire.all_questions(survey_structure(survey)):
        raise DomainError(_("Add at least one question first."))
    if survey.is_closed():
        raise DomainError(_("The survey's dates are over: set new dates first."))
    survey.status = Survey.Status.PUBLISHED
    survey.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, municipality=survey.municipality,
                 action="consultations.survey_published", target=survey,
                 before={"status": Survey.Status.DRAFT}, after={"status": survey.status})
    return survey


@transaction.atomic
def free_text_moderate(*, actor, answer: FreeTextAnswer, publish: bool) -> FreeTextAnswer:
    """A moderator publishes a free-text answer among the results, or keeps it out."""
    require(actor, "consultations.moderate_freetextanswer", answer.survey)
    answer = FreeTextAnswer.objects.select_for_update().get(pk=answer.pk)
    before = {"status": answer.status}
    answer.status = FreeTextAnswer.Status.PUBLISHED if publish else FreeTextAnswer.Status.HIDDEN
    answer.moderated_by = actor
    answer.save(update_fields=["status", "moderated_by", "updated_at"])
    audit_record(actor=actor, municipality=answer.survey.municipality,
                 action="consultations.free_text_moderated", target=answer, before=before,
                 after={"status": answer.status})
    return answer


@transaction.atomic
def survey_conclusion_publish(*, actor, survey: Survey, text: str) -> Survey:
    """Staff attach the official conclusion: what the municipality did with the answers.

    Respondents of a named survey are told; an anonymous survey keeps no link
    to them, so its conclusion is only published on the page.
    """
    require(actor, "consultations.change_survey", survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.PUBLISHED or not survey.is_closed():
        raise DomainError(_("The conclusion is published after the survey closes."))
    text = _plain(text, field="conclusion", label=_("official conclusion"),
                  max_length=20000)
    before = {"conclusion": survey.conclusion}
    survey.conclusion = text
    survey.conclusion_published_at = timezone.now()
    survey.save(update_fields=["conclusion", "conclusion_published_at", "updated_at"])
    audit_record(actor=actor, municipality=survey.municipality,
                 action="consultations.survey_concluded", target=survey, before=before,
                 after={"conclusion": text})
    if not survey.anonymous:
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(
            survey_responses__survey=survey,
            survey_responses__status=SurveyResponse.Status.SUBMITTED,
        )
        notify(kind="consultations.survey_concluded", recipients=users,
               municipality=survey.municipality,
               title=lambda: _("What was done with your answers: %(title)s") % {"title": survey.title},
               body=text[:300], url=survey.get_absolute_url)
    return survey


# --- surveys: respondents ----------------------------------------------------------------------


def survey_responses_exported(*, actor, survey: Survey) -> None:
    """Staff download every individual response: who and when goes to the audit log.

    A named survey's file carries the respondents' names, so each download is
    on record, as any other access of staff to personal answers.
    """
    require(actor, "consultations.change_survey", survey)
    audit_record(actor=actor, municipality=survey.municipality,
                 action="consultations.survey_responses_exported", target=survey,
                 after={"responses": survey.responses_count, "named": not survey.anonymous})


def respondent_key(survey: Survey, identity) -> str:
    """A keyed hash standing for the person in one survey (never the identity itself)."""
    message = f"survey:{survey.pk}:{identity.key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def response_of(survey: Survey, user) -> SurveyResponse | None:
    if not getattr(user, "is_authenticated", False) or not user.identity_id:
        return None
    return SurveyResponse.objects.filter(
        survey=survey, respondent=respondent_key(survey, user.identity)
    ).first()


def _require_survey_open(survey: Survey) -> None:
    if survey.is_open():
        return
    if survey.is_closed():
        raise DomainError(_("The survey is closed: answers are no longer accepted."),
                          code="closed")
    raise DomainError(_("The survey is not open yet."), code="closed")


def _locked_response(actor, survey: Survey) -> SurveyResponse:
    """The person's response row, created on first use; one per person by constraint."""
    key = respondent_key(survey, actor.identity)
    named = {} if survey.anonymous else {"identity": actor.identity, "user": actor}
    try:
        with transaction.atomic():
            SurveyResponse.objects.get_or_create(survey=survey, respondent=key, defaults=named)
    except IntegrityError:
        pass  # another request of the same person created it meanwhile
    return SurveyResponse.objects.select_for_update().get(survey=survey, respondent=key)


def _boundary_check(municipality: Municipality):
    if not municipality.boundary:
        return None
    return lambda lat, lon: area_contains(municipality.boundary, lat, lon)


def _parse_section(
    survey: Survey, sections, section: questionnaire.Section, raw: Mapping[str, Any],
    known: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse one section's input on top of the answers ``known`` so far."""
    check = _boundary_check(survey.municipality)
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in section.questions:
        try:
            parsed[question.code] = questionnaire.parse_answer(
                question, raw.get(question.code), boundary_check=check
            )
        except questionnaire.AnswerError as exc:
            errors[question.code] = str(exc)
    merged = {**known, **parsed}
    for question in section.questions:
        if not questionnaire.is_shown(question, merged, sections):
            parsed[question.code] = None  # a question not asked keeps no answer
            errors.pop(question.code, None)
    return parsed, errors


def _require_may_answer(actor, survey: Survey, response: SurveyResponse | None) -> None:
    require(actor, "consultations.answer_survey", survey)
    _require_survey_open(survey)
    _require_eligible(actor, survey.municipality, "survey.answer", survey)
    if response is not None and response.status == SurveyResponse.Status.SUBMITTED \
            and not survey.allow_changes:
        raise Conflict(_("You have already answered this survey."), code="already_answered")


@transaction.atomic
def survey_draft_save(
    *, actor, survey: Survey, section: int, raw: Mapping[str, Any], complete: bool = False
) -> SurveyResponse:
    """Keep the person's answers to one section as a draft on the server.

    ``complete`` (moving on to the next section) also asks every required
    question shown. Any invalid answer refuses the whole section, nothing kept.
    """
    _require_may_answer(actor, survey, response_of(survey, actor))
    sections = survey_structure(survey)
    if not 0 <= section < len(sections):
        raise DomainError(_("There is no such section in the survey."))
    response = _locked_response(actor, survey)
    draft = _draft_of(response)
    parsed, errors = _parse_section(survey, sections, sections[section], raw, draft)
    if complete:
        merged = {**draft, **parsed}
        for question in sections[section].questions:
            if (question.required and question.code not in errors
                    and questionnaire.is_shown(question, merged, sections)
                    and not questionnaire.is_answered(parsed.get(question.code))):
                errors[question.code] = _("This question needs an answer.")
    if errors:
        raise ValidationError(errors)
    draft.update(parsed)
    response.answers = _with_draft(response, draft)
    response.step = max(response.step, section + (1 if complete else 0))
    response.save(update_fields=["answers", "step", "updated_at"])
    return response


# The draft rides in the same JSON as the submitted answers, under a key no
# question code can take (codes start with a letter).
_DRAFT_KEY = "_draft"


def _draft_of(response: SurveyResponse) -> dict[str, Any]:
    answers = response.answers or {}
    if _DRAFT_KEY in answers:
        return dict(answers[_DRAFT_KEY])
    return {k: v for k, v in answers.items() if k != _DRAFT_KEY}


def _with_draft(response: SurveyResponse, draft: dict[str, Any]) -> dict[str, Any]:
    if response.status == SurveyResponse.Status.SUBMITTED:
        submitted = submitted_answers(response)
        return {**submitted, _DRAFT_KEY: draft}
    return dict(draft)


def submitted_answers(response: SurveyResponse) -> dict[str, Any]:
    """The answers that count (a resubmission in progress does not)."""
    if response.status != SurveyResponse.Status.SUBMITTED:
        return {}
    return {k: v for k, v in (response.answers or {}).items() if k != _DRAFT_KEY}


def draft_answers(response: SurveyResponse | None) -> dict[str, Any]:
    if response is None:
        return {}
    return _draft_of(response)


@transaction.atomic
def survey_submit(*, actor, survey: Survey) -> SurveyResponse:
    """The person sends their answers: every required question shown must be answered.

    Answers to questions not asked (their condition unmet) are dropped.
    Free-text answers wait for moderation before they join the results.
    """
    _require_may_answer(actor, survey, response_of(survey, actor))
    sections = survey_structure(survey)
    response = _locked_response(actor, survey)
    draft = _draft_of(response)
    final: dict[str, Any] = {}
    missing = []
    for question in questionnaire.all_questions(sections):
        if not questionnaire.is_shown(question, draft, sections):
            continue
        value = draft.get(question.code)
        if questionnaire.is_answered(value):
            final[question.code] = value
        elif question.required:
            missing.append(question.number)
    if missing:
        raise DomainError(
            _("Answer the required questions first: %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in missing)}
        )
    first_time = response.status != SurveyResponse.Status.SUBMITTED
    response.answers = final
    response.status = SurveyResponse.Status.SUBMITTED
    response.submitted_at = timezone.now()
    response.step = len(sections)
    response.save()
    _free_texts_sync(survey, sections, response, final)
    if first_time:
        Survey.objects.filter(pk=survey.pk).update(responses_count=F("responses_count") + 1)
    return response


def _free_texts_sync(survey: Survey, sections, response: SurveyResponse, final) -> None:
    codes = {q.code for q in questionnaire.all_questions(sections)
             if q.kind == QuestionKind.TEXT}
    existing = {a.question: a for a in response.free_texts.all()}
    for code in codes:
        text = final.get(code)
        current = existing.get(code)
        if not text:
            if current is not None:
                current.delete()
            continue
        if current is None:
            FreeTextAnswer.objects.create(survey=survey, response=response, question=code,
                                          text=text)
        elif current.text != text:
            # A changed answer is moderated anew.
            current.text = text
            current.status = FreeTextAnswer.Status.PENDING
            current.moderated_by = None
            current.save()


# --- quizzes: staff -------------------------------------------------------------------------------

QUIZ_FIELDS = ("title", "description", *ELIGIBILITY_FIELDS)
STAGE_FIELDS = ("quiz", "number", "title", "questions", "opens_at", "closes_at",
                "time_limit_seconds", "attempts_allowed", "winner_rule", "winners_count",
                "draw_min_score", "reward")
STAGE_OPEN_FIELDS = frozenset({"title", "closes_at", "reward"})


@transaction.atomic
def quiz_save(
    *, actor, municipality: Municipality, data: Mapping[str, Any], quiz: Quiz | None = None
) -> Quiz:
    """Staff create or change a quiz (its stages are saved separately)."""
    require(actor, "consultations.change_quiz", quiz or municipality)
    if set(data) - set(QUIZ_FIELDS):
        raise DomainError(_("These fields cannot be changed here."))
    if quiz is None:
        quiz = Quiz(municipality=municipality)
    else:
        quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
    before = {"title": quiz.title} if quiz.pk else {}
    for name, value in data.items():
        setattr(quiz, name, value)
    quiz.title = _plain(quiz.title, field="title", label=_("title"), max_length=300)
    quiz.save()
    audit_record(actor=actor, municipality=quiz.municipality,
                 action="consultations.quiz_saved", target=quiz, before=before,
                 after={"title": quiz.title})
    return quiz


@transaction.atomic
def quiz_publish(*, actor, quiz: Quiz) -> Quiz:
    """Staff publish a quiz that has at least one stage with questions."""
    require(actor, "consultations.change_quiz", quiz)
    quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
    if quiz.status == Quiz.Status.PUBLISHED:
        raise DomainError(_("The quiz is already published."), code="transition_refused")
    if not any(len(stage.questions) for stage in quiz.stages.all()):
        raise DomainError(_("Add a stage with questions first."))
    quiz.status = Quiz.Status.PUBLISHED
    quiz.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, municipality=quiz.municipality,
                 action="consultations.quiz_published", target=quiz,
                 before={"status": Quiz.Status.DRAFT}, after={"status": quiz.status})
    return quiz


def seed_commitment(seed: str) -> str:
    """The public commitment to a stage's secret seed: its SHA-256 in hex."""
    return hashlib.sha256(seed.encode()).hexdigest()


@transaction.atomic
def stage_save(*, actor, data: Mapping[str, Any], stage: QuizStage | None = None) -> QuizStage:
    """Staff create or change a stage; a new stage draws its secret seed and commits
    to it publicly. Questions and rules freeze once the stage opens."""
    quiz = data.get("quiz") or (stage.quiz if stage else None)
    if quiz is None:
        raise ValidationError({"quiz": _("Choose the quiz.")})
    require(actor, "consultations.change_quiz", quiz)
    if set(data) - set(STAGE_FIELDS):
        raise DomainError(_("These fields cannot be changed here."))
    if stage is None:
        seed = secrets.token_hex(32)
        stage = QuizStage(quiz=quiz, seed=seed, seed_commitment=seed_commitment(seed))
    else:
        stage = QuizStage.objects.select_for_update().select_related("quiz").get(pk=stage.pk)
        started = stage.attempts.exists() or (
            stage.quiz.status == Quiz.Status.PUBLISHED and stage.opens_at <= timezone.now()
        )
        if started:
            changed = {n for n in data if n not in STAGE_OPEN_FIELDS
                       and _comparable(data[n]) != _comparable(getattr(stage, n))}
            if changed:
                raise DomainError(
                    _("The stage has started: its questions and rules cannot change any more.")
                )
    if stage.pk and data.get("quiz") and data["quiz"].pk != stage.quiz_id:
        raise DomainError(_("A stage cannot move to another quiz."))
    before = {"title": stage.title, "closes_at": stage.closes_at} if stage.pk else {}
    for name, value in data.items():
        setattr(stage, name, value)
    stage.opens_at, stage.closes_at = _aware(stage.opens_at), _aware(stage.closes_at)
    _check_dates(stage.opens_at, stage.closes_at, "closes_at")
    try:
        with transaction.atomic():
            stage.save()
    except IntegrityError as exc:
        raise ValidationError({"number": _("The quiz already has a stage with this number.")}) \
            from exc
    audit_record(actor=actor, municipality=quiz.municipality,
                 action="consultations.stage_saved", target=stage, before=before,
                 after={"title": stage.title, "opens_at": stage.opens_at,
                        "closes_at": stage.closes_at, "seed_commitment": stage.seed_commitment,
                        "questions": len(stage.questions)})
    return stage


# --- quizzes: participants ------------------------------------------------------------------------


def _public_code() -> str:
    return secrets.token_hex(6).upper()


def _expire_if_late(attempt: QuizAttempt, now: dt.datetime) -> bool:
    """Close an attempt whose time ran out (no score); True when it did."""
    if attempt.status != QuizAttempt.Status.STARTED or attempt.deadline_at is None:
        return False
    if now <= attempt.deadline_at + QUIZ_GRACE:
        return False
    attempt.status = QuizAttempt.Status.EXPIRED
    attempt.score = 0
    attempt.save(update_fields=["status", "score"])
    return True


def attempt_start(*, actor, stage: QuizStage) -> QuizAttempt:
    """An eligible person starts (or resumes) an attempt while the stage is open.

    One attempt per person and stage unless the stage allows more; a second
    start of the same person at the same moment ends as one attempt.
    """
    require(actor, "consultations.take_quiz", stage)
    now = timezone.now()
    if not stage.is_open(now):
        if stage.is_closed(now):
            raise DomainError(_("This stage is over."), code="closed")
        raise DomainError(_("This stage has not started yet."), code="closed")
    _require_eligible(actor, stage.quiz.municipality, "quiz.take", stage.quiz)
    with transaction.atomic():
        attempts = list(
            QuizAttempt.objects.select_for_update()
            .filter(stage=stage, identity_id=actor.identity_id).order_by("number")
        )
        for attempt in attempts:
            if attempt.status == QuizAttempt.Status.STARTED and not _expire_if_late(attempt, now):
                return attempt
    if len(attempts) >= stage.attempts_allowed:
        raise Conflict(
            _("You have used your attempt at this stage.") if stage.attempts_allowed == 1
            else _("You have used all %(n)d attempts at this stage.")
            % {"n": stage.attempts_allowed},
            code="no_attempts_left",
        )
    deadline = stage.closes_at
    if stage.time_limit_seconds:
        deadline = min(deadline, now + dt.timedelta(seconds=stage.time_limit_seconds))
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(
                stage=stage, identity_id=actor.identity_id, user=actor,
                number=len(attempts) + 1, public_code=_public_code(), started_at=now,
                deadline_at=deadline,
            )
    except IntegrityError as exc:
        raise Conflict(_("Your attempt has already started."), code="already_started") from exc


def _clean_quiz_answers(stage: QuizStage, answers: Mapping[str, Any]) -> dict[str, list[int]]:
    """Answers by question id: only this stage's questions, only offered options."""
    questions = {child.id: child.value for child in stage.questions}
    cleaned: dict[str, list[int]] = {}
    for question_id, chosen in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise DomainError(_("The answers name a question that is not in this stage."),
                              code="unknown_question")
        values = chosen if isinstance(chosen, list | tuple) else [chosen]
        try:
            indices = sorted({int(v) for v in values if v not in (None, "")})
        except (TypeError, ValueError) as exc:
            raise DomainError(_("Choose among the offered answers.")) from exc
        if any(not 0 <= i < len(question["options"]) for i in indices):
            raise DomainError(_("Choose among the offered answers."), code="unknown_option")
        if len(indices) > 1 and not question["multiple"]:
            raise DomainError(_("Choose one answer to question “%(q)s”.")
                              % {"q": question["text"]})
        if indices:
            cleaned[question_id] = indices
    return cleaned


def score_of(stage: QuizStage, answers: Mapping[str, list[int]]) -> int:
    """Points of every question answered with exactly its correct options."""
    total = 0
    for child in stage.questions:
        correct = [i for i, o in enumerate(child.value["options"]) if o["correct"]]
        if sorted(answers.get(child.id, [])) == correct:
            total += int(child.value["points"])
    return total


def attempt_submit(*, actor, attempt: QuizAttempt, answers: Mapping[str, Any]) -> QuizAttempt:
    """The person hands in the attempt; the server scores it.

    Refused: another person's attempt, an attempt already handed in, answers
    naming questions or options not in the stage, and answers after the time
    limit (the attempt then ends without points).
    """
    require(actor, "consultations.take_quiz", attempt.stage)
    if attempt.identity_id != actor.identity_id:
        raise PermissionRefused(_("This is not your attempt."))
    now = timezone.now()
    with transaction.atomic():
        attempt = QuizAttempt.objects.select_for_update().select_related(
            "stage", "stage__quiz").get(pk=attempt.pk)
        if attempt.status == QuizAttempt.Status.SUBMITTED:
            raise Conflict(_("This attempt is already handed in."), code="already_submitted")
        if attempt.status == QuizAttempt.Status.EXPIRED:
            raise DomainError(_("The time of this attempt ran out."), code="time_over")
        expired = _expire_if_late(attempt, now)
        if not expired:
            cleaned = _clean_quiz_answers(attempt.stage, answers)
            attempt.answers = cleaned
            attempt.score = score_of(attempt.stage, cleaned)
            attempt.status = QuizAttempt.Status.SUBMITTED
            attempt.submitted_at = now
            attempt.time_taken_ms = int((now - attempt.started_at).total_seconds() * 1000)
            attempt.save()
    if expired:
        # Raised after the commit, so the attempt stays ended.
        raise DomainError(
            _("The time limit passed before the answers arrived: the attempt ended "
              "without points."), code="time_over",
        )
    return attempt


# --- quizzes: winners ----------------------------------------------------------------------------


def draw_key(seed: str, code: str) -> str:
    """A candidate's place in the draw: SHA-256 of ``seed:code``, lowest first."""
    return hashlib.sha256(f"{seed}:{code}".encode()).hexdigest()


def draw_order(seed: str, codes: Sequence[str]) -> list[str]:
    """The candidates' codes in draw order; anyone can recompute it from the
    revealed seed and the public list of candidates."""
    return sorted(codes, key=lambda code: (draw_key(seed, code), code))


def candidates_digest(candidates: Sequence[tuple[str, int]]) -> str:
    """SHA-256 of the public list ``code,score`` lines sorted by code."""
    lines = "\n".join(f"{code},{score}" for code, score in sorted(candidates))
    return hashlib.sha256(lines.encode()).hexdigest()


@transaction.atomic
def stage_winners_determine(*, actor, stage: QuizStage) -> list[QuizWinner]:
    """After the stage, staff determine the winners by the stage's rule; the seed
    is revealed, the step recorded in the audit log and the winners told."""
    from .selectors import draw_candidates, scoreboard

    require(actor, "consultations.determine_winners", stage.quiz)
    stage = QuizStage.objects.select_for_update().select_related(
        "quiz", "quiz__municipality").get(pk=stage.pk)
    if not stage.is_closed():
        raise DomainError(_("Winners are determined after the stage closes."))
    if stage.winners_drawn_at is not None:
        raise Conflict(_("The winners of this stage are already determined."))
    if stage.winner_rule == QuizStage.WinnerRule.TOP:
        chosen = [row.attempt for row in scoreboard(stage=stage)[: stage.winners_count]]
        digest = ""
    else:
        candidates = draw_candidates(stage=stage)
        by_code = {a.public_code: a for a in candidates}
        order = draw_order(stage.seed, list(by_code))
        chosen = [by_code[code] for code in order[: stage.winners_count]]
        digest = candidates_digest([(a.public_code, a.score) for a in candidates])
    winners = QuizWinner.objects.bulk_create([
        QuizWinner(stage=stage, attempt=attempt, identity_id=attempt.identity_id,
                   user_id=attempt.user_id, place=place, reward=stage.reward)
        for place, attempt in enumerate(chosen, start=1)
    ])
    stage.winners_drawn_at = timezone.now()
    stage.candidates_digest = digest
    stage.save(update_fields=["winners_drawn_at", "candidates_digest", "updated_at"])
    audit_record(
        actor=actor, municipality=stage.quiz.municipality,
        action="consultations.winners_determined", target=stage,
        before={"seed_commitment": stage.seed_commitment},
        after={"rule": stage.winner_rule, "seed": stage.seed,
               "seed_commitment": stage.seed_commitment, "candidates_digest": digest,
               "winners": [a.public_code for a in chosen], "reward": stage.reward},
    )
    if chosen:
        from django.contrib.auth import get_user_model

        notify(
            kind="consultations.quiz_reward",
            recipients=get_user_model().objects.filter(pk__in=[a.user_id for a in chosen]),
            municipality=stage.quiz.municipality,
            title=lambda: _("You are a winner of the quiz: %(title)s") % {"title": stage.quiz.title},
            body=lambda: (_("Your reward: %(reward)s") % {"reward": stage.reward} if stage.reward
            else ""),
            url=stage.get_absolute_url,
        )
    return winners
