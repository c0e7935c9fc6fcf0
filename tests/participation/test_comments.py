"""Comments: verified residents write, readers report, moderators hide with a reason."""

import pytest
from django.core import mail

from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.participation.models import AuditEntry, Comment
from edem.participation.selectors import comment_list, is_following
from edem.participation.services import (
    comment_create,
    comment_hide,
    comment_report,
    comment_restore,
    follow_set,
)
from tests.factories import (
    CitizenFactory,
    MunicipalityRoleFactory,
    PhaseFactory,
    ProcessFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def process(zhytomyr):
    process = ProcessFactory(municipality=zhytomyr)
    PhaseFactory(process=process, features=["comment"])
    return process


@pytest.fixture
def moderator(zhytomyr):
    return MunicipalityRoleFactory(municipality=zhytomyr, role="moderator").user


def test_verified_resident_comments_and_replies_notify_the_parent_author(
    process, django_capture_on_commit_callbacks
):
    alice, bob = CitizenFactory(), CitizenFactory()
    first = comment_create(actor=alice, target=process, body="Чудова ідея")
    with django_capture_on_commit_callbacks(execute=True):
        reply = comment_create(actor=bob, target=process, body="Згоден", parent=first)
    assert reply.parent == first
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert list(comment_list(municipality=process.municipality, target=process)) == [first, reply]


def test_account_without_identity_may_not_comment(process):
    with pytest.raises(PermissionRefused):
        comment_create(actor=UserFactory(), target=process, body="Привіт")


def test_comments_closed_outside_a_commenting_phase(zhytomyr):
    process = ProcessFactory(municipality=zhytomyr)
    PhaseFactory(process=process, features=["vote"])
    with pytest.raises(DomainError, match="закрито"):
        comment_create(actor=CitizenFactory(), target=process, body="Пізно")


@pytest.mark.parametrize("body", ["", "   ", "x" * 3001])
def test_empty_or_too_long_comment_is_refused(process, body):
    with pytest.raises(DomainError):
        comment_create(actor=CitizenFactory(), target=process, body=body)
    assert not Comment.objects.exists()


def test_report_once_then_moderator_hides_with_reason_and_audit(process, moderator):
    author, reader = CitizenFactory(), CitizenFactory()
    comment = comment_create(actor=author, target=process, body="Образливий текст")
    comment_report(actor=reader, comment=comment, reason="Образи")
    with pytest.raises(Conflict):
        comment_report(actor=reader, comment=comment, reason="Ще раз")
    comment.refresh_from_db()
    assert comment.reports_count == 1

    with pytest.raises(DomainError):
        comment_hide(actor=moderator, comment=comment, reason="")
    hidden = comment_hide(actor=moderator, comment=comment, reason="Порушує правила: образи")
    assert hidden.status == Comment.Status.HIDDEN
    assert hidden.body == "Образливий текст"  # never rewritten
    entry = AuditEntry.objects.get(action="participation.comment_hidden")
    assert (entry.actor, entry.reason, entry.before, entry.after) == (
        moderator, "Порушує правила: образи", {"status": "visible"}, {"status": "hidden"}
    )
    comment_restore(actor=moderator, comment=hidden, reason="Помилково")
    hidden.refresh_from_db()
    assert hidden.status == Comment.Status.VISIBLE


def test_moderator_of_another_municipality_cannot_hide(process, dnipro):
    comment = comment_create(actor=CitizenFactory(), target=process, body="Текст")
    stranger = MunicipalityRoleFactory(municipality=dnipro, role="moderator").user
    with pytest.raises(PermissionRefused):
        comment_hide(actor=stranger, comment=comment, reason="Чужий")


def test_follow_twice_is_one_follow(process):
    user = UserFactory()
    follow_set(actor=user, target=process, following=True)
    follow_set(actor=user, target=process, following=True)
    assert is_following(user=user, target=process)
    follow_set(actor=user, target=process, following=False)
    assert not is_following(user=user, target=process)
