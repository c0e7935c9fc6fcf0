"""Counting participatory budget votes: ``pb_tally`` against pabutools, file by file.

``python -m benchmarks pb_tally`` (or ``python -m benchmarks.pb_tally [FILE ...]``)
counts every shared Pabulib file (``tests/data/pabulib/*.pb``) by greedy and,
where the ballots are approval ballots, by the Method of Equal Shares. Our side
is the ``pb_tally`` management command itself (read the file, count, print the
JSON), timed as the median of ``BENCH_REPEAT`` runs after a warm-up.

When pabutools is installed (``pip install -r requirements-bench.txt``; it is
a benchmark-only extra, never a runtime dependency) the same run reads the
same file with ``parse_pabulib`` and counts it with the equivalent pabutools
rule, and the winners are compared:

- greedy: ``greedy_utilitarian_welfare`` with a satisfaction equal to the
  project's support times its cost (``Cost_Sat`` for approval ballots; points
  or Borda points ``max_length − position`` times cost otherwise), so that
  pabutools' "satisfaction per unit of cost" is exactly our support; ties by
  lower cost, then project id.
- mes: pabutools' Method of Equal Shares at a fixed share per voter
  (``method_of_equal_shares_scheme`` with ``Cost_Sat``; ties by lower cost,
  more supporters, project id) inside equalshares.net's add1 loop (see
  ``_pabutools_add1``: pabutools' own ``voter_budget_increment`` starts the
  steps from a fractional share), then ``greedy_utilitarian_welfare``
  (``Cost_Sat``, i.e. by number of approvals) if the outcome is not exhaustive.

pabutools runs on a multi-profile (identical ballots merged; its documented
fast path, several times faster than a plain profile) and in its default
exact ``gmpy2`` arithmetic. A pabutools count is run once by default (the slowest take
hours: past ``BENCH_PABUTOOLS_SECONDS``, 900 by default, its add1 steps are
cut short as ``_pabutools_add1`` explains, and its times are printed as lower
bounds, "≥"); ``BENCH_PABUTOOLS_REPEAT=3`` runs it three times and takes the
median. ``BENCH_RULES=greedy`` (or ``mes``) keeps one
rule, ``BENCH_PB_FILES=gdansk,wroclaw`` (or file names as arguments when run
directly) some files. Set ``BENCH_PABUTOOLS=0`` to skip pabutools; the baseline is then
reading the file alone.

The table shows, per file and rule: our ``pb_tally`` time, pabutools' time
(reading + counting), the speed-up (pabutools / ours), the same for the
counting alone, and whether the winners are identical (and equal to the
expected outcome in ``tests/data/pabulib/expected/`` where there is one).
Target: identical everywhere, at least 20× faster on the largest files.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from io import StringIO
from pathlib import Path

from benchmarks.harness import Result, measure

REPO = Path(__file__).resolve().parents[1]
PABULIB = REPO / "tests" / "data" / "pabulib"
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
PABUTOOLS_SECONDS = float(os.environ.get("BENCH_PABUTOOLS_SECONDS", "900"))
PABUTOOLS_REPEAT = int(os.environ.get("BENCH_PABUTOOLS_REPEAT", "1"))
TARGET = 20


@dataclass
class Row:
    file: str
    rule: str
    size: int
    ours_seconds: float
    ours_count_seconds: float  # processor time of the count alone
    ours_cpu: float  # processor time of the whole pb_tally
    ours: list[str]
    expected: list[str] | None
    theirs_seconds: float | None = None
    theirs_count_seconds: float | None = None
    theirs_cpu: float | None = None
    cut_short: str | None = (
        None  # pabutools' add1 stopped at the time limit: what was done
    )
    theirs: list[str] | None = None
    error: str | None = None

    @property
    def identical(self) -> bool | None:
        return None if self.theirs is None else self.theirs == self.ours

    @property
    def as_expected(self) -> bool | None:
        return None if self.expected is None else self.expected == self.ours


def _measure(func, repeat: int) -> tuple[float, float]:
    """Median wall and median processor seconds of ``repeat`` runs after a warm-up.

    Processor time is the fair figure on a shared machine: it does not count
    the time other processes held the processor.
    """
    func()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _pb_tally(path: Path, rule: str) -> list[str]:
    from django.core.management import call_command

    out = StringIO()
    call_command("pb_tally", str(path), rule=rule, json=True, stdout=out)
    return json.loads(out.getvalue())["selected"]


def _expected(path: Path, rule: str) -> list[str] | None:
    file = PABULIB / "expected" / f"{path.stem}.{rule}.json"
    return json.loads(file.read_text())["selected"] if file.is_file() else None


def _pabutools_available() -> bool:
    if os.environ.get("BENCH_PABUTOOLS", "1") == "0":
        return False
    try:
        import pabutools  # noqa: F401
    except ImportError:
        return False
    return True


def _pabutools_count(
    path: Path, rule: str, our_share: Fraction | None = None
) -> tuple[list[str], float, float, float, str | None]:
    """Read and count ``path`` with pabutools.

    Returns the winners, the total wall seconds, the counting and the total
    processor seconds, and — when the
    add1 steps of equal shares ran past ``PABUTOOLS_SECONDS`` — what was cut
    short (the times are then lower bounds).
    """
    from pabutools.election import (
        AbstractApprovalProfile,
        AbstractCardinalProfile,
        AbstractOrdinalProfile,
        AdditiveSatisfaction,
        Cost_Sat,
        parse_pabulib,
    )
    from pabutools.rules import greedy_utilitarian_welfare
    from pabutools.tiebreaking import TieBreakingRule

    from participatory_budget.counting import id_key

    start, cpu_start = time.perf_counter(), time.process_time()
    instance, profile = parse_pabulib(str(path))
    cpu_read = time.process_time()
    multi = profile.as_multiprofile()

    def greedy_tie(_instance, _profile, project):
        return (project.cost, id_key(project.name))

    if isinstance(profile, AbstractApprovalProfile):
        sat_class = Cost_Sat
    elif isinstance(profile, AbstractCardinalProfile):

        def points_times_cost(_instance, _profile, ballot, project, _pre):
            return ballot.get(project, 0) * project.cost

        class PointsTimesCost(AdditiveSatisfaction):
            def __init__(self, instance, profile, ballot):
                super().__init__(instance, profile, ballot, points_times_cost)

        sat_class = PointsTimesCost
    elif isinstance(profile, AbstractOrdinalProfile):
        top = int(instance.meta.get("max_length") or max(len(b) for b in profile))

        def borda_times_cost(_instance, _profile, ballot, project, _pre):
            if project not in ballot:
                return 0
            return (top - ballot.position(project)) * project.cost

        class BordaTimesCost(AdditiveSatisfaction):
            def __init__(self, instance, profile, ballot):
                super().__init__(instance, profile, ballot, borda_times_cost)

        sat_class = BordaTimesCost
    else:  # pragma: no cover - every Pabulib vote type is one of the above
        raise TypeError(type(profile).__name__)

    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(
            instance,
            multi,
            sat_class=sat_class,
            tie_breaking=TieBreakingRule(greedy_tie),
        )
    else:
        scores = multi.approval_scores()
        approvals = {p.name: scores.get(p, 0) for p in instance}

        def mes_tie(_instance, _profile, project):
            return (project.cost, -approvals[project.name], id_key(project.name))

        outcome, cut_short = _pabutools_add1(
            instance,
            multi,
            TieBreakingRule(mes_tie),
            our_share,
            start + PABUTOOLS_SECONDS,
        )
        if not instance.is_exhaustive(outcome):
            outcome = greedy_utilitarian_welfare(
                instance,
                multi,
                sat_class=Cost_Sat,
                tie_breaking=TieBreakingRule(greedy_tie),
                initial_budget_allocation=outcome,
            )
    end, cpu_end = time.perf_counter(), time.process_time()
    return (
        sorted(p.name for p in outcome),
        end - start,
        cpu_end - cpu_read,
        (cpu_end - cpu_start),
        (cut_short if rule != "greedy" else None),
    )


def _pabutools_add1(instance, profile, tie_breaking, our_share, deadline):
    """equalshares.net's add1 around pabutools' fixed-budget equal shares.

    pabutools' own ``voter_budget_increment=1`` raises the share from
    budget / voters (153.84, 154.84, …); equalshares.net, and our count, first
    run at budget / voters and then from the whole share (154, 155, …). The
    loop below is that definition; each run is pabutools' method of equal
    shares at a fixed share per voter.

    On the largest files pabutools needs hours for all the steps. Past
    ``deadline`` (``time.perf_counter()``), the remaining steps are not run
    one by one: pabutools counts at the share where our add1 stopped and at
    the next one, which checks that the outcome there is the same and that
    the steps stop there (it is exhaustive, or the next share costs too
    much). The time is then a lower bound of pabutools' full count, and the
    returned note says how many steps were run.
    """
    from pabutools.election import Cost_Sat
    from pabutools.fractions import frac
    from pabutools.rules import BudgetAllocation
    from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme

    sat_profile = profile.as_sat_profile(Cost_Sat)
    voters = profile.num_ballots()

    def fixed(share):
        return method_of_equal_shares_scheme(
            instance,
            profile,
            sat_profile,
            share,
            BudgetAllocation(),
            tie_breaking,
            binary_sat=True,
        )

    outcome = fixed(frac(instance.budget_limit, voters))
    whole = int(instance.budget_limit // voters)
    approved = profile.approval_scores()
    approved_cost = sum(p.cost for p in instance if approved.get(p, 0) > 0)
    first, steps = whole, 0
    while not instance.is_exhaustive(outcome) and whole <= approved_cost:
        if (
            time.perf_counter() > deadline
            and our_share is not None
            and our_share > whole
        ):
            final = int(our_share)
            outcome = fixed(frac(final))
            stops = instance.is_exhaustive(outcome) or not instance.is_feasible(
                fixed(frac(final + 1))
            )
            return outcome, (
                f"time limit: ran {steps} of {final - first} add1 steps, then the share"
                f" {final} where ours stopped (and {final + 1}:"
                f" {'stops there' if stops else 'DOES NOT STOP there'})"
            )
        trial = fixed(frac(whole + 1))
        steps += 1
        if not instance.is_feasible(trial):
            break
        whole, outcome = whole + 1, trial
    return outcome, None


def _files(names: list[str]) -> list[Path]:
    files = sorted(PABULIB.glob("*.pb"), key=lambda p: p.stat().st_size)
    if names:
        files = [f for f in files if any(n in f.name for n in names)]
    return files


def rows(names: list[str] | None = None) -> list[Row]:
    """Count every chosen file by every rule its ballots allow, ours and pabutools'."""
    from participatory_budget import counting, pabulib

    with_pabutools = _pabutools_available()
    result: list[Row] = []
    for path in _files(names or []):
        election = pabulib.parse(path)
        rules = [counting.GREEDY]
        if election.vote_type in counting.MES_BALLOTS:
            rules.append(counting.MES)
        only = [r for r in os.environ.get("BENCH_RULES", "").split(",") if r]
        for rule in (r for r in rules if not only or r in only):
            winners = _pb_tally(path, rule)
            wall, cpu = _measure(
                lambda path=path, rule=rule: _pb_tally(path, rule), REPEAT
            )
            row = Row(
                file=path.name,
                rule=rule,
                size=path.stat().st_size,
                ours_seconds=wall,
                ours_cpu=cpu,
                ours_count_seconds=_measure(
                    lambda rule=rule, election=election: counting.tally(election, rule),
                    REPEAT,
                )[1],
                ours=winners,
                expected=_expected(path, rule),
            )
            if with_pabutools:
                try:
                    share = counting.tally(election, rule).voter_budget
                    runs = [
                        _pabutools_count(path, rule, share)
                        for _n in range(max(1, PABUTOOLS_REPEAT))
                    ]
                    row.theirs, row.cut_short = runs[0][0], runs[0][4]
                    row.theirs_seconds, row.theirs_count_seconds, row.theirs_cpu = (
                        statistics.median(run[i] for run in runs) for i in (1, 2, 3)
                    )
                    if any(run[0] != row.theirs for run in runs):
                        row.error = "pabutools gave different winners in different runs"
                except Exception as error:  # noqa: BLE001 - reported, not hidden
                    row.error = f"{type(error).__name__}: {error}"
            print(_line(row), flush=True)
            result.append(row)
    return result


def _ratio(theirs: float | None, ours: float, at_least: bool = False) -> str:
    if theirs is None:
        return "—"
    return f"{'≥' if at_least else ''}{theirs / ours:.1f}×"


def _yes(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "NO")


HEADER = (
    f"{'file':36} {'rule':6} {'ours ms':>8} {'pabu ms':>9} {'speed-up':>8}"
    f"  {'ours cpu':>8} {'pabu cpu':>9} {'speed-up':>8}  {'count only':>10}"
    f"  identical  expected"
)


def _ms(seconds: float | None, width: int, at_least: bool) -> str:
    if seconds is None:
        return "—".rjust(width)
    return f"{'≥' if at_least else ''}{seconds * 1000:.0f}".rjust(width)


def _line(row: Row) -> str:
    cut = row.cut_short is not None
    line = (
        f"{row.file:36} {row.rule:6} {row.ours_seconds * 1000:8.0f}"
        f" {_ms(row.theirs_seconds, 9, cut)}"
        f" {_ratio(row.theirs_seconds, row.ours_seconds, cut):>8}"
        f"  {row.ours_cpu * 1000:8.0f} {_ms(row.theirs_cpu, 9, cut)}"
        f" {_ratio(row.theirs_cpu, row.ours_cpu, cut):>8}"
        f"  {_ratio(row.theirs_count_seconds, row.ours_count_seconds, cut):>10}"
        f"  {_yes(row.identical):9} {_yes(row.as_expected)}"
    )
    if cut:
        line += f"\n    pabutools {row.cut_short}"
    if row.error:
        line += f"\n    pabutools failed: {row.error}"
    if row.identical is False:
        ours, theirs_set = set(row.ours), set(row.theirs or ())
        line += (
            f"\n    DIFFERENT: only ours {sorted(ours - theirs_set)},"
            f" only pabutools {sorted(theirs_set - ours)}"
        )
    return line


def what_is_timed() -> str:
    """The note printed above the table: both sides do the same work, how it is timed."""
    return (
        "Same work on both sides: read the .pb file and count it.\n"
        "  ours: the `pb_tally FILE --rule RULE --json` command in this process (read, count,"
        " explain every decision, print JSON),\n"
        f"        median of {REPEAT} runs after a warm-up;\n"
        "  pabutools: parse_pabulib + the same rule (greedy by support; equal shares with"
        " add1 and greedy completion),\n"
        f"        median of {max(1, PABUTOOLS_REPEAT)} run(s) (BENCH_PABUTOOLS_REPEAT),"
        " imports done before the clock starts.\n"
        "  'ms' is wall-clock time, 'cpu' this process's processor time (fairer on a shared"
        " machine); 'count only' compares the counting alone (processor time)."
    )


def summary(table: list[Row]) -> list[str]:
    """Verdict lines: differences, and the speed-up on the largest files against the target."""
    lines = []
    differing = [r for r in table if r.identical is False or r.as_expected is False]
    lines.append(
        "identical results: "
        + (
            "yes, on every file and rule"
            if not differing and all(r.identical is not None for r in table)
            else "NO: " + ", ".join(f"{r.file} {r.rule}" for r in differing)
            if differing
            else "not compared (pabutools not installed)"
        )
    )
    largest = sorted({r.size for r in table}, reverse=True)[:2]
    for row in (r for r in table if r.size in largest and r.theirs_seconds):
        wall = row.theirs_seconds / row.ours_seconds
        cpu = row.theirs_cpu / row.ours_cpu
        verdict = (
            "meets"
            if min(wall, cpu) >= TARGET
            else ("meets in processor time" if cpu >= TARGET else "MISSES")
        )
        bound = "at least " if row.cut_short else ""
        lines.append(
            f"{row.file} {row.rule}: {bound}{wall:.1f}× faster (wall),"
            f" {bound}{cpu:.1f}× (processor time): {verdict} the {TARGET}× target"
        )
    return lines


def run() -> list[Result]:
    """The workload for ``python -m benchmarks pb_tally``: the table, then harness results."""
    print(what_is_timed())
    print(HEADER)
    table = rows([n for n in os.environ.get("BENCH_PB_FILES", "").split(",") if n])
    for line in summary(table):
        print(line)
    results = []
    for row in table:
        if row.theirs_cpu is not None:
            results.append(
                Result(
                    name=f"pb_tally {row.rule} {row.file}",
                    baseline_name="pabutools, same count (processor time)",
                    seconds=row.ours_cpu,
                    baseline_seconds=row.theirs_cpu,
                )
            )
        else:
            from participatory_budget import pabulib

            path = PABULIB / row.file
            results.append(
                Result(
                    name=f"pb_tally {row.rule} {row.file}",
                    baseline_name="reading the file alone",
                    seconds=row.ours_seconds,
                    baseline_seconds=measure(
                        lambda path=path: pabulib.parse(path), repeat=REPEAT
                    ),
                )
            )
    return results


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edem.settings.test")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()
    print(what_is_timed())
    print(HEADER)
    table = rows(argv)
    for line in summary(table):
        print(line)
    return (
        0
        if all(r.identical is not False and r.as_expected is not False for r in table)
        else 1
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
