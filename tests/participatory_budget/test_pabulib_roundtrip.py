"""Pabulib import and export through the models: the round trip keeps the winners."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from edem.core.errors import DomainError
from participatory_budget import counting, pabulib, selectors, services
from participatory_budget.models import Ballot, Cycle, Project
from tests.participatory_budget.factories import admin_of

pytestmark = pytest.mark.django_db

SHARED = Path(__file__).resolve().parents[1] / "data" / "pabulib"
# (file, rules): an approval file with MES, an ordinal and a cumulative one.
FILES = [
    ("poland_wieliczka_2023.pb", ("greedy", "mes")),
    ("poland_czestochowa_2020_grabowka.pb", ("greedy",)),
    ("france_toulouse_2019_.pb", ("greedy",)),
]


def _expected(name: str, rule: str) -> list[str]:
    return json.loads((SHARED / "expected" / f"{Path(name).stem}.{rule}.json").read_text())["selected"]


@pytest.mark.parametrize(("name", "rules"), FILES, ids=[f for f, _ in FILES])
def test_import_then_export_gives_the_same_winners(zhytomyr, name, rules):
    text = (SHARED / name).read_text(encoding="utf-8-sig")
    original = pabulib.parse(text)
    cycle = services.cycle_import_pabulib(actor=admin_of(zhytomyr), municipality=zhytomyr,
                                          text=text, source_name=name)
    unit = cycle.units.get()
    assert Project.objects.filter(cycle=cycle).count() == len(original.projects)
    assert Ballot.objects.filter(cycle=cycle).count() == len(original.ballots)
    exported = pabulib.parse(services.cycle_export_pabulib(cycle=cycle, unit=unit))
    for rule in rules:
        expected = _expected(name, rule)
        assert sorted(services.unit_tally(unit, rule).selected) == expected
        assert sorted(counting.tally(exported, rule).selected) == expected
    voter_ids = [b.voter_id for b in exported.ballots]
    assert voter_ids == [str(n) for n in range(1, len(voter_ids) + 1)]  # anonymised


def test_imported_cycle_shows_the_official_list_and_staff_adjustments(zhytomyr):
    admin = admin_of(zhytomyr)
    name = "poland_wieliczka_2023.pb"
    cycle = services.cycle_import_pabulib(
        actor=admin, municipality=zhytomyr, source_name=name,
        text=(SHARED / name).read_text(encoding="utf-8-sig"))
    assert cycle.counting_rule == "mes" and cycle.rules_frozen()
    services.cycle_tally(actor=admin, cycle=cycle)
    unit = selectors.results_of(cycle=cycle)[0]
    assert unit["has_official"] and unit["official_differs"]
    differing = [e for e in unit["entries"] if e["official"] != e["row"].selected]
    for entry in differing:
        services.adjustment_record(actor=admin, project=entry["project"],
                                   selected=entry["official"],
                                   reason="Місцеве правило міста поверх методу рівних часток")
    unit = selectors.results_of(cycle=cycle)[0]
    assert all(e["final"] == e["official"] for e in unit["entries"])
    assert sorted(e["project"].ref for e in unit["entries"] if e["row"].selected) == \
        _expected(name, "mes")


def test_pb_tally_counts_a_cycle_by_its_number(zhytomyr):
    name = "poland_czestochowa_2020_grabowka.pb"
    cycle = services.cycle_import_pabulib(
        actor=admin_of(zhytomyr), municipality=zhytomyr, source_name=name,
        text=(SHARED / name).read_text(encoding="utf-8-sig"))
    out = io.StringIO()
    call_command("pb_tally", str(cycle.pk), "--rule", "greedy", "--json", stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["selected"] == _expected(name, "greedy")
    assert answer["cycle"] == cycle.pk


def test_a_broken_file_is_refused_and_nothing_is_stored(zhytomyr):
    with pytest.raises(DomainError):
        services.cycle_import_pabulib(actor=admin_of(zhytomyr), municipality=zhytomyr,
                                      text="META\nkey;value\nbudget;100\nPROJECTS\n"
                                           "project_id;cost\n1;50\nVOTES\nvoter_id;vote\n"
                                           "1;7\n")
    assert not Cycle.objects.exists() and not Project.objects.exists()
