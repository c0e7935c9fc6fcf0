"""Services of the petitions module on the real database."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.municipalities.models import Holiday
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry
from petitions import selectors, services
from petitions.models import Petition, PetitionAttachment, Signature
from tests.factories import CitizenFactory, IdentityFactory, UserFactory
from tests.petitions.factories import TEXT, PetitionFactory, collecting, sign_row

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def freeze(monkeypatch, when: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: when)


def write(actor, municipality, **changes):
    data = {"title": "Облаштувати велодоріжку на вулиці Київській", "text": TEXT,
            "category": "Благоустрій", "addressee": "council", **changes}
    return services.petition_create(actor=actor, municipality=municipality, **data)


# --- creating ------------------------------------------------------------------------


def test_resident_writes_a_draft_only_they_see(zhytomyr, resident, client):
    petition = write(resident, zhytomyr)
    assert petition.status == Petition.Status.DRAFT
    assert petition.author_identity == resident.identity
    url = petition.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(resident)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", "Write a title."),
        ({"text": ""}, "text", "Write the text of the petition."),
        ({"text": "Закоротко"}, "text", "at least 100 characters"),
        ({"text": "Дуже " * 2000}, "text", "at most 5000 characters"),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"text": TEXT + "<script>alert(1)</script>"}, "text", "plain text only"),
        ({"title": "Клікни <a href=x>тут</a> зараз"}, "title", "plain text only"),
        ({"text": TEXT + " javascript:alert(1)"}, "text", "plain text only"),
        ({"category": "Космос"}, "category", "Choose a category"),
        ({"addressee": "president"}, "addressee", "Choose an addressee"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(zhytomyr, resident, changes, field,
                                                     message):
    with pytest.raises(ValidationError) as exc:
        write(resident, zhytomyr, **changes)
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])
    assert not Petition.objects.exists()


def test_text_is_stored_exactly_as_written(zhytomyr, resident):
    text = TEXT + "\n\nP.S. Ціна питання — «5 000 грн» & більше; 3 > 2."
    petition = write(resident, zhytomyr, text=text)
    assert Petition.objects.get(pk=petition.pk).text == text


@pytest.mark.parametrize(
    ("identity_kwargs", "code"),
    [
        ({"locality_code": "UA46060250010015970"}, "not_resident"),
        ({"birth_date": dt.date.today() - dt.timedelta(days=15 * 366)}, "too_young"),
        ({"is_legal_entity": True}, None),
    ],
)
def test_only_eligible_people_write(zhytomyr, identity_kwargs, code):
    user = CitizenFactory(identity=IdentityFactory(**identity_kwargs))
    with pytest.raises(PermissionRefused) as exc:
        write(user, zhytomyr)
    if code:
        assert exc.value.code == code
    assert not Petition.objects.exists()


def test_account_without_identity_cannot_write(zhytomyr):
    with pytest.raises(PermissionRefused):
        write(UserFactory(), zhytomyr)


def test_images_are_reencoded_without_metadata_and_junk_is_refused(zhytomyr, resident):
    buffer = io.BytesIO()
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # camera make
    image.save(buffer, "JPEG", exif=exif)
    photo = SimpleUploadedFile("street.jpg", buffer.getvalue(), "image/jpeg")
    petition = write(resident, zhytomyr, attachments=[photo])
    stored = petition.attachments.get()
    assert stored.kind == PetitionAttachment.Kind.IMAGE
    with stored.file.open("rb") as fh:
        assert not Image.open(fh).getexif()
    junk = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    with pytest.raises(DomainError):
        write(resident, zhytomyr, title="Друга петиція про щось інше", attachments=[junk])
    assert Petition.objects.count() == 1


# --- deadlines on the working-day calendar ---------------------------------------------


def test_moderation_deadline_skips_weekend_and_holiday(monkeypatch, zhytomyr, resident,
                                                       statute):
    Holiday.objects.create(municipality=zhytomyr, date=dt.date(2026, 8, 24),
                           name="День Незалежності")
    statute.moderation_working_days = 3
    statute.save()
    petition = write(resident, zhytomyr)
    # Thursday 20 August, 22:30 in Kyiv: Fri 21 (1), Sat-Sun, Mon 24 holiday,
    # Tue 25 (2), Wed 26 (3).
    freeze(monkeypatch, dt.datetime(2026, 8, 20, 22, 30, tzinfo=KYIV))
    petition = services.petition_submit(actor=resident, petition=petition)
    assert petition.moderation_due == dt.date(2026, 8, 26)
    deadline = selectors.petition_deadline(petition, today=dt.date(2026, 8, 21))
    assert deadline.working_days_left == 2
    assert "2 working days" in deadline.label
    late = selectors.petition_deadline(petition, today=dt.date(2026, 8, 27))
    assert late.overdue
    assert petition in selectors.petition_overdue_list(
        municipality=zhytomyr, today=dt.date(2026, 8, 27)
    )


def test_answer_deadline_counts_from_the_day_the_threshold_is_reached(
    monkeypatch, zhytomyr, moderator, statute, django_capture_on_commit_callbacks
):
    Holiday.objects.create(municipality=zhytomyr, date=dt.date(2026, 8, 24),
                           name="День Незалежності")
    statute.signature_threshold = 2
    statute.answer_working_days = 10
    statute.save()
    petition = PetitionFactory(municipality=zhytomyr, status=Petition.Status.MODERATION)
    freeze(monkeypatch, dt.datetime(2026, 8, 10, 9, 0, tzinfo=KYIV))
    petition = services.petition_approve(actor=moderator, petition=petition)
    # Friday 14 August: 17-21 (5), the weekend, Mon 24 holiday, 25-28 (9), 31 (10).
    freeze(monkeypatch, dt.datetime(2026, 8, 14, 12, 0, tzinfo=KYIV))
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_create(actor=CitizenFactory(), petition=petition)
    petition.refresh_from_db()
    assert petition.status == Petition.Status.COLLECTING
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_create(actor=CitizenFactory(), petition=petition)
    petition.refresh_from_db()
    assert petition.status == Petition.Status.THRESHOLD_REACHED
    assert petition.answer_due == dt.date(2026, 8, 31)


def test_statute_is_copied_at_publication_and_later_edits_do_not_touch_it(
    zhytomyr, moderator, admin, statute
):
    petition = PetitionFactory(municipality=zhytomyr, status=Petition.Status.MODERATION)
    statute.signature_threshold = 150
    statute.collection_days = 30
    statute.signers_public = False
    statute.save()
    services.petition_approve(actor=moderator, petition=petition)
    services.petition_settings_update(
        actor=admin, municipality=zhytomyr,
        changes={"signature_threshold": 10000, "collection_days": 90},
    )
    petition.refresh_from_db()
    assert petition.signature_threshold == 150
    assert not petition.signers_public
    published_day = petition.published_at.astimezone(zhytomyr.tz).date()
    assert petition.last_signing_day == published_day + dt.timedelta(days=30)
    assert AuditEntry.objects.filter(action="petitions.statute_changed").exists()


def test_only_the_admin_edits_the_statute_and_bad_values_change_nothing(
    zhytomyr, moderator, admin, statute
):
    with pytest.raises(PermissionRefused):
        services.petition_settings_update(
            actor=moderator, municipality=zhytomyr, changes={"signature_threshold": 5}
        )
    with pytest.raises(ValidationError):
        services.petition_settings_update(
            actor=admin, municipality=zhytomyr, changes={"addressees": ["president"]}
        )
    with pytest.raises(ValidationError):
        services.petition_settings_update(
            actor=admin, municipality=zhytomyr, changes={"signature_threshold": 0}
        )
    statute.refresh_from_db()
    assert statute.signature_threshold == 250
    assert statute.addressees == ["council", "mayor", "executive"]


# --- signing ---------------------------------------------------------------------------


def test_signing_once_per_person_across_accounts(zhytomyr):
    petition = collecting(zhytomyr)
    person = CitizenFactory()
    second_account = UserFactory(identity=person.identity)
    services.signature_create(actor=person, petition=petition)
    with pytest.raises(Conflict) as exc:
        services.signature_create(actor=second_account, petition=petition)
    assert "already signed" in str(exc.value.message)
    assert selectors.signature_count(petition) == 1
    assert Signature.objects.count() == 1


def test_signing_closes_exactly_at_the_end_of_the_period(monkeypatch, zhytomyr, moderator,
                                                         statute):
    statute.collection_days = 10
    statute.save()
    petition = PetitionFactory(municipality=zhytomyr, status=Petition.Status.MODERATION)
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 15, 0, tzinfo=KYIV))
    petition = services.petition_approve(actor=moderator, petition=petition)
    assert petition.collection_ends_at == dt.datetime(2026, 3, 13, 0, 0, tzinfo=KYIV)
    freeze(monkeypatch, dt.datetime(2026, 3, 12, 23, 59, 59, tzinfo=KYIV))
    services.signature_create(actor=CitizenFactory(), petition=petition)
    freeze(monkeypatch, dt.datetime(2026, 3, 13, 0, 0, tzinfo=KYIV))
    with pytest.raises(DomainError) as exc:
        services.signature_create(actor=CitizenFactory(), petition=petition)
    assert "collection period is over" in str(exc.value.message)
    assert selectors.signature_count(petition) == 1


@pytest.fixture
def signing_cache(settings):
    """Workers keep a signable petition for a while, as in production."""
    settings.PETITION_SIGNING_CACHE_SECONDS = 30
    selectors.forget_signing_petition()
    yield
    selectors.forget_signing_petition()


def test_a_worker_copy_of_a_petition_that_stopped_collecting_takes_no_signature(
    zhytomyr, signing_cache
):
    petition = collecting(zhytomyr)
    selectors.petition_for_signing(municipality=zhytomyr, pk=petition.pk)
    # The petition stops collecting after this worker kept its copy.
    Petition.objects.filter(pk=petition.pk).update(status=Petition.Status.EXPIRED)
    stale = selectors.petition_for_signing(municipality=zhytomyr, pk=petition.pk)
    assert stale.status == Petition.Status.COLLECTING
    with pytest.raises(DomainError) as exc:
        services.signature_create(actor=CitizenFactory(), petition=stale)
    assert exc.value.code == "closed"
    assert not Signature.objects.filter(petition=petition).exists()
    assert selectors.signature_count(petition) == 0
    # The refusal dropped the copy: the next request reads the petition afresh.
    fresh = selectors.petition_for_signing(municipality=zhytomyr, pk=petition.pk)
    assert fresh.status == Petition.Status.EXPIRED


def test_a_worker_copy_is_kept_only_for_a_signable_petition_and_handed_out_as_a_copy(
    zhytomyr, signing_cache, django_assert_num_queries
):
    petition = collecting(zhytomyr)
    first = selectors.petition_for_signing(municipality=zhytomyr, pk=petition.pk)
    first.title = "changed by a caller"
    with django_assert_num_queries(0):
        again = selectors.petition_for_signing(municipality=zhytomyr, pk=petition.pk)
    assert again.title == petition.title
    answered = PetitionFactory(municipality=zhytomyr, status=Petition.Status.ANSWERED)
    selectors.petition_for_signing(municipality=zhytomyr, pk=answered.pk)
    with django_assert_num_queries(1):
        selectors.petition_for_signing(municipality=zhytomyr, pk=answered.pk)


def test_period_end_expires_a_petition_without_enough_signatures(monkeypatch, zhytomyr):
    petition = collecting(zhytomyr, signature_threshold=5)
    enough = collecting(zhytomyr, signature_threshold=1)
    sign_row(enough)
    freeze(monkeypatch, max(petition.collection_ends_at, enough.collection_ends_at))
    services.petitions_close_due()
    petition.refresh_from_db()
    enough.refresh_from_db()
    assert petition.status == Petition.Status.EXPIRED
    assert enough.status == Petition.Status.THRESHOLD_REACHED
    assert Notification.objects.filter(
        recipient=petition.author, kind="petitions.petition_expired"
    ).exists()
    # Running it again changes nothing.
    assert services.petitions_close_due() == []


def test_non_resident_teen_and_draft_cannot_sign(zhytomyr):
    petition = collecting(zhytomyr)
    outsider = CitizenFactory(identity=IdentityFactory(locality_code="UA46060250010015970"))
    teen = CitizenFactory(identity=IdentityFactory(
        birth_date=dt.date.today() - dt.timedelta(days=15 * 366)))
    for person, code in ((outsider, "not_resident"), (teen, "too_young")):
        with pytest.raises(PermissionRefused) as exc:
            services.signature_create(actor=person, petition=petition)
        assert exc.value.code == code
    draft = PetitionFactory(municipality=zhytomyr)
    with pytest.raises(DomainError):
        services.signature_create(actor=CitizenFactory(), petition=draft)
    assert not Signature.objects.exists()


def test_threshold_notifies_author_and_signers_and_answer_reaches_followers(
    zhytomyr, official, django_capture_on_commit_callbacks
):
    from edem.participation.services import follow_set

    petition = collecting(zhytomyr, signature_threshold=2)
    signers = [CitizenFactory(), CitizenFactory()]
    follower = CitizenFactory()
    follow_set(actor=follower, target=petition, following=True)
    for signer in signers:
        with django_capture_on_commit_callbacks(execute=True):
            services.signature_create(actor=signer, petition=petition)
    petition.refresh_from_db()
    assert petition.status == Petition.Status.THRESHOLD_REACHED
    reached = Notification.objects.filter(kind="petitions.threshold_reached")
    assert {n.recipient for n in reached} == {petition.author, *signers}
    services.petition_consider(actor=official, petition=petition)
    services.petition_answer(actor=official, petition=petition, decision="supported",
                             text="Підтримано, виконаємо у травні.")
    answered = Notification.objects.filter(kind="petitions.petition_answered")
    assert {n.recipient for n in answered} == {petition.author, *signers, follower}


def test_answer_and_rejection_need_their_text(zhytomyr, moderator, official):
    on_moderation = PetitionFactory(municipality=zhytomyr,
                                    status=Petition.Status.MODERATION)
    with pytest.raises(DomainError):
        services.petition_reject(actor=moderator, petition=on_moderation, reason="  ")
    considered = PetitionFactory(municipality=zhytomyr,
                                 status=Petition.Status.UNDER_CONSIDERATION)
    with pytest.raises(DomainError):
        services.petition_answer(actor=official, petition=considered, decision="maybe",
                                 text="Так")
    with pytest.raises(DomainError):
        services.petition_answer(actor=official, petition=considered,
                                 decision="supported", text="")
    on_moderation.refresh_from_db()
    considered.refresh_from_db()
    assert on_moderation.status == Petition.Status.MODERATION
    assert considered.status == Petition.Status.UNDER_CONSIDERATION


def test_staff_of_another_municipality_cannot_act(zhytomyr, dnipro):
    from tests.petitions.conftest import staff

    other = staff(dnipro, "moderator")
    petition = PetitionFactory(municipality=zhytomyr, status=Petition.Status.MODERATION)
    with pytest.raises(PermissionRefused):
        services.petition_approve(actor=other, petition=petition)


def test_rate_limit_per_session(zhytomyr, statute):
    from django.core.cache import cache

    cache.clear()
    statute.sign_limit_per_session = 2
    statute.save()
    petitions = [collecting(zhytomyr) for _ in range(3)]
    person = CitizenFactory()
    for petition in petitions[:2]:
        services.signature_create(actor=person, petition=petition, session_key="abc")
    with pytest.raises(services.RateLimited):
        services.signature_create(actor=person, petition=petitions[2], session_key="abc")
    assert Signature.objects.count() == 2


# --- counting --------------------------------------------------------------------------


def test_reconciliation_reports_and_repairs_drift(zhytomyr, caplog):
    petition = collecting(zhytomyr)
    for _ in range(3):
        services.signature_create(actor=CitizenFactory(), petition=petition)
    assert services.signature_counts_reconcile() == []
    petition.counters.filter(shard=0).update(count=40)
    drift = services.signature_counts_reconcile()
    assert drift == [{"petition": petition.pk, "rows": 3, "counted": 43}] or drift == [
        {"petition": petition.pk, "rows": 3, "counted": 40 + sum(
            c.count for c in petition.counters.exclude(shard=0))}
    ]
    assert "drift" in caplog.text
    assert selectors.signature_count(petition) == 3
    petition.refresh_from_db()
    assert petition.signature_count == 3


def test_flush_copies_the_exact_count_for_sorting(zhytomyr):
    petition = collecting(zhytomyr)
    sign_row(petition)
    sign_row(petition)
    services.flush_signature_counts()
    petition.refresh_from_db()
    assert petition.signature_count == 2


# --- fraud controls ----------------------------------------------------------------------


def test_bulk_invalidation_by_subnet_and_time(zhytomyr, moderator):
    petition = collecting(zhytomyr, signature_threshold=3)
    now = timezone.now()
    bots = [sign_row(petition, ip=f"203.0.113.{n}", when=now - dt.timedelta(minutes=n))
            for n in range(1, 4)]
    honest = sign_row(petition, ip="198.51.100.5", when=now - dt.timedelta(minutes=2))
    early = sign_row(petition, ip="203.0.113.9", when=now - dt.timedelta(hours=5))
    services.petition_threshold_check(petition_id=petition.pk)
    petition.refresh_from_db()
    assert petition.status == Petition.Status.THRESHOLD_REACHED
    since, until = now - dt.timedelta(hours=1), now
    preview = services.signatures_matching(petition=petition, network="203.0.113.0/24",
                                           since=since, until=until)
    assert {s.pk for s in preview} == {b.pk for b in bots}
    with pytest.raises(DomainError):
        services.signature_invalidate_bulk(
            actor=moderator, petition=petition, network="203.0.113.0/24", since=since,
            until=until, reason="",
        )
    batch = services.signature_invalidate_bulk(
        actor=moderator, petition=petition, network="203.0.113.0/24", since=since,
        until=until, reason="Сотні підписів за хвилину з однієї мережі",
    )
    assert batch.invalidated == 3
    assert selectors.signature_count(petition) == 2
    petition.refresh_from_db()
    assert petition.status == Petition.Status.COLLECTING  # below the threshold again
    assert petition.answer_due is None
    honest.refresh_from_db()
    early.refresh_from_db()
    assert honest.is_valid and early.is_valid
    told = Notification.objects.filter(kind="petitions.signature_invalidated")
    assert {n.recipient for n in told} == {b.user for b in bots}
    entry = AuditEntry.objects.get(action="petitions.signatures_invalidated")
    assert entry.actor == moderator and entry.after["invalidated"] == 3
    # The person may sign again, properly.
    services.signature_create(actor=bots[0].user, petition=petition)
    assert selectors.signature_count(petition) == 3


def test_invalidation_needs_a_moderator_and_a_valid_network(zhytomyr, official):
    petition = collecting(zhytomyr)
    sign_row(petition)
    now = timezone.now()
    with pytest.raises(PermissionRefused):
        services.signature_invalidate_bulk(
            actor=official, petition=petition, network="203.0.113.7",
            since=now - dt.timedelta(hours=1), until=now, reason="Боти",
        )
    with pytest.raises(DomainError):
        services.signatures_matching(petition=petition, network="not-an-ip",
                                     since=now - dt.timedelta(hours=1), until=now)


def test_fraud_report_flags_fast_addresses(zhytomyr, statute):
    statute.suspicious_per_hour = 2
    statute.save()
    petition = collecting(zhytomyr)
    for _ in range(5):
        sign_row(petition, ip="203.0.113.7")
    sign_row(petition, ip="198.51.100.1")
    report = selectors.fraud_report(
        municipality=zhytomyr, since=timezone.now() - dt.timedelta(hours=1)
    )
    flagged = {r["network"] for r in report["by_ip"] if r["flagged"]}
    assert flagged == {"203.0.113.7"}
    assert report["by_subnet"][0]["network"] == "203.0.113.0/24"


# --- similar petitions ---------------------------------------------------------------------


def test_similar_petitions_are_suggested_within_the_municipality(zhytomyr, dnipro):
    mine = collecting(zhytomyr, title="Велодоріжка на вулиці Київській")
    collecting(zhytomyr, title="Ремонт даху школи №5")
    collecting(dnipro, title="Велодоріжка на вулиці Київській у Дніпрі")
    found = selectors.petition_similar(
        municipality=zhytomyr, title="Велодоріжки на Київській вулиці"
    )
    assert found == [mine]
