"""Wagtail blocks of the survey and quiz builders.

Staff compose a survey from sections of questions and a quiz stage from
questions with correct options, in the Wagtail admin's block editor. A
question's code names it in conditions, answers and the CSV export.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


class QuestionKind:
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    RANKING = "ranking"
    TEXT = "text"
    POINT = "point"

    CHOICES = [
        (SINGLE, _("single choice")),
        (MULTIPLE, _("multiple choice")),
        (SCALE, _("scale")),
        (RANKING, _("ranking")),
        (TEXT, _("free text")),
        (POINT, _("point on the map")),
    ]
    WITH_OPTIONS = frozenset({SINGLE, MULTIPLE, RANKING})


class SurveyQuestionBlock(blocks.StructBlock):
    code = blocks.CharBlock(
        label=_("code"), max_length=50,
        help_text=_("Short unique name in Latin letters, e.g. transport_mode. "
                    "Used in conditions and in the CSV export."),
    )
    text = blocks.CharBlock(label=_("question"), max_length=500)
    help = blocks.CharBlock(label=_("hint"), max_length=500, required=False)
    kind = blocks.ChoiceBlock(label=_("type"), choices=QuestionKind.CHOICES,
                              default=QuestionKind.SINGLE)
    required = blocks.BooleanBlock(label=_("an answer is required"), required=False,
                                   default=True)
    options = blocks.ListBlock(
        blocks.CharBlock(label=_("option"), max_length=200), label=_("options"),
        required=False, default=[],
        help_text=_("For single choice, multiple choice and ranking."),
    )
    min_choices = blocks.IntegerBlock(label=_("multiple choice: at least"), required=False,
                                      min_value=0)
    max_choices = blocks.IntegerBlock(label=_("multiple choice: at most"), required=False,
                                      min_value=1)
    scale_min = blocks.IntegerBlock(label=_("scale from"), required=False, default=1)
    scale_max = blocks.IntegerBlock(label=_("scale to"), required=False, default=5)
    scale_min_label = blocks.CharBlock(label=_("label of the lowest value"), required=False,
                                       max_length=100)
    scale_max_label = blocks.CharBlock(label=_("label of the highest value"),
                                       required=False, max_length=100)
    show_if_question = blocks.CharBlock(
        label=_("show only if the question with code"), required=False, max_length=50,
        help_text=_("An earlier single or multiple choice question."),
    )
    show_if_answer = blocks.CharBlock(
        label=_("was answered with the option"), required=False, max_length=200,
    )

    class Meta:
        icon = "help"
        label = _("Question")

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        if not CODE_PATTERN.match(value["code"] or ""):
            errors["code"] = ValidationError(
                _("Use Latin lowercase letters, digits and _, starting with a letter.")
            )
        options = [o for o in value["options"] if o]
        kind = value["kind"]
        if kind in QuestionKind.WITH_OPTIONS and len(options) < 2:
            errors["options"] = ValidationError(_("Give at least two options."))
        if len(set(options)) != len(options):
            errors["options"] = ValidationError(_("Options must differ from each other."))
        low, high = value["min_choices"], value["max_choices"]
        if kind == QuestionKind.MULTIPLE and low and high and low > high:
            errors["min_choices"] = ValidationError(_("The minimum is above the maximum."))
        if kind == QuestionKind.MULTIPLE and high and high > len(options):
            errors["max_choices"] = ValidationError(
                _("The maximum is above the number of options.")
            )
        if kind == QuestionKind.SCALE:
            smin, smax = value["scale_min"], value["scale_max"]
            if smin is None or smax is None or smin >= smax or smax - smin > 20:
                errors["scale_max"] = ValidationError(
                    _("The scale needs a lower and a higher end, at most 20 steps apart.")
                )
        if bool(value["show_if_question"]) != bool(value["show_if_answer"]):
            errors["show_if_answer"] = ValidationError(
                _("Give both the question code and the option, or neither.")
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class SurveySectionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("section title"), max_length=200)
    intro = blocks.TextBlock(label=_("introduction"), required=False)
    questions = blocks.ListBlock(SurveyQuestionBlock(), label=_("questions"))

    class Meta:
        icon = "list-ol"
        label = _("Section")


class QuizOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("option"), max_length=300)
    correct = blocks.BooleanBlock(label=_("correct"), required=False)

    class Meta:
        icon = "tick"


class QuizQuestionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("question"), max_length=500)
    multiple = blocks.BooleanBlock(
        label=_("several correct options"), required=False,
        help_text=_("The answer scores only when exactly the correct options are chosen."),
    )
    points = blocks.IntegerBlock(label=_("points"), min_value=0, default=1)
    options = blocks.ListBlock(QuizOptionBlock(), label=_("options"))
    explanation = blocks.TextBlock(
        label=_("explanation (shown after the stage closes)"), required=False
    )

    class Meta:
        icon = "help"
        label = _("Question")

    def clean(self, value):
        value = super().clean(value)
        options = list(value["options"])
        correct = [o for o in options if o["correct"]]
        errors = {}
        if len(options) < 2:
            errors["options"] = ValidationError(_("Give at least two options."))
        elif not correct:
            errors["options"] = ValidationError(_("Mark at least one option correct."))
        elif len(correct) > 1 and not value["multiple"]:
            errors["multiple"] = ValidationError(
                _("Several options are marked correct: tick “several correct options”.")
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value
