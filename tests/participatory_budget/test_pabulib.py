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


def test_round_trip_keeps_the_equal_shares_winners():
    e = pabulib.parse(PABULIB / "poland_wieliczka_2023.pb")
    again = pabulib.parse(pabulib.dump(e))
    assert counting.equal_shares(again).selected == counting.equal_shares(e).selected
