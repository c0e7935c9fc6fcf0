"""``manage.py pb_tally SOURCE --rule greedy|mes [--json]``: count a vote and print the winners.

SOURCE is a Pabulib ``.pb`` file. The JSON answer carries the winners' ids
(as strings, sorted), their total cost, the budget, the order in which the
rule chose them, and how the count compares with the file's own ``votes`` /
``score`` and ``selected`` columns.
"""

from __future__ import annotations

import json as jsonlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from edem.core.errors import DomainError
from participatory_budget import counting, pabulib


class Command(BaseCommand):
    help = "Count a participatory budget vote (a Pabulib file) by greedy or equal shares."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", help="a Pabulib .pb file")
        parser.add_argument("--rule", choices=counting.RULES, default=counting.GREEDY)
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, source: str, rule: str, json: bool, **options) -> None:
        path = Path(source)
        if not path.is_file():
            raise CommandError(_("No such Pabulib file: %(path)s") % {"path": source})
        try:
            election = pabulib.parse(path)
            outcome = counting.tally(election, rule)
        except DomainError as error:
            raise CommandError(str(error)) from error
        summary = {"file": path.name, **outcome.as_json(),
                   **counting.file_checks(election, outcome)}
        if json:
            self.stdout.write(_dumps(summary))
            return
        for line in counting.explain_lines(election, outcome):
            self.stdout.write(line)


def _dumps(data: dict) -> str:
    return jsonlib.dumps(data, ensure_ascii=False, indent=1)
