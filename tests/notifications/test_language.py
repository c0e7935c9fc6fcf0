"""Each person reads a message in the language they last used on the site."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from edem.notifications.models import Notification
from edem.notifications.services import notify
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def test_a_message_is_written_in_each_readers_language(
    zhytomyr, django_capture_on_commit_callbacks
):
    ukrainian = CitizenFactory(language="uk")
    english = CitizenFactory(language="en")
    unknown = CitizenFactory(language="")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(
            kind="participation.comment_replied",
            recipients=[ukrainian, english, unknown],
            municipality=zhytomyr,
            title=lambda: _("Page not found"),
            body=lambda: _("Page not found"),
            url=lambda: reverse("cabinet"),
        )

    by_person = {n.recipient_id: n for n in Notification.objects.all()}
    assert by_person[ukrainian.pk].title == "Сторінку не знайдено"
    assert by_person[unknown.pk].title == "Сторінку не знайдено"
    assert by_person[english.pk].title == "Page not found"
    assert by_person[ukrainian.pk].url == "/me/"
    assert by_person[english.pk].url == "/en/me/"
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[english.email] == "Page not found"
    assert subjects[ukrainian.email] == "Сторінку не знайдено"


def test_plain_text_is_kept_as_it_was_given(zhytomyr):
    english = CitizenFactory(language="en")
    notify(
        kind="participation.comment_replied", recipients=[english],
        municipality=zhytomyr, title="Готово",
    )
    assert Notification.objects.get(recipient=english).title == "Готово"


def test_the_site_remembers_the_language_a_person_reads(client):
    person = CitizenFactory(language="")
    client.force_login(person)

    client.get("/en/me/")
    person.refresh_from_db()
    assert person.language == "en"

    client.get("/me/")
    person.refresh_from_db()
    assert person.language == "uk"


def test_an_unchanged_language_writes_nothing(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = CitizenFactory(language="en")
    client.force_login(person)
    with CaptureQueriesContext(connection) as queries:
        client.get("/en/me/")
    assert not [q for q in queries.captured_queries if 'UPDATE "accounts_user"' in q["sql"]]


def test_an_api_call_does_not_change_the_language(client):
    person = CitizenFactory(language="en")
    client.force_login(person)
    client.get("/api/v1/municipalities/")
    person.refresh_from_db()
    assert person.language == "en"
