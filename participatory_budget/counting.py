"""Counting a participatory budget vote: greedy and the Method of Equal Shares.

Every decision is taken in exact arithmetic (integers and ``Fraction``), never
with floats, so two runs — or a recount by anyone with the published ballots —
always agree.

**Support** of a project, from the ballots:

- approval (and knapsack) ballots: the number of ballots naming it;
- cumulative and scoring ballots: the sum of the points given to it;
- ordinal ballots: Borda points, ``max_length − position`` (the first choice
  gets ``max_length``, the last allowed place 1), as in Kraków's ``score``.

**Tie-break** (documented, used everywhere a choice between equals is made):
the cheaper project first, then — for the Method of Equal Shares only — the
one with more supporters, then the lower project id (ids that are whole
numbers compare as numbers and come before other ids, which compare as text).

**greedy**: projects in decreasing support (ties as above); each is taken
while it fits the money still left, a project that does not fit is skipped
and the next one is tried.

**mes** (approval ballots): the Method of Equal Shares with cost utilities, as
equalshares.net defines it. The budget is split equally among all voters; a
project is bought when its supporters can pay its cost, each paying an equal
share or, if they have less, everything they have left; among affordable
projects the one whose supporters pay least per unit of cost is bought first.
Completion "add1" (equalshares.net's default, "integral"): after the run with
budget / voters each, the per-voter budget is set to the whole currency units
below it plus one, then raised one unit at a time, and the method rerun each
time; a new outcome is kept while it costs at most the real budget, and the
raising stops at the first exhaustive outcome (one to which no other project
fits the real budget) — or once the share exceeds the cost of all approved
projects together, past which raising cannot change the outcome. What money
is left is then filled greedily by number of supporters.

The count reaches exactly that outcome with less work: voters who approve the
same projects are counted as one group (they always hold the same money); a
run over a range of shares that integer bounds prove to give one outcome
stands for every share in it; and when the projects are independent (no voter
approves two projects the method could buy — a one-choice ballot, as in
Gdańsk or Wrocław), a project is bought exactly when its supporters' shares
cover its cost, so the outcome changes only at those shares and add1 goes
from one such share to the next instead of one unit at a time. The shares
tried, the outcome kept and the final share are those of the plain
definition (the tests compare them with it on random elections).

**Explanations** (``Decision``, also in ``pb_tally --json`` under
``decisions``): greedy records each project's support, cost and the money
left when its turn came (so a skipped project shows why it did not fit);
equal shares records, for a bought project, the equal payment each supporter
made and how many paid it in full (the others had less and gave all they
had), and for a project it could not buy, the money its supporters still had
together at the end, which is less than its cost; the greedy completion then
records the money left when each remaining project's turn came.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil, floor, lcm

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edem.core.errors import DomainError

from .pabulib import Election

GREEDY = "greedy"
MES = "mes"
RULES = (GREEDY, MES)
MES_BALLOTS = ("approval", "choose-1", "knapsack")


class Reason:
    """Why a project ended as it did; the results page words each one."""

    TAKEN = "taken"
    NO_ROOM = "no_room"
    MES_BOUGHT = "mes_bought"
    MES_UNAFFORDABLE = "mes_unaffordable"
    COMPLETION_TAKEN = "completion_taken"
    COMPLETION_NO_ROOM = "completion_no_room"


def id_key(project_id: str) -> tuple[int, int, str]:
    """Order of project ids in the tie-break: whole numbers numerically, then text."""
    text = project_id.strip()
    if text.isdigit():
        return (0, int(text), "")
    return (1, 0, text)


@dataclass
class Decision:
    """What happened to one project and the figures that explain it."""

    project_id: str
    cost: Fraction
    support: Fraction
    selected: bool
    reason: str
    position: int  # order in which the rule considered (greedy) or bought (mes) it
    money_left_before: Fraction | None = None  # greedy and completion: budget left then
    payment: Fraction | None = None  # mes: the most one supporter paid for it
    supporters_money: Fraction | None = (
        None  # mes, not bought: money its supporters had
    )
    full_payers: int | None = (
        None  # mes, bought: supporters who paid ``payment`` in full
    )

    def as_json(self) -> dict:
        """The figures as JSON: exact amounts as integers or ``"a/b"``, None if not used."""
        return {
            "project_id": self.project_id,
            "selected": self.selected,
            "reason": self.reason,
            "position": self.position,
            "cost": plain_number(self.cost),
            "support": plain_number(self.support),
            "money_left_before": optional_number(self.money_left_before),
            "payment": optional_number(self.payment),
            "full_payers": self.full_payers,
            "supporters_money": optional_number(self.supporters_money),
        }


@dataclass
class Outcome:
    """The result of a count: winners in the order chosen, their cost, every decision."""

    rule: str
    budget: Fraction
    selected: list[str]
    decisions: dict[str, Decision] = field(default_factory=dict)
    voter_budget: Fraction | None = None  # mes: each voter's share in the final run
    voters: int = 0

    @property
    def total_cost(self) -> Fraction:
        return sum((self.decisions[p].cost for p in self.selected), Fraction(0))

    def ordered_decisions(self) -> list[Decision]:
        """Winners in the order chosen, then the others by support (ties by id)."""
        return sorted(
            self.decisions.values(),
            key=lambda d: (
                not d.selected,
                d.position if d.selected else 0,
                -d.support,
                id_key(d.project_id),
            ),
        )

    def as_json(self) -> dict:
        """The machine-readable summary printed by ``pb_tally --json``.

        ``decisions`` carries, per project, the figures the results page
        explains it with (see ``Decision.as_json``).
        """
        return {
            "rule": self.rule,
            "selected": sorted(self.selected),
            "total_cost": plain_number(self.total_cost),
            "budget": plain_number(self.budget),
            "selection_order": list(self.selected),
            "voters": self.voters,
            "voter_budget": optional_number(self.voter_budget),
            "decisions": [d.as_json() for d in self.ordered_decisions()],
        }


def plain_number(value: Fraction) -> int | str:
    """An integer stays an integer; any other exact amount is written as ``a/b``."""
    return (
        value.numerator
        if value.denominator == 1
        else f"{value.numerator}/{value.denominator}"
    )


def optional_number(value: Fraction | None) -> int | str | None:
    """``plain_number``, keeping None (a figure the rule did not produce)."""
    return None if value is None else plain_number(value)


def support(election: Election) -> dict[str, Fraction]:
    """Each project's support from the ballots, by the rule of the ballot type."""
    # Each different ballot is weighed once by the number of voters who cast
    # it: a file has up to hundreds of thousands of ballots but far fewer kinds.
    totals = dict.fromkeys(election.projects, 0)
    vote_type = election.vote_type
    distinct = election.distinct_ballots()
    if vote_type == "ordinal":
        top = election.max_length
        for named, _points, times in distinct:
            for position, pid in enumerate(named):
                totals[pid] += (top - position) * times
    elif vote_type in ("cumulative", "scoring"):
        if any(points is None for _named, points, _times in distinct):
            raise DomainError(_("A points ballot carries no points."))
        if any(len(named) != len(points) for named, points, _times in distinct):
            raise DomainError(_("The number of points does not match the projects."))
        for named, points, times in distinct:
            for pid, amount in zip(named, points, strict=True):
                # Whole points (the usual case) add up as integers, faster than fractions.
                totals[pid] += (
                    amount.numerator * times
                    if amount.denominator == 1
                    else amount * times
                )
    else:
        for named, _points, times in distinct:
            for pid in named:
                totals[pid] += times
    return {pid: Fraction(total) for pid, total in totals.items()}


def greedy(election: Election, *, scores: dict[str, Fraction] | None = None) -> Outcome:
    """Take projects in decreasing support while they fit the money left; skip the rest."""
    scores = scores if scores is not None else support(election)
    projects = election.projects
    order = sorted(projects, key=lambda p: (-scores[p], projects[p].cost, id_key(p)))
    left = election.budget
    outcome = Outcome(
        rule=GREEDY, budget=election.budget, selected=[], voters=election.voter_count
    )
    for position, pid in enumerate(order, start=1):
        cost = projects[pid].cost
        fits = cost <= left
        outcome.decisions[pid] = Decision(
            project_id=pid,
            cost=cost,
            support=scores[pid],
            selected=fits,
            reason=Reason.TAKEN if fits else Reason.NO_ROOM,
            position=position,
            money_left_before=left,
        )
        if fits:
            outcome.selected.append(pid)
            left -= cost
    return outcome


def _runs(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The numbers ``start, start + 1, …, start + size − 1`` of each run, in one array."""
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # Each run's first number jumps from the end of the one before; the rest step by 1.
    steps = np.ones(total, dtype=np.int64)
    ends = np.cumsum(sizes)
    steps[0] = starts[0]
    steps[ends[:-1]] = starts[1:] - (starts[:-1] + sizes[:-1] - 1)
    return np.cumsum(steps)


class _EqualShares:
    """The Method of Equal Shares on approval ballots, in exact arithmetic.

    Voters' money takes few distinct values (everyone starts with the same
    share; a purchase charges its supporters one equal payment or all they
    have), so each distinct amount is kept once as an exact ``Fraction`` in a
    table of money levels, and each voter holds only the index of their level.
    Judging a project counts its supporters per level (an integer histogram
    over indices) and then works with the few exact amounts, never with
    floats.
    """

    def __init__(self, election: Election) -> None:
        self.election = election
        self.voters = election.voter_count
        self.cost = {pid: p.cost for pid, p in election.projects.items()}
        # Voters who approve the same projects always hold the same money:
        # ``groups`` holds each such set of projects once with its voters.
        sizes: dict[frozenset[str], int] = {}
        for named, _points, times in election.distinct_ballots():
            if named:
                key = frozenset(named)
                sizes[key] = sizes.get(key, 0) + times
        self.groups = list(sizes.items())
        # Voters are numbered group by group (those of an empty ballot last),
        # so a group's voters are one run of numbers.
        starts: list[int] = []
        members: dict[str, list[int]] = {pid: [] for pid in election.projects}
        start = 0
        for index, (ballot, size) in enumerate(self.groups):
            starts.append(start)
            start += size
            for pid in ballot:
                members[pid].append(index)
        first = np.asarray(starts, dtype=np.int64)
        size_of = np.asarray([size for _ballot, size in self.groups], dtype=np.int64)
        self.group_members = members
        self.supporters = {
            pid: _runs(first[groups], size_of[groups])
            for pid, groups in members.items()
        }
        self.approvals = {pid: len(voters) for pid, voters in self.supporters.items()}
        self.candidates = [
            pid
            for pid in election.projects
            if self.cost[pid] > 0 and self.approvals[pid] > 0
        ]
        # Independent projects: no voter approves two projects the method could buy.
        buyable = set(self.candidates)
        self.independent = all(
            len(ballot & buyable) <= 1 for ballot, _size in self.groups
        )
        if self.independent:
            approvals, cost = self.approvals, self.cost
            self.by_supporters = sorted(
                self.candidates, key=lambda p: (-approvals[p], cost[p], id_key(p))
            )
            # The least whole share at which a project's supporters can pay for it.
            self.need = {p: ceil(cost[p] / approvals[p]) for p in self.candidates}

    def tie_key(self, pid: str):
        return (self.cost[pid], -self.approvals[pid], id_key(pid))

    def independent_run(self, share: Fraction) -> list[str]:
        """A run when the projects are independent (``self.independent``).

        No voter approves two projects the method could buy, so a purchase
        never touches the money of another project's supporters: a project
        is bought exactly when its supporters' shares together cover its
        cost, and each supporter then pays cost / supporters — per unit of
        cost 1 / supporters. Projects are therefore bought in decreasing
        number of supporters (ties as documented: cheaper, then lower id),
        the order the general run takes too.
        """
        approvals, cost = self.approvals, self.cost
        if share.denominator != 1:
            return [
                pid for pid in self.by_supporters if approvals[pid] * share >= cost[pid]
            ]
        whole = share.numerator
        need = self.need
        return [pid for pid in self.by_supporters if need[pid] <= whole]

    def unchanged(self, low: int, high: int) -> bool:
        """Whether every share from ``low`` to ``high`` has the outcome of ``low``.

        True of any single share; for independent projects, true when no
        project becomes affordable above ``low`` and at most at ``high``.
        """
        if low == high:
            return True
        if not self.independent:
            return False
        return not any(low < need <= high for need in self.need.values())

    def stable_until(self, low: int) -> int | None:
        """Independent projects: the last whole share with the outcome of ``low``.

        The outcome changes only at a share where a project becomes
        affordable; None when no project becomes affordable above ``low``
        (the outcome never changes again).
        """
        later = [need for need in self.need.values() if need > low]
        return min(later) - 1 if later else None

    def run(self, share: Fraction, *, explain: bool = False):
        """One run with ``share`` money per voter; winners in order and, if asked, figures."""
        cost, approvals, supporters = self.cost, self.approvals, self.supporters
        # Money levels, kept sorted: ``ladder`` holds the distinct exact amounts
        # in increasing order, ``rank_of`` maps a level's id to its place in it.
        values: list[Fraction] = [Fraction(share)]
        ladder: list[Fraction] = [values[0]]
        ladder_ids: list[int] = [0]
        index_of: dict[Fraction, int] = {values[0]: 0}
        rank_of = np.zeros(1, dtype=np.int64)
        level = np.zeros(self.voters, dtype=np.int64)

        def price_of(pid: str) -> tuple[Fraction | None, Fraction]:
            """The equal payment that buys ``pid`` now, or None and the money behind it."""
            ranks = rank_of[level[supporters[pid]]]
            counts = np.bincount(ranks)
            price = cost[pid]
            paid = Fraction(0)
            payers = approvals[pid]
            for rank in np.flatnonzero(counts).tolist():
                value = ladder[rank]
                if price - paid > value * payers:
                    weight = int(counts[rank])
                    paid += value * weight
                    payers -= weight
                else:
                    return (price - paid) / payers, paid
            return None, paid

        # Effective vote count (cost / equal payment) only falls as money is
        # spent, so last round's value bounds this round's: a lazy scan.
        previous = {pid: Fraction(approvals[pid]) for pid in self.candidates}
        winners: list[str] = []
        payments: dict[str, Fraction] = {}
        unaffordable: dict[str, Fraction] = {}
        while previous:
            best: list[str] = []
            best_count = Fraction(0)
            for pid in sorted(previous, key=previous.__getitem__, reverse=True):
                if previous[pid] < best_count:
                    break
                payment, behind = price_of(pid)
                if payment is None:
                    unaffordable[pid] = behind
                    del previous[pid]
                    continue
                count = cost[pid] / payment
                previous[pid] = count
                if count > best_count:
                    best_count, best = count, [pid]
                elif count == best_count:
                    best.append(pid)
            if not best:
                break
            winner = min(best, key=self.tie_key)
            winners.append(winner)
            del previous[winner]
            payment = cost[winner] / best_count
            payments[winner] = payment
            members = supporters[winner]
            held = level[members]
            mapping = np.arange(len(values), dtype=np.int64)
            grew = False
            for old in np.flatnonzero(np.bincount(held)).tolist():
                value = values[old]
                new = value - payment if value > payment else Fraction(0)
                if new not in index_of:
                    index_of[new] = len(values)
                    values.append(new)
                    place = bisect_left(ladder, new)
                    ladder.insert(place, new)
                    ladder_ids.insert(place, index_of[new])
                    grew = True
                mapping[old] = index_of[new]
            level[members] = mapping[held]
            if grew:
                rank_of = np.empty(len(values), dtype=np.int64)
                rank_of[np.asarray(ladder_ids, dtype=np.int64)] = np.arange(len(values))
        if not explain:
            return winners, None
        return winners, (payments, unaffordable, None)

    def replay(self, share: Fraction, winners: list[str]) -> Figures:
        """The exact figures behind a known outcome: who paid what, what was left.

        Buys ``winners`` in order from ``share`` per voter, exactly as the run
        that chose them did, and records for each the equal payment and how
        many supporters paid it in full (the others had less and gave all
        they had); then, for every project not bought, the money its
        supporters still held together at the end — less than its cost,
        which is why equal shares could not buy it.
        """
        figures = Figures()
        if self.voters == 0:
            return figures
        values: list[Fraction] = [Fraction(share)]
        index_of: dict[Fraction, int] = {values[0]: 0}
        level = np.zeros(self.voters, dtype=np.int64)
        for pid in winners:
            members = self.supporters[pid]
            held = level[members]
            counts = np.bincount(held, minlength=len(values))
            present = sorted(
                (values[i], int(counts[i])) for i in np.flatnonzero(counts).tolist()
            )
            price, paid, payers = self.cost[pid], Fraction(0), len(members)
            payment = None
            for value, weight in present:
                if price - paid > value * payers:
                    paid += value * weight
                    payers -= weight
                else:
                    payment = (price - paid) / payers
                    break
            if (
                payment is None
            ):  # pragma: no cover - the run bought it, so it was affordable
                raise AssertionError(f"replayed purchase of {pid} is not affordable")
            figures.payments[pid] = payment
            figures.full_payers[pid] = payers
            mapping = np.arange(len(values), dtype=np.int64)
            for old in np.flatnonzero(counts).tolist():
                value = values[old]
                new = value - payment if value > payment else Fraction(0)
                if new not in index_of:
                    index_of[new] = len(values)
                    values.append(new)
                mapping[old] = index_of[new]
            level[members] = mapping[held]
        money = np.bincount(level, minlength=len(values))
        bought = set(winners)
        for pid, members in self.supporters.items():
            if pid in bought:
                continue
            if len(members) == len(level):
                counts = money
            else:
                counts = np.bincount(level[members], minlength=len(values))
            figures.left_with_supporters[pid] = sum(
                (values[i] * int(counts[i]) for i in np.flatnonzero(counts).tolist()),
                Fraction(0),
            )
        return figures


@dataclass
class Figures:
    """The exact figures that explain an equal-shares outcome (see ``replay``)."""

    payments: dict[str, Fraction] = field(default_factory=dict)
    full_payers: dict[str, int] = field(default_factory=dict)
    left_with_supporters: dict[str, Fraction] = field(default_factory=dict)


class _Undecided(Exception):
    """Integer bounds could not prove a decision (a tie or a near-tie): count exactly."""


SCALE = 10**8  # bounds are kept in units of 10⁻⁸ of the currency
LIMIT = 2**62
KEY = 2**64


def _floor_div(a, b):
    return a // b


def _ceil_div(a, b):
    return -((-a) // b)


class _BoundedShares:
    """The same method, proved with integer bounds instead of computed with fractions.

    Every voter's money is enclosed in an interval of integers (units of
    10⁻⁸), rounded outwards at every step, so each comparison the method makes
    (is a project affordable, which project is cheapest per unit of cost for
    its supporters) is decided by integers only when the intervals prove it.
    When they cannot — an exact tie or a difference below 10⁻⁸ — the run is
    abandoned (``_Undecided``) and done again with exact fractions. The
    outcome is therefore always the exact outcome; the bounds only make the
    common case fast.
    """

    def __init__(self, method: _EqualShares) -> None:
        self.method = method
        self.cost = {}
        for pid, cost in method.cost.items():
            scaled = cost * SCALE
            if scaled.denominator != 1:
                raise _Undecided
            self.cost[pid] = int(scaled)
        # Voters with the same ballot always hold the same money: one group each.
        groups = method.groups
        if len(groups) * 2 > method.voters:
            # Few voters share a ballot: grouping would cost more than it saves.
            groups = [(ballot, 1) for ballot, size in groups for _n in range(size)]
        members: dict[str, list[int]] = {pid: [] for pid in method.candidates}
        for index, (ballot, _size) in enumerate(groups):
            for pid in ballot:
                if pid in members:
                    members[pid].append(index)
        weights = dict(enumerate(size for _ballot, size in groups))
        self.groups = len(weights)
        self.weight = np.fromiter(weights.values(), dtype=np.int64, count=self.groups)
        self.supporters = {
            pid: np.asarray(groups, dtype=np.int64) for pid, groups in members.items()
        }
        self.weights = {
            pid: None if self.groups == method.voters else self.weight[g]
            for pid, g in self.supporters.items()
        }

    @staticmethod
    def price(
        values: np.ndarray, weights: np.ndarray | None, cost: int
    ) -> tuple[int, int] | None:
        """The exact equal payment, as ``(numerator, denominator)``, if supporter
        groups held exactly ``values``; None when all their money together is
        less than the cost. (Integer pairs, not ``Fraction``: no gcd to compute.)
        """
        if weights is None:
            values = np.sort(values)
            before = np.cumsum(values)
            if int(before[-1]) < cost:
                return None
            before -= values
            payers = np.arange(len(values), 0, -1, dtype=np.int64)
            k = int(np.argmax((cost - before) <= values * payers))
            return cost - int(before[k]), int(payers[k])
        order = np.argsort(values, kind="stable")
        values, weights = values[order], weights[order]
        money = values * weights
        before = np.cumsum(money)
        if int(before[-1]) < cost:
            return None
        before -= money
        payers = np.cumsum(weights[::-1])[::-1]
        # The first group (in increasing money) that can pay an equal share.
        k = int(np.argmax((cost - before) <= values * payers))
        return cost - int(before[k]), int(payers[k])

    def run(self, share: Fraction, upto: Fraction | None = None):
        """Winners for ``share`` per voter, with their payments as exact bounds (scaled).

        With ``upto``, every voter's money starts anywhere between ``share``
        and ``upto``: a run that completes then proves that every share in
        that range gives the same winners in the same order.
        """
        method = self.method
        top = share if upto is None else upto
        lo_share = _floor_div(share.numerator * SCALE, share.denominator)
        hi_share = _ceil_div(top.numerator * SCALE, top.denominator)
        if hi_share * max(method.voters, 1) * 4 > LIMIT:
            raise _Undecided
        low = np.full(self.groups, lo_share, dtype=np.int64)
        high = np.full(self.groups, hi_share, dtype=np.int64)
        cost, supporters, tie_key = self.cost, self.supporters, method.tie_key
        # Candidates wait in a heap ordered by a lower bound of their price per
        # unit of cost (payment / cost, in units of 2⁻⁶⁴); it only rises as
        # supporters spend, so a candidate whose bound is above the best upper
        # bound found this round is certainly dearer and need not be judged.
        heap = [
            (_floor_div(KEY, method.approvals[pid]), pid) for pid in method.candidates
        ]
        heapq.heapify(heap)
        current = {pid: key for key, pid in heap}
        winners: list[str] = []
        payments: dict[str, tuple[Fraction, Fraction]] = {}
        unaffordable: dict[str, tuple[int, int]] = {}
        # A candidate's bounds change only when one of its supporter groups
        # pays for a purchase: ``touched`` holds, per group, the number of the
        # last purchase it paid for, ``known`` each candidate's bounds and the
        # number of purchases made when they were computed.
        touched = np.zeros(self.groups, dtype=np.int64)
        known: dict[str, tuple[int, tuple[tuple[int, int], tuple[int, int]]]] = {}
        # A rate (payment per unit of cost) is a pair (n, d) meaning n / d;
        # a bound is (lower rate, upper rate). a/b < c/d ⇔ a·d < c·b (b, d > 0).
        while current:
            judged: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
            best: str | None = None
            best_top = 0
            while heap:
                key, pid = heap[0]
                if current.get(pid) != key:
                    heapq.heappop(heap)  # a stale entry
                    continue
                if best is not None and key > best_top:
                    break
                heapq.heappop(heap)
                members = supporters[pid]
                if pid in known and int(touched[members].max()) <= known[pid][0]:
                    lower, upper = known[pid][1]  # nobody behind it has paid since
                else:
                    bounds = self.bounds(pid, members, low, high, unaffordable)
                    if bounds is None:
                        del current[pid]
                        continue
                    lower, upper = bounds
                    known[pid] = (len(winners), bounds)
                judged[pid] = (lower, upper)
                current[pid] = _floor_div(lower[0] * KEY, lower[1])
                if best is None:
                    best = pid
                else:
                    held = judged[best][1]
                    left, right = upper[0] * held[1], held[0] * upper[1]
                    if left < right or (left == right and tie_key(pid) < tie_key(best)):
                        best = pid
                if best == pid:
                    best_top = _ceil_div(upper[0] * KEY, upper[1])
            if best is None:
                break
            top = judged[best]
            top_lower, top_upper = top
            for pid, (lower, upper) in judged.items():
                if pid == best or lower[0] * top_upper[1] > top_upper[0] * lower[1]:
                    continue  # certainly dearer than the best
                exact_tie = (
                    lower[0] * upper[1] == upper[0] * lower[1]
                    and top_lower[0] * top_upper[1] == top_upper[0] * top_lower[1]
                    and lower[0] * top_lower[1] == top_lower[0] * lower[1]
                )
                if not (exact_tie and tie_key(best) < tie_key(pid)):
                    raise _Undecided
            for pid in judged:
                if pid != best:
                    heapq.heappush(heap, (current[pid], pid))
            winners.append(best)
            del current[best]
            # Payment = rate × cost = n / (d / cost): the price's own pair.
            rich = (top_lower[0], top_lower[1] // cost[best])
            poor = (top_upper[0], top_upper[1] // cost[best])
            payments[best] = (Fraction(*rich), Fraction(*poor))
            members = supporters[best]
            low[members] = np.maximum(low[members] - _ceil_div(poor[0], poor[1]), 0)
            high[members] = np.maximum(high[members] - _floor_div(rich[0], rich[1]), 0)
            touched[members] = len(winners)
        return winners, payments, unaffordable

    def bounds(self, pid, members, low, high, unaffordable):
        """Lower and upper bound of ``pid``'s rate now; None (noted) if unaffordable."""
        cost = self.cost
        most, least = high[members], low[members]
        weights = self.weights[pid]
        rich = self.price(most, weights, cost[pid])
        if rich is None:
            unaffordable[pid] = (
                (int(least.sum()), int(most.sum()))
                if weights is None
                else (int(least @ weights), int(most @ weights))
            )
            return None
        poor = self.price(least, weights, cost[pid]) if (most - least).any() else rich
        if poor is None:
            raise _Undecided
        return (rich[0], rich[1] * cost[pid]), (poor[0], poor[1] * cost[pid])


def equal_shares(election: Election) -> Outcome:
    """The Method of Equal Shares with add1 and greedy completion (see the module doc)."""
    if election.vote_type not in MES_BALLOTS:
        raise DomainError(
            _("The Method of Equal Shares counts approval ballots only, not %(type)s.")
            % {"type": election.vote_type}
        )
    budget = election.budget
    projects = election.projects
    method = _EqualShares(election)
    voters = method.voters
    outcome = Outcome(rule=MES, budget=budget, selected=[], voters=voters)
    if voters == 0:
        return _complete(election, outcome, method, budget)
    try:
        bounded: _BoundedShares | None = _BoundedShares(method)
    except _Undecided:
        bounded = None

    def run(share: Fraction) -> list[str]:
        """The winners for ``share`` per voter, in the order bought."""
        if method.independent:
            return method.independent_run(share)
        if bounded is not None:
            try:
                return bounded.run(share)[0]
            except _Undecided:
                pass
        return method.run(share)[0]

    def run_range(low: int, high: int) -> list[str] | None:
        """The winners shared by every whole share from ``low`` to ``high``, if provable."""
        if low == high or method.independent:
            return run(Fraction(low)) if method.unchanged(low, high) else None
        if bounded is None:
            return None
        try:
            return bounded.run(Fraction(low), Fraction(high))[0]
        except _Undecided:
            return None

    # Costs and budget in a common unit (whole currency units, or finer when
    # a cost has a fractional part): sums of integers, not of fractions.
    unit = lcm(budget.denominator, *(p.cost.denominator for p in projects.values()))
    units = {pid: int(p.cost * unit) for pid, p in projects.items()}
    budget_units = int(budget * unit)

    def spent(chosen: Iterable[str]) -> int:
        return sum(units[p] for p in chosen)

    def exhaustive(chosen: list[str]) -> bool:
        taken, left = set(chosen), budget_units - spent(chosen)
        return all(pid in taken or units[pid] > left for pid in projects)

    share = budget / voters
    winners = run(share)
    # add1: try the whole shares floor(share) + 1, + 2, … in turn; stop before
    # the first whose outcome costs more than the budget, or at the first
    # exhaustive one. Past ``last`` every project anyone approved is bought in
    # every run, so raising the share further cannot change the outcome.
    #
    # Runs over a range of shares at once (``run_range``) prove that every
    # share in it gives the same outcome, so the shares in between need not be
    # tried one by one: the outcome, and where the steps stop, are exactly
    # those of trying each share in turn. The range doubles while the outcome
    # stays the same and falls back to single shares when it changes or a
    # proof fails (a change of outcome lies inside the range).
    last = floor(sum((projects[p].cost for p in method.candidates), Fraction(0))) + 1
    low = floor(share) + 1
    span = 1
    while not exhaustive(winners) and low <= last:
        if method.independent:
            stable = method.stable_until(low)  # the outcome of ``low`` up to there
            high = last if stable is None else min(stable, last)
        else:
            high = min(low + span - 1, last)
        trial = run_range(low, high)
        if trial is None:
            span = 1
            continue
        if spent(trial) > budget_units:
            break  # already the first share of the range costs too much
        if exhaustive(trial):
            share, winners = Fraction(low), trial
            break
        span = span * 2 if trial == winners else 1
        share, winners, low = Fraction(high), trial, high + 1
    figures = method.replay(share, winners)
    outcome.voter_budget = share
    for position, pid in enumerate(winners, start=1):
        outcome.selected.append(pid)
        outcome.decisions[pid] = Decision(
            project_id=pid,
            cost=projects[pid].cost,
            support=Fraction(method.approvals[pid]),
            selected=True,
            reason=Reason.MES_BOUGHT,
            position=position,
            payment=figures.payments[pid],
            full_payers=figures.full_payers[pid],
        )
    for pid in projects:
        if pid not in outcome.decisions:
            outcome.decisions[pid] = Decision(
                project_id=pid,
                cost=projects[pid].cost,
                support=Fraction(method.approvals[pid]),
                selected=False,
                reason=Reason.MES_UNAFFORDABLE,
                position=0,
                supporters_money=figures.left_with_supporters.get(pid, Fraction(0)),
            )
    return _complete(election, outcome, method, budget)


def _complete(
    election: Election, outcome: Outcome, method: _EqualShares, budget: Fraction
) -> Outcome:
    """Fill what money is left greedily by number of supporters (ties as documented)."""
    projects = election.projects
    left = budget - outcome.total_cost
    rest = [p for p in projects if p not in outcome.selected]
    rest.sort(key=lambda p: (-method.approvals[p], projects[p].cost, id_key(p)))
    position = len(outcome.selected)
    for pid in rest:
        cost = projects[pid].cost
        decision = outcome.decisions.get(pid) or Decision(
            project_id=pid,
            cost=cost,
            support=Fraction(method.approvals[pid]),
            selected=False,
            reason=Reason.MES_UNAFFORDABLE,
            position=0,
            supporters_money=Fraction(0),
        )
        decision.money_left_before = left
        if cost <= left:
            position += 1
            decision.selected, decision.reason, decision.position = (
                True,
                Reason.COMPLETION_TAKEN,
                position,
            )
            outcome.selected.append(pid)
            left -= cost
        elif decision.reason != Reason.MES_UNAFFORDABLE:
            decision.reason = Reason.COMPLETION_NO_ROOM
        outcome.decisions[pid] = decision
    return outcome


def tally(election: Election, rule: str) -> Outcome:
    """Count ``election`` by ``rule`` (``greedy`` or ``mes``)."""
    if rule == GREEDY:
        return greedy(election)
    if rule == MES:
        return equal_shares(election)
    raise DomainError(_("Unknown counting rule “%(rule)s”.") % {"rule": rule})


def file_checks(election: Election, outcome: Outcome) -> dict[str, bool | None]:
    """Compare with the file's own columns: its support figures and official winners.

    ``support_matches_file_column``: the support computed from the ballots
    equals the file's ``score`` column (points and ranked ballots) or its
    ``votes`` column (approval ballots), None when the file has no such column.
    ``official_selected_equal``: the winners equal the file's ``selected``
    column, None when it has none.
    """
    column_name = "votes" if election.vote_type in MES_BALLOTS else "score"
    column = election.project_column(column_name)
    matches = None
    if column is not None:
        # Greedy has just computed every project's support; no need to count again.
        scores = (
            {pid: d.support for pid, d in outcome.decisions.items()}
            if outcome.rule == GREEDY
            else support(election)
        )
        matches = all(
            Fraction(value.strip() or 0) == scores[pid] for pid, value in column.items()
        )
    selected_column = election.project_column("selected")
    official = None
    if selected_column is not None:
        official_set = {pid for pid, v in selected_column.items() if v.strip() == "1"}
        official = official_set == set(outcome.selected)
    return {"support_matches_file_column": matches, "official_selected_equal": official}


def money(value: Fraction | None) -> str:
    """An amount for people: rounded to whole cents (the decision itself was exact)."""
    if value is None:
        return "—"
    cents = round(value * 100)
    whole, part = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole:,}".replace(",", " ") + (f".{part:02d}" if part else "")


def explain(decision: Decision, outcome: Outcome) -> str:
    """One sentence saying why a project was or was not chosen, with its figures."""
    supporters = int(decision.support) if decision.support.denominator == 1 else 0
    figures = {
        "support": money(decision.support),
        "cost": money(decision.cost),
        "left": money(decision.money_left_before),
        "payment": money(decision.payment),
        "money": money(decision.supporters_money),
        "share": money(outcome.voter_budget),
        "payers": decision.full_payers,
        "others": supporters - (decision.full_payers or 0),
    }
    reason = decision.reason
    if reason == Reason.TAKEN:
        text = _(
            "Support %(support)s, cost %(cost)s: chosen, it fitted the "
            "%(left)s still left."
        )
    elif reason == Reason.NO_ROOM:
        text = _(
            "Support %(support)s, cost %(cost)s: skipped, only %(left)s "
            "was left when its turn came."
        )
    elif reason == Reason.MES_BOUGHT and decision.full_payers is None:
        text = _(
            "Bought by its %(support)s supporters: each paid at most "
            "%(payment)s of their %(share)s share."
        )
    elif reason == Reason.MES_BOUGHT and decision.full_payers < supporters:
        text = ngettext(
            "Bought by its %(support)s supporters: %(payers)s paid %(payment)s each; "
            "one more had less left and paid all they had (share %(share)s).",
            "Bought by its %(support)s supporters: %(payers)s paid %(payment)s each; "
            "the other %(others)s had less left and paid all they had (share %(share)s).",
            figures["others"],
        )
    elif reason == Reason.MES_BOUGHT:
        text = ngettext(
            "Bought by its only supporter, who paid %(payment)s of a %(share)s share.",
            "Bought by its %(support)s supporters: each paid %(payment)s of their "
            "%(share)s share.",
            supporters,
        )
    elif reason == Reason.MES_UNAFFORDABLE:
        text = ngettext(
            "Not affordable for its %(support)s supporter: they had %(money)s left, "
            "the project costs %(cost)s.",
            "Not affordable for its %(support)s supporters: they had %(money)s left, "
            "the project costs %(cost)s.",
            supporters,
        )
        if decision.money_left_before is not None and not decision.selected:
            # The greedy completion came to it too, and it did not fit either.
            text += " " + _("Not chosen: only %(left)s was left.")
    elif reason == Reason.COMPLETION_TAKEN:
        text = _(
            "Added after equal shares, by number of supporters "
            "(%(support)s): it fitted the %(left)s left."
        )
    else:
        text = _("Not chosen: only %(left)s was left.")
    return text % figures


def explain_lines(election: Election, outcome: Outcome) -> list[str]:
    """The whole count as text: winners first in the order chosen, then the others."""
    lines = [
        ngettext(
            "Rule: %(rule)s. Budget %(budget)s, spent %(spent)s, %(count)d project chosen.",
            "Rule: %(rule)s. Budget %(budget)s, spent %(spent)s, %(count)d projects chosen.",
            len(outcome.selected),
        )
        % {
            "rule": outcome.rule,
            "budget": money(outcome.budget),
            "spent": money(outcome.total_cost),
            "count": len(outcome.selected),
        }
    ]
    for decision in outcome.ordered_decisions():
        name = election.projects[decision.project_id].name
        mark = "+" if decision.selected else "-"
        lines.append(
            f"{mark} {decision.project_id} {name}: {explain(decision, outcome)}"
        )
    return lines
