"""Reads of the participation core."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from .models import AuditEntry, Comment, Follow


def comment_list(*, municipality, target, include_hidden: bool = False) -> QuerySet[Comment]:
    """Comments on an item in thread order (hidden ones keep their place, not their text)."""
    qs = Comment.objects.filter(
        municipality=municipality,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
    ).select_related("author", "author__identity")
    if not include_hidden:
        qs = qs.exclude(status=Comment.Status.HIDDEN, replies__isnull=True)
    return qs.order_by("created_at")


def follower_list(*, target):
    """Accounts following an item."""
    from django.contrib.auth import get_user_model

    follows = Follow.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=follows)


def is_following(*, user, target) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(
        user=user, content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).exists()


def audit_list(*, municipality) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(municipality=municipality).select_related("actor")



def comment_threads(comments) -> list[Comment]:
    """The comments in thread order: each comment followed by its replies, at any depth.

    Every comment gets ``depth`` (0 = a comment on the item, 1 = a reply to
    it, ...) and a reply gets ``reply_to`` (the comment it answers), so a page
    shows who answers whom without another query. A reply whose parent is not
    among ``comments`` is shown as a comment on the item.
    """
    comments = list(comments)
    by_pk = {c.pk: c for c in comments}
    children: dict[int | None, list[Comment]] = {}
    for c in comments:
        parent = c.parent_id if c.parent_id in by_pk else None
        children.setdefault(parent, []).append(c)
    ordered: list[Comment] = []
    # Depth-first without recursion: a long chain of replies cannot exhaust the stack.
    stack = [(c, 0) for c in reversed(children.get(None, []))]
    while stack:
        comment, depth = stack.pop()
        comment.depth = depth
        comment.reply_to = by_pk.get(comment.parent_id) if depth else None
        ordered.append(comment)
        stack.extend((r, depth + 1) for r in reversed(children.get(comment.pk, [])))
    return ordered


def discussion(*, viewer, municipality, target, comment_url: str, can_reply: bool) -> dict:
    """What the shared comment template needs: threads, where replies go, who moderates.

    ``can_reply`` is the module's answer to "may this reader comment here now"
    (phase, eligibility); moderators of the municipality get the hide action.
    """
    return {
        "comments": comment_threads(comment_list(municipality=municipality, target=target)),
        "comment_url": comment_url,
        "can_reply": bool(can_reply and getattr(viewer, "is_authenticated", False)),
        "can_moderate_comments": bool(
            getattr(viewer, "is_authenticated", False)
            and viewer.has_perm("participation.moderate_comment", municipality)
        ),
    }
