"""``manage.py pb_tally SOURCE --rule greedy|mes [--json]``: count a vote and print the winners.

SOURCE is a Pabulib ``.pb`` file or the number of a budget cycle (every unit
of the cycle is counted from its stored ballots; nothing is written). The
JSON answer carries the winners' ids (as strings, sorted), their total cost,
the budget, the order in which the rule chose them and, for a file, how the
count compares with the file's own ``votes`` / ``score`` and ``selected``
columns. A cycle with several units prints one such answer per unit.
"""

from __future__ import annotations

import json as jsonlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from edem.core.errors import DomainError
from participatory_budget import counting, pabulib


class Command(BaseCommand):
    help = "Count a participatory budget vote (a Pabulib file or a cycle) by greedy or equal shares."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", help="a Pabulib .pb file or a cycle number")
        parser.add_argument(
            "--rule",
            choices=counting.RULES,
            default=None,
            help="default: greedy for a file, the cycle's rule for a cycle",
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(
        self, *args, source: str, rule: str | None, json: bool, **options
    ) -> None:
        path = Path(source)
        if path.is_file():
            self._file(path, rule or counting.GREEDY, json)
        elif source.isdigit():
            self._cycle(int(source), rule, json)
        else:
            raise CommandError(_("No such Pabulib file: %(path)s") % {"path": source})

    def _file(self, path: Path, rule: str, json: bool) -> None:
        try:
            election = pabulib.parse(path)
            outcome = counting.tally(election, rule)
        except DomainError as error:
            raise CommandError(str(error)) from error
        summary = {
            "file": path.name,
            **outcome.as_json(),
            **counting.file_checks(election, outcome),
        }
        if json:
            self.stdout.write(_dumps(summary))
            return
        for line in counting.explain_lines(election, outcome):
            self.stdout.write(line)

    def _cycle(self, pk: int, rule: str | None, json: bool) -> None:
        from participatory_budget.models import Cycle
        from participatory_budget.services import unit_election

        cycle = Cycle.objects.filter(pk=pk).first()
        if cycle is None:
            raise CommandError(
                _("There is no budget cycle number %(pk)d.") % {"pk": pk}
            )
        answers = []
        for unit in cycle.units.all():
            election = unit_election(unit)
            try:
                outcome = counting.tally(election, rule or cycle.counting_rule)
            except DomainError as error:
                raise CommandError(str(error)) from error
            answers.append((unit, election, outcome))
        if json:
            parts = [
                {"cycle": cycle.pk, "unit": unit.name_uk, **outcome.as_json()}
                for unit, _election, outcome in answers
            ]
            self.stdout.write(
                _dumps(
                    parts[0] if len(parts) == 1 else {"cycle": cycle.pk, "units": parts}
                )
            )
            return
        for unit, election, outcome in answers:
            self.stdout.write(f"# {cycle.title}: {unit.name_uk}")
            for line in counting.explain_lines(election, outcome):
                self.stdout.write(line)


def _dumps(data: dict) -> str:
    return jsonlib.dumps(data, ensure_ascii=False, indent=1)
