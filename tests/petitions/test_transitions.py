"""The lifecycle as a matrix: every step x every status x every role.

The expected table is written out here, independently of ``TRANSITIONS``, so
a change to the model's table that is not meant shows up as a failure.
"""

from __future__ import annotations

import pytest

from edem.core.errors import PermissionRefused, TransitionRefused
from edem.municipalities.models import MunicipalityRole
from edem.participation.models import AuditEntry
from petitions import services
from petitions.models import Petition
from tests.factories import CitizenFactory, UserFactory
from tests.petitions.conftest import staff
from tests.petitions.factories import PetitionFactory

pytestmark = pytest.mark.django_db

S = Petition.Status

# step -> (the status it leads to, the statuses it starts from, who may take it)
STEPS = {
    "submit": (S.MODERATION, {S.DRAFT}, {"author"}),
    "withdraw": (S.WITHDRAWN, {S.DRAFT, S.MODERATION}, {"author"}),
    "approve": (S.COLLECTING, {S.MODERATION}, {"moderator", "admin", "platform"}),
    "reject": (S.REJECTED, {S.MODERATION}, {"moderator", "admin", "platform"}),
    "consider": (
        S.UNDER_CONSIDERATION, {S.THRESHOLD_REACHED},
        {"official", "moderator", "admin", "platform"},
    ),
    "answer": (
        S.ANSWERED, {S.UNDER_CONSIDERATION}, {"official", "moderator", "admin", "platform"}
    ),
}
ROLES = [
    "author", "citizen", "moderator", "official", "admin", "platform",
    "other_moderator", "anonymous",
]
STAFF_STEPS = {"approve", "reject", "consider", "answer"}


def actor_for(role, petition, dnipro_factory):
    if role == "author":
        return petition.author
    if role == "citizen":
        return CitizenFactory()
    if role in ("moderator", "official", "admin"):
        return staff(petition.municipality, role)
    if role == "platform":
        return UserFactory(is_superuser=True, is_staff=True)
    if role == "other_moderator":
        return staff(dnipro_factory(), MunicipalityRole.Role.MODERATOR)
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def take(step, actor, petition):
    if step == "submit":
        return services.petition_submit(actor=actor, petition=petition)
    if step == "withdraw":
        return services.petition_withdraw(actor=actor, petition=petition)
    if step == "approve":
        return services.petition_approve(actor=actor, petition=petition)
    if step == "reject":
        return services.petition_reject(actor=actor, petition=petition, reason="Дубль")
    if step == "consider":
        return services.petition_consider(actor=actor, petition=petition)
    return services.petition_answer(
        actor=actor, petition=petition, decision="partly", text="Частково підтримано."
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("step", list(STEPS))
def test_step_by_role_and_status(step, status, role, zhytomyr, dnipro):
    target, sources, roles = STEPS[step]
    petition = PetitionFactory(municipality=zhytomyr, status=status)
    actor = actor_for(role, petition, lambda: dnipro)
    audit_before = AuditEntry.objects.count()
    if role not in roles:
        with pytest.raises(PermissionRefused):
            take(step, actor, petition)
    elif status not in sources:
        with pytest.raises(TransitionRefused):
            take(step, actor, petition)
    else:
        result = take(step, actor, petition)
        assert result.status == target
        petition.refresh_from_db()
        assert petition.status == target
        if step in STAFF_STEPS:
            entry = AuditEntry.objects.latest("created_at")
            assert entry.actor == actor
            assert entry.before["status"] == status
            assert entry.after["status"] == target
            if step == "reject":
                assert entry.reason == "Дубль"
        else:
            assert AuditEntry.objects.count() == audit_before
        return
    petition.refresh_from_db()
    assert petition.status == status
    assert AuditEntry.objects.count() == audit_before


def test_transition_table_has_every_status():
    from petitions.models import TRANSITIONS

    assert set(TRANSITIONS) == set(S.values)
    for targets in TRANSITIONS.values():
        assert targets <= set(S.values)
