"""Staff screens of accounts: residency confirmation, linked from the admin menu."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent

from edem.municipalities.admin_scoping import ADMINS, municipalities_with_role


class ResidencyMenuItem(MenuItem):
    """Shown to municipality admins; opens the page of their (first) municipality."""

    def is_shown(self, request) -> bool:
        return municipalities_with_role(request.user, ADMINS).exists()

    def render_component(self, request):
        municipality = (
            municipalities_with_role(request.user, ADMINS).order_by("name_uk").first()
        )
        return LinkMenuItemComponent(
            self.name, self.label,
            reverse("accounts:confirm_residency", kwargs={"municipality": municipality.slug}),
            icon_name=self.icon_name, classname=self.classname, attrs=self.attrs,
        )


@hooks.register("register_admin_menu_item")
def register_residency_menu_item():
    return ResidencyMenuItem(
        _("Residency confirmation"), "#", icon_name="user", order=270,
    )
