"""Staff screens scoped to the municipalities where the person holds a role.

A municipality's staff see, open and change in the Wagtail admin only the rows
of their own municipalities, and only with the role the screen asks for (e.g.
the audit log is for municipality admins). A row of another municipality
answers 404, exactly like the public pages. Platform admins see everything.

Writes from these screens go through the services: a viewset says which
service creates, changes or deletes a row; the screen never saves a model
itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from wagtail.admin.views.generic import IndexView
from wagtail.permission_policies import BasePermissionPolicy

from edem.core.errors import DomainError

from .models import Municipality, MunicipalityRole
from .selectors import staff_municipalities

ALL_STAFF = (
    MunicipalityRole.Role.ADMIN,
    MunicipalityRole.Role.MODERATOR,
    MunicipalityRole.Role.OFFICIAL,
)
ADMINS = (MunicipalityRole.Role.ADMIN,)
MODERATORS = (MunicipalityRole.Role.ADMIN, MunicipalityRole.Role.MODERATOR)


def municipalities_with_role(user, roles: Iterable[str]) -> QuerySet[Municipality]:
    """The user's municipalities where they hold one of ``roles`` (all: platform admin)."""
    municipalities = staff_municipalities(user)
    if getattr(user, "is_superuser", False):
        return municipalities
    return municipalities.filter(
        roles__user=user, roles__role__in=list(roles)
    ).distinct()


def _follow(instance, path: str):
    """The object at ``path`` (``"comment__municipality"``) from ``instance``."""
    if path == "pk":
        return instance
    return reduce(
        lambda obj, name: getattr(obj, name, None), path.split("__"), instance
    )


class MunicipalityRolePermissionPolicy(BasePermissionPolicy):
    """Wagtail permissions from municipality roles instead of Django model permissions.

    ``roles_by_action`` maps a Wagtail action ("view", "add", "change",
    "delete") to the roles that may take it; an action not listed is refused to
    every municipality role. ``superuser_actions`` are what a platform admin may
    do (by default the listed actions).
    """

    def __init__(
        self,
        model,
        *,
        municipality_path: str = "municipality",
        roles_by_action: dict[str, tuple[str, ...]],
        superuser_actions: Iterable[str] | None = None,
    ) -> None:
        super().__init__(model)
        self.municipality_path = municipality_path
        self.roles_by_action = roles_by_action
        self.superuser_actions = frozenset(
            superuser_actions if superuser_actions is not None else roles_by_action
        )

    def _lookup(self) -> str:
        return (
            "pk__in"
            if self.municipality_path == "pk"
            else (f"{self.municipality_path}__in")
        )

    def municipalities_for(self, user, action: str) -> QuerySet[Municipality]:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return Municipality.objects.none()
        if user.is_superuser:
            if action in self.superuser_actions:
                return Municipality.objects.all()
            return Municipality.objects.none()
        roles = self.roles_by_action.get(action)
        if not roles:
            return Municipality.objects.none()
        return municipalities_with_role(user, roles)

    def user_has_permission(self, user, action: str) -> bool:
        return self.municipalities_for(user, action).exists()

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        municipality = _follow(instance, self.municipality_path)
        if municipality is None:
            # A platform-wide row (e.g. a platform default switch).
            return bool(
                getattr(user, "is_superuser", False)
                and action in self.superuser_actions
            )
        return self.municipalities_for(user, action).filter(pk=municipality.pk).exists()

    def instances_user_has_permission_for(self, user, action: str) -> QuerySet:
        qs = self.model._default_manager.all()
        if getattr(user, "is_superuser", False) and action in self.superuser_actions:
            return qs
        return qs.filter(**{self._lookup(): self.municipalities_for(user, action)})

    def users_with_permission(self, action: str) -> QuerySet:
        User = get_user_model()
        conditions = [Q(is_superuser=True)] if action in self.superuser_actions else []
        roles = self.roles_by_action.get(action)
        if roles:
            conditions.append(Q(municipality_roles__role__in=roles))
        if not conditions:
            return User.objects.none()
        return User.objects.filter(
            reduce(lambda a, b: a | b, conditions), is_active=True
        ).distinct()

    def users_with_permission_for_instance(self, action: str, instance) -> QuerySet:
        User = get_user_model()
        municipality = _follow(instance, self.municipality_path)
        conditions = [Q(is_superuser=True)] if action in self.superuser_actions else []
        roles = self.roles_by_action.get(action)
        if roles and municipality is not None:
            conditions.append(
                Q(
                    municipality_roles__role__in=roles,
                    municipality_roles__municipality=municipality,
                )
            )
        if not conditions:
            return User.objects.none()
        return User.objects.filter(
            reduce(lambda a, b: a | b, conditions), is_active=True
        ).distinct()


class _ScopedViewMixin:
    """Mixed into every view of a scoped viewset (see ``construct_view``)."""

    viewset = None

    def scope(self, queryset: QuerySet) -> QuerySet:
        return self.viewset.scope_queryset(self.request.user, queryset)

    def get_base_queryset(self):
        return self.scope(super().get_base_queryset())

    def get_queryset(self):
        queryset = super().get_queryset()
        if isinstance(self, IndexView):
            return queryset  # already scoped in get_base_queryset
        return self.scope(queryset)

    def get_object(self, *args, **kwargs):
        # Some Wagtail views (inspect, history, usage) fetch the row without
        # get_queryset(); a row outside the staff's municipalities is a 404.
        obj = super().get_object(*args, **kwargs)
        if obj is not None and obj.pk is not None:
            in_scope = self.scope(type(obj)._default_manager.filter(pk=obj.pk))
            if not in_scope.exists():
                raise Http404
        return obj

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        instance = getattr(form, "instance", None)
        action = "change" if instance is not None and instance.pk else "add"
        self.viewset.limit_form(self.request.user, form, action)
        return form

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DomainError as exc:
            form.add_error(None, exc.message)
            # Wagtail's form_invalid shows this message; it is only set on the
            # paths Wagtail itself refuses.
            self.produced_error_message = exc.message
            return self.form_invalid(form)

    def save_instance(self):
        instance = self.form.instance
        if instance.pk:
            return self.viewset.service_update(self.request, self.form, instance)
        return self.viewset.service_create(self.request, self.form)

    def delete_action(self):
        self.viewset.service_delete(self.request, self.object)


class MunicipalityScopedViewSetMixin:
    """Scope a Wagtail ``ModelViewSet`` to the staff's own municipalities.

    Set ``municipality_path`` (the lookup from the model to its municipality,
    ``"pk"`` for ``Municipality`` itself) and ``permission_policy`` (a
    ``MunicipalityRolePermissionPolicy`` registered for the model). Lists,
    edit, delete and inspect screens only reach rows of municipalities where
    the user holds a role allowed to view them; the municipality field of the
    forms offers only those municipalities. ``service_create``,
    ``service_update`` and ``service_delete`` call the services.
    """

    municipality_path = "municipality"
    scope_action = "view"

    def construct_view(self, view_class, **kwargs):
        scoped = type(
            f"MunicipalityScoped{view_class.__name__}",
            (_ScopedViewMixin, view_class),
            {"viewset": self},
        )
        return super().construct_view(scoped, **kwargs)

    def policy(self) -> MunicipalityRolePermissionPolicy:
        from wagtail.permissions import policy_registry

        return policy_registry.get_by_type(self.model)

    def allowed_municipalities(self, user, action: str | None = None):
        return self.policy().municipalities_for(user, action or self.scope_action)

    def scope_queryset(self, user, queryset: QuerySet) -> QuerySet:
        lookup = (
            "pk__in"
            if self.municipality_path == "pk"
            else (f"{self.municipality_path}__in")
        )
        if getattr(user, "is_superuser", False):
            return queryset
        return queryset.filter(**{lookup: self.allowed_municipalities(user)})

    def limit_form(self, user, form, action: str) -> None:
        field = form.fields.get("municipality")
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self.allowed_municipalities(user, action)

    def service_create(self, request, form) -> Model:
        raise PermissionDenied

    def service_update(self, request, form, instance) -> Model:
        raise PermissionDenied

    def service_delete(self, request, instance) -> None:
        raise PermissionDenied
