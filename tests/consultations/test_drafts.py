"""Draft decisions: import, discussion phase, proposals, supports, report, notices."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consultations import selectors, services, texts
from consultations.models import DraftDecision, Proposal, ProposalSupport
from edem.core.errors import Conflict, DomainError, PermissionRefused
from edem.notifications.models import Notification
from edem.participation.models import AuditEntry
from tests.consultations.factories import draft_decision, proposal
from tests.factories import CitizenFactory, IdentityFactory, UserFactory

pytestmark = pytest.mark.django_db


def _docx(paragraphs) -> SimpleUploadedFile:
    from docx import Document

    document = Document()
    for style, text in paragraphs:
        document.add_paragraph(text, style=style)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile("draft.docx", out.getvalue())


def _pdf(lines) -> SimpleUploadedFile:
    """A one-page PDF with text lines, written by hand (no PDF writer needed)."""
    body = "BT /F1 11 Tf 50 780 Td 14 TL " + " ".join(
        f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(body)} >>\nstream\n{body}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{obj}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return SimpleUploadedFile("draft.pdf", out.encode("latin-1"))


def _data(department, **changes):
    now = timezone.now()
    data = {"title": "Про правила благоустрою", "summary": "Нова редакція правил.",
            "issuer": "council", "department": department,
            "discussion_starts_at": now - dt.timedelta(hours=1),
            "discussion_ends_at": now + dt.timedelta(days=14)}
    data.update(changes)
    return data


def test_text_is_split_into_headings_and_numbered_paragraphs():
    parsed = texts.split_text(
        "# Розділ 1\n\n1. Перший пункт\nпродовжується тут.\n\n2. Другий пункт.\n\nРОЗДІЛ ДРУГИЙ\n\n3. Третій."
    )
    assert [(p.kind, p.number, p.text) for p in parsed] == [
        ("heading", "", "Розділ 1"),
        ("paragraph", "1", "Перший пункт продовжується тут."),
        ("paragraph", "2", "Другий пункт."),
        ("heading", "", "РОЗДІЛ ДРУГИЙ"),
        ("paragraph", "3", "Третій."),
    ]
    # Without own numbers (or with repeated ones) paragraphs are numbered in order.
    parsed = texts.split_text("Перший абзац.\n\n1. Другий.\n\n1. Третій.")
    assert [p.number for p in parsed] == ["1", "2", "3"]
    assert parsed[1].text == "1. Другий."


def test_staff_import_the_text_from_docx(official, department, zhytomyr):
    upload = _docx([("Heading 1", "Загальні положення"),
                    ("Normal", "Правила діють на всій території громади."),
                    ("Normal", "Контроль здійснює виконавчий комітет.")])
    draft = services.draft_save(actor=official, municipality=zhytomyr,
                                data=_data(department), document=upload)
    rows = list(draft.paragraphs.values_list("kind", "number", "text"))
    assert rows == [("heading", "", "Загальні положення"),
                    ("paragraph", "1", "Правила діють на всій території громади."),
                    ("paragraph", "2", "Контроль здійснює виконавчий комітет.")]
    assert AuditEntry.objects.filter(action="consultations.draft_created").count() == 1


def test_staff_import_the_text_from_pdf(official, department, zhytomyr):
    upload = _pdf(["1. Rules apply to the whole territory", "of the community.",
                   "2. Control is with the executive committee."])
    draft = services.draft_save(actor=official, municipality=zhytomyr,
                                data=_data(department), document=upload)
    assert list(draft.paragraphs.values_list("number", "text")) == [
        ("1", "Rules apply to the whole territory of the community."),
        ("2", "Control is with the executive committee."),
    ]


def test_an_unreadable_upload_is_refused_and_nothing_is_saved(official, department, zhytomyr):
    with pytest.raises(DomainError, match="DOCX"):
        services.draft_save(actor=official, municipality=zhytomyr, data=_data(department),
                            document=SimpleUploadedFile("x.txt", b"hello"))
    with pytest.raises(DomainError):
        services.draft_save(actor=official, municipality=zhytomyr, data=_data(department),
                            document=SimpleUploadedFile("x.pdf", b"%PDF-1.4 broken"))
    assert not DraftDecision.objects.exists()


def test_a_citizen_cannot_prepare_a_draft(citizen, department, zhytomyr):
    with pytest.raises(PermissionRefused):
        services.draft_save(actor=citizen, municipality=zhytomyr, data=_data(department),
                            text="1. Текст.")


def test_a_published_text_is_frozen(official, department, zhytomyr):
    draft = services.draft_save(actor=official, municipality=zhytomyr,
                                data=_data(department), text="1. Перший.\n\n2. Другий.")
    services.draft_publish(actor=official, draft=draft)
    with pytest.raises(DomainError):
        services.draft_save(actor=official, municipality=zhytomyr, draft=draft,
                            data={"title": "Інша назва"})
    with pytest.raises(DomainError):
        services.draft_save(actor=official, municipality=zhytomyr, draft=draft,
                            data={}, text="1. Змінений текст.")
    later = draft.discussion_ends_at + dt.timedelta(days=3)
    services.draft_save(actor=official, municipality=zhytomyr, draft=draft,
                        data={"discussion_ends_at": later})
    draft.refresh_from_db()
    assert draft.discussion_ends_at == later and draft.title == "Про правила благоустрою"


def test_a_resident_comments_on_a_paragraph_and_proposes_an_amendment(zhytomyr, citizen):
    draft = draft_decision(zhytomyr)
    paragraph = draft.paragraphs.get(number="1")
    comment = services.proposal_create(actor=citizen, draft=draft, kind="comment",
                                       paragraph=paragraph, body="Замало часу на прибирання.")
    amendment = services.proposal_create(
        actor=citizen, draft=draft, kind="amendment", paragraph=paragraph,
        body="Літні люди не встигають.", proposed_text=paragraph.text.replace("8:00", "10:00"))
    draft.refresh_from_db()
    assert draft.proposals_count == 2
    assert comment.paragraph == paragraph and amendment.kind == "amendment"
    html = str(texts.diff_html(paragraph.text, amendment.proposed_text))
    deleted = [c.text for c in texts.word_diff(paragraph.text, amendment.proposed_text)
               if c.op == "delete"]
    inserted = [c.text for c in texts.word_diff(paragraph.text, amendment.proposed_text)
                if c.op == "insert"]
    assert (deleted, inserted) == (["8"], ["10"])
    assert html.count("<del>") == 1 and html.count("<ins>") == 1
    assert html.startswith("Власники будівель") and html.endswith(":00.")


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "amendment", "body": "Причина", "proposed_text": ""}, "proposed_text"),
    ({"kind": "comment", "body": "   "}, "body"),
])
def test_invalid_proposals_are_refused(zhytomyr, citizen, kwargs, field):
    draft = draft_decision(zhytomyr)
    with pytest.raises(ValidationError) as info:
        services.proposal_create(actor=citizen, draft=draft,
                                 paragraph=draft.paragraphs.get(number="1"), **kwargs)
    assert field in info.value.message_dict
    assert not Proposal.objects.exists()


def test_an_amendment_identical_to_the_original_is_refused(zhytomyr, citizen):
    draft = draft_decision(zhytomyr)
    paragraph = draft.paragraphs.get(number="1")
    with pytest.raises(ValidationError):
        services.proposal_create(actor=citizen, draft=draft, kind="amendment",
                                 paragraph=paragraph, body="Те саме",
                                 proposed_text=" " + paragraph.text)


@pytest.mark.parametrize("starts, ends", [
    (dt.timedelta(days=1), dt.timedelta(days=5)),     # not started
    (dt.timedelta(days=-5), dt.timedelta(days=-1)),   # over
])
def test_proposals_and_supports_outside_the_discussion_are_refused(zhytomyr, citizen,
                                                                  starts, ends):
    now = timezone.now()
    draft = draft_decision(zhytomyr, starts=now + starts, ends=now + ends)
    existing = proposal(draft)
    with pytest.raises(DomainError) as info:
        services.proposal_create(actor=citizen, draft=draft, kind="comment", body="Коментар")
    assert info.value.code == "closed"
    with pytest.raises(DomainError):
        services.proposal_support(actor=citizen, proposal=existing)
    assert Proposal.objects.count() == 1 and not ProposalSupport.objects.exists()


def test_a_draft_being_prepared_takes_no_proposals(zhytomyr, citizen):
    draft = draft_decision(zhytomyr, status=DraftDecision.Status.DRAFT)
    with pytest.raises(DomainError):
        services.proposal_create(actor=citizen, draft=draft, kind="comment", body="Коментар")


def test_eligibility_of_the_draft_applies(zhytomyr):
    draft = draft_decision(zhytomyr, min_age=18)
    teen = CitizenFactory(identity=IdentityFactory(birth_date=dt.date.today().replace(
        year=dt.date.today().year - 15)))
    outsider = CitizenFactory(identity=IdentityFactory(locality_code="UA12020010010035254"))
    for person in (teen, outsider):
        with pytest.raises(PermissionRefused):
            services.proposal_create(actor=person, draft=draft, kind="comment", body="Так")
    with pytest.raises(PermissionRefused):
        services.proposal_create(actor=UserFactory(), draft=draft, kind="comment", body="Так")
    assert not Proposal.objects.exists()


def test_one_support_per_person_across_accounts(zhytomyr, citizen):
    draft = draft_decision(zhytomyr)
    target = proposal(draft)
    services.proposal_support(actor=citizen, proposal=target)
    second_account = UserFactory(identity=citizen.identity)
    with pytest.raises(Conflict):
        services.proposal_support(actor=second_account, proposal=target)
    target.refresh_from_db()
    assert target.supports_count == 1 == target.supports.count()
    with pytest.raises(DomainError):
        services.proposal_support(actor=target.author, proposal=target)


def test_the_department_decides_and_publishes_the_report(zhytomyr, department,
                                                         department_head):
    draft = draft_decision(zhytomyr, department=department)
    author = CitizenFactory()
    amendment = proposal(draft, author=author, kind="amendment")
    comment = proposal(draft, body="Загальний коментар")
    hidden = proposal(draft, status=Proposal.Status.HIDDEN, hidden_reason="Образи")
    # Decisions wait for the end of the discussion.
    with pytest.raises(DomainError):
        services.proposal_decide(actor=department_head, proposal=amendment,
                                 decision="accepted", reason="Слушно")
    DraftDecision.objects.filter(pk=draft.pk).update(
        discussion_starts_at=timezone.now() - dt.timedelta(days=20),
        discussion_ends_at=timezone.now() - dt.timedelta(minutes=1))
    draft.refresh_from_db()
    services.proposal_decide(actor=department_head, proposal=amendment,
                             decision="accepted", reason="Слушна пропозиція.")
    with pytest.raises(DomainError, match="всі пропозиції"):
        services.draft_report_publish(actor=department_head, draft=draft, summary="Звіт")
    with pytest.raises(ValidationError):
        services.proposal_decide(actor=department_head, proposal=comment,
                                 decision="rejected", reason="")
    services.proposal_decide(actor=department_head, proposal=comment,
                             decision="rejected", reason="Не стосується проєкту.")
    with pytest.raises(DomainError):
        services.proposal_decide(actor=department_head, proposal=hidden,
                                 decision="rejected", reason="—")
    services.draft_report_publish(actor=department_head, draft=draft,
                                  summary="Надійшло дві пропозиції, одну враховано.")
    draft.refresh_from_db()
    assert draft.status == DraftDecision.Status.REPORTED
    final = selectors.final_text(draft=draft)
    changed = [f for f in final if f.amendment]
    assert [f.wording for f in changed] == [amendment.proposed_text]
    assert "<ins>" in str(changed[0].diff)
    notices = Notification.objects.filter(kind="consultations.report_published")
    assert {n.recipient_id for n in notices} == {author.pk, comment.author_id,
                                                 hidden.author_id}
    assert AuditEntry.objects.filter(action="consultations.proposal_decided").count() == 2
    assert AuditEntry.objects.filter(action="consultations.report_published").count() == 1


def test_a_paragraph_takes_the_wording_of_one_amendment(zhytomyr, official):
    draft = draft_decision(zhytomyr, starts=timezone.now() - dt.timedelta(days=9),
                           ends=timezone.now() - dt.timedelta(days=1))
    first = proposal(draft, kind="amendment")
    second = proposal(draft, kind="amendment", proposed_text="Прибирання до 9:00.")
    services.proposal_decide(actor=official, proposal=first, decision="accepted",
                             reason="Так")
    with pytest.raises(DomainError):
        services.proposal_decide(actor=official, proposal=second, decision="accepted",
                                 reason="Так")
    with pytest.raises(ValidationError):
        services.proposal_decide(actor=official, proposal=second, decision="partly",
                                 reason="Частково")


def test_another_departments_staff_cannot_decide(zhytomyr, dnipro):
    from edem.municipalities.models import OrganisationRole
    from tests.factories import OrganisationFactory

    draft = draft_decision(zhytomyr, starts=timezone.now() - dt.timedelta(days=9),
                           ends=timezone.now() - dt.timedelta(days=1))
    stranger = UserFactory()
    OrganisationRole.objects.create(organisation=OrganisationFactory(municipality=zhytomyr),
                                    user=stranger, role=OrganisationRole.Role.HEAD)
    with pytest.raises(PermissionRefused):
        services.proposal_decide(actor=stranger, proposal=proposal(draft),
                                 decision="rejected", reason="Ні")


def test_a_moderator_hides_a_proposal_with_a_reason(zhytomyr, moderator):
    target = proposal(draft_decision(zhytomyr))
    services.proposal_hide(actor=moderator, proposal=target, reason="Нецензурна лексика")
    target.refresh_from_db()
    assert target.status == Proposal.Status.HIDDEN and target.body  # the text stays
    assert Notification.objects.filter(recipient=target.author,
                                       kind="consultations.proposal_hidden").exists()
