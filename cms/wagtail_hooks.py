"""The Wagtail admin as municipality staff see it.

Wagtail's page permissions already start each municipality's groups at its
home page (see ``cms.services``). These hooks add a second fence: a page of a
municipality where the person holds no role is never listed, offered in a
chooser, opened for editing, moved, copied or deleted, and the menu shows only
what municipality staff can use.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import Page

from edem.municipalities.admin_scoping import ALL_STAFF, municipalities_with_role
from edem.municipalities.selectors import staff_municipalities

from .models import MunicipalityHomePage

# Menu entries of Wagtail that only platform admins use.
PLATFORM_ONLY_MENU_ITEMS = frozenset({"reports", "help", "settings", "snippets"})


def _home_paths(user) -> list[str]:
    return list(
        MunicipalityHomePage.objects.filter(
            municipality__in=staff_municipalities(user)
        ).values_list("path", flat=True)
    )


def user_may_open(user, page) -> bool:
    """A page lies inside one of the municipalities where the person holds a role."""
    if user.is_superuser:
        return True
    return any(page.path.startswith(path) for path in _home_paths(user))


def scope_pages(user, pages):
    """Only pages inside the person's municipalities (and the way down to them)."""
    if user.is_superuser:
        return pages
    paths = _home_paths(user)
    if not paths:
        return pages.none()
    inside = Q(path__in=_ancestor_paths(paths))
    for path in paths:
        inside |= Q(path__startswith=path)
    return pages.filter(inside)


def _ancestor_paths(paths: list[str]) -> set[str]:
    """Tree paths of the pages above the given ones (root, platform home)."""
    steps = Page.steplen
    return {p[: i * steps] for p in paths for i in range(1, len(p) // steps)}


def _refuse_foreign(request, page):
    if not user_may_open(request.user, page):
        raise PermissionDenied


@hooks.register("before_edit_page")
def refuse_editing_other_municipalities(request, page):
    _refuse_foreign(request, page)


@hooks.register("before_create_page")
def refuse_creating_in_other_municipalities(request, parent_page, page_class):
    _refuse_foreign(request, parent_page)


@hooks.register("before_delete_page")
def refuse_deleting_other_municipalities(request, page):
    _refuse_foreign(request, page)


@hooks.register("before_copy_page")
def refuse_copying_other_municipalities(request, page):
    _refuse_foreign(request, page)


@hooks.register("before_move_page")
def refuse_moving_other_municipalities(request, page, destination):
    _refuse_foreign(request, page)
    _refuse_foreign(request, destination)


@hooks.register("construct_explorer_page_queryset")
def explorer_shows_own_municipalities(parent_page, pages, request):
    return scope_pages(request.user, pages)


@hooks.register("construct_page_chooser_queryset")
def chooser_offers_own_municipalities(pages, request):
    return scope_pages(request.user, pages)


@hooks.register("construct_main_menu")
def hide_platform_menu_items(request, menu_items):
    if request.user.is_superuser:
        return
    menu_items[:] = [
        item for item in menu_items if item.name not in PLATFORM_ONLY_MENU_ITEMS
    ]


# --- the geoportal's staff screens -------------------------------------------------------


@hooks.register("register_admin_urls")
def register_geoportal_urls():
    from django.urls import path

    from .geoportal import admin_views as views

    urls = [
        path("", views.layer_index, name="index"),
        path("new/", views.layer_create, name="create"),
        path("<int:pk>/", views.layer_room, name="layer"),
        path("<int:pk>/publication/", views.layer_publication, name="publication"),
        path("<int:pk>/delete/", views.layer_delete, name="delete"),
        path(
            "<int:pk>/versions/<int:number>.geojson",
            views.version_download,
            name="version_download",
        ),
        path("<int:pk>/features/", views.feature_list, name="features"),
        path("<int:pk>/features.geojson", views.staff_features, name="features_json"),
        path("<int:pk>/features/new/", views.feature_edit, name="feature_new"),
        path("<int:pk>/features/<int:fid>/", views.feature_edit, name="feature"),
        path(
            "<int:pk>/features/<int:fid>/delete/",
            views.feature_delete,
            name="feature_delete",
        ),
    ]
    return [path("geoportal/", (urls, "geoportal_admin", "geoportal_admin"))]


class _GeoportalMenuItem(MenuItem):
    def is_shown(self, request):
        return municipalities_with_role(request.user, ALL_STAFF).exists()


@hooks.register("register_admin_menu_item")
def geoportal_menu_item():
    return _GeoportalMenuItem(
        gettext_lazy("Geoportal layers"),
        reverse("geoportal_admin:index"),
        name="geoportal",
        icon_name="site",
        order=260,
    )
