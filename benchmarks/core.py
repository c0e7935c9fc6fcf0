"""Core workloads: publishing an event to many people, and page chrome per request."""

from __future__ import annotations

from django.db import transaction

from benchmarks.harness import Result, compare

RECIPIENTS = 500


def _people():
    from edem.accounts.models import User

    existing = list(User.objects.filter(username__startswith="bench-")[:RECIPIENTS])
    if len(existing) == RECIPIENTS:
        return existing
    User.objects.bulk_create(
        [User(username=f"bench-{i}", email=f"bench-{i}@example.org", phone="+380670000000")
         for i in range(RECIPIENTS)],
        ignore_conflicts=True,
    )
    return list(User.objects.filter(username__startswith="bench-")[:RECIPIENTS])


def _municipality():
    from edem.municipalities.models import Municipality

    municipality, _ = Municipality.objects.get_or_create(
        slug="bench", defaults={"name_uk": "Бенч", "name_en": "Bench",
                                "centre_lat": 50, "centre_lon": 30},
    )
    return municipality


def run() -> list[Result]:
    from edem.notifications.models import Delivery, Notification
    from edem.notifications.services import notify
    from edem.participation.registry import registry

    people = _people()
    municipality = _municipality()

    def publish():
        with transaction.atomic():
            notify(kind="participation.comment_replied", recipients=people,
                   municipality=municipality, title="Нова відповідь", url="/bench/")
            transaction.set_rollback(True)

    def bare_inserts():
        # The irreducible part: a notification and an e-mail delivery row per person.
        with transaction.atomic():
            notes = Notification.objects.bulk_create(
                [Notification(recipient=p, municipality=municipality, kind="k", title="t")
                 for p in people]
            )
            Delivery.objects.bulk_create(
                [Delivery(notification=n, channel=c, address="a")
                 for n in notes for c in ("email",)]
            )
            transaction.set_rollback(True)

    def navigation():
        for _ in range(200):
            registry.enabled_modules(municipality)

    def one_query():
        from edem.municipalities.models import FeatureFlag

        for _ in range(200):
            list(FeatureFlag.objects.filter(municipality=municipality))

    return [
        compare(f"notify {RECIPIENTS} people", publish, "bulk insert of the same rows", bare_inserts),
        compare("module navigation x200", navigation, "one flag query x200", one_query),
    ]
