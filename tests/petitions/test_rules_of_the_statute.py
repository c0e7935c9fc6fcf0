"""Rate limits, the frozen eligibility policy, answers with documents, deadlines
flagged to the admin and counted publicly, list filters, plural forms."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from edem.accounts.models import EligibilityPolicy, Identity
from edem.core.errors import DomainError, PermissionRefused
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry
from petitions import selectors, services
from petitions.models import Petition, PetitionAttachment, Signature
from petitions.views import signatures_label
from tests.cms.conftest import make_staff
from tests.factories import CitizenFactory, IdentityFactory
from tests.petitions.factories import PetitionFactory, collecting, sign_row

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english_and_fresh_counters():
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


def _jpeg_with_camera() -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    Image.new("RGB", (32, 24), "blue").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


# --- rate limits -------------------------------------------------------------------------


def test_rate_limit_per_ip_counts_every_person_behind_one_address(zhytomyr, statute):
    statute.sign_limit_per_ip = 2
    statute.save()
    petition = collecting(zhytomyr)
    for _ in range(2):
        services.signature_create(actor=CitizenFactory(), petition=petition,
                                  ip="203.0.113.7")
    with pytest.raises(services.RateLimited) as exc:
        services.signature_create(actor=CitizenFactory(), petition=petition,
                                  ip="203.0.113.7")
    assert exc.value.status_code == 429
    assert "from your network" in str(exc.value.message)
    # Another address is not held back by the first one.
    services.signature_create(actor=CitizenFactory(), petition=petition, ip="198.51.100.1")
    assert Signature.objects.filter(petition=petition).count() == 3
    assert selectors.signature_count(petition) == 3


def test_zero_means_no_rate_limit(zhytomyr, statute):
    statute.sign_limit_per_ip = 0
    statute.sign_limit_per_session = 0
    statute.save()
    petitions = [collecting(zhytomyr) for _ in range(3)]
    person = CitizenFactory()
    for petition in petitions:
        services.signature_create(actor=person, petition=petition, ip="203.0.113.7",
                                  session_key="one-session")
    assert Signature.objects.filter(identity=person.identity).count() == 3


def test_a_tighter_limit_applies_at_once_after_the_statute_is_saved(zhytomyr, statute):
    petitions = [collecting(zhytomyr) for _ in range(3)]
    person = CitizenFactory()
    services.signature_create(actor=person, petition=petitions[0], session_key="s1")
    # The worker now holds the default limits; the admin tightens them.
    statute.sign_limit_per_session = 1
    statute.save()
    with pytest.raises(services.RateLimited):
        services.signature_create(actor=person, petition=petitions[1], session_key="s1")
    assert Signature.objects.filter(identity=person.identity).count() == 1


def test_page_and_api_answer_a_rate_limit_with_retry_after(client, zhytomyr, statute):
    statute.sign_limit_per_session = 1
    statute.save()
    first, second, third = (collecting(zhytomyr) for _ in range(3))
    person = CitizenFactory()
    client.force_login(person)
    assert client.post(f"/en/zhytomyr/petitions/{first.pk}/sign/").status_code == 302
    response = client.post(f"/en/zhytomyr/petitions/{second.pk}/sign/")
    assert response.status_code == 302
    assert response["Retry-After"] == "60"
    html = client.get(response["Location"]).content.decode()
    assert "You are signing too fast" in html
    api = client.post(f"/api/v1/zhytomyr/petitions/{third.pk}/sign/",
                      HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 429
    assert api["Retry-After"] == "60"
    assert api.json()["code"] == "rate_limited"
    assert Signature.objects.filter(identity=person.identity).count() == 1


# --- signing answers -------------------------------------------------------------------


def test_api_sign_returns_the_count_including_the_signer(client, zhytomyr):
    petition = collecting(zhytomyr)
    sign_row(petition)
    client.force_login(CitizenFactory())
    response = client.post(f"/api/v1/zhytomyr/petitions/{petition.pk}/sign/")
    assert response.status_code == 201
    assert response.json() == {"signed": True, "signatures": 2}


@pytest.mark.parametrize("path", ["/api/v1/dnipro/petitions/{pk}/sign/",
                                  "/api/v1/zhytomyr/petitions/{draft}/sign/",
                                  "/api/v1/zhytomyr/petitions/999999/sign/"])
def test_api_sign_of_another_municipality_or_unpublished_is_404(client, zhytomyr, dnipro,
                                                                path):
    petition = collecting(zhytomyr)
    draft = PetitionFactory(municipality=zhytomyr)
    client.force_login(CitizenFactory())
    response = client.post(path.format(pk=petition.pk, draft=draft.pk))
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_the_count_flush_completes_a_threshold_a_racing_signer_missed(zhytomyr):
    # Rows and shards hold 2 of 2 while the status still says collecting, as
    # when the last two signers' statements did not see each other.
    petition = collecting(zhytomyr, signature_threshold=2)
    sign_row(petition)
    sign_row(petition)
    assert petition.status == Petition.Status.COLLECTING
    services.flush_signature_counts(petition_ids=[petition.pk])
    petition.refresh_from_db()
    assert petition.status == Petition.Status.THRESHOLD_REACHED
    assert petition.signature_count == 2
    assert AuditEntry.objects.filter(action="petitions.threshold_reached").count() == 1
    services.flush_signature_counts()
    assert AuditEntry.objects.filter(action="petitions.threshold_reached").count() == 1


# --- eligibility is frozen at publication --------------------------------------------------


def test_publication_freezes_the_municipality_policy_narrowed_by_the_statute(
    zhytomyr, moderator, statute
):
    policy = EligibilityPolicy.for_municipality(zhytomyr)
    policy.min_age = 21
    policy.save()
    statute.accepted_auth_methods = [Identity.AuthMethod.BANKID, Identity.AuthMethod.DIIA]
    statute.save()
    petition = PetitionFactory(municipality=zhytomyr, status=Petition.Status.MODERATION)
    services.petition_approve(actor=moderator, petition=petition)
    petition.refresh_from_db()
    assert petition.min_age == 21
    assert petition.accepted_auth_methods == ["bankid", "diia"]
    twenty = CitizenFactory(identity=IdentityFactory(
        birth_date=timezone.localdate() - dt.timedelta(days=20 * 366)))
    with pytest.raises(PermissionRefused) as exc:
        services.signature_create(actor=twenty, petition=petition)
    assert exc.value.code == "too_young"
    # Later edits of the municipality's policy never touch the running petition.
    policy.min_age = 18
    policy.accepted_auth_methods = [Identity.AuthMethod.ESIGN]
    policy.save()
    services.signature_create(actor=CitizenFactory(), petition=petition)
    with pytest.raises(PermissionRefused) as exc:
        services.signature_create(actor=twenty, petition=petition)
    assert exc.value.code == "too_young"
    assert selectors.signature_count(petition) == 1


def test_approval_is_refused_when_nobody_could_sign(zhytomyr, moderator, statute):
    policy = EligibilityPolicy.for_municipality(zhytomyr)
    policy.accepted_auth_methods = [Identity.AuthMethod.DIIA]
    policy.save()
    statute.accepted_auth_methods = [Identity.AuthMethod.BANKID]
    statute.save()
    petition = PetitionFactory(municipality=zhytomyr, status=Petition.Status.MODERATION)
    with pytest.raises(DomainError) as exc:
        services.petition_approve(actor=moderator, petition=petition)
    assert exc.value.code == "no_login_method"
    petition.refresh_from_db()
    assert petition.status == Petition.Status.MODERATION
    assert not AuditEntry.objects.filter(action="petitions.petition_published").exists()


# --- moderation results reach the author ---------------------------------------------------


def test_author_hears_of_publication_and_of_rejection_with_the_reason(zhytomyr, moderator):
    published = PetitionFactory(municipality=zhytomyr, status=Petition.Status.MODERATION)
    rejected = PetitionFactory(municipality=zhytomyr, status=Petition.Status.MODERATION)
    services.petition_approve(actor=moderator, petition=published)
    services.petition_reject(actor=moderator, petition=rejected,
                             reason="Питання не належить до повноважень громади")
    told = Notification.objects.get(recipient=published.author,
                                    kind="petitions.petition_published")
    assert published.title in told.title
    refused = Notification.objects.get(recipient=rejected.author,
                                       kind="petitions.petition_rejected")
    assert refused.body == "Питання не належить до повноважень громади"


# --- the answer with documents -------------------------------------------------------------


def test_answer_with_a_document_and_a_photo(zhytomyr, official):
    petition = PetitionFactory(municipality=zhytomyr,
                               status=Petition.Status.UNDER_CONSIDERATION)
    documents = [
        SimpleUploadedFile("rishennia.pdf", PDF, "application/pdf"),
        SimpleUploadedFile("skhema.jpg", _jpeg_with_camera(), "image/jpeg"),
    ]
    services.petition_answer(actor=official, petition=petition, decision="partly",
                             text="Частково: освітлення — цього року, камери — наступного.",
                             attachments=documents)
    stored = {a.kind: a for a in petition.attachments.filter(is_answer=True)}
    assert set(stored) == {PetitionAttachment.Kind.DOCUMENT, PetitionAttachment.Kind.IMAGE}
    assert stored["document"].title == "rishennia.pdf"
    with stored["document"].file.open("rb") as fh:
        assert fh.read() == PDF
    with stored["image"].file.open("rb") as fh:
        assert not Image.open(fh).getexif()
    petition.refresh_from_db()
    assert petition.status == Petition.Status.ANSWERED


def test_an_answer_with_a_bad_file_changes_nothing(zhytomyr, official):
    petition = PetitionFactory(municipality=zhytomyr,
                               status=Petition.Status.UNDER_CONSIDERATION)
    junk = SimpleUploadedFile("rishennia.pdf", b"MZ\x90\x00 not a document", "application/pdf")
    with pytest.raises(DomainError):
        services.petition_answer(actor=official, petition=petition, decision="supported",
                                 text="Підтримано.", attachments=[junk])
    petition.refresh_from_db()
    assert petition.status == Petition.Status.UNDER_CONSIDERATION
    assert petition.answer_text == ""
    assert not PetitionAttachment.objects.exists()
    assert not Notification.objects.filter(kind="petitions.petition_answered").exists()
    assert not AuditEntry.objects.filter(action="petitions.petition_answered").exists()


def test_the_answer_form_publishes_documents_shown_on_the_public_page(client, zhytomyr):
    official = make_staff(zhytomyr, "official", "zh-official")
    petition = PetitionFactory(municipality=zhytomyr,
                               status=Petition.Status.UNDER_CONSIDERATION)
    client.force_login(official)
    response = client.post(f"/cms/petitions/{petition.pk}/", {
        "step": "answer", "answer-decision": "supported",
        "answer-text": "Підтримано: ремонт у травні.",
        "answer-attachments": [SimpleUploadedFile("rishennia.pdf", PDF,
                                                  "application/pdf")],
    })
    assert response.status_code == 302
    document = PetitionAttachment.objects.get(petition=petition, is_answer=True)
    client.logout()
    html = client.get(f"/en/zhytomyr/petitions/{petition.pk}/").content.decode()
    assert "Підтримано: ремонт у травні." in html
    assert document.file.url in html


# --- deadlines: flagged to the admin, counted in public ------------------------------------


def test_overdue_petitions_are_flagged_to_the_admin_and_counted_in_public(
    client, zhytomyr, dnipro, admin
):
    today = zhytomyr.local_today()
    late_moderation = PetitionFactory(
        municipality=zhytomyr, status=Petition.Status.MODERATION,
        submitted_at=timezone.now(), moderation_due=today - dt.timedelta(days=2),
    )
    late_answer = PetitionFactory(
        municipality=zhytomyr, status=Petition.Status.THRESHOLD_REACHED,
        answer_due=today - dt.timedelta(days=1), threshold_reached_at=timezone.now(),
    )
    on_time = PetitionFactory(
        municipality=zhytomyr, status=Petition.Status.UNDER_CONSIDERATION,
        answer_due=today + dt.timedelta(days=5), threshold_reached_at=timezone.now(),
    )
    answered_late = PetitionFactory(municipality=zhytomyr, status=Petition.Status.ANSWERED)
    Petition.objects.filter(pk=answered_late.pk).update(
        answer_due=today - dt.timedelta(days=10)
    )
    admin.language = "en"  # the alert is written in the language the admin reads
    admin.save(update_fields=["language"])
    assert services.petition_overdue_alert() == 1
    alert = Notification.objects.get(recipient=admin, kind="petitions.deadline_overdue")
    assert alert.title == "2 petitions are past their deadline"
    assert late_moderation.title in alert.body and late_answer.title in alert.body
    assert on_time.title not in alert.body
    figures = selectors.petition_statistics(municipality=zhytomyr)
    assert figures["overdue"] == 2
    assert figures["answered_late"] == 1
    assert selectors.petition_statistics(municipality=dnipro)["overdue"] == 0
    html = client.get("/en/zhytomyr/petitions/").content.decode()
    assert "Past their deadline now</th><td>2</td>" in html
    assert "Answered after the deadline</th><td>1</td>" in html


def test_deadline_badges_and_overdue_flag_on_the_public_page(client, zhytomyr):
    today = zhytomyr.local_today()
    petition = PetitionFactory(
        municipality=zhytomyr, status=Petition.Status.THRESHOLD_REACHED,
        answer_due=today - dt.timedelta(days=7), threshold_reached_at=timezone.now(),
    )
    html = client.get(f"/en/zhytomyr/petitions/{petition.pk}/").content.decode()
    assert 'data-deadline="answer" data-overdue' in html
    assert "Answer overdue by" in html


# --- the list: filters, sorting, progress --------------------------------------------------


def test_list_filters_by_status_category_and_addressee_and_sorts(client, zhytomyr):
    now = timezone.now()
    lights = collecting(zhytomyr, title="Ліхтарі у сквері", category="Благоустрій",
                        addressee="mayor", signature_threshold=10)
    Petition.objects.filter(pk=lights.pk).update(
        collection_ends_at=now + dt.timedelta(days=2), signature_count=7
    )
    school = collecting(zhytomyr, title="Ремонт школи", category="Освіта",
                        addressee="council", signature_threshold=10)
    Petition.objects.filter(pk=school.pk).update(
        collection_ends_at=now + dt.timedelta(days=20), signature_count=1
    )
    answered = PetitionFactory(municipality=zhytomyr, status=Petition.Status.ANSWERED,
                               title="Зупинка біля ринку", category="Транспорт і дороги")

    def titles(**params):
        html = client.get("/en/zhytomyr/petitions/", params).content.decode()
        found = [t for t in (lights.title, school.title, answered.title) if t in html]
        return sorted(found, key=html.index)

    assert titles(status="answered") == [answered.title]
    assert titles(category="Освіта") == [school.title]
    assert titles(addressee="mayor") == [lights.title]
    assert titles(sort="signatures")[:2] == [lights.title, school.title]
    assert titles(sort="ending") == [lights.title, school.title]
    assert titles(status="answered", category="Освіта") == []


# --- plural forms ----------------------------------------------------------------------------


def test_counts_are_worded_with_plural_forms(client, zhytomyr, statute):
    assert signatures_label(1) == "1 signature"
    assert signatures_label(5) == "5 signatures"
    one = selectors.Deadline("answer", dt.date(2026, 9, 1), 1)
    three = selectors.Deadline("moderation", dt.date(2026, 9, 1), 3)
    late = selectors.Deadline("answer", dt.date(2026, 9, 1), -1)
    assert one.label == "Answer due in 1 working day"
    assert three.label == "Moderation due in 3 working days"
    assert late.label == "Answer overdue by 1 working day"
    statute.signature_threshold = 1
    statute.collection_days = 1
    statute.answer_working_days = 1
    statute.save()
    html = client.get("/en/zhytomyr/petitions/").content.decode()
    assert "A petition needs 1 signature," in html
    assert "collected within 1 day;" in html
    assert "answers within 1 working day." in html
    statute.signature_threshold = 250
    statute.collection_days = 60
    statute.answer_working_days = 10
    statute.save()
    html = client.get("/en/zhytomyr/petitions/").content.decode()
    assert "A petition needs 250 signatures," in html
    assert "collected within 60 days;" in html
    assert "answers within 10 working days." in html
    collecting(zhytomyr, title="Велодоріжка на вулиці Київській")
    data = client.get("/en/zhytomyr/petitions/similar/",
                      {"title": "Велодоріжка Київська"}).json()
    assert data["results"][0]["signatures_label"] == "0 signatures"


def test_the_category_filter_takes_the_statute_categories_after_the_class_was_inspected():
    """Schema generation builds the class's form fields; instances must not inherit them."""
    from petitions.filters import PetitionFilter

    class_field = PetitionFilter.base_filters["category"].field  # as the schema does
    assert "Освіта" not in [value for value, _label in class_field.choices]
    petition_filter = PetitionFilter({"category": "Освіта"}, queryset=Petition.objects.none(),
                                     categories=["Освіта"])
    assert petition_filter.is_valid(), petition_filter.errors
