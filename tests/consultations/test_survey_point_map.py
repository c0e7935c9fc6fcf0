"""Map-point questions: a map picker over the coordinate fields, a map of the results."""

from __future__ import annotations

import pytest

from tests.consultations.factories import submitted_response, survey

pytestmark = pytest.mark.django_db


def test_only_a_section_with_a_point_question_carries_the_map(client, zhytomyr, citizen):
    s = survey(zhytomyr)
    client.force_login(citizen)
    first = client.get(f"/en/zhytomyr/consultations/surveys/{s.pk}/answer/0/")
    assert "leaflet.js" not in first.content.decode()
    client.post(f"/en/zhytomyr/consultations/surveys/{s.pk}/answer/0/",
                {"q_mode": "1", "action": "next"})
    html = client.get(f"/en/zhytomyr/consultations/surveys/{s.pk}/answer/1/").content.decode()
    assert 'id="q_place_map"' in html and 'id="map-config"' in html
    # Hidden until the script shows it: the two fields alone answer the question.
    assert 'data-lon-input="q_place_lon" data-marker-title' in html
    assert 'aria-describedby="q_place_map_help" hidden>' in html
    assert 'name="q_place_lat"' in html and 'name="q_place_lon"' in html


def test_the_results_draw_the_places_given(client, zhytomyr):
    s = survey(zhytomyr, results="live")
    submitted_response(s, answers={"mode": 1, "place": [50.2547, 28.6587]})
    submitted_response(s, answers={"mode": 2})
    html = client.get(f"/en/zhytomyr/consultations/surveys/{s.pk}/results/").content.decode()
    assert 'id="results-map-place"' in html
    assert '<script id="points-place" type="application/json">[[50.2547, 28.6587]]' in html
    assert "Map of 1 place given" in html


def test_no_map_on_the_results_without_places(client, zhytomyr):
    s = survey(zhytomyr, results="live")
    submitted_response(s, answers={"mode": 1})
    html = client.get(f"/en/zhytomyr/consultations/surveys/{s.pk}/results/").content.decode()
    assert "results-map-place" not in html and "leaflet.js" not in html
