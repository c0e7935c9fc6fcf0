"""One Wagtail screen per module's statute settings, built from the models.

Every concrete ``MunicipalitySettings`` subclass gets an edit screen scoped to
the admin's municipalities, so a module adds its statute fields by declaring
the model alone.
"""

from __future__ import annotations

from django.forms.models import modelform_factory
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from . import services
from .admin_scoping import (
    ADMINS,
    MunicipalityRolePermissionPolicy,
    MunicipalityScopedViewSetMixin,
    municipalities_with_role,
)


class StatuteSettingsViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    """Edit one module's statute settings of one's own municipalities."""

    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = False
    icon = "cogs"

    def get_form_class(self, for_update=False):
        fields = [
            f.name for f in self.model._meta.get_fields()
            if getattr(f, "editable", False) and f.concrete and not f.auto_created
            and f.name != "municipality"
        ]
        return modelform_factory(self.model, form=WagtailAdminModelForm, fields=fields)

    def scope_queryset(self, user, queryset):
        # Every municipality the admin runs has its row, with the defaults.
        for municipality in municipalities_with_role(user, ADMINS):
            services.statute_settings_ensure(municipality=municipality)
        return super().scope_queryset(user, queryset)

    def service_update(self, request, form, instance):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        return services.statute_settings_update(
            actor=request.user, settings_row=instance, changes=changes
        )


def statute_settings_group() -> list[ModelViewSetGroup]:
    viewsets = []
    for model in services.statute_settings_models():
        register_permission_policy(
            model,
            MunicipalityRolePermissionPolicy(
                model,
                roles_by_action={"view": ADMINS, "change": ADMINS},
                superuser_actions=("view", "change"),
            ),
        )
        name = f"statute-{model._meta.app_label}-{model._meta.model_name}"
        viewsets.append(
            type(
                f"{model.__name__}ViewSet",
                (StatuteSettingsViewSet,),
                {
                    "model": model,
                    "menu_label": model._meta.verbose_name_plural.capitalize(),
                    "list_display": ["municipality", "__str__"],
                },
            )(name)
        )
    if not viewsets:
        return []
    return [type(
        "StatuteSettingsGroup",
        (ModelViewSetGroup,),
        {"menu_label": _("Statute settings"), "menu_icon": "cogs", "menu_order": 260,
         "items": tuple(viewsets)},
    )()]
