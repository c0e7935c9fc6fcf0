"""Staff screens of the municipality: building managements, buildings and administrators.

Municipality admins register the managements (OSBB or company) and their
buildings with the voting rules, and appoint each management's
administrator, who then runs the register and the meetings on the
building's own pages. Every write goes through the services.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from edem.municipalities.admin_scoping import (
    ADMINS,
    ALL_STAFF,
    MunicipalityRolePermissionPolicy,
    MunicipalityScopedViewSetMixin,
)
from edem.municipalities.wagtail_hooks import NamedAccountRoleForm

from . import services
from .models import Building, Management, ManagementRole

register_permission_policy(
    Management,
    MunicipalityRolePermissionPolicy(
        Management, roles_by_action={"view": ALL_STAFF, "add": ADMINS, "change": ADMINS}
    ),
)
register_permission_policy(
    Building,
    MunicipalityRolePermissionPolicy(
        Building, roles_by_action={"view": ALL_STAFF, "add": ADMINS, "change": ADMINS}
    ),
)
register_permission_policy(
    ManagementRole,
    MunicipalityRolePermissionPolicy(
        ManagementRole,
        municipality_path="management__municipality",
        roles_by_action={"view": ADMINS, "add": ADMINS, "delete": ADMINS},
    ),
)


class ManagementViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Management
    icon = "group"
    menu_label = _("Managements")
    copy_view_enabled = False
    list_display = ["name", "kind", "organisation", "municipality"]
    search_fields = ["name"]
    form_fields = [
        "municipality",
        "name",
        "kind",
        "organisation",
        "payment_url",
        "email",
        "phone",
    ]

    def limit_form(self, user, form, action):
        super().limit_form(user, form, action)
        allowed = self.allowed_municipalities(user, action)
        form.fields["organisation"].queryset = form.fields[
            "organisation"
        ].queryset.filter(municipality__in=allowed)

    def service_create(self, request, form):
        data = dict(form.cleaned_data)
        return services.management_save(
            actor=request.user, municipality=data.pop("municipality"), data=data
        )

    def service_update(self, request, form, instance):
        stored = Management.objects.get(pk=instance.pk)
        data = dict(form.cleaned_data)
        data.pop("municipality", None)
        return services.management_save(
            actor=request.user,
            municipality=stored.municipality,
            data=data,
            management=stored,
        )


class BuildingViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Building
    icon = "home"
    menu_label = _("Buildings")
    copy_view_enabled = False
    list_display = [
        "address",
        "management",
        "notice_days",
        "paper_rule",
        "municipality",
    ]
    search_fields = ["address"]
    form_fields = [
        "municipality",
        "management",
        "address",
        "lat",
        "lon",
        "notice_days",
        "votes_changeable",
        "paper_rule",
    ]

    def limit_form(self, user, form, action):
        super().limit_form(user, form, action)
        allowed = self.allowed_municipalities(user, action)
        form.fields["management"].queryset = Management.objects.filter(
            municipality__in=allowed
        )

    def service_create(self, request, form):
        data = dict(form.cleaned_data)
        return services.building_save(
            actor=request.user, municipality=data.pop("municipality"), data=data
        )

    def service_update(self, request, form, instance):
        stored = Building.objects.get(pk=instance.pk)
        data = dict(form.cleaned_data)
        data.pop("municipality", None)
        return services.building_save(
            actor=request.user,
            municipality=stored.municipality,
            data=data,
            building=stored,
        )


class ManagementRoleForm(NamedAccountRoleForm):
    class Meta:
        model = ManagementRole
        fields = ["management", "role"]


class ManagementRoleViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = ManagementRole
    municipality_path = "management__municipality"
    icon = "user"
    menu_label = _("Building administrators")
    copy_view_enabled = False
    edit_view_enabled = False
    list_display = ["user", "role", "management"]
    form_fields = ["management", "username", "role"]

    def get_form_class(self, for_update=False):
        return ManagementRoleForm

    def limit_form(self, user, form, action):
        super().limit_form(user, form, action)
        allowed = self.allowed_municipalities(user, action)
        form.fields["management"].queryset = Management.objects.filter(
            municipality__in=allowed
        )

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.management_role_grant(
            actor=request.user,
            management=data["management"],
            user=form.instance.user,
            role=data["role"],
        )

    def service_delete(self, request, instance):
        services.management_role_revoke(actor=request.user, grant=instance)


class BuildingsGroup(ModelViewSetGroup):
    menu_label = _("Electronic house")
    menu_icon = "home"
    menu_order = 270
    items = (
        BuildingViewSet("buildings_building"),
        ManagementViewSet("buildings_management"),
        ManagementRoleViewSet("buildings_role"),
    )


@hooks.register("register_admin_viewset")
def register_buildings_screens():
    return BuildingsGroup()
