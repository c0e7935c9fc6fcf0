"""Who may take part, where: ``eligibility_check``.

Every participation service asks it before a citizen signs, votes, proposes or
reports. The rules, in the order they are checked:

1. Reading and following are open to every account; any other action needs a
   verified identity (BankID, a qualified e-signature or Diia).
2. A legal entity's key may log in but takes no citizen action.
3. The way the person logged in must be one the municipality (and the
   process) accepts.
4. The person must have reached the minimum age on the day of the action.
5. Where residency is required, the locality code of the verified address must
   lie in the municipality (its KATOTTH or older KOATUU codes), or staff must
   have confirmed residency from a document, valid on that day.

The municipality's ``EligibilityPolicy`` sets the rules; a process may only
narrow them: the higher minimum age, residency if either asks for it, and only
the authentication methods both accept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import EligibilityPolicy, Identity, ResidencyConfirmation

OPEN_ACTIONS = frozenset({"read", "follow"})

# Level widths of the hierarchical part of the codes: KATOTTH "UA" + 12 digits
# (+ 5 unique digits), KOATUU 10 digits.
_KATOTTH_LEVELS = (2, 2, 3, 3, 2)
_KOATUU_LEVELS = (2, 1, 2, 3, 2)
_KATOTTH_FULL = re.compile(r"^UA\d{17}$")
_KOATUU_FULL = re.compile(r"^\d{10}$")


@dataclass(frozen=True)
class Eligibility:
    """The answer: ``allowed``, or not and ``reason`` in the user's language."""

    allowed: bool
    reason: str = ""
    code: str = "ok"

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class EffectivePolicy:
    """The municipality's policy narrowed by a process."""

    residency_required: bool
    min_age: int
    # None: every method; an empty set: none (the two lists do not overlap).
    accepted_auth_methods: frozenset[str] | None


def _strip_levels(digits: str, widths: tuple[int, ...]) -> str:
    parts, pos = [], 0
    for width in widths:
        parts.append(digits[pos : pos + width])
        pos += width
    while parts and set(parts[-1]) <= {"0"}:
        parts.pop()
    return "".join(parts)


def locality_prefix(code: str) -> str:
    """The prefix a municipality's code stands for.

    A full KATOTTH code of a community (``UA18040470000022614``) stands for all
    its settlements (``UA1804047``); so does a full KOATUU code with trailing
    zero levels. Anything shorter is taken as a prefix as written.
    """
    code = re.sub(r"\s+", "", str(code or "")).upper()
    if _KATOTTH_FULL.match(code):
        return "UA" + _strip_levels(code[2:14], _KATOTTH_LEVELS)
    if _KOATUU_FULL.match(code):
        return _strip_levels(code, _KOATUU_LEVELS)
    return code


def locality_in(code: str, municipality_codes: Iterable[str]) -> bool:
    """True when a verified locality ``code`` lies within one of the codes."""
    code = (code or "").strip().upper()
    if not code:
        return False
    for entry in municipality_codes or ():
        prefix = locality_prefix(entry)
        # A bare "UA" or empty entry would make everybody a resident.
        if len(prefix) >= 2 and prefix != "UA" and code.startswith(prefix):
            return True
    return False


def age_on(birth_date: dt.date, day: dt.date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def _birthday(birth_date: dt.date, age: int) -> dt.date:
    year = birth_date.year + age
    try:
        return birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 3, 1)


def effective_policy(policy: EligibilityPolicy, process=None) -> EffectivePolicy:
    """Narrow ``policy`` by ``process`` (the stricter value of each rule)."""
    residency = bool(policy.residency_required)
    min_age = int(policy.min_age or 0)
    methods = frozenset(policy.accepted_auth_methods or ()) or None
    if process is not None:
        if process.residency_required:
            residency = True
        if process.min_age is not None:
            min_age = max(min_age, int(process.min_age))
        process_methods = frozenset(process.accepted_auth_methods or ()) or None
        if process_methods is not None:
            methods = process_methods if methods is None else methods & process_methods
    return EffectivePolicy(residency, min_age, methods)


def _day_of(municipality, on) -> dt.date:
    if on is None:
        return municipality.local_today()
    if isinstance(on, dt.datetime):
        if timezone.is_aware(on):
            return on.astimezone(municipality.tz).date()
        return on.date()
    return on


def _method_names(methods: Iterable[str]) -> str:
    labels = dict(Identity.AuthMethod.choices)
    return ", ".join(str(labels.get(m, m)) for m in sorted(methods))


def evaluate(
    identity: Identity | None,
    municipality,
    action: str,
    *,
    policy: EffectivePolicy,
    day: dt.date,
    residency_confirmed: bool | None = None,
) -> Eligibility:
    """The rules applied to one person; ``residency_confirmed`` None = look it up."""
    if action in OPEN_ACTIONS:
        return Eligibility(True)
    if identity is None:
        return Eligibility(
            False,
            _("Log in with BankID, a qualified e-signature or Diia to take part."),
            "no_identity",
        )
    if identity.is_legal_entity:
        return Eligibility(
            False,
            _(
                "You logged in with a legal entity's key. Only a person can take "
                "part: log in with your personal key, BankID or Diia."
            ),
            "legal_entity",
        )
    accepted = policy.accepted_auth_methods
    if accepted is not None and identity.auth_method not in accepted:
        if not accepted:
            reason = _("Nobody can take part here: no login method is accepted.")
        else:
            reason = _(
                "Here you can take part only after logging in with %(methods)s."
            ) % {"methods": _method_names(accepted)}
        return Eligibility(False, reason, "auth_method")
    if policy.min_age:
        if identity.birth_date is None:
            return Eligibility(
                False,
                _(
                    "Your identity provider did not share your birth date, so we "
                    "cannot check the minimum age of %(age)d."
                )
                % {"age": policy.min_age},
                "birth_date_unknown",
            )
        if age_on(identity.birth_date, day) < policy.min_age:
            return Eligibility(
                False,
                _(
                    "Only people aged %(age)d or older can take part here. "
                    "You can from %(date)s."
                )
                % {
                    "age": policy.min_age,
                    "date": date_format(
                        _birthday(identity.birth_date, policy.min_age), "DATE_FORMAT"
                    ),
                },
                "too_young",
            )
    if policy.residency_required and not locality_in(
        identity.locality_code, municipality.locality_codes
    ):
        if residency_confirmed is None:
            residency_confirmed = (
                ResidencyConfirmation.objects.active(day)
                .filter(identity=identity, municipality=municipality)
                .exists()
            )
        if not residency_confirmed:
            return Eligibility(
                False,
                _(
                    "Only residents of %(municipality)s can take part here, and "
                    "your verified address is elsewhere. If you live here, the "
                    "municipality's staff can confirm your residency from a "
                    "document."
                )
                % {"municipality": municipality.name},
                "not_resident",
            )
    return Eligibility(True)


def eligibility_check(
    identity: Identity | None,
    municipality,
    action: str,
    *,
    process=None,
    on: dt.date | dt.datetime | None = None,
) -> Eligibility:
    """May this person take ``action`` in ``municipality`` (in ``process``) on ``on``?

    ``on`` defaults to today in the municipality's time zone.
    """
    day = _day_of(municipality, on)
    if action in OPEN_ACTIONS or identity is None:
        # No policy is needed to answer these two.
        return evaluate(
            identity, municipality, action,
            policy=EffectivePolicy(False, 0, None), day=day,
        )
    policy = effective_policy(EligibilityPolicy.for_municipality(municipality), process)
    return evaluate(identity, municipality, action, policy=policy, day=day)
