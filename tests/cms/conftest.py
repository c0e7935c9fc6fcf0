"""Municipalities with their page trees, staff and demo content."""

import pytest


@pytest.fixture
def zhytomyr_site(zhytomyr):
    from cms.services import municipality_site_setup

    return municipality_site_setup(zhytomyr)


@pytest.fixture
def dnipro_site(dnipro):
    from cms.services import municipality_site_setup

    return municipality_site_setup(dnipro)


@pytest.fixture
def news_index(zhytomyr_site):
    from cms.models import AnnouncementIndexPage

    return AnnouncementIndexPage.objects.child_of(zhytomyr_site).get()


@pytest.fixture
def dnipro_news_index(dnipro_site):
    from cms.models import AnnouncementIndexPage

    return AnnouncementIndexPage.objects.child_of(dnipro_site).get()


def make_staff(municipality, role, username):
    from cms.services import staff_groups_sync
    from tests.factories import MunicipalityRoleFactory, UserFactory

    user = UserFactory(username=username)
    MunicipalityRoleFactory(municipality=municipality, user=user, role=role)
    staff_groups_sync(user)
    user.refresh_from_db()
    return user


@pytest.fixture
def zhytomyr_moderator(zhytomyr_site, zhytomyr):
    return make_staff(zhytomyr, "moderator", "zhytomyr-mod")


@pytest.fixture
def zhytomyr_admin(zhytomyr_site, zhytomyr):
    return make_staff(zhytomyr, "admin", "zhytomyr-adm")


@pytest.fixture
def dnipro_moderator(dnipro_site, dnipro):
    return make_staff(dnipro, "moderator", "dnipro-mod")


@pytest.fixture
def dnipro_admin(dnipro_site, dnipro):
    return make_staff(dnipro, "admin", "dnipro-adm")


def add_announcement(index, *, title, slug, publish=True, **fields):
    """An announcement under ``index``, published or left as a draft."""
    from cms.models import AnnouncementPage

    page = AnnouncementPage(
        title=title, slug=slug, body=f"<p>{title}</p>", live=publish, **fields
    )
    index.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return page


@pytest.fixture
def zhytomyr_official(zhytomyr_site, zhytomyr):
    return make_staff(zhytomyr, "official", "zhytomyr-off")


def make_layer(municipality, actor, *, slug="buildings", schema=None, **fields):
    """A draft layer of the municipality with the test buildings' attributes."""
    from cms.geoportal import services
    from tests.cms.geoportal_data import SCHEMA

    data = {
        "slug": slug,
        "title_uk": "Будівлі",
        "title_en": "Buildings",
        "category": "energy",
        "schema": SCHEMA if schema is None else schema,
        "name_attribute": "name",
        "expiry_attribute": "valid_until",
        **fields,
    }
    return services.layer_create(actor=actor, municipality=municipality, data=data)


@pytest.fixture
def layer(zhytomyr, zhytomyr_moderator):
    return make_layer(zhytomyr, zhytomyr_moderator)


@pytest.fixture
def published_layer(layer, zhytomyr_moderator):
    from cms.geoportal import services
    from tests.cms.geoportal_data import buildings

    services.layer_data_replace(
        actor=zhytomyr_moderator, layer=layer, text=buildings(), source_name="b.geojson"
    )
    return services.layer_publish(actor=zhytomyr_moderator, layer=layer)
