"""Counting: the expected outcome of every shared Pabulib file, hand-made ties, and
the fast path proved against a plain exact implementation of the method."""

from __future__ import annotations

import json
from fractions import Fraction
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from edem.core.errors import DomainError
from participatory_budget import counting, pabulib
from participatory_budget.pabulib import Election, PBBallot, PBProject

PABULIB = Path(__file__).resolve().parents[1] / "data" / "pabulib"
EXPECTED = sorted((PABULIB / "expected").glob("*.json"))


def election(
    budget, costs: dict[str, int], ballots, vote_type="approval", points=None, meta=None
) -> Election:
    return Election(
        budget=Fraction(budget),
        vote_type=vote_type,
        projects={
            pid: PBProject(project_id=pid, cost=Fraction(c)) for pid, c in costs.items()
        },
        ballots=[
            PBBallot(
                voter_id=str(n),
                projects=tuple(b),
                points=tuple(Fraction(p) for p in points[n]) if points else None,
            )
            for n, b in enumerate(ballots)
        ],
        meta=meta or {},
    )


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.stem)
def test_pb_tally_gives_the_expected_outcome_of_every_shared_file(expected):
    want = json.loads(expected.read_text())
    out = StringIO()
    call_command(
        "pb_tally",
        str(PABULIB / want["file"]),
        rule=want["rule"],
        json=True,
        stdout=out,
    )
    got = json.loads(out.getvalue())
    assert got["selected"] == want["selected"]
    assert got["total_cost"] == want["total_cost"]
    assert got["support_matches_file_column"] == want["support_matches_file_column"]
    assert got["official_selected_equal"] == want["official_selected_equal"]


def test_every_shared_file_has_an_expected_greedy_outcome():
    files = {p.name for p in PABULIB.glob("*.pb")}
    assert files and files == {
        json.loads(p.read_text())["file"]
        for p in EXPECTED
        if p.name.endswith(".greedy.json")
    }


def test_pb_tally_refuses_a_missing_file_and_mes_on_ranked_ballots():
    with pytest.raises(CommandError):
        call_command("pb_tally", "/nonexistent.pb", rule="greedy", json=True)
    with pytest.raises(CommandError):
        call_command("pb_tally", str(PABULIB / "poland_krakow_2020_.pb"), rule="mes")


def test_pb_tally_explains_each_decision_in_text():
    out = StringIO()
    call_command(
        "pb_tally",
        str(PABULIB / "poland_czestochowa_2020_grabowka.pb"),
        rule="greedy",
        stdout=out,
    )
    text = out.getvalue()
    assert "+ 196 " in text and "- 448 " in text
    assert "44 068" in text  # the money left when project 448 was skipped


# --- greedy -------------------------------------------------------------------------


def test_greedy_takes_by_support_and_skips_what_does_not_fit():
    e = election(
        100, {"1": 70, "2": 50, "3": 30}, [["1", "2"], ["1"], ["2", "3"], ["1"]]
    )
    outcome = counting.greedy(e)
    assert outcome.selected == ["1", "3"]
    assert outcome.decisions["2"].reason == counting.Reason.NO_ROOM
    assert outcome.decisions["2"].money_left_before == 30


def test_greedy_tie_prefers_the_cheaper_project():
    e = election(100, {"1": 60, "2": 50}, [["1", "2"], ["1", "2"]])
    assert counting.greedy(e).selected == ["2"]


def test_greedy_tie_of_support_and_cost_goes_to_the_lower_id_compared_as_a_number():
    e = election(100, {"10": 60, "9": 60}, [["10", "9"]])
    assert counting.greedy(e).selected == ["9"]  # "10" < "9" as text, 9 < 10 as numbers
    e = election(100, {"B": 60, "A": 60, "7": 60}, [["A", "B", "7"]])
    assert counting.greedy(e).selected == ["7"]  # numeric ids before text ids


def test_greedy_support_of_points_and_ranked_ballots():
    cumulative = election(
        10, {"1": 10, "2": 10}, [["1", "2"], ["2"]], "cumulative", points=[[3, 1], [1]]
    )
    assert counting.support(cumulative) == {"1": 3, "2": 2}
    assert counting.greedy(cumulative).selected == ["1"]
    ordinal = election(
        10,
        {"1": 10, "2": 10, "3": 10},
        [["1", "2", "3"], ["2", "3"], ["3", "2"]],
        "ordinal",
        meta={"max_length": "3"},
    )
    # Borda: max_length − position; 1 gets 3; 2 gets 2+3+2; 3 gets 1+2+3.
    assert counting.support(ordinal) == {"1": 3, "2": 7, "3": 6}
    assert counting.greedy(ordinal).selected == ["2"]


def test_amounts_stay_exact():
    e = election(
        Fraction(1, 3) * 3,
        {"1": Fraction(1, 3), "2": Fraction(2, 3)},
        [["1"], ["2"], ["2"]],
    )
    outcome = counting.greedy(e)
    assert outcome.selected == ["2", "1"] and outcome.total_cost == 1


# --- equal shares -------------------------------------------------------------------


def test_mes_tie_of_equal_payments_goes_to_the_cheaper_project():
    # Two voters (15 each) approve both; both would be paid by 2 voters: cheaper first.
    e = election(30, {"1": 30, "2": 10}, [["1", "2"], ["1", "2"]])
    outcome = counting.equal_shares(e)
    assert outcome.selected == ["2"]
    assert outcome.decisions["2"].payment == 5
    assert outcome.decisions["1"].reason == counting.Reason.MES_UNAFFORDABLE


def test_mes_full_tie_goes_to_the_lower_id():
    e = election(30, {"10": 20, "9": 20}, [["10", "9"], ["10", "9"]])
    assert counting.equal_shares(e).selected == ["9"]


def test_mes_full_tie_of_lone_supporters_goes_by_id():
    e = election(40, {"2": 10, "1": 10, "3": 10}, [["2"], ["1"], ["3"], []])
    outcome = counting.equal_shares(e)
    assert outcome.selected == ["1", "2", "3"]  # all bought, in id order (ties)


def test_mes_tie_of_payment_and_cost_goes_to_more_supporters_before_the_id():
    # Ten voters with 5 each. "3" (cost 30, six supporters paying 5) is bought first
    # and empties voters 2-7. Then "1" (cost 10: voters 0 and 1 pay 5 each) and "2"
    # (cost 10: its five supporters include voters 2-4, who have nothing left, so
    # voters 8 and 9 pay 5 each) cost their supporters the same per unit and the
    # same in all: "2" has more supporters and goes first although its id is higher.
    ballots = [
        ["1"],
        ["1"],
        ["2", "3"],
        ["2", "3"],
        ["2", "3"],
        ["3"],
        ["3"],
        ["3"],
        ["2"],
        ["2"],
    ]
    e = election(50, {"1": 10, "2": 10, "3": 30}, ballots)
    outcome = counting.equal_shares(e)
    assert outcome.selected == ["3", "2", "1"]
    two = outcome.decisions["2"]
    assert (two.payment, two.full_payers, two.support) == (5, 2, 5)
    with translation.override("en"):
        assert "the other 3 had less left" in counting.explain(two, outcome)


def test_mes_buys_proportionally_where_greedy_serves_only_the_majority():
    # 3 voters want A-projects, 1 voter wants B: greedy spends all on the majority,
    # equal shares gives the minority voter's quarter of the budget to B.
    ballots = [["a1", "a2", "a3", "a4"]] * 3 + [["b"]]
    e = election(40, {"a1": 10, "a2": 10, "a3": 10, "a4": 10, "b": 10}, ballots)
    assert sorted(counting.greedy(e).selected) == ["a1", "a2", "a3", "a4"]
    outcome = counting.equal_shares(e)
    assert sorted(outcome.selected) == ["a1", "a2", "a3", "b"]
    assert outcome.decisions["b"].payment == 10
    assert outcome.decisions["a4"].reason == counting.Reason.MES_UNAFFORDABLE


def test_mes_add1_raises_the_share_until_the_outcome_would_cost_too_much():
    # Budget 10 for 2 voters: 5 each, nobody can buy "1" (cost 8) alone; with the
    # share raised to 8 the lone supporter can, and 8 ≤ 10, so it is kept.
    e = election(10, {"1": 8, "2": 2}, [["1"], ["2"]])
    outcome = counting.equal_shares(e)
    assert sorted(outcome.selected) == ["1", "2"]
    assert outcome.voter_budget == 8
    assert outcome.decisions["1"].reason == counting.Reason.MES_BOUGHT


def test_mes_completes_greedily_by_supporters():
    # Each voter alone must hold 6 to buy their project; at a share of 6 both would
    # be bought for 12 > 10, so add1 stops at 5 with nothing bought, and completion
    # takes projects by number of supporters (tie: cost, then id) while they fit.
    e = election(10, {"2": 6, "1": 6}, [["1"], ["2"]])
    outcome = counting.equal_shares(e)
    assert outcome.selected == ["1"]
    assert outcome.voter_budget == 5
    assert outcome.decisions["1"].reason == counting.Reason.COMPLETION_TAKEN
    two = outcome.decisions["2"]
    assert two.money_left_before == 4 and two.supporters_money == 5
    with translation.override("en"):
        text = counting.explain(two, outcome)
    # Both steps are explained: equal shares could not buy it, completion had no room.
    assert "they had 5 left, the project costs 6" in text and "only 4 was left" in text


def test_mes_refuses_points_ballots():
    e = election(10, {"1": 10}, [["1"]], "cumulative", points=[[1]])
    with pytest.raises(DomainError):
        counting.tally(e, "mes")
    with pytest.raises(DomainError):
        counting.tally(e, "borda")


def test_json_explains_every_greedy_decision():
    out = StringIO()
    call_command(
        "pb_tally",
        str(PABULIB / "poland_czestochowa_2020_grabowka.pb"),
        rule="greedy",
        json=True,
        stdout=out,
    )
    data = json.loads(out.getvalue())
    decisions = {d["project_id"]: d for d in data["decisions"]}
    assert set(decisions) == set(
        pabulib.parse(PABULIB / "poland_czestochowa_2020_grabowka.pb").projects
    )
    assert [d["project_id"] for d in data["decisions"][: len(data["selected"])]] == (
        data["selection_order"]
    )
    for d in decisions.values():
        assert d["money_left_before"] is not None
        if d["reason"] == counting.Reason.NO_ROOM:
            assert Fraction(d["cost"]) > Fraction(d["money_left_before"])
        else:
            assert d["reason"] == counting.Reason.TAKEN
            assert Fraction(d["cost"]) <= Fraction(d["money_left_before"])
    assert decisions["448"]["reason"] == counting.Reason.NO_ROOM


def test_json_explains_every_equal_shares_decision_with_exact_figures():
    out = StringIO()
    call_command(
        "pb_tally",
        str(PABULIB / "poland_wieliczka_2023.pb"),
        rule="mes",
        json=True,
        stdout=out,
    )
    data = json.loads(out.getvalue())
    share = Fraction(data["voter_budget"])
    assert share == 302 and data["voters"] == 6586
    reasons = {d["reason"] for d in data["decisions"]}
    assert {counting.Reason.MES_BOUGHT, counting.Reason.MES_UNAFFORDABLE} <= reasons
    for d in data["decisions"]:
        cost = Fraction(d["cost"])
        if d["reason"] == counting.Reason.MES_BOUGHT:
            # The full payers paid the equal payment; the rest gave less (all they had).
            payment = Fraction(d["payment"])
            assert 0 < payment <= share and d["full_payers"] >= 1
            assert payment * d["full_payers"] <= cost
            assert payment * d["support"] >= cost
        elif d["reason"] == counting.Reason.MES_UNAFFORDABLE:
            assert Fraction(d["supporters_money"]) < cost or d["support"] == 0


# --- the fast path is the exact method --------------------------------------------


def reference_mes_fixed(e: Election, share: Fraction) -> list[str]:
    """equalshares.net's algorithm, voter by voter, in fractions, without shortcuts."""
    return reference_mes_run(e, share)[0]


def reference_mes_run(e: Election, share: Fraction):
    """The plain run, with each purchase's payment and everyone's money at the end."""
    approvers = {
        p: [n for n, b in enumerate(e.ballots) if p in b.projects] for p in e.projects
    }
    money = [share] * len(e.ballots)
    remaining = {p for p in e.projects if e.projects[p].cost > 0 and approvers[p]}
    winners, payments = [], {}
    while True:
        rates = {}
        for p in sorted(remaining):
            cost = e.projects[p].cost
            if sum(money[i] for i in approvers[p]) < cost:
                continue
            paid, payers = Fraction(0), len(approvers[p])
            for i in sorted(approvers[p], key=lambda i: money[i]):
                payment = (cost - paid) / payers
                if payment > money[i]:
                    paid += money[i]
                    payers -= 1
                else:
                    break
            rates[p] = payment / cost
        if not rates:
            return winners, payments, money
        low = min(rates.values())
        best = min(
            (p for p in rates if rates[p] == low),
            key=lambda p: (e.projects[p].cost, -len(approvers[p]), counting.id_key(p)),
        )
        payment = rates[best] * e.projects[best].cost
        payments[best] = payment
        for i in approvers[best]:
            money[i] = max(money[i] - payment, Fraction(0))
        winners.append(best)
        remaining.discard(best)


elections = st.builds(
    lambda costs, ballots, budget: election(
        budget,
        {str(n): c for n, c in enumerate(costs)},
        [[str(p) for p in sorted(set(b)) if p < len(costs)] for b in ballots],
    ),
    st.lists(st.integers(1, 40), min_size=1, max_size=6),
    st.lists(st.lists(st.integers(0, 5), max_size=4), min_size=1, max_size=10),
    st.integers(1, 120),
)


@settings(max_examples=150, deadline=None)
@given(elections, st.integers(0, 6))
def test_fast_equal_shares_equals_the_plain_exact_method(e, extra):
    method = counting._EqualShares(e)
    share = Fraction(e.budget, len(e.ballots)) + extra
    want = reference_mes_fixed(e, share)
    assert method.run(share)[0] == want
    try:
        got = counting._BoundedShares(method).run(share)[0]
    except counting._Undecided:
        return  # the bounds could not prove it; the exact run above decides instead
    assert got == want


@settings(max_examples=100, deadline=None)
@given(elections)
def test_equal_shares_outcome_respects_the_budget_and_is_exhaustive(e):
    outcome = counting.equal_shares(e)
    assert outcome.total_cost <= e.budget
    assert len(set(outcome.selected)) == len(outcome.selected)
    left = e.budget - outcome.total_cost
    assert all(
        e.projects[p].cost > left for p in e.projects if p not in outcome.selected
    )


def reference_equal_shares(e: Election) -> list[str]:
    """add1 (integral) and greedy completion around the plain run, share by share."""
    return reference_equal_shares_and_share(e)[0]


def reference_equal_shares_and_share(e: Election) -> tuple[list[str], Fraction | None]:
    """The winners, and each voter's share in the last run add1 kept."""
    voters = len(e.ballots)
    cost = {p: e.projects[p].cost for p in e.projects}

    def spent(chosen):
        return sum((cost[p] for p in chosen), Fraction(0))

    def exhaustive(chosen):
        return all(p in chosen or spent(chosen) + cost[p] > e.budget for p in cost)

    winners = reference_mes_fixed(e, Fraction(e.budget, voters)) if voters else []
    share = Fraction(e.budget, voters) if voters else None
    whole = int(Fraction(e.budget, voters)) if voters else 0
    approved = sum(
        (cost[p] for p in cost if any(p in b.projects for b in e.ballots)), Fraction(0)
    )
    while voters and not exhaustive(winners) and whole <= approved:
        trial = reference_mes_fixed(e, Fraction(whole + 1))
        if spent(trial) > e.budget:
            break
        whole, winners = whole + 1, trial
        share = Fraction(whole)
    approvals = {p: sum(p in b.projects for b in e.ballots) for p in cost}
    left = e.budget - spent(winners)
    chosen = list(winners)
    for p in sorted(
        (p for p in cost if p not in winners),
        key=lambda p: (-approvals[p], cost[p], counting.id_key(p)),
    ):
        if cost[p] <= left:
            chosen.append(p)
            left -= cost[p]
    return chosen, share


@settings(max_examples=150, deadline=None)
@given(elections)
def test_equal_shares_with_add1_and_completion_equals_the_plain_definition(e):
    outcome = counting.equal_shares(e)
    assert (outcome.selected, outcome.voter_budget) == reference_equal_shares_and_share(
        e
    )


@settings(max_examples=150, deadline=None)
@given(elections, st.integers(0, 8), st.integers(1, 12))
def test_a_range_of_shares_proved_at_once_has_the_outcome_of_each_share(
    e, start, width
):
    method = counting._EqualShares(e)
    low = int(Fraction(e.budget, len(e.ballots))) + start
    try:
        bounded = counting._BoundedShares(method)
        got = bounded.run(Fraction(low), Fraction(low + width))[0]
    except counting._Undecided:
        return  # not provable at once: the count then tries the shares one by one
    for share in range(low, low + width + 1):
        assert got == reference_mes_fixed(e, Fraction(share))


@settings(max_examples=150, deadline=None)
@given(elections, st.integers(0, 6))
def test_replayed_figures_are_the_exact_payments_and_money_left(e, extra):
    share = Fraction(e.budget, len(e.ballots)) + extra
    winners, payments, money = reference_mes_run(e, share)
    figures = counting._EqualShares(e).replay(share, winners)
    assert figures.payments == payments
    for p in e.projects:
        supporters = [n for n, b in enumerate(e.ballots) if p in b.projects]
        if p not in winners:
            assert figures.left_with_supporters[p] == sum(
                (money[n] for n in supporters), Fraction(0)
            )


# --- independent projects: the shortcut is the exact method -------------------------

single_choice_elections = st.builds(
    lambda costs, ballots, budget: election(
        budget,
        {str(n): c for n, c in enumerate(costs)},
        [[str(b)] if b is not None and b < len(costs) else [] for b in ballots],
    ),
    st.lists(st.integers(1, 60), min_size=1, max_size=8),
    st.lists(st.one_of(st.none(), st.integers(0, 8)), min_size=1, max_size=25),
    st.integers(1, 150),
)


@settings(max_examples=200, deadline=None)
@given(single_choice_elections, st.integers(0, 12))
def test_independent_projects_run_is_the_plain_exact_method(e, extra):
    method = counting._EqualShares(e)
    assert method.independent
    for share in (
        Fraction(e.budget, len(e.ballots)),
        Fraction(int(e.budget / len(e.ballots)) + extra),
    ):
        assert method.independent_run(share) == reference_mes_fixed(e, share)


@settings(max_examples=200, deadline=None)
@given(single_choice_elections)
def test_independent_projects_add1_is_the_plain_definition(e):
    outcome = counting.equal_shares(e)
    assert (outcome.selected, outcome.voter_budget) == reference_equal_shares_and_share(
        e
    )


def test_projects_sharing_a_voter_are_not_independent():
    e = election(30, {"1": 10, "2": 10, "3": 10}, [["1"], ["2", "3"], ["3"]])
    assert not counting._EqualShares(e).independent
    # A project nobody can buy (cost 0) does not make its voters' projects dependent.
    e = election(30, {"1": 10, "2": 0}, [["1", "2"], ["2"]])
    assert counting._EqualShares(e).independent
