"""Staff screens of a municipality in the Wagtail admin.

Municipality admins edit their municipality (names, coat of arms, boundary,
centre, time zone, weekend days, locality codes), its calendar of days off,
its module switches, its organisations and who holds which staff role. Each
screen lists and opens only the rows of the admin's own municipalities, and
every change goes through the municipality services (and so into the audit
log).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.images.widgets import AdminImageChooser
from wagtail.permissions import register_permission_policy

from edem.participation.registry import registry

from . import services
from .admin_scoping import (
    ADMINS,
    ALL_STAFF,
    MunicipalityRolePermissionPolicy,
    MunicipalityScopedViewSetMixin,
)
from .models import FeatureFlag, Holiday, Municipality, MunicipalityRole, Organisation

# Policies first: Wagtail must not fall back to model permissions for these.
register_permission_policy(
    Municipality,
    MunicipalityRolePermissionPolicy(
        Municipality,
        municipality_path="pk",
        roles_by_action={"view": ADMINS, "change": ADMINS},
        superuser_actions=("view", "change", "add"),
    ),
)
register_permission_policy(
    Holiday,
    MunicipalityRolePermissionPolicy(
        Holiday,
        roles_by_action={
            "view": ADMINS,
            "add": ADMINS,
            "change": ADMINS,
            "delete": ADMINS,
        },
    ),
)
register_permission_policy(
    FeatureFlag,
    MunicipalityRolePermissionPolicy(
        FeatureFlag,
        roles_by_action={"view": ADMINS, "add": ADMINS, "change": ADMINS},
    ),
)
register_permission_policy(
    Organisation,
    MunicipalityRolePermissionPolicy(
        Organisation,
        roles_by_action={"view": ALL_STAFF, "add": ADMINS, "change": ADMINS},
    ),
)
register_permission_policy(
    MunicipalityRole,
    MunicipalityRolePermissionPolicy(
        MunicipalityRole,
        roles_by_action={"view": ADMINS, "add": ADMINS, "delete": ADMINS},
    ),
)


class MunicipalityViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Municipality
    municipality_path = "pk"
    icon = "home"
    menu_label = _("Municipality")
    copy_view_enabled = False
    list_display = ["name_uk", "name_en", "slug", "kind"]
    search_fields = ["name_uk", "name_en", "slug"]
    create_fields = ["slug", *services.MUNICIPALITY_EDITABLE_FIELDS]

    def formfield_for_dbfield(self, db_field, **kwargs):
        if db_field.name == "coat_of_arms":
            kwargs["widget"] = AdminImageChooser()
        return super().formfield_for_dbfield(db_field, **kwargs)

    def get_form_fields(self):
        return list(services.MUNICIPALITY_EDITABLE_FIELDS)

    def get_form_class(self, for_update=False):
        from django.forms.models import modelform_factory

        return modelform_factory(
            Municipality,
            form=WagtailAdminModelForm,
            formfield_callback=self.formfield_for_dbfield,
            fields=list(services.MUNICIPALITY_EDITABLE_FIELDS)
            if for_update
            else self.create_fields,
        )

    def service_create(self, request, form):
        data = form.cleaned_data
        municipality = services.municipality_create(
            actor=request.user,
            slug=data["slug"],
            name_uk=data["name_uk"],
            name_en=data["name_en"],
            kind=data["kind"],
            centre=(data["centre_lat"], data["centre_lon"]),
            boundary=data.get("boundary") or None,
            timezone=data["timezone"],
            locality_codes=data.get("locality_codes") or [],
        )
        extra = {
            name: data[name]
            for name in ("coat_of_arms", "weekend_days")
            if data.get(name)
        }
        if extra:
            municipality = services.municipality_update(
                actor=request.user, municipality=municipality, changes=extra
            )
        return municipality

    def service_update(self, request, form, instance):
        # The form has already copied the new values onto the instance; the
        # service compares them with the stored row.
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        return services.municipality_update(
            actor=request.user, municipality=instance, changes=changes
        )


class HolidayCreateForm(WagtailAdminModelForm):
    class Meta:
        model = Holiday
        fields = ["municipality", "date", "name", "is_working_day"]


class HolidayEditForm(WagtailAdminModelForm):
    class Meta:
        model = Holiday
        fields = ["name", "is_working_day"]


class HolidayViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Holiday
    icon = "date"
    menu_label = _("Calendar of days off")
    copy_view_enabled = False
    list_display = ["date", "name", "is_working_day", "municipality"]
    list_filter = ["is_working_day"]
    search_fields = ["name"]

    def get_form_class(self, for_update=False):
        return HolidayEditForm if for_update else HolidayCreateForm

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.holiday_set(
            actor=request.user,
            municipality=data["municipality"],
            date=data["date"],
            name=data["name"],
            is_working_day=data["is_working_day"],
        )

    def service_update(self, request, form, instance):
        data = form.cleaned_data
        return services.holiday_set(
            actor=request.user,
            municipality=instance.municipality,
            date=instance.date,
            name=data["name"],
            is_working_day=data["is_working_day"],
        )

    def service_delete(self, request, instance):
        services.holiday_remove(actor=request.user, holiday=instance)


def _module_choices():
    return [(m.name, m.verbose_name) for m in registry.all() if m.url_name]


class FeatureFlagCreateForm(WagtailAdminModelForm):
    module = forms.ChoiceField(label=_("module"), choices=_module_choices)

    class Meta:
        model = FeatureFlag
        fields = ["municipality", "module", "enabled"]


class FeatureFlagEditForm(WagtailAdminModelForm):
    class Meta:
        model = FeatureFlag
        fields = ["enabled"]


class FeatureFlagViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = FeatureFlag
    icon = "tick-inverse"
    menu_label = _("Module switches")
    copy_view_enabled = False
    list_display = ["module", "enabled", "municipality"]
    list_filter = ["enabled"]

    def get_form_class(self, for_update=False):
        return FeatureFlagEditForm if for_update else FeatureFlagCreateForm

    def limit_form(self, user, form, action: str) -> None:
        super().limit_form(user, form, action)
        field = form.fields.get("municipality")
        if field is not None:
            # Only a platform admin sets the platform-wide default (no municipality).
            field.required = not user.is_superuser

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.module_switch(
            actor=request.user,
            municipality=data.get("municipality"),
            module=data["module"],
            enabled=data["enabled"],
        )

    def service_update(self, request, form, instance):
        return services.module_switch(
            actor=request.user,
            municipality=instance.municipality,
            module=instance.module,
            enabled=form.cleaned_data["enabled"],
        )


class OrganisationForm(WagtailAdminModelForm):
    class Meta:
        model = Organisation
        fields = ["municipality", *services.ORGANISATION_FIELDS]


class OrganisationEditForm(WagtailAdminModelForm):
    class Meta:
        model = Organisation
        fields = list(services.ORGANISATION_FIELDS)


class OrganisationViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Organisations")
    copy_view_enabled = False
    list_display = ["name_uk", "phone", "is_dispatcher", "municipality"]
    search_fields = ["name_uk", "name_en"]

    def get_form_class(self, for_update=False):
        return OrganisationEditForm if for_update else OrganisationForm

    def service_create(self, request, form):
        data = dict(form.cleaned_data)
        return services.organisation_save(
            actor=request.user, municipality=data.pop("municipality"), data=data
        )

    def service_update(self, request, form, instance):
        stored = Organisation.objects.get(pk=instance.pk)
        return services.organisation_save(
            actor=request.user,
            municipality=stored.municipality,
            organisation=stored,
            data=form.cleaned_data,
        )


class NamedAccountRoleForm(WagtailAdminModelForm):
    """Give an existing account a role; the account is named, never picked from a list.

    The base of every role-granting screen (municipality staff, building
    administrators); a subclass names its role model and fields in ``Meta``.
    """

    username = forms.CharField(label=_("account (user name)"), max_length=150)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = (
            get_user_model().objects.filter(username=username, is_active=True).first()
        )
        if user is None:
            raise forms.ValidationError(_("There is no active account with this name."))
        self.instance.user = user
        return username


class RoleGrantForm(NamedAccountRoleForm):
    class Meta:
        model = MunicipalityRole
        fields = ["municipality", "role"]


class MunicipalityRoleViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = MunicipalityRole
    icon = "user"
    menu_label = _("Staff roles")
    copy_view_enabled = False
    list_display = ["user", "role", "municipality", "created_at"]
    list_filter = ["role"]

    def get_form_class(self, for_update=False):
        return RoleGrantForm

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.role_grant(
            actor=request.user,
            municipality=data["municipality"],
            user=form.instance.user,
            role=data["role"],
        )

    def service_delete(self, request, instance):
        services.role_revoke(
            actor=request.user,
            municipality=instance.municipality,
            user=instance.user,
            role=instance.role,
        )


class MunicipalityAdminGroup(ModelViewSetGroup):
    menu_label = _("My municipality")
    menu_icon = "home"
    menu_order = 250
    items = (
        MunicipalityViewSet("municipality"),
        HolidayViewSet("holiday"),
        FeatureFlagViewSet("feature_flag"),
        OrganisationViewSet("organisation"),
        MunicipalityRoleViewSet("municipality_role"),
    )


@hooks.register("register_admin_viewset")
def register_municipality_screens():
    return MunicipalityAdminGroup()


@hooks.register("register_admin_viewset")
def register_statute_settings_screens():
    from .statute_admin import statute_settings_group

    return statute_settings_group()
