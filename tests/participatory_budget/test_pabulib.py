"""Reading and writing Pabulib files: clear refusals, and a lossless round trip."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from django.utils import translation

from participatory_budget import counting, pabulib
from participatory_budget.pabulib import PabulibError

PABULIB = Path(__file__).resolve().parents[1] / "data" / "pabulib"

SMALL = """META
key;value
budget;100.50
vote_type;cumulative
PROJECTS
project_id;cost;name;votes
1;50.25;"Park ""Zelenyi""; lavky";2
2;50.25;Bike lanes;1
VOTES
voter_id;vote;points;age
a;1,2;2,1;30
b;1;3;41
"""


def test_parse_reads_sections_quotes_and_exact_amounts():
    e = pabulib.parse(SMALL)
    assert e.budget == Fraction(201, 2) and e.vote_type == "cumulative"
    assert e.projects["1"].name == 'Park "Zelenyi"; lavky'
    assert e.projects["1"].cost == Fraction(201, 4)
    assert e.ballots[0].projects == ("1", "2") and e.ballots[0].points == (2, 1)
    assert e.ballots[1].extra == {"age": "41"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (SMALL.split("VOTES")[0], "VOTES"),
        (SMALL.replace("b;1;3;41", "b;9;3;41"), "unknown project 9"),
        (SMALL.replace("b;1;3;41", "b;1,1;3,3;41"), "twice"),
        (SMALL.replace("b;1;3;41", "b;1,2;3;41"), "points"),
        (SMALL.replace("2;50.25;Bike", "2;lots;Bike"), "not a number"),
        (SMALL.replace("budget;100.50\n", ""), "budget"),
        (SMALL.replace("cumulative", "lottery"), "lottery"),
    ],
)
def test_parse_refuses_a_broken_file_with_a_clear_message(text, fragment):
    with translation.override("en"), pytest.raises(PabulibError) as error:
        pabulib.parse(text)
    assert fragment in str(error.value)


def test_dump_then_parse_gives_the_same_election():
    e = pabulib.parse(SMALL)
    again = pabulib.parse(pabulib.dump(e))
    assert again.budget == e.budget and again.projects == e.projects
    assert again.ballots == e.ballots


@pytest.mark.parametrize("name", sorted(p.name for p in PABULIB.glob("*.pb")))
def test_round_trip_of_every_shared_file_keeps_the_greedy_winners(name):
    e = pabulib.parse(PABULIB / name)
    again = pabulib.parse(pabulib.dump(e))
    assert len(again.ballots) == len(e.ballots)
    assert counting.greedy(again).selected == counting.greedy(e).selected


@pytest.mark.parametrize("name", ["poland_wieliczka_2023.pb", "poland_gdansk_2020_.pb"])
def test_round_trip_keeps_the_equal_shares_winners_and_figures(name):
    e = pabulib.parse(PABULIB / name)
    again = pabulib.parse(pabulib.dump(e))
    first, second = counting.equal_shares(e), counting.equal_shares(again)
    assert second.selected == first.selected
    assert second.as_json() == first.as_json()


def test_parse_reads_spaces_empty_ballots_and_short_rows():
    text = SMALL.replace("b;1;3;41", "b; 1 , 2 ;3, 1 ;41\nc;;;\nd;2")
    e = pabulib.parse(text)
    b, c, d = e.ballots[1:]
    assert b.projects == ("1", "2") and b.points == (3, 1) and b.extra == {"age": "41"}
    assert c.projects == () and c.points == () and c.extra == {"age": ""}
    assert d.projects == ("2",) and d.points is None and d.extra == {}
    # Project ids on ballots are the project's own string, shared by every ballot.
    assert b.projects[0] is e.projects["1"].project_id


def test_parse_names_the_line_of_a_broken_ballot():
    text = SMALL.replace("b;1;3;41", "b;1;3;41\nc;1,7;1,1;50")
    with translation.override("en"), pytest.raises(PabulibError) as error:
        pabulib.parse(text)
    assert "Line 13" in str(error.value) and "7" in str(error.value)


def _row_by_row(text: str) -> pabulib.Election:
    """The reader that takes every row in turn (the reference for the fast one)."""
    return pabulib._parse(text, fast=False)


@pytest.mark.parametrize(
    "text",
    [
        SMALL,
        SMALL.replace("\n", "\r\n"),  # Windows line ends
        SMALL + "\n\n",  # blank lines at the end
        SMALL.replace("b;1;3;41", 'b;"1";"3";"4;1"'),  # quoted cells
        SMALL.replace("b;1;3;41", "b;1;3"),  # a short row
        SMALL.replace("b;1;3;41", "b;1;3;41;extra"),  # a long row
        SMALL.replace("b;1;3;41", "b; 2 ,1;1, 3;41\nc;;;"),  # spaces, an empty ballot
        SMALL + "PROJECTS\nproject_id;cost\n3;10\n",  # a section after VOTES
        SMALL.replace("voter_id;vote;points;age", "age;points;vote;voter_id")
        .replace("a;1,2;2,1;30", "30;2,1;1,2;a")
        .replace("b;1;3;41", "41;3;1;b"),
    ],
)
def test_fast_reader_gives_the_ballots_of_the_row_by_row_reader(text):
    fast, plain = pabulib.parse(text), _row_by_row(text)
    assert fast.ballots == plain.ballots
    assert fast.voter_count == len(plain.ballots)
    counted = {}
    for named, points, times in fast.distinct_ballots():
        counted[(named, points)] = counted.get((named, points), 0) + times
    assert counted == {
        (b, p): sum(1 for x in plain.ballots if (x.projects, x.points) == (b, p))
        for b, p in {(x.projects, x.points) for x in plain.ballots}
    }


@pytest.mark.parametrize("name", sorted(p.name for p in PABULIB.glob("*.pb")))
def test_fast_reader_reads_every_shared_file_as_the_row_by_row_reader(name):
    text = (PABULIB / name).read_text(encoding="utf-8-sig")
    fast, plain = pabulib.parse(PABULIB / name), _row_by_row(text)
    assert fast._table is not None  # the shared files are plain tables
    assert fast.ballots == plain.ballots and fast.meta == plain.meta
    assert counting.support(fast) == counting.support(plain)
