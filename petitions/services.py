"""Every write and state change of the module: <entity>_<verb>(*, actor, ...).

The lifecycle (see ``models.TRANSITIONS``): the author writes a draft and
submits it; a moderator approves it (signing opens, the statute is copied
onto the petition) or rejects it with a reason; the author may withdraw it
before publication. A collecting petition reaches the threshold (the answer
deadline starts) or expires at the end of the period; an official takes it
into consideration and answers. Steps of staff and of the system are in the
audit log; authors, signers and followers are told.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import random
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edem.accounts.eligibility import (
    EffectivePolicy,
    effective_policy,
    eligibility_check,
    evaluate,
)
from edem.accounts.models import EligibilityPolicy
from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.core.transitions import check_transition
from edem.core.uploads import clean_image
from edem.core.worker_cache import WorkerCache
from edem.municipalities.calendar import WorkingCalendar
from edem.municipalities.models import Municipality, MunicipalityRole
from edem.notifications.services import notify
from edem.participation.audit import audit_record
from edem.participation.permissions import require

from .models import (
    COUNTER_SHARDS,
    SIGNABLE_STATUSES,
    TRANSITIONS,
    Addressee,
    Petition,
    PetitionAttachment,
    PetitionCounter,
    PetitionSettings,
    Signature,
    SignatureInvalidation,
)
from .selectors import forget_signing_petition

logger = logging.getLogger(__name__)

Status = Petition.Status

MAX_ATTACHMENTS = 5
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Markup of any kind: the text is shown as plain text and never rewritten, so
# anything that looks like HTML is refused instead of silently escaped away.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|javascript\s*:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RateLimited(DomainError):
    """Too many signatures from one address or session within a minute."""

    status_code = 429
    code = "rate_limited"


@dataclass(frozen=True)
class StatutePolicy:
    """The statute's eligibility rules, narrowing the municipality's policy."""

    min_age: int | None
    residency_required: bool | None
    accepted_auth_methods: list[str]


# --- helpers ----------------------------------------------------------------


def statute_for(municipality: Municipality) -> PetitionSettings:
    return PetitionSettings.for_municipality(municipality)


def _policy(source: PetitionSettings | Petition) -> StatutePolicy:
    return StatutePolicy(
        min_age=source.min_age,
        residency_required=source.residents_only,
        accepted_auth_methods=list(source.accepted_auth_methods or []),
    )


def _require_eligible(actor, municipality, action: str, policy: StatutePolicy, at=None):
    result = eligibility_check(
        actor.identity, municipality, action, process=policy, on=at
    )
    if not result.allowed:
        raise PermissionRefused(result.reason, code=result.code)


def _frozen_policy(petition: Petition) -> EffectivePolicy:
    """Who may sign a published petition: the policy copied onto it at publication."""
    return EffectivePolicy(
        residency_required=petition.residents_only,
        min_age=petition.min_age,
        accepted_auth_methods=frozenset(petition.accepted_auth_methods or ()) or None,
    )


def _signing_eligibility(identity, petition: Petition, at: dt.datetime | None = None):
    municipality = petition.municipality
    day = (at or timezone.now()).astimezone(municipality.tz).date()
    return evaluate(
        identity, municipality, "petition.sign", policy=_frozen_policy(petition), day=day
    )


def eligibility_for(actor, petition: Petition, action: str = "petition.sign"):
    """The eligibility answer shown next to the sign button (no exception)."""
    identity = getattr(actor, "identity", None) if actor.is_authenticated else None
    if petition.published_at and action == "petition.sign":
        return _signing_eligibility(identity, petition)
    policy = _policy(statute_for(petition.municipality))
    return eligibility_check(identity, petition.municipality, action, process=policy)


def eligibility_to_create(actor, municipality: Municipality):
    """The eligibility answer shown above the petition form (no exception)."""
    identity = getattr(actor, "identity", None) if actor.is_authenticated else None
    return eligibility_check(
        identity, municipality, "petition.create", process=_policy(statute_for(municipality))
    )


def _clean_text(
    statute: PetitionSettings, *, title: str, text: str, category: str, addressee: str
) -> dict[str, str]:
    """Validate the author's fields; every problem is reported, nothing is rewritten."""
    title = (title or "").strip()
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors.setdefault("title", []).append(_("Write a title."))
    elif len(title) > statute.title_max_length:
        errors.setdefault("title", []).append(
            ngettext(
                "The title may have at most %(n)d character (now %(len)d).",
                "The title may have at most %(n)d characters (now %(len)d).",
                statute.title_max_length,
            ) % {"n": statute.title_max_length, "len": len(title)}
        )
    if not text:
        errors.setdefault("text", []).append(_("Write the text of the petition."))
    elif len(text) < statute.text_min_length:
        errors.setdefault("text", []).append(
            ngettext(
                "The text must have at least %(n)d character (now %(len)d).",
                "The text must have at least %(n)d characters (now %(len)d).",
                statute.text_min_length,
            ) % {"n": statute.text_min_length, "len": len(text)}
        )
    elif len(text) > statute.text_max_length:
        errors.setdefault("text", []).append(
            ngettext(
                "The text may have at most %(n)d character (now %(len)d).",
                "The text may have at most %(n)d characters (now %(len)d).",
                statute.text_max_length,
            ) % {"n": statute.text_max_length, "len": len(text)}
        )
    for name, value in (("title", title), ("text", text)):
        if _MARKUP.search(value) or _CONTROL.search(value):
            errors.setdefault(name, []).append(
                _("Use plain text only: HTML tags and scripts are not allowed.")
            )
    if category not in (statute.categories or []):
        errors.setdefault("category", []).append(_("Choose a category from the list."))
    if addressee not in (statute.addressees or []) or addressee not in Addressee.values:
        errors.setdefault("addressee", []).append(_("Choose an addressee from the list."))
    if errors:
        raise ValidationError(errors)
    return {"title": title, "text": text, "category": category, "addressee": addressee}


def _store_attachments(
    petition: Petition, uploads: Sequence, *, is_answer: bool
) -> list[PetitionAttachment]:
    """Images are re-encoded without metadata; other files must be PDF documents."""
    existing = petition.attachments.filter(is_answer=is_answer).count()
    if existing + len(uploads) > MAX_ATTACHMENTS:
        raise DomainError(
            ngettext(
                "At most %(n)d attachment may be added.",
                "At most %(n)d attachments may be added.",
                MAX_ATTACHMENTS,
            ) % {"n": MAX_ATTACHMENTS}
        )
    stored = []
    for upload in uploads:
        head = upload.read(5)
        upload.seek(0)
        title = str(getattr(upload, "name", ""))[:200]
        if head == b"%PDF-":
            if upload.size > MAX_DOCUMENT_BYTES:
                raise DomainError(
                    _("The document is too large: at most %(mb)d MB.")
                    % {"mb": MAX_DOCUMENT_BYTES // 2**20}
                )
            content = ContentFile(upload.read(), name=f"{_random_name()}.pdf")
            kind = PetitionAttachment.Kind.DOCUMENT
        else:
            content = clean_image(upload)
            kind = PetitionAttachment.Kind.IMAGE
        attachment = PetitionAttachment(
            petition=petition, kind=kind, title=title, is_answer=is_answer
        )
        attachment.file.save(content.name, content, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _random_name() -> str:
    return uuid.uuid4().hex


def _calendar(municipality: Municipality) -> WorkingCalendar:
    return WorkingCalendar(municipality)


def _snapshot(petition: Petition) -> dict[str, Any]:
    return {"status": petition.status}


def _signer_accounts(petition: Petition):
    from django.contrib.auth import get_user_model

    ids = Signature.objects.filter(
        petition=petition, invalidated_at__isnull=True
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=ids)


def _followers(petition: Petition):
    from edem.participation.selectors import follower_list

    return follower_list(target=petition)


def _municipality_admins(municipality: Municipality):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        municipality_roles__municipality=municipality,
        municipality_roles__role=MunicipalityRole.Role.ADMIN,
    ).distinct()


def _require_author(actor, petition: Petition) -> None:
    """Author's steps are the author's alone (a platform admin holds every
    permission, but does not write or withdraw other people's petitions)."""
    if getattr(actor, "pk", None) != petition.author_id:
        raise PermissionRefused(_("Only the author can do this."))


def _locked(petition: Petition) -> Petition:
    return Petition.objects.select_for_update().select_related("municipality").get(
        pk=petition.pk
    )


# --- the author ----------------------------------------------------------------


@transaction.atomic
def petition_create(
    *,
    actor,
    municipality: Municipality,
    title: str,
    text: str,
    category: str,
    addressee: str,
    attachments: Sequence = (),
) -> Petition:
    """A verified, eligible person writes a draft; nobody else sees it yet."""
    require(actor, "petitions.add_petition", municipality)
    statute = statute_for(municipality)
    _require_eligible(actor, municipality, "petition.create", _policy(statute))
    fields = _clean_text(
        statute, title=title, text=text, category=category, addressee=addressee
    )
    petition = Petition.objects.create(
        municipality=municipality, author=actor, author_identity=actor.identity,
        status=Status.DRAFT, **fields,
    )
    _store_attachments(petition, attachments, is_answer=False)
    return petition


@transaction.atomic
def petition_update(
    *,
    actor,
    petition: Petition,
    title: str,
    text: str,
    category: str,
    addressee: str,
    attachments: Sequence = (),
) -> Petition:
    """The author changes a draft; once submitted the text is fixed."""
    require(actor, "petitions.change_petition", petition)
    _require_author(actor, petition)
    petition = _locked(petition)
    if petition.status != Status.DRAFT:
        raise DomainError(_("Only a draft can be changed."), code="transition_refused")
    fields = _clean_text(
        statute_for(petition.municipality),
        title=title, text=text, category=category, addressee=addressee,
    )
    for name, value in fields.items():
        setattr(petition, name, value)
    petition.save(update_fields=[*fields, "updated_at"])
    _store_attachments(petition, attachments, is_answer=False)
    return petition


@transaction.atomic
def petition_submit(*, actor, petition: Petition) -> Petition:
    """The author sends the draft to moderation; the moderation deadline starts."""
    require(actor, "petitions.submit_petition", petition)
    _require_author(actor, petition)
    petition = _locked(petition)
    check_transition(TRANSITIONS, petition.status, Status.MODERATION)
    municipality = petition.municipality
    statute = statute_for(municipality)
    _require_eligible(actor, municipality, "petition.create", _policy(statute))
    now = timezone.now()
    petition.status = Status.MODERATION
    petition.submitted_at = now
    petition.moderation_due = _calendar(municipality).add_working_days(
        now.astimezone(municipality.tz).date(), statute.moderation_working_days
    )
    petition.save(update_fields=["status", "submitted_at", "moderation_due", "updated_at"])
    return petition


@transaction.atomic
def petition_withdraw(*, actor, petition: Petition) -> Petition:
    """The author withdraws the petition before it is published."""
    require(actor, "petitions.withdraw_petition", petition)
    _require_author(actor, petition)
    petition = _locked(petition)
    check_transition(TRANSITIONS, petition.status, Status.WITHDRAWN)
    petition.status = Status.WITHDRAWN
    petition.closed_at = timezone.now()
    petition.save(update_fields=["status", "closed_at", "updated_at"])
    return petition


# --- moderators and officials ------------------------------------------------------


def collection_end(municipality: Municipality, published: dt.datetime, days: int):
    """Signing closes at midnight (local time) after the period's last day."""
    local_day = published.astimezone(municipality.tz).date()
    last = local_day + dt.timedelta(days=days)
    return dt.datetime.combine(
        last + dt.timedelta(days=1), dt.time(0, 0), tzinfo=municipality.tz
    )


@transaction.atomic
def petition_approve(*, actor, petition: Petition) -> Petition:
    """A moderator publishes the petition: the statute is copied, signing opens."""
    require(actor, "petitions.moderate_petition", petition)
    petition = _locked(petition)
    # Only from moderation: the way back to collecting from "enough
    # signatures" belongs to signature invalidation.
    check_transition({Status.MODERATION: TRANSITIONS[Status.MODERATION]},
                     petition.status, Status.COLLECTING)
    municipality = petition.municipality
    statute = statute_for(municipality)
    # Who may sign is the municipality's policy narrowed by the statute, frozen
    # now: later edits of either never change a running petition.
    policy = effective_policy(
        EligibilityPolicy.for_municipality(municipality), _policy(statute)
    )
    if policy.accepted_auth_methods is not None and not policy.accepted_auth_methods:
        raise DomainError(
            _("The petition statute and the municipality's eligibility policy accept "
              "no common login method, so nobody could sign. Correct the statute "
              "first."),
            code="no_login_method",
        )
    now = timezone.now()
    before = _snapshot(petition)
    petition.status = Status.COLLECTING
    petition.published_at = now
    petition.collection_ends_at = collection_end(municipality, now, statute.collection_days)
    petition.signature_threshold = statute.signature_threshold
    petition.answer_working_days = statute.answer_working_days
    petition.min_age = policy.min_age
    petition.residents_only = policy.residency_required
    petition.accepted_auth_methods = sorted(policy.accepted_auth_methods or [])
    petition.signers_public = statute.signers_public
    petition.save()
    PetitionCounter.objects.bulk_create(
        [PetitionCounter(petition=petition, shard=n) for n in range(COUNTER_SHARDS)],
        ignore_conflicts=True,
    )
    audit_record(
        actor=actor, municipality=municipality, action="petitions.petition_published",
        target=petition, before=before,
        after={"status": petition.status, "threshold": petition.signature_threshold,
               "collection_ends_at": petition.collection_ends_at},
    )
    notify(
        kind="petitions.petition_published", recipients=[petition.author],
        municipality=municipality,
        title=lambda: _("Your petition is published: %(title)s") % {"title": petition.title},
        body=lambda: (_("Signatures are collected until the end of the day: %(date)s")
        % {"date": date_format(petition.last_signing_day, "DATE_FORMAT")}),
        url=petition.get_absolute_url,
    )
    return petition


@transaction.atomic
def petition_reject(*, actor, petition: Petition, reason: str) -> Petition:
    """A moderator rejects the petition with a public reason; the author is told."""
    require(actor, "petitions.moderate_petition", petition)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for rejecting the petition."))
    petition = _locked(petition)
    check_transition(TRANSITIONS, petition.status, Status.REJECTED)
    before = _snapshot(petition)
    petition.status = Status.REJECTED
    petition.rejection_reason = reason
    petition.closed_at = timezone.now()
    petition.save(update_fields=["status", "rejection_reason", "closed_at", "updated_at"])
    audit_record(
        actor=actor, municipality=petition.municipality,
        action="petitions.petition_rejected", target=petition, before=before,
        after={"status": petition.status}, reason=reason,
    )
    notify(
        kind="petitions.petition_rejected", recipients=[petition.author],
        municipality=petition.municipality,
        title=lambda: _("Your petition was rejected: %(title)s") % {"title": petition.title},
        body=reason, url=petition.get_absolute_url,
    )
    return petition


@transaction.atomic
def petition_consider(*, actor, petition: Petition) -> Petition:
    """An official takes a petition with enough signatures into consideration.

    Signing closes; the answer deadline set when the threshold was reached stays.
    """
    require(actor, "petitions.answer_petition", petition)
    petition = _locked(petition)
    check_transition(TRANSITIONS, petition.status, Status.UNDER_CONSIDERATION)
    before = _snapshot(petition)
    petition.status = Status.UNDER_CONSIDERATION
    petition.consideration_started_at = timezone.now()
    petition.save(update_fields=["status", "consideration_started_at", "updated_at"])
    audit_record(
        actor=actor, municipality=petition.municipality,
        action="petitions.petition_considered", target=petition, before=before,
        after={"status": petition.status},
    )
    return petition


@transaction.atomic
def petition_answer(
    *,
    actor,
    petition: Petition,
    decision: str,
    text: str,
    attachments: Sequence = (),
) -> Petition:
    """An official publishes the municipality's answer; author, signers, followers hear."""
    require(actor, "petitions.answer_petition", petition)
    text = (text or "").strip()
    if decision not in Petition.Decision.values:
        raise DomainError(_("Choose the decision: supported, partly or not supported."))
    if not text:
        raise DomainError(_("Write the text of the answer."))
    petition = _locked(petition)
    check_transition(TRANSITIONS, petition.status, Status.ANSWERED)
    before = _snapshot(petition)
    petition.status = Status.ANSWERED
    petition.decision = decision
    petition.answer_text = text
    petition.answered_at = timezone.now()
    petition.answered_by = actor
    petition.closed_at = petition.answered_at
    petition.save()
    _store_attachments(petition, attachments, is_answer=True)
    audit_record(
        actor=actor, municipality=petition.municipality,
        action="petitions.petition_answered", target=petition, before=before,
        after={"status": petition.status, "decision": decision},
    )
    notify(
        kind="petitions.petition_answered",
        recipients=[petition.author, *_signer_accounts(petition), *_followers(petition)],
        municipality=petition.municipality,
        title=lambda: _("The petition was answered: %(title)s") % {"title": petition.title},
        body=lambda: f"{petition.get_decision_display()}. {text[:300]}",
        url=petition.get_absolute_url,
    )
    return petition


# --- signing ---------------------------------------------------------------------------
#
# Signing is the hot path (a popular petition may collect thousands of
# signatures a minute), so a signature costs the database one statement: the
# petition and the person are already loaded by the request, the eligibility
# rules are the ones frozen on the petition, the rate limits come from a
# short-lived copy of the statute and are counted in one cache round trip.

SIGN_LIMITS_TTL = 10.0  # seconds a worker trusts its copy of the rate limits


@dataclass(frozen=True)
class SignLimits:
    """Signatures allowed per minute from one IP address / one session (0: no limit)."""

    per_ip: int
    per_session: int


_sign_limits = WorkerCache()  # municipality id -> SignLimits


def sign_limits_for(municipality: Municipality) -> SignLimits:
    """The statute's rate limits, re-read at most every ``SIGN_LIMITS_TTL`` seconds.

    A moderator who tightens a limit during an attack sees it applied by every
    worker within seconds (at once by the worker that saved it), without a
    query per signature.
    """
    kept = _sign_limits.get(municipality.pk)
    if kept is not None:
        return kept
    row = (
        PetitionSettings.objects.filter(municipality=municipality)
        .values_list("sign_limit_per_ip", "sign_limit_per_session")
        .first()
    )
    if row is None:
        statute = statute_for(municipality)
        row = (statute.sign_limit_per_ip, statute.sign_limit_per_session)
    limits = SignLimits(per_ip=row[0], per_session=row[1])
    _sign_limits.put(municipality.pk, limits, SIGN_LIMITS_TTL)
    return limits


def forget_sign_limits(municipality_id: int | None = None) -> None:
    """Drop this worker's copy of the limits (after the statute is saved)."""
    _sign_limits.forget(None if municipality_id is None else lambda key: key == municipality_id)


def forget_worker_copies() -> None:
    """Drop everything this worker keeps between requests: limits, petitions, flushes."""
    forget_sign_limits()
    forget_signing_petition()
    _flush_scheduled.clear()


def _count_attempts(keys: Sequence[str]) -> list[int]:
    """Count one attempt under each key in this minute's bucket; the new totals.

    With Redis (production) every key is counted in one pipelined round trip;
    other cache backends count key by key.
    """
    bucket = int(time.time() // 60)
    names = [f"petitions:rate:{key}:{bucket}" for key in keys]
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):
        pipe = client.get_client(write=True).pipeline(transaction=False)
        for name in names:
            raw = client.make_key(name)
            pipe.incr(raw)
            pipe.expire(raw, 120)
        return [int(n) for n in pipe.execute()[::2]]
    counts = []
    for name in names:
        if cache.add(name, 1, timeout=120):
            counts.append(1)
            continue
        try:
            counts.append(cache.incr(name))
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=120)
            counts.append(1)
    return counts


def _check_rate(municipality: Municipality, ip: str | None, session_hash: str) -> None:
    """Refuse a signature over the statute's per-IP or per-session limit."""
    limits = sign_limits_for(municipality)
    checks = []
    if ip and limits.per_ip:
        checks.append((
            f"ip:{ip}", limits.per_ip,
            _("Too many signatures from your network. Please try again in a minute."),
        ))
    if session_hash and limits.per_session:
        checks.append((
            f"s:{session_hash}", limits.per_session,
            _("You are signing too fast. Please try again in a minute."),
        ))
    if not checks:
        return
    counts = _count_attempts([key for key, _limit, _message in checks])
    for (_key, limit, message), count in zip(checks, counts, strict=True):
        if count > limit:
            raise RateLimited(message)


def subnet_of(ip: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) network an address belongs to."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


_SIGN_SQL = """
WITH open AS (
    SELECT 1 FROM {petition}
    WHERE id = %s AND status = ANY(%s) AND collection_ends_at > %s
), new AS (
    INSERT INTO {signature} (petition_id, identity_id, user_id, created_at, shard,
                             ip, subnet, session_hash)
    SELECT %s, %s, %s, %s, %s, %s::inet, %s, %s FROM open
    RETURNING id
), bump AS (
    INSERT INTO {counter} AS c (petition_id, shard, count) SELECT %s, %s, 1 FROM new
    ON CONFLICT (petition_id, shard) DO UPDATE SET count = c.count + 1
    RETURNING count
)
SELECT (SELECT id FROM new),
       (SELECT count FROM bump) + COALESCE(
           (SELECT SUM(count) FROM {counter} WHERE petition_id = %s AND shard <> %s), 0)
"""


def _insert_signature(signature: Signature) -> int | None:
    """Store the signature and add one to its shard; the count as this write saw it.

    The write happens only while the petition, as stored, still collects
    (its status may have changed since it was read); otherwise nothing is
    written and the answer is None. On PostgreSQL one statement does the
    check, the row and the increment, so outside a transaction it is its own
    transaction (one round trip) and the unique constraint refuses the row
    and the increment together. The count returned includes this signature
    and every one committed before the statement began.
    """
    petition_id, shard = signature.petition_id, signature.shard
    if connection.vendor != "postgresql":
        with transaction.atomic():
            still_open = Petition.objects.filter(
                pk=petition_id, status__in=SIGNABLE_STATUSES,
                collection_ends_at__gt=signature.created_at,
            ).exists()
            if not still_open:
                return None
            signature.save(force_insert=True)
            _count_add(petition_id, {shard: 1})
        return counted(petition_id)
    sql = _SIGN_SQL.format(
        petition=connection.ops.quote_name(Petition._meta.db_table),
        signature=connection.ops.quote_name(Signature._meta.db_table),
        counter=connection.ops.quote_name(PetitionCounter._meta.db_table),
    )
    scope = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with scope, connection.cursor() as cursor:
        cursor.execute(sql, [
            petition_id, sorted(SIGNABLE_STATUSES), signature.created_at,
            petition_id, signature.identity_id, signature.user_id, signature.created_at,
            shard, signature.ip, signature.subnet, signature.session_hash,
            petition_id, shard, petition_id, shard,
        ])
        signature.pk, count = cursor.fetchone()
    if signature.pk is None:
        return None
    signature._state.adding = False
    return count


def _closed_refusal(petition: Petition, now: dt.datetime) -> DomainError:
    """Why a petition takes no signature now: its period ended, or it does not collect."""
    if petition.collection_ends_at and now >= petition.collection_ends_at:
        return DomainError(_("Signing has closed: the collection period is over."),
                           code="closed")
    return DomainError(_("This petition is not collecting signatures."), code="closed")


def signature_create(
    *,
    actor,
    petition: Petition,
    ip: str | None = None,
    session_key: str = "",
) -> Signature:
    """A verified, eligible person signs once, while the period runs.

    A second signature of the same person (from any of their accounts, also
    two at once) is refused by the database's unique constraint and answered
    "already signed". The count grows in a random shard of the petition, so
    concurrent signers do not queue on one row. The returned signature's
    ``count`` is the petition's count including it (what the signer is shown).
    """
    require(actor, "petitions.sign_petition", petition)
    now = timezone.now()
    if not petition.signing_open(now):
        raise _closed_refusal(petition, now)
    result = _signing_eligibility(actor.identity, petition, now)
    if not result.allowed:
        raise PermissionRefused(result.reason, code=result.code)
    session_hash = hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""
    _check_rate(petition.municipality, ip, session_hash)
    signature = Signature(
        petition=petition, identity_id=actor.identity_id, user=actor, created_at=now,
        shard=random.randrange(COUNTER_SHARDS), ip=ip or None, subnet=subnet_of(ip),
        session_hash=session_hash,
    )
    try:
        count = _insert_signature(signature)
    except IntegrityError as exc:
        raise Conflict(
            _("You have already signed this petition."), code="already_signed"
        ) from exc
    if count is None:  # it stopped collecting after it was read
        forget_signing_petition(petition.pk)
        petition.refresh_from_db(fields=["status"])
        raise _closed_refusal(petition, now)
    signature.count = count
    # Only a signature that may have completed the threshold looks further.
    may_complete = (
        petition.status == Status.COLLECTING
        and signature.count >= petition.signature_threshold
    )
    transaction.on_commit(
        lambda: after_signatures(petition.pk, check_threshold=may_complete)
    )
    return signature


def _count_add(petition_id: int, deltas: dict[int, int]) -> None:
    for shard, delta in deltas.items():
        updated = PetitionCounter.objects.filter(
            petition_id=petition_id, shard=shard
        ).update(count=F("count") + delta)
        if not updated:
            PetitionCounter.objects.get_or_create(petition_id=petition_id, shard=shard)
            PetitionCounter.objects.filter(petition_id=petition_id, shard=shard).update(
                count=F("count") + delta
            )


def counted(petition_id: int) -> int:
    """The exact number of valid signatures, as the shards hold it."""
    return PetitionCounter.objects.filter(petition_id=petition_id).aggregate(
        n=Coalesce(Sum("count"), 0)
    )["n"]


# Per process: petition id -> until when a count flush is already scheduled.
_flush_scheduled: dict[int, float] = {}
FLUSH_DELAY = 2


def after_signatures(petition_id: int, *, check_threshold: bool = True) -> None:
    """After a signature commits: reach the threshold, refresh the list's copy soon.

    The signing statement saw every signature committed before it began; two
    last signers racing may each miss the other, so the count flush (at most
    two seconds later, and every few seconds from beat) checks the threshold
    again from the exact count. One flush per petition is scheduled across
    workers (a cache key); a worker that scheduled one a moment ago does not
    ask again.
    """
    if check_threshold:
        petition_threshold_check(petition_id=petition_id)
    now = time.monotonic()
    if _flush_scheduled.get(petition_id, 0) > now:
        return
    _flush_scheduled[petition_id] = now + FLUSH_DELAY
    if cache.add(f"petitions:flush:{petition_id}", 1, timeout=FLUSH_DELAY):
        from .tasks import flush_counts

        flush_counts.apply_async(args=[petition_id], countdown=FLUSH_DELAY)


@transaction.atomic
def petition_threshold_check(*, petition_id: int) -> bool:
    """A collecting petition that has enough signatures moves on (a system step).

    The answer deadline starts on the day the threshold is reached; author and
    signers are told. Returns True when this call made the step.
    """
    petition = Petition.objects.select_related("municipality").get(pk=petition_id)
    if petition.status != Status.COLLECTING:
        return False
    count = counted(petition_id)
    if count < petition.signature_threshold:
        return False
    petition = _locked(petition)
    if petition.status != Status.COLLECTING:
        return False
    check_transition(TRANSITIONS, petition.status, Status.THRESHOLD_REACHED)
    municipality = petition.municipality
    now = timezone.now()
    petition.status = Status.THRESHOLD_REACHED
    petition.threshold_reached_at = now
    petition.answer_due = _calendar(municipality).add_working_days(
        now.astimezone(municipality.tz).date(), petition.answer_working_days
    )
    petition.signature_count = count
    petition.save(update_fields=["status", "threshold_reached_at", "answer_due",
                                 "signature_count", "updated_at"])
    audit_record(
        actor=None, municipality=municipality, action="petitions.threshold_reached",
        target=petition, before={"status": Status.COLLECTING},
        after={"status": petition.status, "signatures": count,
               "answer_due": petition.answer_due},
    )
    notify(
        kind="petitions.threshold_reached",
        recipients=[petition.author, *_signer_accounts(petition)],
        municipality=municipality,
        title=lambda: (_("The petition has enough signatures: %(title)s")
        % {"title": petition.title}),
        body=lambda: (ngettext(
            "The municipality must answer within %(n)d working day, by %(date)s",
            "The municipality must answer within %(n)d working days, by %(date)s",
            petition.answer_working_days,
        ) % {"n": petition.answer_working_days,
             "date": date_format(petition.answer_due, "DATE_FORMAT")}),
        url=petition.get_absolute_url,
    )
    return True


def flush_signature_counts(*, petition_ids: Iterable[int] | None = None) -> int:
    """Copy the shards' sums onto the petitions for sorting, then reach thresholds.

    One statement refreshes the copies; a collecting petition whose exact
    count has reached its threshold then takes the step (if a racing last
    signature did not already). Returns how many copies changed.
    """
    total = PetitionCounter.objects.filter(petition=OuterRef("pk")).values(
        "petition"
    ).annotate(n=Sum("count")).values("n")
    qs = Petition.objects.all()
    if petition_ids is not None:
        petition_ids = list(petition_ids)
        qs = qs.filter(pk__in=petition_ids)
    else:
        qs = qs.filter(status__in=SIGNABLE_STATUSES)
    changed = qs.annotate(fresh=Coalesce(Subquery(total), 0)).exclude(
        signature_count=F("fresh")
    ).update(signature_count=Coalesce(Subquery(total), 0))
    complete = Petition.objects.filter(
        status=Status.COLLECTING, signature_threshold__gt=0,
        signature_count__gte=F("signature_threshold"),
    )
    if petition_ids is not None:
        complete = complete.filter(pk__in=petition_ids)
    for petition_id in complete.values_list("pk", flat=True):
        petition_threshold_check(petition_id=petition_id)
    return changed


def signature_counts_reconcile(*, fix: bool = True) -> list[dict[str, int]]:
    """Compare every signable petition's shards with its valid rows; report drift.

    Drift means a bug or a manual edit: it is logged as an error and, with
    ``fix``, the shards are reset to the rows.
    """
    drift = []
    petitions = Petition.objects.filter(
        Q(status__in=SIGNABLE_STATUSES)
        | Q(closed_at__gte=timezone.now() - dt.timedelta(days=2))
        | Q(collection_ends_at__gte=timezone.now() - dt.timedelta(days=2))
    ).exclude(published_at__isnull=True)
    for petition_id in petitions.values_list("pk", flat=True):
        with transaction.atomic():
            rows = dict(
                Signature.objects.filter(petition_id=petition_id, invalidated_at__isnull=True)
                .values_list("shard").annotate(n=Count("pk")).values_list("shard", "n")
            )
            shards = dict(
                PetitionCounter.objects.select_for_update().filter(petition_id=petition_id)
                .values_list("shard", "count")
            )
            if sum(rows.values()) == sum(shards.values()):
                continue
            drift.append({"petition": petition_id, "rows": sum(rows.values()),
                          "counted": sum(shards.values())})
            logger.error(
                "petition %s signature count drift: rows=%s counted=%s",
                petition_id, sum(rows.values()), sum(shards.values()),
            )
            if fix:
                for shard in range(COUNTER_SHARDS):
                    PetitionCounter.objects.update_or_create(
                        petition_id=petition_id, shard=shard,
                        defaults={"count": rows.get(shard, 0)},
                    )
    if fix and drift:
        flush_signature_counts(petition_ids=[d["petition"] for d in drift])
    return drift


@transaction.atomic
def petitions_close_due(*, now: dt.datetime | None = None) -> list[int]:
    """At the end of the period a petition without enough signatures expires.

    Signing itself closes exactly at the end (the signing service checks the
    time); this system step only records the outcome and tells the author.
    """
    now = now or timezone.now()
    closed = []
    due = Petition.objects.filter(
        status=Status.COLLECTING, collection_ends_at__lte=now
    ).values_list("pk", flat=True)
    for petition_id in list(due):
        if petition_threshold_check(petition_id=petition_id):
            continue
        petition = Petition.objects.select_for_update().select_related(
            "municipality"
        ).get(pk=petition_id)
        if petition.status != Status.COLLECTING:
            continue
        check_transition(TRANSITIONS, petition.status, Status.EXPIRED)
        petition.status = Status.EXPIRED
        petition.closed_at = now
        petition.signature_count = counted(petition_id)
        petition.save(update_fields=["status", "closed_at", "signature_count", "updated_at"])
        audit_record(
            actor=None, municipality=petition.municipality,
            action="petitions.petition_expired", target=petition,
            before={"status": Status.COLLECTING}, after={"status": petition.status},
        )
        notify(
            kind="petitions.petition_expired", recipients=[petition.author],
            municipality=petition.municipality,
            title=lambda petition=petition: (
                _("Your petition did not collect enough signatures: %(title)s")
                % {"title": petition.title}
            ),
            url=petition.get_absolute_url,
        )
        closed.append(petition_id)
    return closed


# --- fraud controls --------------------------------------------------------------------


def parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network((value or "").strip(), strict=False)
    except ValueError as exc:
        raise DomainError(
            _("Enter an IP address or a subnet, e.g. 203.0.113.7 or 203.0.113.0/24.")
        ) from exc


def signatures_matching(
    *, petition: Petition, network: str, since: dt.datetime, until: dt.datetime
) -> list[Signature]:
    """Valid signatures of the petition from ``network`` signed in [since, until]."""
    net = parse_network(network)
    if since > until:
        raise DomainError(_("The start of the time range must be before its end."))
    qs = Signature.objects.filter(
        petition=petition, invalidated_at__isnull=True,
        created_at__gte=since, created_at__lte=until, ip__isnull=False,
    ).select_related("identity")
    if net.num_addresses == 1:
        qs = qs.filter(ip=str(net.network_address))
    elif (net.version == 4 and net.prefixlen >= 24) or (
        net.version == 6 and net.prefixlen >= 48
    ):
        qs = qs.filter(subnet=subnet_of(str(net.network_address)))
    return [s for s in qs.order_by("created_at") if ipaddress.ip_address(s.ip) in net]


@transaction.atomic
def signature_invalidate_bulk(
    *,
    actor,
    petition: Petition,
    network: str,
    since: dt.datetime,
    until: dt.datetime,
    reason: str,
) -> SignatureInvalidation:
    """A moderator invalidates the signatures of an address or subnet in a time range.

    The signatures leave the count, their signers are told, and the step is in
    the audit log with the reason. The rows stay, marked invalid.
    """
    require(actor, "petitions.invalidate_signatures", petition)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for invalidating the signatures."))
    petition = _locked(petition)
    if petition.published_at is None:
        raise DomainError(_("This petition has no signatures."))
    matched = signatures_matching(petition=petition, network=network, since=since,
                                  until=until)
    if not matched:
        raise DomainError(_("No valid signatures match this address and time range."))
    batch = SignatureInvalidation.objects.create(
        municipality=petition.municipality, petition=petition,
        network=str(parse_network(network)), since=since, until=until, reason=reason,
        actor=actor, invalidated=len(matched),
    )
    now = timezone.now()
    ids = [s.pk for s in matched]
    updated = Signature.objects.filter(pk__in=ids, invalidated_at__isnull=True).update(
        invalidated_at=now, invalidation=batch
    )
    if updated != len(ids):  # pragma: no cover - guarded by the petition lock
        raise Conflict(_("The signatures changed meanwhile; please try again."))
    deltas: dict[int, int] = {}
    for signature in matched:
        deltas[signature.shard] = deltas.get(signature.shard, 0) - 1
    _count_add(petition.pk, deltas)
    count = counted(petition.pk)
    before = {"status": petition.status, "signatures": count + len(ids)}
    if petition.status == Status.THRESHOLD_REACHED and count < petition.signature_threshold:
        target = Status.COLLECTING if petition.signing_open(now) else Status.EXPIRED
        check_transition(TRANSITIONS, petition.status, target)
        petition.status = target
        petition.threshold_reached_at = None
        petition.answer_due = None
        if target == Status.EXPIRED:
            petition.closed_at = now
    petition.signature_count = count
    petition.save()
    audit_record(
        actor=actor, municipality=petition.municipality,
        action="petitions.signatures_invalidated", target=petition, before=before,
        after={"status": petition.status, "signatures": count, "network": batch.network,
               "since": since, "until": until, "invalidated": len(ids)},
        reason=reason,
    )
    notify(
        kind="petitions.signature_invalidated",
        recipients=[s.user for s in matched],
        municipality=petition.municipality,
        title=lambda: (_("Your signature under a petition was invalidated: %(title)s")
        % {"title": petition.title}),
        body=reason, url=petition.get_absolute_url,
    )
    return batch


# --- the statute ---------------------------------------------------------------------------

STATUTE_FIELDS = (
    "signature_threshold", "collection_days", "moderation_working_days",
    "answer_working_days", "min_age", "residents_only", "accepted_auth_methods",
    "categories", "addressees", "title_max_length", "text_min_length",
    "text_max_length", "signers_public", "sign_limit_per_ip", "sign_limit_per_session",
    "suspicious_per_hour",
)


@transaction.atomic
def petition_settings_update(
    *, actor, municipality: Municipality, changes: dict[str, Any]
) -> PetitionSettings:
    """The municipality's admin edits the statute; running petitions keep theirs."""
    require(actor, "petitions.change_petitionsettings", municipality)
    unknown = set(changes) - set(STATUTE_FIELDS)
    if unknown:
        raise DomainError(_("These settings cannot be changed here."))
    statute = PetitionSettings.objects.select_for_update().get(
        pk=statute_for(municipality).pk
    )
    before = {name: getattr(statute, name) for name in changes}
    for name, value in changes.items():
        setattr(statute, name, value)
    if not all(isinstance(c, str) and c.strip() for c in statute.categories or []):
        raise ValidationError({"categories": _("Every category needs a name.")})
    if not statute.categories:
        raise ValidationError({"categories": _("Give at least one category.")})
    if not statute.addressees or set(statute.addressees) - set(Addressee.values):
        raise ValidationError(
            {"addressees": _("Choose addressees among: %(list)s")
             % {"list": ", ".join(Addressee.values)}}
        )
    if statute.text_min_length >= statute.text_max_length:
        raise ValidationError(
            {"text_min_length": _("The minimum length must be below the maximum.")}
        )
    statute.full_clean()
    statute.save()
    audit_record(
        actor=actor, municipality=municipality, action="petitions.statute_changed",
        target=statute, before=before, after={n: getattr(statute, n) for n in changes},
    )
    return statute


def petition_overdue_alert(*, today: dt.date | None = None) -> int:
    """Tell each municipality's admins which petitions are past their deadlines."""
    from .selectors import petition_overdue_list

    sent = 0
    for municipality in Municipality.objects.filter(is_active=True):
        overdue = list(petition_overdue_list(municipality=municipality, today=today))
        if not overdue:
            continue
        with transaction.atomic():
            notify(
                kind="petitions.deadline_overdue",
                recipients=_municipality_admins(municipality),
                municipality=municipality,
                title=lambda overdue=overdue: ngettext(
                    "%(n)d petition is past its deadline",
                    "%(n)d petitions are past their deadline",
                    len(overdue),
                ) % {"n": len(overdue)},
                body="\n".join(f"• {p.title}" for p in overdue[:20]),
                url="/cms/petitions/",
            )
        sent += 1
    return sent
