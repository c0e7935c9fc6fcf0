"""Staff screens of the participation core: the audit log and comment moderation.

Municipality admins read the audit log of their municipalities; moderators
work through the queue of reported comments and hide a comment with a public
reason (the text itself is never changed).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from edem.municipalities.admin_scoping import (
    ADMINS,
    MODERATORS,
    MunicipalityRolePermissionPolicy,
    MunicipalityScopedViewSetMixin,
)

from . import services
from .models import AuditEntry, Comment

register_permission_policy(
    AuditEntry,
    MunicipalityRolePermissionPolicy(AuditEntry, roles_by_action={"view": ADMINS}),
)
register_permission_policy(
    Comment,
    MunicipalityRolePermissionPolicy(
        Comment, roles_by_action={"view": MODERATORS, "change": MODERATORS}
    ),
)


class AuditLogViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    """Read-only: who did what, when, before and after, and why."""

    model = AuditEntry
    icon = "history"
    menu_label = _("Audit log")
    menu_order = 260
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["created_at", "actor", "action", "object_repr", "municipality"]
    list_filter = {"action": ["exact"], "created_at": ["gte", "lte"]}
    search_fields = ["action", "object_repr", "reason"]
    inspect_view_fields = [
        "created_at",
        "actor",
        "municipality",
        "action",
        "object_repr",
        "before",
        "after",
        "reason",
    ]
    form_fields = ["reason"]  # never offered: the log cannot be edited


class CommentHideForm(WagtailAdminModelForm):
    reason = forms.CharField(
        label=_("Reason shown in place of the comment"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The author is told this reason; the comment text is kept."),
    )

    class Meta:
        model = Comment
        fields: list[str] = []


class CommentModerationViewSet(MunicipalityScopedViewSetMixin, ModelViewSet):
    """Reported comments, most reported first; "save" hides the comment."""

    model = Comment
    icon = "warning"
    menu_label = _("Reported comments")
    menu_order = 255
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = ["__str__", "reports_count", "status", "author", "municipality"]
    list_filter = ["status"]
    edit_template_name = "participation/admin/comment_moderate.html"

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Comment.objects.filter(reports_count__gt=0)
            .select_related("author", "municipality")
            .order_by("-reports_count", "-created_at"),
            **kwargs,
        )

    def get_form_class(self, for_update=False):
        return CommentHideForm

    def service_update(self, request, form, instance):
        return services.comment_hide(
            actor=request.user, comment=instance, reason=form.cleaned_data["reason"]
        )


@hooks.register("register_admin_viewset")
def register_audit_log():
    return AuditLogViewSet("audit_log")


@hooks.register("register_admin_viewset")
def register_comment_moderation():
    return CommentModerationViewSet("comment_moderation")
