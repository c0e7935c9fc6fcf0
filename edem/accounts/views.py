"""Pages of the accounts app: residency confirmation by municipality staff."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from edem.core.errors import DomainError
from edem.municipalities.models import Municipality

from .forms import ResidencyConfirmForm, ResidencyRevokeForm
from .models import ResidencyConfirmation
from .selectors import identity_find_by_number, residency_confirmation_list
from .services import residency_confirm, residency_revoke


def _municipality_for_staff(request: HttpRequest, municipality) -> Municipality:
    # The municipality middleware has already turned the slug into the object.
    if not isinstance(municipality, Municipality):
        municipality = get_object_or_404(Municipality, slug=municipality, is_active=True)
    if not request.user.has_perm("accounts.confirm_residency", municipality):
        # Staff of another municipality see nothing of this one.
        raise Http404(_("There is no such page."))
    return municipality


@login_required
@sensitive_post_parameters("number")
def residency_list(request: HttpRequest, municipality) -> HttpResponse:
    """Confirmations in force and the form to confirm another person's residency."""
    municipality = _municipality_for_staff(request, municipality)
    form = ResidencyConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identity = identity_find_by_number(
            number=form.cleaned_data["number"], pepper=settings.IDENTITY_PEPPER
        )
        if identity is None:
            form.add_error(
                "number",
                _(
                    "Nobody with this number has logged in yet. Ask the person to "
                    "log in once with BankID, e-signature or Diia, then try again."
                ),
            )
        else:
            try:
                residency_confirm(
                    actor=request.user,
                    identity=identity,
                    municipality=municipality,
                    document=form.cleaned_data["document"],
                    valid_until=form.cleaned_data["valid_until"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Residency of %(name)s is confirmed.")
                    % {"name": identity.full_name or identity.pk},
                )
                return redirect("accounts:confirm_residency", municipality=municipality.slug)
    page = Paginator(residency_confirmation_list(municipality=municipality), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/residencyconfirmation_list.html",
        {
            "municipality_obj": municipality,
            "form": form,
            "page_obj": page,
            "revoke_form": ResidencyRevokeForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def residency_revoke_view(request: HttpRequest, municipality, pk: int) -> HttpResponse:
    municipality = _municipality_for_staff(request, municipality)
    confirmation = get_object_or_404(
        ResidencyConfirmation, pk=pk, municipality=municipality
    )
    form = ResidencyRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the confirmation is withdrawn."))
    else:
        try:
            residency_revoke(
                actor=request.user,
                confirmation=confirmation,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The confirmation is withdrawn."))
    return redirect("accounts:confirm_residency", municipality=municipality.slug)
