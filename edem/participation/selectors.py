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
