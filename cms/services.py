"""Writes of the CMS: each municipality's page tree, staff groups and workflow.

A municipality's staff edit only its own part of the page tree. That is held by
Wagtail's own permission model: two groups per municipality ("editors",
"moderators") whose page permissions start at the municipality's home page,
a collection for its images and documents, and a publication workflow in which
the moderators approve what editors submit.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from edem.municipalities.models import Municipality, MunicipalityRole

from .models import (
    AnnouncementIndexPage,
    MunicipalityCollection,
    MunicipalityHomePage,
    PlatformHomePage,
)

PLATFORM_HOME_SLUG = "edem"
EDITORS = "editors"
MODERATORS = "moderators"

# Page permissions at the municipality's home page, inherited by its subtree.
# Editors write and submit for review; moderators also publish.
GROUP_PAGE_PERMISSIONS = {
    EDITORS: ("add_page", "change_page"),
    MODERATORS: (
        "add_page",
        "change_page",
        "publish_page",
        "lock_page",
        "unlock_page",
        "bulk_delete_page",
        "delete_page",
    ),
}
# Permissions on the municipality's collection of images and documents.
GROUP_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "image", ("add_image", "change_image", "choose_image")),
    ("wagtaildocs", "document", ("add_document", "change_document", "choose_document")),
)
# Which municipality groups each role puts a person in.
ROLE_GROUPS = {
    MunicipalityRole.Role.ADMIN: (EDITORS, MODERATORS),
    MunicipalityRole.Role.MODERATOR: (EDITORS, MODERATORS),
    MunicipalityRole.Role.OFFICIAL: (EDITORS,),
}


def group_name(municipality: Municipality, kind: str) -> str:
    """The name of a municipality's staff group, e.g. "zhytomyr: editors"."""
    return f"{municipality.slug}: {kind}"


def workflow_name(municipality: Municipality) -> str:
    return f"{municipality.slug}: publication"


@transaction.atomic
def platform_home_ensure() -> PlatformHomePage:
    """The platform home is the root page of the default site (created once).

    Wagtail's default "Welcome" page, if still there and untouched, is replaced.
    """
    Locale.get_default() if Locale.objects.exists() else Locale.objects.create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    home = PlatformHomePage.objects.first()
    root = Page.get_first_root_node()
    if root is None:  # an emptied database (Wagtail's migration made the first)
        root = Page.add_root(instance=Page(title="Root", slug="root", live=True))
    if home is None:
        home = PlatformHomePage(
            title="E-DEM — електронна демократія",
            title_en="E-DEM — e-democracy",
            slug=PLATFORM_HOME_SLUG,
            intro="Петиції, бюджет участі, відкрите місто, ідеї та консультації "
            "вашої громади — з одним входом через BankID, Дія або КЕП.",
            intro_en="Petitions, participatory budgets, open city, ideas and "
            "consultations of your community, with one login through BankID, "
            "Diia or a qualified e-signature.",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="E-DEM",
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.is_default_site = True
        site.site_name = site.site_name or "E-DEM"
        site.save()
    # The page Wagtail's first migration creates: a bare Page with no children.
    welcome = (
        Page.objects.child_of(root)
        .filter(content_type=ContentType.objects.get_for_model(Page))
        .exclude(pk=home.pk)
    )
    for page in welcome:
        if page.numchild == 0 and not Site.objects.filter(root_page=page).exists():
            page.delete()
    return home


@transaction.atomic
def municipality_site_setup(municipality: Municipality) -> MunicipalityHomePage:
    """Give a municipality its pages, staff groups, collection and workflow.

    Safe to run again at any time: what exists is kept (including edits staff
    made to pages), what is missing is created, and the groups' permissions
    are reset to exactly what the roles need.
    """
    platform_home = platform_home_ensure()
    home = MunicipalityHomePage.objects.filter(municipality=municipality).first()
    if home is None:
        home = MunicipalityHomePage(
            title=municipality.name_uk,
            title_en=municipality.name_en,
            slug=municipality.slug,
            municipality=municipality,
        )
        platform_home.add_child(instance=home)
        home.save_revision().publish()
    if not AnnouncementIndexPage.objects.child_of(home).exists():
        news = AnnouncementIndexPage(
            title="Новини та оголошення",
            title_en="News and announcements",
            slug="news",
            intro="Офіційні оголошення та новини громади.",
            intro_en="Official announcements and news of the community.",
        )
        home.add_child(instance=news)
        news.save_revision().publish()

    collection = _collection_ensure(municipality)
    editors, _created = Group.objects.get_or_create(
        name=group_name(municipality, EDITORS)
    )
    moderators, _created = Group.objects.get_or_create(
        name=group_name(municipality, MODERATORS)
    )
    admin_access = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    page_type = ContentType.objects.get_for_model(Page)
    for group, kind in ((editors, EDITORS), (moderators, MODERATORS)):
        group.permissions.add(admin_access)
        wanted = set(
            Permission.objects.filter(
                content_type=page_type, codename__in=GROUP_PAGE_PERMISSIONS[kind]
            )
        )
        GroupPagePermission.objects.filter(group=group).exclude(
            page=home, permission__in=wanted
        ).delete()
        for permission in wanted:
            GroupPagePermission.objects.get_or_create(
                group=group, page=home, permission=permission
            )
        for app_label, model, codenames in GROUP_COLLECTION_PERMISSIONS:
            for permission in Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=codenames,
            ):
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=collection, permission=permission
                )
    _workflow_ensure(municipality, home, moderators)
    return home


def _collection_ensure(municipality: Municipality) -> Collection:
    link = (
        MunicipalityCollection.objects.filter(municipality=municipality)
        .select_related("collection")
        .first()
    )
    if link is not None:
        return link.collection
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    collection = root.add_child(name=municipality.name_uk)
    MunicipalityCollection.objects.create(
        municipality=municipality, collection=collection
    )
    return collection


def _workflow_ensure(
    municipality: Municipality, home: MunicipalityHomePage, moderators: Group
) -> Workflow:
    """Draft → review by the moderators → published, for the whole subtree."""
    workflow, _created = Workflow.objects.get_or_create(
        name=workflow_name(municipality), defaults={"active": True}
    )
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    task = GroupApprovalTask.objects.filter(
        workflow_tasks__workflow=workflow, groups=moderators
    ).first()
    if task is None:
        task = GroupApprovalTask.objects.create(
            name=f"{municipality.slug}: moderators' review"
        )
        task.groups.set([moderators])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
    return workflow


@transaction.atomic
def staff_groups_sync(user) -> None:
    """Put a person in exactly the municipality groups their roles call for.

    Admins and moderators edit and approve, officials edit and submit for
    review. Anyone with a role gets into the staff area; a person who loses
    their last role loses it too. Platform admins (superusers) are left alone.
    """
    if user.is_superuser:
        return
    managed = Group.objects.filter(name__regex=rf": ({EDITORS}|{MODERATORS})$")
    wanted: set[str] = set()
    for role in MunicipalityRole.objects.filter(user=user).select_related(
        "municipality"
    ):
        names = {group_name(role.municipality, kind) for kind in ROLE_GROUPS[role.role]}
        if Group.objects.filter(name__in=names).count() < len(names):
            municipality_site_setup(role.municipality)
        wanted |= names
    user.groups.remove(*managed.exclude(name__in=wanted))
    user.groups.add(*Group.objects.filter(name__in=wanted))
    is_staff = bool(wanted)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
