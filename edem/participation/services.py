"""Writes of the participation core: comments, abuse reports, follows."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from edem.core.errors import Conflict, DomainError
from edem.notifications.services import notify

from .audit import audit_record
from .models import Comment, CommentReport, Feature, Follow, Process
from .permissions import require

COMMENT_MAX_LENGTH = 3000


def _process_allows_comments(target) -> bool:
    process = target if isinstance(target, Process) else getattr(target, "process", None)
    if process is None:
        return bool(getattr(target, "comments_open", True))
    return process.is_open_for(Feature.COMMENT)


@transaction.atomic
def comment_create(*, actor, target, body: str, parent: Comment | None = None) -> Comment:
    """A verified resident comments on an item while commenting is open.

    A reply must belong to the same item; the author of the parent comment and
    the item's followers hear about it.
    """
    require(actor, "participation.add_comment", target)
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write a comment first."))
    if len(body) > COMMENT_MAX_LENGTH:
        raise DomainError(
            _("A comment may have at most %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}
        )
    if not _process_allows_comments(target):
        raise DomainError(_("Commenting is closed for this item."))
    content_type = ContentType.objects.get_for_model(target)
    if parent is not None and (
        parent.content_type_id != content_type.pk or parent.object_id != target.pk
    ):
        raise DomainError(_("You can only reply to a comment on the same item."))
    comment = Comment.objects.create(
        municipality=target.municipality,
        content_type=content_type,
        object_id=target.pk,
        parent=parent,
        author=actor,
        body=body,
    )
    if parent is not None and parent.author_id != actor.pk:
        notify(
            kind="participation.comment_replied",
            recipients=[parent.author],
            municipality=target.municipality,
            title=lambda: _("New reply to your comment"),
            body=body[:300],
            url=_target_url(target),
        )
    return comment


def _target_url(target) -> str:
    get_url = getattr(target, "get_absolute_url", None)
    return get_url() if get_url else ""


@transaction.atomic
def comment_report(*, actor, comment: Comment, reason: str) -> CommentReport:
    """A reader reports a comment once; moderators see the count."""
    require(actor, "participation.report_comment", comment)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what is wrong with the comment."))
    try:
        with transaction.atomic():
            report = CommentReport.objects.create(
                comment=comment, reporter=actor, reason=reason[:500]
            )
    except IntegrityError as exc:
        raise Conflict(_("You have already reported this comment.")) from exc
    Comment.objects.filter(pk=comment.pk).update(reports_count=F("reports_count") + 1)
    return report


@transaction.atomic
def comment_hide(*, actor, comment: Comment, reason: str) -> Comment:
    """A moderator hides a comment with a public reason; the text stays unchanged."""
    require(actor, "participation.moderate_comment", comment)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for hiding the comment."))
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    before = {"status": comment.status}
    comment.status = Comment.Status.HIDDEN
    comment.hidden_reason = reason[:500]
    comment.save(update_fields=["status", "hidden_reason", "updated_at"])
    comment.reports.update(resolved=True)
    audit_record(
        actor=actor, municipality=comment.municipality, action="participation.comment_hidden",
        target=comment, before=before, after={"status": comment.status}, reason=reason,
    )
    notify(
        kind="participation.comment_hidden",
        recipients=[comment.author],
        municipality=comment.municipality,
        title=lambda: _("Your comment was hidden by a moderator"),
        body=reason,
        url=_target_url(comment.target) if comment.target else "",
    )
    return comment


@transaction.atomic
def comment_restore(*, actor, comment: Comment, reason: str = "") -> Comment:
    """A moderator shows a hidden comment again."""
    require(actor, "participation.moderate_comment", comment)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    before = {"status": comment.status, "hidden_reason": comment.hidden_reason}
    comment.status = Comment.Status.VISIBLE
    comment.hidden_reason = ""
    comment.save(update_fields=["status", "hidden_reason", "updated_at"])
    audit_record(
        actor=actor, municipality=comment.municipality,
        action="participation.comment_restored", target=comment, before=before,
        after={"status": comment.status}, reason=reason,
    )
    return comment


def follow_set(*, actor, target, following: bool) -> bool:
    """Start or stop following an item; doing it twice changes nothing."""
    require(actor, "participation.follow", target)
    content_type = ContentType.objects.get_for_model(target)
    if following:
        Follow.objects.get_or_create(
            user=actor, content_type=content_type, object_id=target.pk,
            defaults={"municipality": target.municipality},
        )
    else:
        Follow.objects.filter(
            user=actor, content_type=content_type, object_id=target.pk
        ).delete()
    return following
