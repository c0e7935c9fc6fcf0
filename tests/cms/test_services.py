"""The CMS services: page tree, staff groups and workflow per municipality."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
)

from cms.demo import seed_cms
from cms.models import (
    AnnouncementIndexPage,
    AnnouncementPage,
    MunicipalityHomePage,
    PlatformHomePage,
    StandardPage,
)
from cms.services import municipality_site_setup, staff_groups_sync
from edem.municipalities.models import MunicipalityRole
from tests.factories import MunicipalityRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "platform": PlatformHomePage.objects.count(),
        "homes": MunicipalityHomePage.objects.count(),
        "indexes": AnnouncementIndexPage.objects.count(),
        "groups": Group.objects.count(),
        "page_perms": GroupPagePermission.objects.count(),
        "collection_perms": GroupCollectionPermission.objects.count(),
        "collections": Collection.objects.count(),
        "workflows": Workflow.objects.count(),
        "sites": Site.objects.count(),
        "pages": Page.objects.count(),
    }


def test_site_setup_builds_the_tree_once(zhytomyr, dnipro):
    home = municipality_site_setup(zhytomyr)
    municipality_site_setup(dnipro)
    first = _snapshot()
    assert municipality_site_setup(zhytomyr).pk == home.pk
    municipality_site_setup(dnipro)
    assert _snapshot() == first
    assert first["platform"] == 1 and first["homes"] == 2 and first["indexes"] == 2

    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific_class is PlatformHomePage
    # Wagtail's "Welcome" page is gone; the platform home is the only top page.
    assert list(Page.get_first_root_node().get_children().specific()) == [
        site.root_page.specific
    ]
    assert home.slug == "zhytomyr" and home.live
    assert home.get_parent().pk == site.root_page_id
    assert home.url == "/zhytomyr/"
    news = AnnouncementIndexPage.objects.child_of(home).get()
    assert news.slug == "news" and news.live and news.url == "/zhytomyr/news/"


def test_staff_groups_hold_permissions_only_on_their_municipality(zhytomyr_site):
    editors = Group.objects.get(name="zhytomyr: editors")
    moderators = Group.objects.get(name="zhytomyr: moderators")
    editor_perms = set(
        GroupPagePermission.objects.filter(group=editors).values_list(
            "page_id", "permission__codename"
        )
    )
    assert editor_perms == {
        (zhytomyr_site.pk, "add_page"),
        (zhytomyr_site.pk, "change_page"),
    }
    moderator_codenames = set(
        GroupPagePermission.objects.filter(
            group=moderators, page=zhytomyr_site
        ).values_list("permission__codename", flat=True)
    )
    assert "publish_page" in moderator_codenames
    assert (
        not GroupPagePermission.objects.filter(group=moderators)
        .exclude(page=zhytomyr_site)
        .exists()
    )
    assert editors.permissions.filter(codename="access_admin").exists()
    collection = zhytomyr_site.municipality.cms_collection.collection
    assert set(
        GroupCollectionPermission.objects.filter(group=editors).values_list(
            "collection_id", flat=True
        )
    ) == {collection.pk}


def test_site_setup_resets_widened_permissions(zhytomyr_site):
    editors = Group.objects.get(name="zhytomyr: editors")
    root = Page.get_first_root_node()
    GroupPagePermission.objects.create(
        group=editors, page=root, permission_type="change"
    )
    municipality_site_setup(zhytomyr_site.municipality)
    assert not GroupPagePermission.objects.filter(group=editors, page=root).exists()


def test_publication_workflow_sends_pages_to_the_moderators(zhytomyr_site):
    workflow = WorkflowPage.objects.get(page=zhytomyr_site).workflow
    assert workflow.name == "zhytomyr: publication" and workflow.active
    tasks = [t.specific for t in workflow.tasks]
    assert len(tasks) == 1
    assert [g.name for g in tasks[0].groups.all()] == ["zhytomyr: moderators"]
    news = AnnouncementIndexPage.objects.child_of(zhytomyr_site).get()
    assert news.get_workflow() == workflow


@pytest.mark.parametrize(
    ("role", "groups"),
    [
        ("admin", {"zhytomyr: editors", "zhytomyr: moderators"}),
        ("moderator", {"zhytomyr: editors", "zhytomyr: moderators"}),
        ("official", {"zhytomyr: editors"}),
    ],
)
def test_roles_put_people_in_their_groups(zhytomyr_site, zhytomyr, role, groups):
    user = UserFactory()
    MunicipalityRoleFactory(municipality=zhytomyr, user=user, role=role)
    staff_groups_sync(user)
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == groups
    assert user.is_staff


def test_losing_the_last_role_takes_groups_and_staff_access(
    zhytomyr_site, dnipro_site, zhytomyr, dnipro
):
    user = UserFactory()
    unrelated = Group.objects.create(name="newsletter readers")
    user.groups.add(unrelated)
    MunicipalityRoleFactory(municipality=zhytomyr, user=user, role="moderator")
    MunicipalityRoleFactory(municipality=dnipro, user=user, role="official")
    staff_groups_sync(user)
    assert set(user.groups.values_list("name", flat=True)) == {
        "newsletter readers",
        "zhytomyr: editors",
        "zhytomyr: moderators",
        "dnipro: editors",
    }
    MunicipalityRole.objects.filter(user=user, municipality=zhytomyr).delete()
    staff_groups_sync(user)
    assert set(user.groups.values_list("name", flat=True)) == {
        "newsletter readers",
        "dnipro: editors",
    }
    MunicipalityRole.objects.filter(user=user).delete()
    staff_groups_sync(user)
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {"newsletter readers"}
    assert not user.is_staff


def test_sync_sets_up_a_municipality_that_has_no_groups_yet(zhytomyr):
    user = UserFactory()
    MunicipalityRoleFactory(municipality=zhytomyr, user=user, role="official")
    staff_groups_sync(user)
    assert user.groups.filter(name="zhytomyr: editors").exists()
    assert MunicipalityHomePage.objects.filter(municipality=zhytomyr).exists()


def test_superusers_are_left_alone(zhytomyr_site, zhytomyr):
    admin = UserFactory(is_superuser=True, is_staff=True)
    MunicipalityRoleFactory(municipality=zhytomyr, user=admin, role="official")
    staff_groups_sync(admin)
    admin.refresh_from_db()
    assert admin.is_staff and not admin.groups.exists()


def test_demo_content_is_created_once(zhytomyr, dnipro):
    seed_cms(zhytomyr)
    seed_cms(dnipro)
    counts = (AnnouncementPage.objects.count(), StandardPage.objects.count())
    seed_cms(zhytomyr)
    seed_cms(dnipro)
    assert (AnnouncementPage.objects.count(), StandardPage.objects.count()) == counts
    for municipality in (zhytomyr, dnipro):
        home = MunicipalityHomePage.objects.get(municipality=municipality)
        items = AnnouncementPage.objects.live().descendant_of(home)
        assert items.count() >= 4
        pinned = items.filter(pinned=True)
        assert pinned.count() == 1
        assert pinned.get().kind == AnnouncementPage.Kind.OFFICIAL
        assert all(item.title_en and item.body_en for item in items)
        about = StandardPage.objects.child_of(home).live().get(slug="pro-hromadu")
        assert about.title == "Про громаду" and about.title_en
