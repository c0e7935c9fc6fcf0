"""A survey's questions as plain objects: structure checks, conditions, answer parsing.

Answers are stored by question code: an option's index for single choice, a
list of indices for multiple choice, the ranked list of indices for ranking,
a number for a scale, the text, or ``[lat, lon]`` for a map point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .blocks import QuestionKind

TEXT_MAX_LENGTH = 2000


class AnswerError(ValueError):
    """A respondent's answer to one question is not acceptable; the message says why."""


@dataclass(frozen=True)
class Question:
    section: int
    number: int
    code: str
    text: str
    help: str
    kind: str
    required: bool
    options: tuple[str, ...] = ()
    min_choices: int | None = None
    max_choices: int | None = None
    scale_min: int = 1
    scale_max: int = 5
    scale_min_label: str = ""
    scale_max_label: str = ""
    show_if_question: str = ""
    show_if_answer: str = ""

    @property
    def scale_values(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))

    @property
    def rank_positions(self) -> list[int]:
        return list(range(1, len(self.options) + 1))


@dataclass(frozen=True)
class Section:
    index: int
    title: str
    intro: str
    questions: tuple[Question, ...] = field(default_factory=tuple)


def structure(stream) -> list[Section]:
    """The sections and questions of a survey's StreamField, numbered 1..N throughout."""
    sections = []
    number = 0
    for index, child in enumerate(stream or ()):
        value = child.value
        questions = []
        for q in value["questions"]:
            number += 1
            questions.append(
                Question(
                    section=index, number=number, code=q["code"], text=q["text"],
                    help=q.get("help") or "", kind=q["kind"], required=bool(q["required"]),
                    options=tuple(o for o in q["options"] if o),
                    min_choices=q.get("min_choices"), max_choices=q.get("max_choices"),
                    scale_min=q.get("scale_min") if q.get("scale_min") is not None else 1,
                    scale_max=q.get("scale_max") if q.get("scale_max") is not None else 5,
                    scale_min_label=q.get("scale_min_label") or "",
                    scale_max_label=q.get("scale_max_label") or "",
                    show_if_question=q.get("show_if_question") or "",
                    show_if_answer=q.get("show_if_answer") or "",
                )
            )
        sections.append(Section(index, value["title"], value.get("intro") or "",
                                tuple(questions)))
    return sections


def all_questions(sections: list[Section]) -> list[Question]:
    return [q for s in sections for q in s.questions]


def structure_errors(sections: list[Section]) -> list[str]:
    """What makes the survey unanswerable: duplicate codes and broken conditions."""
    errors = []
    seen: dict[str, Question] = {}
    for q in all_questions(sections):
        if q.code in seen:
            errors.append(_("Question code “%(code)s” is used twice.") % {"code": q.code})
        if q.show_if_question:
            source = seen.get(q.show_if_question)
            if source is None:
                errors.append(
                    _("Question %(n)d depends on “%(code)s”, which is not an earlier "
                      "question.") % {"n": q.number, "code": q.show_if_question}
                )
            elif source.kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                errors.append(
                    _("Question %(n)d may only depend on a single or multiple choice "
                      "question.") % {"n": q.number}
                )
            elif q.show_if_answer not in source.options:
                errors.append(
                    _("Question %(n)d depends on the option “%(option)s”, which question "
                      "“%(code)s” does not offer.")
                    % {"n": q.number, "option": q.show_if_answer, "code": source.code}
                )
        seen.setdefault(q.code, q)
    return errors


def condition_source(question: Question, sections: list[Section]) -> Question | None:
    if not question.show_if_question:
        return None
    for q in all_questions(sections):
        if q.code == question.show_if_question:
            return q
    return None


def is_shown(question: Question, answers: Mapping[str, Any], sections: list[Section]) -> bool:
    """A conditional question is asked only when its condition's option was chosen."""
    source = condition_source(question, sections)
    if source is None:
        return True
    if not is_shown(source, answers, sections):
        return False
    try:
        wanted = source.options.index(question.show_if_answer)
    except ValueError:
        return False
    given = answers.get(source.code)
    if isinstance(given, list):
        return wanted in given
    return given == wanted


def is_answered(value: Any) -> bool:
    return value not in (None, "", [], {})


def _int(raw: Any) -> int:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError) as exc:
        raise AnswerError(_("Choose one of the offered answers.")) from exc


def parse_answer(question: Question, raw: Any, *, boundary_check=None) -> Any:
    """Turn the raw input of one question into its stored value (None: no answer).

    ``raw`` is a string, a list of strings (multiple choice), a list of ranks
    (ranking: the rank given to each option in order) or ``(lat, lon)``.
    """
    kind = question.kind
    if kind == QuestionKind.SINGLE:
        if raw in (None, ""):
            return None
        index = _int(raw)
        if not 0 <= index < len(question.options):
            raise AnswerError(_("Choose one of the offered answers."))
        return index
    if kind == QuestionKind.MULTIPLE:
        values = [v for v in (raw or []) if v not in (None, "")]
        indices = sorted({_int(v) for v in values})
        if any(not 0 <= i < len(question.options) for i in indices):
            raise AnswerError(_("Choose among the offered answers."))
        if not indices:
            return None
        if question.min_choices and len(indices) < question.min_choices:
            raise AnswerError(_("Choose at least %(n)d answers.") % {"n": question.min_choices})
        if question.max_choices and len(indices) > question.max_choices:
            raise AnswerError(_("Choose at most %(n)d answers.") % {"n": question.max_choices})
        return indices
    if kind == QuestionKind.SCALE:
        if raw in (None, ""):
            return None
        value = _int(raw)
        if not question.scale_min <= value <= question.scale_max:
            raise AnswerError(
                _("Choose a value from %(low)d to %(high)d.")
                % {"low": question.scale_min, "high": question.scale_max}
            )
        return value
    if kind == QuestionKind.RANKING:
        ranks = list(raw or [])
        if all(r in (None, "") for r in ranks):
            return None
        count = len(question.options)
        try:
            numbers = [int(r) for r in ranks]
        except (TypeError, ValueError) as exc:
            raise AnswerError(_("Give every option a different place.")) from exc
        if len(numbers) != count or sorted(numbers) != list(range(1, count + 1)):
            raise AnswerError(
                _("Give every option a different place from 1 to %(n)d.") % {"n": count}
            )
        # Stored as the options in ranked order, first place first.
        return [index for _rank, index in sorted(zip(numbers, range(count), strict=True))]
    if kind == QuestionKind.TEXT:
        text = str(raw or "").strip()
        if not text:
            return None
        if len(text) > TEXT_MAX_LENGTH:
            raise AnswerError(
                _("An answer may have at most %(n)d characters.") % {"n": TEXT_MAX_LENGTH}
            )
        return text
    if kind == QuestionKind.POINT:
        lat_raw, lon_raw = (raw or ("", ""))[:2] if raw else ("", "")
        if lat_raw in (None, "") and lon_raw in (None, ""):
            return None
        try:
            lat, lon = Decimal(str(lat_raw).strip()), Decimal(str(lon_raw).strip())
        except InvalidOperation as exc:
            raise AnswerError(_("Give the point's latitude and longitude as numbers.")) from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise AnswerError(_("The point is outside the map."))
        if boundary_check is not None and not boundary_check(lat, lon):
            raise AnswerError(_("The point is outside the municipality."))
        return [float(round(lat, 6)), float(round(lon, 6))]
    raise AnswerError(_("This question cannot be answered."))


def raw_from_post(question: Question, data) -> Any:
    """Read one question's raw input from a submitted form (a QueryDict or a dict)."""
    name = f"q_{question.code}"
    getlist = getattr(data, "getlist", None)
    if question.kind == QuestionKind.MULTIPLE:
        if getlist:
            return getlist(name)
        value = data.get(name)
        return value if isinstance(value, list) else ([value] if value else [])
    if question.kind == QuestionKind.RANKING:
        return [data.get(f"{name}_{i}", "") for i in range(len(question.options))]
    if question.kind == QuestionKind.POINT:
        return (data.get(f"{name}_lat", ""), data.get(f"{name}_lon", ""))
    return data.get(name, "")


def answer_label(question: Question, value: Any) -> str:
    """A stored answer as text (for the CSV export and the respondent's summary)."""
    if value is None:
        return ""
    if question.kind == QuestionKind.SINGLE:
        return question.options[value] if 0 <= value < len(question.options) else ""
    if question.kind in (QuestionKind.MULTIPLE, QuestionKind.RANKING):
        return "; ".join(question.options[i] for i in value if 0 <= i < len(question.options))
    if question.kind == QuestionKind.POINT:
        return f"{value[0]},{value[1]}"
    return str(value)
