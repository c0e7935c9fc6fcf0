"""Public pages: platform home, municipality home, news, announcements, feeds, search."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cms.models import AnnouncementPage, AnnouncementPageForm, StandardPage
from tests.cms.conftest import add_announcement
from tests.factories import MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

OFFICIAL = AnnouncementPage.Kind.OFFICIAL
NEWS = AnnouncementPage.Kind.NEWS


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_platform_home_lists_and_searches_municipalities(client, zhytomyr_site, dnipro):
    response = client.get("/")
    assert response.status_code == 200
    assert "Житомир" in _main(response) and "Дніпро" in _main(response)
    response = client.get("/", {"q": "Житом"})
    assert "Житомир" in _main(response) and "Дніпро" not in _main(response)
    response = client.get("/en/", {"q": "Dnip"})
    assert "Dnipro" in _main(response) and "Zhytomyr" not in _main(response)


def test_municipality_home_shows_its_own_announcements(
    client, news_index, dnipro_news_index
):
    add_announcement(
        news_index, title="Слухання щодо генплану", slug="a", kind=OFFICIAL, pinned=True
    )
    add_announcement(news_index, title="Нові тролейбуси", slug="b", kind=NEWS)
    add_announcement(
        news_index, title="Чернетка графіка", slug="c", kind=OFFICIAL, publish=False
    )
    add_announcement(
        dnipro_news_index, title="Опалювальний сезон", slug="d", kind=OFFICIAL
    )
    response = client.get("/zhytomyr/")
    assert response.status_code == 200
    main = _main(response)
    assert "Слухання щодо генплану" in main and "Нові тролейбуси" in main
    assert "Чернетка графіка" not in main
    assert "Опалювальний сезон" not in main
    # The pinned announcement comes first, under "Important".
    assert main.index("Слухання щодо генплану") < main.index("Нові тролейбуси")
    assert response.context["request"].municipality.slug == "zhytomyr"
    assert (
        'class="site-header__municipality" href="/zhytomyr/"'
        in response.content.decode()
    )


def test_a_municipality_without_a_home_page_answers_404(client, db):
    MunicipalityFactory(slug="bucha", name_uk="Буча", name_en="Bucha")
    assert client.get("/bucha/").status_code == 404


def test_pages_of_a_switched_off_municipality_answer_404(client, news_index, zhytomyr):
    add_announcement(news_index, title="Оголошення", slug="item")
    assert client.get("/zhytomyr/news/item/").status_code == 200
    zhytomyr.is_active = False
    zhytomyr.save()
    assert client.get("/zhytomyr/news/item/").status_code == 404
    assert client.get("/zhytomyr/").status_code == 404


def test_announcement_in_english_falls_back_to_ukrainian(client, news_index):
    add_announcement(
        news_index,
        title="Графік відключень води",
        slug="water",
        kind=OFFICIAL,
        title_en="Water outage schedule",
    )
    uk = client.get("/zhytomyr/news/water/")
    assert "Графік відключень води" in _main(uk)
    assert 'href="/en/zhytomyr/news/water/"' in uk.content.decode()
    en = client.get("/en/zhytomyr/news/water/")
    assert en.status_code == 200
    assert "Water outage schedule" in _main(en)
    assert "available in Ukrainian only" in _main(en)
    assert 'href="/zhytomyr/news/water/"' in en.content.decode()


def test_news_index_filters_by_kind_and_category_and_pages(client, news_index):
    for n in range(12):
        add_announcement(
            news_index,
            title=f"Новина {n}",
            slug=f"news-{n}",
            kind=NEWS,
            category="transport",
        )
    add_announcement(
        news_index,
        title="Офіційне оголошення",
        slug="official",
        kind=OFFICIAL,
        category="utilities",
    )
    response = client.get("/zhytomyr/news/", {"kind": "official"})
    assert re.findall(r"/zhytomyr/news/([\w-]+)/", _main(response)) == ["official"]
    response = client.get("/zhytomyr/news/", {"category": "transport", "page": 2})
    assert len(re.findall(r"/zhytomyr/news/news-\d+/", _main(response))) == 2
    assert "/zhytomyr/news/official/" not in _main(response)
    first = client.get("/zhytomyr/news/", {"category": "transport"})
    assert "category=transport&amp;page=2" in _main(first)
    # A bad filter value shows everything rather than failing.
    assert client.get("/zhytomyr/news/", {"kind": "nonsense"}).status_code == 200


def test_pages_below_a_home_cannot_take_platform_addresses(zhytomyr_site):
    page = StandardPage(title="Стрічка", slug="feed", body="<p>x</p>")
    with pytest.raises(ValidationError):
        zhytomyr_site.add_child(instance=page)


def test_announcement_authors_are_only_the_municipalitys_organisations(
    news_index, zhytomyr, dnipro
):
    own = OrganisationFactory(municipality=zhytomyr)
    OrganisationFactory(municipality=dnipro)
    form_class = AnnouncementPage.get_edit_handler().get_form_class()
    assert issubclass(form_class, AnnouncementPageForm)
    form = form_class(
        instance=AnnouncementPage(), parent_page=news_index, for_user=None
    )
    assert list(form.fields["author_organisation"].queryset) == [own]


def _feed_items(response):
    root = ET.fromstring(response.content)  # noqa: S314 - our own test response
    return [item.findtext("title") for item in root.iter("item")]


def test_feed_lists_published_announcements_only(client, news_index, dnipro_news_index):
    add_announcement(news_index, title="Опубліковане", slug="pub", kind=OFFICIAL)
    add_announcement(news_index, title="Чернетка", slug="draft", publish=False)
    add_announcement(dnipro_news_index, title="Дніпровське", slug="dn")
    response = client.get(reverse("cms:feed", kwargs={"municipality": "zhytomyr"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    titles = _feed_items(response)
    assert len(titles) == 1 and titles[0].endswith("Опубліковане")
    root = ET.fromstring(response.content)  # noqa: S314 - our own test response
    links = [link.text for link in root.iter("link")]
    assert "http://testserver/zhytomyr/news/pub/" in links

    atom = client.get("/zhytomyr/feed/atom/")
    assert atom["Content-Type"].startswith("application/atom+xml")
    assert b"\xd0\xa7\xd0\xb5\xd1\x80\xd0\xbd\xd0\xb5\xd1\x82\xd0\xba\xd0\xb0" not in (
        atom.content
    )  # "Чернетка"
    assert "Опубліковане" in atom.content.decode()


def test_feed_of_an_unknown_municipality_is_404(client, db):
    assert client.get("/atlantis/feed/").status_code == 404


def test_search_finds_pages_of_this_municipality_only(
    client, news_index, dnipro_news_index
):
    add_announcement(news_index, title="Ремонт водогону на Корбутівці", slug="w1")
    add_announcement(
        dnipro_news_index, title="Ремонт водогону на лівому березі", slug="w2"
    )
    add_announcement(news_index, title="Водогін: чернетка", slug="w3", publish=False)
    response = client.get("/zhytomyr/search/", {"q": "водогону"})
    assert response.status_code == 200
    found = re.findall(r'<h2><a href="([^"]+)"', _main(response))
    assert found == ["/zhytomyr/news/w1/"]
    response = client.get("/dnipro/search/", {"q": "водогону"})
    assert re.findall(r'<h2><a href="([^"]+)"', _main(response)) == ["/dnipro/news/w2/"]
    assert client.get("/zhytomyr/search/").status_code == 200
