"""Staff screens of the module in the Wagtail admin.

- Draft decisions: prepare (the text pasted or imported from a DOCX/PDF file),
  publish for discussion; after the discussion the department decides every
  proposal and publishes the summary report; moderators hide proposals.
- Surveys: the builder (sections and questions in the block editor), publishing,
  moderation of free-text answers and the official conclusion.
- Quizzes and their stages (questions with correct options in the block
  editor), publishing, and determining the winners after a stage.

Each screen shows only the staff member's own municipalities; a row of another
municipality answers 404. Every change goes through the services.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from edem.core.errors import DomainError
from edem.core.forms import add_validation_errors
from edem.municipalities.admin_scoping import (
    ALL_STAFF,
    MunicipalityRolePermissionPolicy,
    MunicipalityScopedViewSetMixin,
    municipalities_with_role,
)
from edem.municipalities.models import Organisation

from . import selectors, services
from .forms import ConclusionForm, DecisionForm, DraftAdminForm, HideForm, ReportForm
from .models import DraftDecision, FreeTextAnswer, Proposal, Quiz, QuizStage, Survey
from .rules import DEPARTMENT_ROLES

for _model, _path in ((Survey, "municipality"), (Quiz, "municipality"),
                      (QuizStage, "quiz__municipality")):
    register_permission_policy(
        _model,
        MunicipalityRolePermissionPolicy(
            _model, municipality_path=_path,
            roles_by_action={"view": ALL_STAFF, "add": ALL_STAFF, "change": ALL_STAFF},
        ),
    )


def _staff_municipalities(user, roles=ALL_STAFF):
    return municipalities_with_role(user, roles)


# --- draft decisions ---------------------------------------------------------------------


def _department_drafts(user):
    """Drafts of the departments where the person is head or executor (any municipality
    where they hold such a role, never another department's)."""
    if not getattr(user, "is_authenticated", False):
        return DraftDecision.objects.none()
    return DraftDecision.objects.filter(
        department__roles__user=user, department__roles__role__in=DEPARTMENT_ROLES)


def _draft_for(request: HttpRequest, pk: int) -> DraftDecision:
    draft = DraftDecision.objects.select_related("municipality", "department").filter(
        pk=pk, municipality__in=_staff_municipalities(request.user)).first()
    if draft is None and request.user.is_authenticated:
        # The responsible department's own staff reach its drafts too.
        draft = _department_drafts(request.user).select_related(
            "municipality", "department").filter(pk=pk).first()
    if draft is None:
        raise Http404(_("There is no such draft decision here."))
    return draft


def draft_index_view(request: HttpRequest) -> HttpResponse:
    municipalities = _staff_municipalities(request.user)
    drafts = DraftDecision.objects.filter(
        municipality__in=municipalities
    ) | _department_drafts(request.user)
    if not municipalities.exists() and not drafts.exists():
        raise Http404
    return render(request, "consultations/admin/draft_index.html", {
        "drafts": drafts.distinct().select_related("municipality", "department").order_by(
            "-created_at")[:200],
        "can_create": municipalities.exists(),
        "header_title": _("Draft decisions"),
    })


def draft_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Prepare a draft: details, and the text pasted or taken from a DOCX/PDF file."""
    municipalities = _staff_municipalities(request.user)
    draft = _draft_for(request, pk) if pk else None
    if draft is not None and not request.user.has_perm(
            "consultations.change_draftdecision", draft):
        raise Http404
    if not municipalities.exists():
        raise Http404
    departments = Organisation.objects.filter(
        municipality__in=[draft.municipality] if draft else municipalities)
    form = DraftAdminForm(request.POST or None, request.FILES or None, instance=draft,
                          departments=departments)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in DraftAdminForm.Meta.fields}
        department = data["department"]
        try:
            saved = services.draft_save(
                actor=request.user, municipality=department.municipality, data=data,
                draft=draft, text=form.cleaned_data["text"],
                document=form.cleaned_data["document"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The draft decision is saved."))
            return redirect("consultations_admin:draft_manage", pk=saved.pk)
    return render(request, "consultations/admin/draft_edit.html", {
        "form": form, "draft": draft,
        "paragraphs": list(draft.paragraphs.order_by("position")) if draft else [],
        "header_title": draft.title if draft else _("New draft decision"),
    })


def draft_manage_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish; then decide every proposal and publish the summary report."""
    draft = _draft_for(request, pk)
    report_form = ReportForm(prefix="report")
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "publish":
                services.draft_publish(actor=request.user, draft=draft)
                messages.success(request, _("The draft is published for discussion."))
            elif step == "decide":
                proposal = draft.proposals.get(pk=request.POST.get("proposal"))
                decision_form = DecisionForm(request.POST, prefix=f"p{proposal.pk}")
                if decision_form.is_valid():
                    services.proposal_decide(actor=request.user, proposal=proposal,
                                             **decision_form.cleaned_data)
                    messages.success(request, _("The decision on proposal #%(n)d is saved.")
                                     % {"n": proposal.pk})
                else:
                    messages.error(request, _("Choose the decision and give the reasons."))
            elif step == "hide":
                proposal = draft.proposals.get(pk=request.POST.get("proposal"))
                hide_form = HideForm(request.POST, prefix=f"h{proposal.pk}")
                if hide_form.is_valid():
                    services.proposal_hide(actor=request.user, proposal=proposal,
                                           reason=hide_form.cleaned_data["reason"])
                    messages.success(request, _("The proposal is hidden."))
            elif step == "report":
                report_form = ReportForm(request.POST, prefix="report")
                if report_form.is_valid():
                    services.draft_report_publish(
                        actor=request.user, draft=draft,
                        summary=report_form.cleaned_data["summary"])
                    messages.success(request, _("The summary report is published; the "
                                                "authors of the proposals are told."))
        except Proposal.DoesNotExist as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if step in ("publish", "decide", "hide", "report") and not report_form.errors:
                return redirect("consultations_admin:draft_manage", pk=draft.pk)
        draft.refresh_from_db()
    proposals = []
    for proposal in selectors.proposal_list(draft=draft):
        if proposal.kind == Proposal.Kind.AMENDMENT:
            from .texts import diff_html

            proposal.diff = diff_html(proposal.paragraph.text, proposal.proposed_text)
        proposal.form = DecisionForm(prefix=f"p{proposal.pk}", initial={
            "decision": proposal.decision, "reason": proposal.decision_reason,
            "adopted_text": proposal.adopted_text})
        proposal.hide_form = HideForm(prefix=f"h{proposal.pk}")
        proposals.append(proposal)
    return render(request, "consultations/admin/draft_manage.html", {
        "draft": draft, "proposals": proposals, "report_form": report_form,
        "can_change": request.user.has_perm("consultations.change_draftdecision", draft),
        "can_decide": request.user.has_perm("consultations.decide_proposal", draft),
        "can_moderate": request.user.has_perm("consultations.moderate_proposal", draft),
        "header_title": draft.title,
    })


# --- surveys -----------------------------------------------------------------------------------


class SurveyForm(WagtailAdminModelForm):
    class Meta:
        model = Survey
        fields = ["municipality", "title", "description", "department", "opens_at",
                  "closes_at", "anonymous", "allow_changes", "results", "min_age",
                  "residency_required", "sections"]


class ManageColumn(Column):
    url_name = ""

    def get_value(self, instance):
        return format_html('<a href="{}">{}</a>', reverse(self.url_name, args=[instance.pk]),
                           _("publish, results, winners"))


class SurveyManageColumn(ManageColumn):
    url_name = "consultations_admin:survey_manage"


class SurveyViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    """The survey builder: sections and questions in the block editor."""

    model = Survey
    icon = "form"
    menu_label = gettext_lazy("Surveys")
    copy_view_enabled = False
    list_display = ["title", "status", "opens_at", "closes_at", "responses_count",
                    SurveyManageColumn("manage", label=gettext_lazy("actions")),
                    "municipality"]
    list_filter = ["status"]
    search_fields = ["title"]

    def get_form_class(self, for_update=False):
        return SurveyForm

    def limit_form(self, user, form, action):
        super().limit_form(user, form, action)
        form.fields["department"].queryset = Organisation.objects.filter(
            municipality__in=self.allowed_municipalities(user, action))

    def _data(self, form):
        return {n: form.cleaned_data[n] for n in SurveyForm.Meta.fields if n != "municipality"}

    def service_create(self, request, form):
        return services.survey_save(actor=request.user,
                                    municipality=form.cleaned_data["municipality"],
                                    data=self._data(form))

    def service_update(self, request, form, instance):
        stored = Survey.objects.get(pk=instance.pk)
        return services.survey_save(actor=request.user, municipality=stored.municipality,
                                    data=self._data(form), survey=stored)


def _survey_for(request: HttpRequest, pk: int, roles=ALL_STAFF) -> Survey:
    survey = Survey.objects.filter(
        pk=pk, municipality__in=_staff_municipalities(request.user, roles)).first()
    if survey is None:
        raise Http404
    return survey


def survey_manage_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the survey, moderate its free-text answers, attach the conclusion."""
    survey = _survey_for(request, pk)
    conclusion_form = ConclusionForm(prefix="c", initial={"text": survey.conclusion})
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "publish":
                services.survey_publish(actor=request.user, survey=survey)
                messages.success(request, _("The survey is published."))
            elif step in ("text_publish", "text_hide"):
                answer = survey.free_texts.get(pk=request.POST.get("answer"))
                services.free_text_moderate(actor=request.user, answer=answer,
                                            publish=step == "text_publish")
                messages.success(request, _("The answer is moderated."))
            elif step == "conclusion":
                conclusion_form = ConclusionForm(request.POST, prefix="c")
                if conclusion_form.is_valid():
                    services.survey_conclusion_publish(
                        actor=request.user, survey=survey,
                        text=conclusion_form.cleaned_data["text"])
                    messages.success(request, _("The conclusion is published."))
        except FreeTextAnswer.DoesNotExist as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("consultations_admin:survey_manage", pk=survey.pk)
    return render(request, "consultations/admin/survey_manage.html", {
        "survey": survey, "conclusion_form": conclusion_form,
        "pending": survey.free_texts.filter(status=FreeTextAnswer.Status.PENDING)[:200],
        "can_moderate": request.user.has_perm("consultations.moderate_freetextanswer",
                                              survey),
        "header_title": survey.title,
    })


RESPONSES_PAGE_SIZE = 50


def survey_responses_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Individual responses for staff: named ones with the name, anonymous ones numbered."""
    survey = _survey_for(request, pk)
    page = Paginator(selectors.staff_response_list(survey=survey),
                     RESPONSES_PAGE_SIZE).get_page(request.GET.get("page"))
    first = (page.number - 1) * RESPONSES_PAGE_SIZE
    for offset, response in enumerate(page.object_list, start=1):
        response.number = first + offset
        response.label = selectors.respondent_label(survey, response, response.number)
    return render(request, "consultations/admin/survey_responses.html", {
        "survey": survey, "page": page, "header_title": survey.title,
    })


def survey_response_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One response with every answer, free text included (moderated or not)."""
    survey = _survey_for(request, pk)
    found = list(selectors.staff_response_list(survey=survey)[number - 1:number]) \
        if number >= 1 else []
    if not found:
        raise Http404
    response = found[0]
    return render(request, "consultations/admin/survey_response.html", {
        "survey": survey, "response": response, "number": number,
        "label": selectors.respondent_label(survey, response, number),
        "answers": selectors.staff_response_answers(survey=survey, response=response),
        "header_title": survey.title,
    })


def survey_responses_csv_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Every individual response as CSV (names only for a named survey); audited."""
    survey = _survey_for(request, pk)
    services.survey_responses_exported(actor=request.user, survey=survey)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="survey-{survey.pk}-responses.csv"')
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in selectors.staff_response_rows(survey=survey):
        writer.writerow([_csv_safe(cell) for cell in row])
    return response


def _csv_safe(value) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


# --- quizzes ------------------------------------------------------------------------------------


class QuizForm(WagtailAdminModelForm):
    class Meta:
        model = Quiz
        fields = ["municipality", "title", "description", "min_age", "residency_required"]


class QuizManageColumn(ManageColumn):
    url_name = "consultations_admin:quiz_manage"


class QuizViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Quiz
    icon = "pick"
    menu_label = gettext_lazy("Quizzes")
    copy_view_enabled = False
    list_display = ["title", "status", QuizManageColumn("manage", label=gettext_lazy("actions")),
                    "municipality"]

    def get_form_class(self, for_update=False):
        return QuizForm

    def _data(self, form):
        return {n: form.cleaned_data[n] for n in QuizForm.Meta.fields if n != "municipality"}

    def service_create(self, request, form):
        return services.quiz_save(actor=request.user,
                                  municipality=form.cleaned_data["municipality"],
                                  data=self._data(form))

    def service_update(self, request, form, instance):
        stored = Quiz.objects.get(pk=instance.pk)
        return services.quiz_save(actor=request.user, municipality=stored.municipality,
                                  data=self._data(form), quiz=stored)


class StageForm(WagtailAdminModelForm):
    class Meta:
        model = QuizStage
        fields = list(services.STAGE_FIELDS)


class QuizStageViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    """Stages with their own dates and questions (correct options, points)."""

    model = QuizStage
    municipality_path = "quiz__municipality"
    icon = "list-ol"
    menu_label = gettext_lazy("Quiz stages")
    copy_view_enabled = False
    list_display = ["title", "quiz", "number", "opens_at", "closes_at", "winner_rule"]

    def get_form_class(self, for_update=False):
        return StageForm

    def limit_form(self, user, form, action):
        form.fields["quiz"].queryset = Quiz.objects.filter(
            municipality__in=self.allowed_municipalities(user, action))

    def _data(self, form):
        return {n: form.cleaned_data[n] for n in StageForm.Meta.fields}

    def service_create(self, request, form):
        return services.stage_save(actor=request.user, data=self._data(form))

    def service_update(self, request, form, instance):
        return services.stage_save(actor=request.user, data=self._data(form),
                                   stage=QuizStage.objects.get(pk=instance.pk))


def quiz_manage_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the quiz; after each stage determine its winners."""
    quiz = Quiz.objects.filter(
        pk=pk, municipality__in=_staff_municipalities(request.user)).first()
    if quiz is None:
        raise Http404
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "publish":
                services.quiz_publish(actor=request.user, quiz=quiz)
                messages.success(request, _("The quiz is published."))
            elif step == "winners":
                stage = quiz.stages.get(pk=request.POST.get("stage"))
                winners = services.stage_winners_determine(actor=request.user, stage=stage)
                messages.success(request, _("%(n)d winners are determined and told; the seed "
                                            "is revealed.") % {"n": len(winners)})
        except QuizStage.DoesNotExist as exc:
            raise Http404 from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("consultations_admin:quiz_manage", pk=quiz.pk)
    stages = list(quiz.stages.order_by("number"))
    for stage in stages:
        stage.participants = len(selectors.best_attempts(stage=stage))
    return render(request, "consultations/admin/quiz_manage.html", {
        "quiz": quiz, "stages": stages, "header_title": quiz.title,
    })


class ConsultationsGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Consultations")
    menu_icon = "form"
    menu_order = 250
    items = (
        SurveyViewSet("consultations_survey"),
        QuizViewSet("consultations_quiz"),
        QuizStageViewSet("consultations_stage"),
    )


@hooks.register("register_admin_viewset")
def register_consultation_screens():
    return ConsultationsGroup()


@hooks.register("register_admin_urls")
def register_urls():
    urls = [
        path("drafts/", draft_index_view, name="draft_index"),
        path("drafts/new/", draft_edit_view, name="draft_create"),
        path("drafts/<int:pk>/edit/", draft_edit_view, name="draft_edit"),
        path("drafts/<int:pk>/", draft_manage_view, name="draft_manage"),
        path("surveys/<int:pk>/manage/", survey_manage_view, name="survey_manage"),
        path("surveys/<int:pk>/responses/", survey_responses_view, name="survey_responses"),
        path("surveys/<int:pk>/responses/<int:number>/", survey_response_view,
             name="survey_response"),
        path("surveys/<int:pk>/responses.csv", survey_responses_csv_view,
             name="survey_responses_csv"),
        path("quizzes/<int:pk>/manage/", quiz_manage_view, name="quiz_manage"),
    ]
    return [path("consultations/", (urls, "consultations_admin", "consultations_admin"))]


class _DraftsMenuItem(MenuItem):
    def is_shown(self, request):
        return _staff_municipalities(request.user).exists() or (
            request.user.is_authenticated
            and _department_drafts(request.user).exists()
        )


@hooks.register("register_admin_menu_item")
def drafts_menu_item():
    return _DraftsMenuItem(gettext_lazy("Draft decisions"),
                           reverse("consultations_admin:draft_index"), icon_name="doc-full",
                           order=249)

