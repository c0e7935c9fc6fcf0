"""Publishing events to people: in-app at once, e-mail and SMS after commit.

``notify`` is called inside the service's transaction. The in-app notification
and a delivery row per outside channel are written in that transaction, and the
sending tasks are enqueued only when it commits: a rolled-back change tells
nobody anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from edem.participation.registry import registry

from .models import Channel, Delivery, Notification, Preference

OUTSIDE_CHANNELS = (Channel.EMAIL, Channel.SMS)


def default_channels(kind: str) -> tuple[str, ...]:
    entry = registry.event_kinds().get(kind)
    return entry[1] if entry else (Channel.INAPP, Channel.EMAIL)


def wanted_channels(user, kind: str) -> set[str]:
    """The channels a person receives an event kind on: their choice, else the default."""
    return _channels_for([user.pk], kind)[user.pk]


def _channels_for(user_ids: list[int], kind: str) -> dict[int, set[str]]:
    """Channels per person for one event kind, read with one query."""
    channels = {pk: set(default_channels(kind)) for pk in user_ids}
    prefs = Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
        "user_id", "channel", "enabled"
    )
    for user_id, channel, enabled in prefs:
        if enabled:
            channels[user_id].add(channel)
        else:
            channels[user_id].discard(channel)
    return channels


def _address(user, channel: str) -> str:
    if channel == Channel.EMAIL:
        return user.email or ""
    if channel == Channel.SMS:
        return user.phone or ""
    return ""


def _enqueue(delivery_ids: list[int]) -> None:
    from .tasks import deliver

    for pk in delivery_ids:
        deliver.delay(pk)


Text = str | Callable[[], str]


def in_language(text: Text, language: str) -> str:
    """The text as the reader should see it: a callable is written in their language.

    ``str()`` also resolves lazy translations inside the language override.
    """
    with translation.override(language):
        return str(text() if callable(text) else text)


def _reader_language(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notify(
    *,
    kind: str,
    recipients: Iterable,
    municipality=None,
    title: Text,
    body: Text = "",
    url: Text = "",
) -> list[Notification]:
    """Tell each recipient about an event over the channels they want.

    Each person reads the message in the language they last used on the site:
    pass ``title``, ``body`` and ``url`` as callables (``lambda: _("...") % ...``,
    ``lambda: reverse(...)``) and they are written once per language. The rows
    are written in bulk inside the caller's transaction; the sending tasks are
    enqueued once it commits.
    """
    people = {}
    for user in recipients:
        if user is not None and user.is_active:
            people.setdefault(user.pk, user)
    if not people:
        return []
    channels = _channels_for(list(people), kind)
    texts = {
        language: (
            in_language(title, language)[:300],
            in_language(body, language),
            in_language(url, language),
        )
        for language in {_reader_language(user) for user in people.values()}
    }
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user, municipality=municipality, kind=kind,
                title=texts[lang][0], body=texts[lang][1], url=texts[lang][2],
            )
            for user in people.values()
            for lang in [_reader_language(user)]
        ]
    )
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(notification=notification, channel=channel, address=address)
            for notification in notifications
            for channel in OUTSIDE_CHANNELS
            if channel in channels[notification.recipient_id]
            and (address := _address(people[notification.recipient_id], channel))
        ]
    )
    if deliveries:
        transaction.on_commit(partial(_enqueue, [d.pk for d in deliveries]))
    return notifications


def preference_set(*, actor, kind: str, channel: str, enabled: bool) -> Preference:
    """A person chooses whether to hear about an event kind over a channel."""
    pref, _created = Preference.objects.update_or_create(
        user=actor, kind=kind, channel=channel, defaults={"enabled": enabled}
    )
    return pref


def notification_mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all of them when no ids are given)."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
