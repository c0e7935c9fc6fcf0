"""Staff of one municipality see and change nothing of another in the Wagtail admin."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from cms.models import AnnouncementIndexPage
from edem.municipalities.models import FeatureFlag, Holiday, MunicipalityRole
from edem.participation.models import AuditEntry, Comment
from tests.cms.conftest import add_announcement, make_staff
from tests.factories import CitizenFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_moderator_edits_own_pages_but_not_another_municipalitys(
    client, dnipro_moderator, zhytomyr_site, dnipro_site, news_index
):
    item = add_announcement(news_index, title="Житомирське", slug="zh")
    client.force_login(dnipro_moderator)
    assert client.get(f"/cms/pages/{dnipro_site.pk}/edit/").status_code == 200
    for url in (
        f"/cms/pages/{zhytomyr_site.pk}/edit/",
        f"/cms/pages/{item.pk}/edit/",
        f"/cms/pages/{item.pk}/delete/",
        f"/cms/pages/add/cms/announcementpage/{news_index.pk}/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "Житомирське" not in response.content.decode()
    # Exploring Zhytomyr's tree sends the moderator back to their own.
    response = client.get(f"/cms/pages/{zhytomyr_site.pk}/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cms/pages/{dnipro_site.pk}/")
    response = client.get(f"/cms/pages/{dnipro_site.pk}/")
    assert response.status_code == 200
    assert "Житомирське" not in response.content.decode()


def test_explorer_search_of_the_whole_tree_stays_inside_own_municipality(
    client, dnipro_moderator, dnipro_site, news_index, dnipro_news_index
):
    add_announcement(news_index, title="Ремонт водогону Житомир", slug="zh")
    add_announcement(dnipro_news_index, title="Ремонт водогону Дніпро", slug="dn")
    client.force_login(dnipro_moderator)
    response = client.get(
        f"/cms/pages/{dnipro_site.pk}/", {"q": "водогону", "search_all": "1"}
    )
    body = response.content.decode()
    assert "Ремонт водогону Дніпро" in body
    assert "Ремонт водогону Житомир" not in body


def test_page_chooser_offers_only_own_pages(client, dnipro_moderator, news_index):
    add_announcement(news_index, title="Житомирське", slug="zh")
    client.force_login(dnipro_moderator)
    response = client.get("/cms/choose-page/search/", {"q": "Житомирське"})
    assert "Житомирське" not in response.content.decode()


def test_menu_hides_platform_items_from_municipality_staff(client, dnipro_moderator):
    client.force_login(dnipro_moderator)
    body = client.get("/cms/").content.decode()
    assert '"name": "settings"' not in body and '"name": "reports"' not in body


def test_municipality_screen_opens_only_own_municipality(
    client, dnipro_admin, zhytomyr, dnipro
):
    client.force_login(dnipro_admin)
    listing = client.get("/cms/municipality/")
    assert listing.status_code == 200
    assert "Дніпро" in listing.content.decode()
    assert "Житомир" not in listing.content.decode()
    assert client.get(f"/cms/municipality/edit/{zhytomyr.pk}/").status_code == 404
    assert client.get(f"/cms/municipality/edit/{dnipro.pk}/").status_code == 200


def test_admin_edits_own_municipality_through_the_service(client, dnipro_admin, dnipro):
    client.force_login(dnipro_admin)
    form = client.get(f"/cms/municipality/edit/{dnipro.pk}/").context["form"]
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
    }
    data.update(
        name_en="City of Dnipro",
        boundary="{}",
        weekend_days="[5, 6]",
        locality_codes='["1210100000"]',
        coat_of_arms="",
    )
    response = client.post(f"/cms/municipality/edit/{dnipro.pk}/", data)
    assert response.status_code == 302, response.context["form"].errors
    dnipro.refresh_from_db()
    assert dnipro.name_en == "City of Dnipro"
    entry = AuditEntry.objects.get(action="municipalities.municipality_changed")
    assert entry.actor == dnipro_admin and entry.after["name_en"] == "City of Dnipro"


def test_moderator_is_not_a_municipality_admin(client, dnipro_moderator, dnipro):
    client.force_login(dnipro_moderator)
    assert client.get(f"/cms/municipality/edit/{dnipro.pk}/").status_code in (302, 403)
    assert client.get("/cms/audit_log/").status_code in (302, 403)
    assert client.get("/cms/municipality_role/").status_code in (302, 403)


def test_calendar_is_scoped_and_written_by_services(
    client, dnipro_admin, zhytomyr, dnipro
):
    theirs = Holiday.objects.create(
        municipality=zhytomyr, date=dt.date(2026, 1, 1), name="Новий рік (Житомир)"
    )
    ours = Holiday.objects.create(
        municipality=dnipro, date=dt.date(2026, 1, 1), name="Новий рік (Дніпро)"
    )
    client.force_login(dnipro_admin)
    listing = client.get("/cms/holiday/").content.decode()
    assert "Новий рік (Дніпро)" in listing and "Новий рік (Житомир)" not in listing
    for view in ("edit", "delete", "history", "usage"):
        assert client.get(f"/cms/holiday/{view}/{theirs.pk}/").status_code == 404, view
    assert client.post(f"/cms/holiday/delete/{theirs.pk}/").status_code == 404
    # Adding a day in another municipality is not offered.
    response = client.post(
        "/cms/holiday/new/",
        {
            "municipality": zhytomyr.pk,
            "date": "2026-08-24",
            "name": "День Незалежності",
        },
    )
    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    assert not Holiday.objects.filter(date=dt.date(2026, 8, 24)).exists()
    response = client.post(
        "/cms/holiday/new/",
        {
            "municipality": dnipro.pk,
            "date": "2026-08-24",
            "name": "День Незалежності",
        },
    )
    assert response.status_code == 302
    assert Holiday.objects.filter(
        municipality=dnipro, date=dt.date(2026, 8, 24)
    ).exists()
    assert AuditEntry.objects.filter(
        municipality=dnipro, action="municipalities.calendar_changed"
    ).exists()
    response = client.post(f"/cms/holiday/delete/{ours.pk}/")
    assert response.status_code == 302
    assert not Holiday.objects.filter(pk=ours.pk).exists()


def test_module_switch_through_the_admin(client, dnipro_admin, dnipro, zhytomyr):
    FeatureFlag.objects.create(module="petitions", municipality=zhytomyr, enabled=False)
    client.force_login(dnipro_admin)
    listing = client.get("/cms/feature_flag/").content.decode()
    assert "Житомир" not in listing
    response = client.post(
        "/cms/feature_flag/new/",
        {
            "municipality": dnipro.pk,
            "module": "petitions",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert (
        FeatureFlag.objects.get(municipality=dnipro, module="petitions").enabled
        is False
    )


def test_organisations_are_scoped(client, dnipro_admin, zhytomyr, dnipro):
    theirs = OrganisationFactory(municipality=zhytomyr, name_uk="Житомирводоканал")
    client.force_login(dnipro_admin)
    assert "Житомирводоканал" not in client.get("/cms/organisation/").content.decode()
    assert client.get(f"/cms/organisation/edit/{theirs.pk}/").status_code == 404
    response = client.post(
        "/cms/organisation/new/",
        {
            "municipality": dnipro.pk,
            "name_uk": "Дніпроводоканал",
            "name_en": "",
            "phone": "1580",
            "email": "",
            "service_area": "{}",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    organisation = dnipro.organisations.get(name_uk="Дніпроводоканал")
    assert AuditEntry.objects.filter(
        action="municipalities.organisation_created", object_id=str(organisation.pk)
    ).exists()


def test_admin_grants_and_revokes_roles_in_own_municipality(
    client, dnipro_admin, dnipro, zhytomyr
):
    newcomer = UserFactory(username="olena")
    client.force_login(dnipro_admin)
    response = client.post(
        "/cms/municipality_role/new/",
        {
            "municipality": zhytomyr.pk,
            "username": "olena",
            "role": "moderator",
        },
    )
    assert response.status_code == 200
    assert not MunicipalityRole.objects.filter(user=newcomer).exists()
    response = client.post(
        "/cms/municipality_role/new/",
        {
            "municipality": dnipro.pk,
            "username": "olena",
            "role": "moderator",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert newcomer.groups.filter(name="dnipro: moderators").exists()
    role = MunicipalityRole.objects.get(user=newcomer)
    assert client.post(f"/cms/municipality_role/delete/{role.pk}/").status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.is_staff and not newcomer.groups.exists()


def test_audit_log_shows_own_municipality_only(client, dnipro_admin, dnipro, zhytomyr):
    AuditEntry.objects.create(
        municipality=zhytomyr,
        action="petitions.answered",
        object_repr="Житомирська петиція",
    )
    AuditEntry.objects.create(
        municipality=dnipro,
        action="petitions.answered",
        object_repr="Дніпровська петиція",
    )
    client.force_login(dnipro_admin)
    body = client.get("/cms/audit_log/").content.decode()
    assert "Дніпровська петиція" in body and "Житомирська петиція" not in body
    foreign = AuditEntry.objects.get(municipality=zhytomyr)
    assert client.get(f"/cms/audit_log/inspect/{foreign.pk}/").status_code == 404
    filtered = client.get("/cms/audit_log/", {"action": "nothing.like.this"})
    assert "Дніпровська петиція" not in filtered.content.decode()


def _reported_comment(municipality, body):
    return Comment.objects.create(
        municipality=municipality,
        content_type=ContentType.objects.get_for_model(municipality),
        object_id=municipality.pk,
        author=CitizenFactory(),
        body=body,
        reports_count=2,
    )


def test_moderator_hides_a_reported_comment_with_a_reason(
    client, dnipro_moderator, dnipro, zhytomyr
):
    ours = _reported_comment(dnipro, "Образливий коментар у Дніпрі")
    theirs = _reported_comment(zhytomyr, "Образливий коментар у Житомирі")
    client.force_login(dnipro_moderator)
    queue = client.get("/cms/comment_moderation/").content.decode()
    assert "Образливий коментар у Дніпрі" in queue
    assert "Образливий коментар у Житомирі" not in queue
    assert client.get(f"/cms/comment_moderation/edit/{theirs.pk}/").status_code == 404
    response = client.post(f"/cms/comment_moderation/edit/{ours.pk}/", {"reason": ""})
    assert response.status_code == 200
    ours.refresh_from_db()
    assert ours.status == Comment.Status.VISIBLE
    response = client.post(
        f"/cms/comment_moderation/edit/{ours.pk}/", {"reason": "Мова ворожнечі"}
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert (
        ours.status == Comment.Status.HIDDEN and ours.hidden_reason == "Мова ворожнечі"
    )
    assert ours.body == "Образливий коментар у Дніпрі"
    assert AuditEntry.objects.filter(
        action="participation.comment_hidden", actor=dnipro_moderator
    ).exists()


def test_official_cannot_moderate_comments(client, dnipro):
    from cms.services import municipality_site_setup

    municipality_site_setup(dnipro)
    official = make_staff(dnipro, "official", "dnipro-off")
    comment = _reported_comment(dnipro, "Коментар")
    client.force_login(official)
    assert client.get(f"/cms/comment_moderation/edit/{comment.pk}/").status_code in (
        302,
        403,
    )


def test_editor_cannot_publish_but_can_submit(client, zhytomyr_site, zhytomyr):
    official = make_staff(zhytomyr, "official", "zh-off")
    news = AnnouncementIndexPage.objects.child_of(zhytomyr_site).get()
    perms = news.permissions_for_user(official)
    assert perms.can_add_subpage() and not perms.can_publish_subpage()
