"""``manage.py pb_import FILE --municipality SLUG --user USERNAME [--title T]``.

A Pabulib ``.pb`` file becomes a closed budget cycle of the municipality with
its projects and anonymous ballots, recorded in the audit log as the user's
action (who must be the municipality's admin).
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from edem.core.errors import DomainError
from edem.municipalities.models import Municipality


class Command(BaseCommand):
    help = "Import a Pabulib .pb file as a closed participatory budget cycle."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--user", required=True, help="the admin the import is made as")
        parser.add_argument("--title", default="")

    def handle(self, *args, file: str, municipality: str, user: str, title: str, **options):
        from participatory_budget.services import cycle_import_pabulib

        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such Pabulib file: %(path)s") % {"path": file})
        place = Municipality.objects.filter(slug=municipality).first()
        actor = get_user_model().objects.filter(username=user).first()
        if place is None or actor is None:
            raise CommandError(_("Unknown municipality or user."))
        try:
            cycle = cycle_import_pabulib(
                actor=actor, municipality=place, text=path.read_text(encoding="utf-8-sig"),
                source_name=path.name, title=title)
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Cycle %(pk)d “%(title)s”: %(projects)d projects, %(ballots)d ballots.")
            % {"pk": cycle.pk, "title": cycle.title, "projects": cycle.projects.count(),
               "ballots": cycle.ballots.count()})
