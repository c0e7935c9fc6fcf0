"""Staff screens of the module as Wagtail viewsets.

Municipality admins set up the category tree (deadline class, responsible
organisations, extra fields) and the deadline classes, and issue or revoke
Open311 keys. Municipality staff see every report of their municipality sorted
by deadline with overdue badges; steps (accept, resolve, forward…) are taken
on the report's page, where the services check the organisation roles. Each
screen shows only the staff member's own municipalities; every change goes
through the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from edem.municipalities.admin_scoping import (
    ADMINS,
    ALL_STAFF,
    MunicipalityRolePermissionPolicy,
    MunicipalityScopedViewSetMixin,
)

from . import services
from .models import DEADLINE_STATUSES, Category, DeadlineClass, Open311Key, Report, Work

register_permission_policy(
    Category,
    MunicipalityRolePermissionPolicy(
        Category, roles_by_action={"view": ALL_STAFF, "add": ADMINS, "change": ADMINS}
    ),
)
register_permission_policy(
    DeadlineClass,
    MunicipalityRolePermissionPolicy(
        DeadlineClass,
        roles_by_action={"view": ALL_STAFF, "add": ADMINS, "change": ADMINS},
    ),
)
register_permission_policy(
    Open311Key,
    MunicipalityRolePermissionPolicy(
        Open311Key, roles_by_action={"view": ADMINS, "add": ADMINS, "delete": ADMINS}
    ),
)
register_permission_policy(
    Report,
    MunicipalityRolePermissionPolicy(Report, roles_by_action={"view": ALL_STAFF}),
)
register_permission_policy(
    Work, MunicipalityRolePermissionPolicy(Work, roles_by_action={"view": ALL_STAFF}),
)


class CategoryForm(WagtailAdminModelForm):
    class Meta:
        model = Category
        fields = ["municipality", "parent", "code", "name_uk", "name_en", "description",
                  "deadline_class", "organisations", "fields", "is_active", "order"]
        widgets = {"organisations": forms.CheckboxSelectMultiple}


class CategoryViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Category
    icon = "list-ul"
    menu_label = _("Report categories")
    copy_view_enabled = False
    list_display = ["name_uk", "code", "parent", "deadline_class", "is_active",
                    "municipality"]
    list_filter = ["is_active"]
    search_fields = ["name_uk", "name_en", "code"]
    form_fields = CategoryForm.Meta.fields

    def get_form_class(self, for_update=False):
        return CategoryForm

    def limit_form(self, user, form, action):
        super().limit_form(user, form, action)
        allowed = self.allowed_municipalities(user, action)
        form.fields["parent"].queryset = Category.objects.filter(municipality__in=allowed)
        form.fields["deadline_class"].queryset = DeadlineClass.objects.filter(
            municipality__in=allowed)
        form.fields["organisations"].queryset = form.fields[
            "organisations"].queryset.filter(municipality__in=allowed)

    def _save(self, request, form, instance=None):
        data = dict(form.cleaned_data)
        organisations = data.pop("organisations", None)
        municipality = data.pop("municipality", None) or instance.municipality
        return services.category_save(
            actor=request.user, municipality=municipality, data=data,
            category=instance, organisations=organisations,
        )

    def service_create(self, request, form):
        return self._save(request, form)

    def service_update(self, request, form, instance):
        return self._save(request, form, Category.objects.get(pk=instance.pk))


class DeadlineClassViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = DeadlineClass
    icon = "time"
    menu_label = _("Deadline classes")
    copy_view_enabled = False
    list_display = ["name_uk", "code", "hours", "counting", "municipality"]
    form_fields = ["municipality", "code", "name_uk", "name_en", "hours", "counting"]

    def service_create(self, request, form):
        return services.deadline_class_save(
            actor=request.user, municipality=form.cleaned_data["municipality"],
            data=form.cleaned_data,
        )

    def service_update(self, request, form, instance):
        stored = DeadlineClass.objects.get(pk=instance.pk)
        return services.deadline_class_save(
            actor=request.user, municipality=stored.municipality, data=form.cleaned_data,
            deadline_class=stored,
        )


class KeyForm(WagtailAdminModelForm):
    class Meta:
        model = Open311Key
        fields = ["municipality", "name"]


class Open311KeyViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    model = Open311Key
    icon = "key"
    menu_label = _("Open311 keys")
    copy_view_enabled = False
    list_display = ["name", "prefix", "created_at", "revoked_at", "municipality"]

    def get_form_class(self, for_update=False):
        return KeyForm

    def service_create(self, request, form):
        key, raw = services.open311_key_issue(
            actor=request.user, municipality=form.cleaned_data["municipality"],
            name=form.cleaned_data["name"],
        )
        messages.warning(
            request,
            _("Copy the key now, it is not shown again: %(key)s") % {"key": raw},
        )
        return key

    def service_delete(self, request, instance):
        # Deleting revokes: reports keep the key they came with.
        services.open311_key_revoke(actor=request.user, key=instance)


class DeadlineColumn(Column):
    """The report's deadline with an overdue badge."""

    def get_value(self, instance):
        if instance.due_at is None or instance.status not in DEADLINE_STATUSES:
            return "—"
        local = timezone.localtime(instance.due_at, instance.municipality.tz)
        if instance.due_at < timezone.now():
            return format_html('<span class="w-status w-status--label">{}</span> {}',
                               _("overdue"), local.strftime("%d.%m.%Y %H:%M"))
        return local.strftime("%d.%m.%Y %H:%M")


class PageLinkColumn(Column):
    def get_value(self, instance):
        return format_html('<a href="{}" target="_blank">{}</a>',
                           instance.get_absolute_url(), _("open to act"))


class ReportViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    """Every report of the staff's municipalities, earliest deadline first."""

    model = Report
    icon = "warning"
    menu_label = _("Problem reports")
    add_view_enabled = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["__str__", "status", "organisation",
                    DeadlineColumn("due_at", label=_("deadline")),
                    PageLinkColumn("link", label=_("actions"))]
    list_filter = ["status", "organisation", "source"]
    search_fields = ["description", "address"]
    ordering = ["due_at", "-created_at"]
    form_fields = ["status"]

    def get_queryset(self, request):
        return Report.objects.select_related("category", "organisation", "municipality")


class WorkViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    """Published works of the staff's municipalities; organisations publish,
    change and cancel them on the public pages, where the services check roles."""

    model = Work
    icon = "site"
    menu_label = _("Works")
    add_view_enabled = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["title", "kind", "organisation", "starts_at", "ends_at", "cancelled_at",
                    PageLinkColumn("link", label=_("actions"))]
    list_filter = ["kind", "organisation"]
    search_fields = ["title", "affected_addresses"]
    ordering = ["-starts_at"]
    form_fields = ["title"]

    def get_queryset(self, request):
        return Work.objects.select_related("organisation", "municipality")


class OpenCityGroup(ModelViewSetGroup):
    menu_label = _("Open city")
    menu_icon = "warning"
    menu_order = 260
    items = (
        ReportViewSet("opencity_report"),
        WorkViewSet("opencity_work"),
        CategoryViewSet("opencity_category"),
        DeadlineClassViewSet("opencity_deadline_class"),
        Open311KeyViewSet("opencity_open311_key"),
    )


@hooks.register("register_admin_viewset")
def register_opencity_screens():
    return OpenCityGroup()

