"""Each process keeps the municipality of a URL slug for a short time."""

from __future__ import annotations

import pytest

from edem.municipalities.selectors import municipality_by_slug, municipality_cache_clear

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    settings.MUNICIPALITY_CACHE_SECONDS = 30
    municipality_cache_clear()
    yield
    municipality_cache_clear()


def test_a_kept_municipality_costs_no_query(kept, zhytomyr, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = municipality_by_slug("zhytomyr")
    with django_assert_num_queries(0):
        second = municipality_by_slug("zhytomyr")
    assert first == second == zhytomyr
    assert second.name_uk == zhytomyr.name_uk


def test_each_caller_gets_its_own_copy(kept, zhytomyr):
    first = municipality_by_slug("zhytomyr")
    first.name_uk = "змінено в одному запиті"
    assert municipality_by_slug("zhytomyr").name_uk == zhytomyr.name_uk


def test_a_saved_change_is_seen_at_once(kept, zhytomyr):
    municipality_by_slug("zhytomyr")
    zhytomyr.is_active = False
    zhytomyr.save()
    assert municipality_by_slug("zhytomyr") is None


def test_pages_of_a_kept_municipality_still_answer(kept, client, zhytomyr):
    assert client.get("/zhytomyr/petitions/").status_code == 200
    assert client.get("/zhytomyr/petitions/").status_code == 200
    assert client.get("/no-such-place/").status_code == 404
