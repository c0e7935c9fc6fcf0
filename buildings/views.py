"""Thin views: parse input, call a service or selector, render."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from edem.accounts.tokens import TokenError
from edem.core.errors import DomainError
from edem.core.forms import add_validation_errors
from edem.municipalities.models import Municipality
from edem.participation.models import Comment
from edem.participation.selectors import discussion

from . import selectors, services, signing
from .forms import (
    AnnouncementForm,
    BallotForm,
    CancelForm,
    ClaimForm,
    DisputeForm,
    FaultForm,
    LinkForm,
    MeetingForm,
    PaperBallotForm,
    ReadingForm,
    RegisterImportForm,
    ResolveForm,
    VerifyForm,
)
from .models import (
    INITIATIVE_MIN_MEMBERS,
    Meeting,
    MeterReading,
    OwnerClaim,
    PaperBallot,
    Premises,
    Protocol,
)


def _refuse(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


def _can(user, perm: str, obj) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(perm, obj))


def _require_page(user, perm: str, obj) -> None:
    if not _can(user, perm, obj):
        raise PermissionDenied


# --- buildings ------------------------------------------------------------------------------


def building_list(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """The municipality's buildings on the platform; the viewer's own ones first."""
    mine = [
        o
        for o in selectors.my_buildings(user=request.user)
        if o.building.municipality_id == municipality.pk
    ]
    managed = [
        b
        for b in selectors.building_list(municipality=municipality)
        if _can(request.user, "buildings.change_building", b)
    ]
    return render(
        request,
        "buildings/building_list.html",
        {
            "buildings": selectors.building_list(municipality=municipality)[:200],
            "mine": mine,
            "managed": managed,
            "link_form": LinkForm(),
            "claim_form": ClaimForm(
                buildings=selectors.building_list(municipality=municipality)
            ),
        },
    )


@login_required
@require_POST
def owner_claim(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Ask the administrator to confirm that I am an owner (without a code)."""
    form = ClaimForm(
        request.POST, buildings=selectors.building_list(municipality=municipality)
    )
    if form.is_valid():
        try:
            services.owner_claim(
                actor=request.user,
                building=form.cleaned_data["building"],
                premises_number=form.cleaned_data["premises_number"],
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        except DomainError as exc:
            _refuse(request, exc)
        else:
            messages.success(
                request, _("Your request is sent to the building's administrator.")
            )
    else:
        messages.error(
            request, _("Choose the building and give the number of your premises.")
        )
    return redirect("buildings:list", municipality=municipality.slug)


@login_required
@require_POST
def owner_claim_decide(
    request: HttpRequest, municipality: Municipality, pk: int, claim_pk: int
) -> HttpResponse:
    building = selectors.building_get(municipality=municipality, pk=pk)
    claim = OwnerClaim.objects.filter(building=building, pk=claim_pk).first()
    if claim is None:
        raise Http404
    owner = None
    if request.POST.get("decision") == "confirm":
        owner = building.owners.filter(pk=request.POST.get("owner") or 0).first()
        if owner is None:
            messages.error(
                request, _("Choose the owner of the register this person is.")
            )
            return redirect("buildings:manage", municipality=municipality.slug, pk=pk)
    try:
        services.owner_claim_decide(
            actor=request.user,
            claim=claim,
            owner=owner,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        _refuse(request, exc)
    else:
        messages.success(request, _("The request is decided; the person is told."))
    return redirect("buildings:manage", municipality=municipality.slug, pk=pk)


@login_required
@require_POST
def owner_link(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            owner = services.owner_link(
                actor=request.user, code=form.cleaned_data["code"]
            )
        except DomainError as exc:
            _refuse(request, exc)
        else:
            messages.success(
                request,
                _("You are now linked as an owner of %(address)s.")
                % {"address": owner.building.address},
            )
            return redirect(owner.building.get_absolute_url())
    return redirect("buildings:list", municipality=municipality.slug)


def _cabinet_context(request, building) -> dict:
    from opencity.services import category_choices

    user = request.user
    owner = services.owner_of(user=user, building=building)
    my_premises = (
        Premises.objects.filter(ownerships__owner=owner)
        if owner
        else Premises.objects.none()
    )
    # Owners also see initiative groups' drafts, so they can join them.
    meetings = list(
        selectors.meeting_list(
            municipality=building.municipality, building=building, public_only=False
        ).exclude(
            status=Meeting.Status.DRAFT, initiator=Meeting.Initiator.ADMINISTRATOR
        )
    )
    return {
        "building": building,
        "owner": owner,
        "weight": services.owner_weight(owner) if owner else None,
        "ownerships": selectors.owner_premises(owner) if owner else [],
        "meetings": meetings,
        "announcements": building.announcements.all()[:10],
        "can_manage": _can(user, "buildings.change_building", building),
        "reading_form": ReadingForm(premises_qs=my_premises),
        "readings": MeterReading.objects.filter(
            premises__in=my_premises
        ).select_related("premises")[:24],
        "fault_form": FaultForm(categories=category_choices(building.municipality)),
        **discussion(
            viewer=user,
            municipality=building.municipality,
            target=building,
            comment_url=reverse(
                "buildings:board",
                kwargs={"municipality": building.municipality.slug, "pk": building.pk},
            ),
            can_reply=owner is not None,
        ),
    }


@login_required
def building_detail(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    """The building cabinet of an owner (or its administrator)."""
    building = selectors.building_get(municipality=municipality, pk=pk)
    _require_page(request.user, "buildings.view_cabinet", building)
    return render(
        request, "buildings/building_detail.html", _cabinet_context(request, building)
    )


@login_required
@require_POST
def board_post(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    building = selectors.building_get(municipality=municipality, pk=pk)
    parent = None
    if request.POST.get("parent", "").isdigit():
        parent = Comment.objects.filter(
            pk=int(request.POST["parent"]), municipality=municipality
        ).first()
    try:
        services.board_post(
            actor=request.user,
            building=building,
            body=request.POST.get("body", ""),
            parent=parent,
        )
    except DomainError as exc:
        _refuse(request, exc)
    else:
        messages.success(request, _("Your message is on the board."))
    return redirect(building.get_absolute_url() + "#board")


@login_required
@require_POST
def fault_report(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    from opencity.services import category_choices

    building = selectors.building_get(municipality=municipality, pk=pk)
    form = FaultForm(request.POST, categories=category_choices(municipality))
    if form.is_valid():
        try:
            report = services.fault_report(
                actor=request.user,
                building=building,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        except DomainError as exc:
            _refuse(request, exc)
        else:
            messages.success(
                request,
                _("Your fault request №%(n)d is sent to the management.")
                % {"n": report.pk},
            )
            return redirect(report.get_absolute_url())
    else:
        messages.error(request, _("Choose what is broken and describe the fault."))
    return redirect(building.get_absolute_url() + "#faults")


@login_required
@require_POST
def reading_submit(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    building = selectors.building_get(municipality=municipality, pk=pk)
    owner = services.owner_of(user=request.user, building=building)
    premises_qs = (
        Premises.objects.filter(ownerships__owner=owner)
        if owner
        else Premises.objects.none()
    )
    form = ReadingForm(request.POST, premises_qs=premises_qs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.reading_submit(
                actor=request.user,
                premises=data["premises"],
                kind=data["kind"],
                period=data["period"],
                value=data["value"],
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        except DomainError as exc:
            _refuse(request, exc)
        else:
            messages.success(request, _("The reading is saved."))
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return redirect(building.get_absolute_url() + "#readings")


# --- administration of a building ----------------------------------------------------------------


@login_required
def building_manage(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    """The administrator's screen: register, invitations, announcements, meetings, readings."""
    building = selectors.building_get(municipality=municipality, pk=pk)
    _require_page(request.user, "buildings.change_building", building)
    import_form = RegisterImportForm()
    announcement_form = AnnouncementForm()
    if request.method == "POST" and "import" in request.POST:
        import_form = RegisterImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            try:
                summary = services.register_import(
                    actor=request.user,
                    building=building,
                    upload=import_form.cleaned_data["file"],
                )
            except ValidationError as exc:
                add_validation_errors(import_form, exc)
            except DomainError as exc:
                _refuse(request, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The register is imported: %(premises)d premises, %(owners)d owners, "
                        "%(shares)d shares."
                    )
                    % {
                        "premises": summary.premises,
                        "owners": summary.owners,
                        "shares": summary.shares,
                    },
                )
                return redirect(
                    "buildings:manage", municipality=municipality.slug, pk=pk
                )
    elif request.method == "POST" and "announce" in request.POST:
        announcement_form = AnnouncementForm(request.POST)
        if announcement_form.is_valid():
            try:
                services.announcement_publish(
                    actor=request.user,
                    building=building,
                    **announcement_form.cleaned_data,
                )
            except ValidationError as exc:
                add_validation_errors(announcement_form, exc)
            else:
                messages.success(request, _("The announcement is published."))
                return redirect(
                    "buildings:manage", municipality=municipality.slug, pk=pk
                )
    rows = selectors.register_rows(building)
    return render(
        request,
        "buildings/building_manage.html",
        {
            "building": building,
            "import_form": import_form,
            "announcement_form": announcement_form,
            "rows": rows,
            "owners": building.owners.select_related("identity").order_by("full_name"),
            "total_area": services.building_total_area(building),
            "meetings": selectors.meeting_list(
                municipality=municipality, building=building, public_only=False
            ),
            "month": timezone.localdate().strftime("%Y-%m"),
            "claims": building.owner_claims.filter(
                status=OwnerClaim.Status.PENDING
            ).select_related("identity"),
            "unlinked": building.owners.filter(identity__isnull=True).order_by(
                "full_name"
            ),
        },
    )


@login_required
@require_POST
def owner_invite(
    request: HttpRequest, municipality: Municipality, pk: int, owner_pk: int
) -> HttpResponse:
    building = selectors.building_get(municipality=municipality, pk=pk)
    owner = building.owners.filter(pk=owner_pk).first()
    if owner is None:
        raise Http404
    try:
        code = services.owner_invite(actor=request.user, owner=owner)
    except DomainError as exc:
        _refuse(request, exc)
    else:
        messages.success(
            request,
            _(
                "Invitation code for %(name)s: %(code)s — hand it to the owner; it is shown only once."
            )
            % {"name": owner.full_name, "code": code},
        )
    return redirect("buildings:manage", municipality=municipality.slug, pk=pk)


@login_required
def readings_export(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    building = selectors.building_get(municipality=municipality, pk=pk)
    try:
        period = dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        period = timezone.localdate().replace(day=1)
    try:
        text = services.readings_csv(
            actor=request.user, building=building, period=period
        )
    except DomainError as exc:
        raise PermissionDenied(str(exc)) from exc
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="readings-{building.pk}-{period:%Y-%m}.csv"'
    )
    return response


@login_required
def meeting_create(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    building = selectors.building_get(municipality=municipality, pk=pk)
    _require_page(request.user, "buildings.call_meeting", building)
    as_owner = not _can(request.user, "buildings.change_meeting", building)
    if request.method == "POST":
        form = MeetingForm(request.POST, as_owner=as_owner)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_create(
                    actor=request.user,
                    building=building,
                    title=data["title"],
                    description=data["description"],
                    initiator=data.get("initiator")
                    or Meeting.Initiator.INITIATIVE_GROUP,
                    initiative_group=data.get("initiative_group") or "",
                    voting_starts_at=data["voting_starts_at"],
                    voting_ends_at=data["voting_ends_at"],
                    items=form.items(),
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                if as_owner:
                    messages.success(
                        request,
                        ngettext(
                            "The meeting is prepared. Ask your neighbours to join the "
                            "initiative group; with %(n)d owner it can be announced.",
                            "The meeting is prepared. Ask your neighbours to join the "
                            "initiative group; with %(n)d owners it can be announced.",
                            INITIATIVE_MIN_MEMBERS,
                        )
                        % {"n": INITIATIVE_MIN_MEMBERS},
                    )
                    return redirect(meeting.get_absolute_url())
                messages.success(
                    request,
                    _("The meeting is prepared; announce it to notify the owners."),
                )
                return redirect(
                    "buildings:meeting_manage",
                    municipality=municipality.slug,
                    pk=meeting.pk,
                )
    else:
        start = timezone.localtime() + dt.timedelta(days=building.notice_days, hours=1)
        form = MeetingForm(
            as_owner=as_owner,
            initial={
                "voting_starts_at": start.replace(minute=0, second=0, microsecond=0),
                "voting_ends_at": (start + dt.timedelta(days=14)).replace(
                    minute=0, second=0, microsecond=0
                ),
            },
        )
    return render(
        request,
        "buildings/meeting_form.html",
        {
            "building": building, "form": form, "as_owner": as_owner,
            "initiative_min_members": INITIATIVE_MIN_MEMBERS,
        },
    )


# --- meetings ----------------------------------------------------------------------------------


def _meeting_for(request, municipality: Municipality, pk: int) -> Meeting:
    """A meeting for its owners and administrators.

    A draft is for the administrators, and an initiative group's draft also
    for the building's owners, who may join the group.
    """
    meeting = selectors.meeting_get(municipality=municipality, pk=pk, public_only=False)
    if meeting.status == Meeting.Status.DRAFT:
        initiative = meeting.initiator == Meeting.Initiator.INITIATIVE_GROUP
        if not (
            _can(request.user, "buildings.change_meeting", meeting)
            or (initiative and _can(request.user, "buildings.vote", meeting))
        ):
            raise PermissionDenied
    return meeting


def _initiative_context(user, meeting: Meeting, state: dict) -> dict:
    """The initiative group of a draft: its members, and whether the viewer may join or announce."""
    if meeting.status != Meeting.Status.DRAFT:
        return {}
    members = list(meeting.initiative_members.select_related("owner"))
    owner = state.get("owner")
    is_member = owner is not None and any(m.owner_id == owner.pk for m in members)
    return {
        "initiative_members": members,
        "initiative_needed": INITIATIVE_MIN_MEMBERS,
        "can_join": meeting.initiator == Meeting.Initiator.INITIATIVE_GROUP
        and owner is not None
        and not is_member,
        "can_announce": services.may_announce(user, meeting),
    }


@login_required
def meeting_detail(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    """Agenda, rules, live turnout while voting runs, the owner's ballot, results and protocol."""
    meeting = _meeting_for(request, municipality, pk)
    _require_page(request.user, "buildings.view_cabinet", meeting.building)
    state = selectors.my_meeting_state(user=request.user, meeting=meeting)
    ballot_form = None
    if state.get("owner") is not None and meeting.voting_open():
        ballot_form = BallotForm(
            meeting=meeting,
            initial={
                f"item_{item_id}": vote.choice
                for item_id, vote in state["votes"].items()
            },
        )
    results = selectors.meeting_results(meeting) if meeting.results_final() else None
    return render(
        request,
        "buildings/meeting_detail.html",
        {
            "meeting": meeting,
            "building": meeting.building,
            "items": meeting.items.all(),
            "state": state,
            "ballot_form": ballot_form,
            "dispute_form": DisputeForm(),
            "results": results,
            "turnout": selectors.turnout_data(meeting)
            if meeting.status != Meeting.Status.DRAFT
            else None,
            "protocol": Protocol.objects.filter(meeting=meeting).first(),
            "can_manage": _can(request.user, "buildings.change_meeting", meeting),
            **_initiative_context(request.user, meeting, state),
        },
    )


def meeting_turnout(
    request: HttpRequest, municipality: Municipality, pk: int
) -> JsonResponse:
    """The live turnout bar's figures (area shares only, never how anyone voted)."""
    meeting = selectors.meeting_get(municipality=municipality, pk=pk)
    return JsonResponse(selectors.turnout_data(meeting))


@login_required
@require_POST
def meeting_vote(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    meeting = selectors.meeting_get(municipality=municipality, pk=pk)
    form = BallotForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.ballot_cast(
                actor=request.user, meeting=meeting, choices=form.choices()
            )
        except DomainError as exc:
            _refuse(request, exc)
        else:
            messages.success(request, _("Thank you: your vote is counted."))
    else:
        messages.error(request, _("Choose for, against or abstain."))
    return redirect(meeting.get_absolute_url())


@login_required
@require_POST
def ballot_dispute(
    request: HttpRequest, municipality: Municipality, pk: int, ballot_pk: int
) -> HttpResponse:
    meeting = selectors.meeting_get(municipality=municipality, pk=pk)
    ballot = PaperBallot.objects.filter(meeting=meeting, pk=ballot_pk).first()
    if ballot is None:
        raise Http404
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what is wrong with the ballot."))
    else:
        try:
            services.paper_ballot_dispute(
                actor=request.user, ballot=ballot, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            _refuse(request, exc)
        else:
            messages.success(request, _("Your objection is sent to the administrator."))
    return redirect(meeting.get_absolute_url() + "#my-ballot")


@login_required
def ballot_scan(
    request: HttpRequest, municipality: Municipality, pk: int, ballot_pk: int
) -> FileResponse:
    """The scan, for the owner it was entered for and the administrators only."""
    meeting = selectors.meeting_get(municipality=municipality, pk=pk)
    ballot = (
        PaperBallot.objects.filter(meeting=meeting, pk=ballot_pk)
        .select_related("owner")
        .first()
    )
    if ballot is None:
        raise Http404
    own = (
        bool(request.user.identity_id)
        and ballot.owner.identity_id == request.user.identity_id
    )
    if not own and not _can(request.user, "buildings.enter_paper_ballot", meeting):
        raise PermissionDenied
    ballot.scan.open("rb")
    return FileResponse(ballot.scan, filename=f"ballot-{ballot.pk}.{ballot.scan_kind}")


@login_required
def meeting_manage(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    """The administrator's screen of a meeting: announce, paper ballots, disputes, close."""
    meeting = _meeting_for(request, municipality, pk)
    _require_page(request.user, "buildings.change_meeting", meeting)
    paper_form = PaperBallotForm(meeting=meeting)
    if request.method == "POST":
        paper_form = PaperBallotForm(request.POST, request.FILES, meeting=meeting)
        if paper_form.is_valid():
            try:
                services.paper_ballot_enter(
                    actor=request.user,
                    meeting=meeting,
                    owner=paper_form.cleaned_data["owner"],
                    choices=paper_form.choices(),
                    scan=paper_form.cleaned_data["scan"],
                )
            except ValidationError as exc:
                add_validation_errors(paper_form, exc)
            except DomainError as exc:
                paper_form.add_error(None, exc.message)
            else:
                messages.success(request, _("The paper ballot is entered and counted."))
                return redirect(
                    "buildings:meeting_manage", municipality=municipality.slug, pk=pk
                )
    return render(
        request,
        "buildings/meeting_manage.html",
        {
            "meeting": meeting,
            "building": meeting.building,
            "items": meeting.items.all(),
            "paper_form": paper_form,
            "ballots": meeting.paper_ballots.select_related("owner").order_by(
                "-created_at"
            ),
            "resolve_form": ResolveForm(),
            "cancel_form": CancelForm(),
            "turnout": selectors.turnout_data(meeting)
            if meeting.status != Meeting.Status.DRAFT
            else None,
            "votes": selectors.vote_list(meeting),
            "unlinked": meeting.building.owners.filter(identity__isnull=True).order_by(
                "full_name"
            ),
            "earliest_start": timezone.now()
            + dt.timedelta(days=meeting.building.notice_days),
        },
    )


def _meeting_action(
    request, municipality: Municipality, pk: int, action
) -> HttpResponse:
    meeting = _meeting_for(request, municipality, pk)
    try:
        message = action(meeting)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    except DomainError as exc:
        _refuse(request, exc)
    else:
        messages.success(request, message)
    if not _can(request.user, "buildings.change_meeting", meeting):
        return redirect(meeting.get_absolute_url())
    return redirect("buildings:meeting_manage", municipality=municipality.slug, pk=pk)


@login_required
@require_POST
def initiative_join(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    def join(meeting):
        services.initiative_join(actor=request.user, meeting=meeting)
        return _("You are in the initiative group.")

    return _meeting_action(request, municipality, pk, join)


@login_required
@require_POST
def meeting_announce(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    def announce(meeting):
        services.meeting_announce(actor=request.user, meeting=meeting)
        return _("The meeting is announced; the owners are notified.")

    return _meeting_action(request, municipality, pk, announce)


@login_required
@require_POST
def meeting_close(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    def close(meeting):
        services.meeting_close(actor=request.user, meeting=meeting)
        return _("The meeting is closed and its signed protocol is published.")

    return _meeting_action(request, municipality, pk, close)


@login_required
@require_POST
def meeting_cancel(
    request: HttpRequest, municipality: Municipality, pk: int
) -> HttpResponse:
    def cancel(meeting):
        services.meeting_cancel(
            actor=request.user, meeting=meeting, reason=request.POST.get("reason", "")
        )
        return _("The meeting is cancelled.")

    return _meeting_action(request, municipality, pk, cancel)


@login_required
@require_POST
def ballot_resolve(
    request: HttpRequest, municipality: Municipality, pk: int, ballot_pk: int
) -> HttpResponse:
    def resolve(meeting):
        ballot = PaperBallot.objects.filter(meeting=meeting, pk=ballot_pk).first()
        if ballot is None:
            raise Http404
        form = ResolveForm(request.POST)
        if not form.is_valid():
            raise DomainError(
                _("Choose a decision and write your answer to the owner.")
            )
        services.paper_ballot_resolve(
            actor=request.user,
            ballot=ballot,
            withdraw=form.cleaned_data["withdraw"],
            answer=form.cleaned_data["answer"],
        )
        return _("Your answer is sent to the owner.")

    return _meeting_action(request, municipality, pk, resolve)


# --- protocols -----------------------------------------------------------------------------------


def _protocol(municipality: Municipality, public_id) -> Protocol:
    protocol = (
        Protocol.objects.select_related("meeting__building")
        .filter(public_id=public_id, meeting__municipality=municipality)
        .first()
    )
    if protocol is None:
        raise Http404
    return protocol


def protocol_verify(
    request: HttpRequest, municipality: Municipality, public_id
) -> HttpResponse:
    """Anyone checks a protocol: the platform's signature and, for an uploaded copy, its digest."""
    protocol = _protocol(municipality, public_id)
    try:
        claims = signing.verify_signature(protocol.signature)
        signature_ok = hmac.compare_digest(
            str(claims.get(signing.CLAIM_DIGEST, "")), protocol.sha256
        )
    except TokenError:
        signature_ok = False
    form = VerifyForm()
    copy_digest = None
    copy_matches = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            hasher = hashlib.sha256()
            for chunk in upload.chunks():
                hasher.update(chunk)
            copy_digest = hasher.hexdigest()
            copy_matches = signature_ok and hmac.compare_digest(
                copy_digest, protocol.sha256
            )
    return render(
        request,
        "buildings/protocol_verify.html",
        {
            "protocol": protocol,
            "meeting": protocol.meeting,
            "signature_ok": signature_ok,
            "form": form,
            "copy_digest": copy_digest,
            "copy_matches": copy_matches,
            "public_jwk": signing.signing_key().public_jwk(),
        },
    )


def protocol_download(
    request: HttpRequest, municipality: Municipality, public_id
) -> FileResponse:
    protocol = _protocol(municipality, public_id)
    protocol.document.open("rb")
    return FileResponse(
        protocol.document,
        content_type="application/pdf",
        filename=f"protocol-{protocol.public_id}.pdf",
    )


def protocol_keys(request: HttpRequest, municipality: Municipality) -> JsonResponse:
    """The platform's public key for protocol signatures, as a JWKS."""
    return JsonResponse({"keys": [signing.signing_key().public_jwk()]})
