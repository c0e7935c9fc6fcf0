"""Reading and writing Pabulib ``.pb`` files (https://pabulib.org/format).

A ``.pb`` file has three semicolon-separated sections: ``META`` (key/value
pairs: budget, vote type, ballot limits), ``PROJECTS`` (one row per project:
id, cost and any further columns) and ``VOTES`` (one row per voter: the
projects named on the ballot, for cumulative and scoring ballots their
points). Amounts are kept as exact fractions; the counting never sees a float.
"""

from __future__ import annotations

import csv
import gc
import io
import re
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from operator import itemgetter
from pathlib import Path

from django.utils.translation import gettext as _

from edem.core.errors import DomainError

VOTE_TYPES = ("approval", "cumulative", "ordinal", "scoring", "choose-1")
SECTIONS = ("META", "PROJECTS", "VOTES")


class PabulibError(DomainError):
    """The file is not a readable Pabulib file; the message says where and why."""

    code = "pabulib_invalid"


@dataclass
class PBProject:
    """One project of an election: its id, its exact cost and the file's other columns."""

    project_id: str
    cost: Fraction
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class PBBallot:
    """One voter's ballot: the projects in the order written, points where the type has them."""

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[Fraction, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Election:
    """Everything the counting needs: budget, ballot type and limits, projects, ballots.

    Built either from a list of ballots (a cycle's stored ballots, a test) or
    by the file reader from the columns of a VOTES section: the reader then
    keeps each distinct ballot once with the number of voters who cast it
    (``distinct_ballots``), which is all the counting needs, and builds the
    one-object-per-voter list ``ballots`` only when something asks for it
    (an import, an export).
    """

    def __init__(
        self,
        budget: Fraction,
        vote_type: str,
        projects: dict[str, PBProject],
        ballots: list[PBBallot] | None = None,
        meta: dict[str, str] | None = None,
        *,
        table: _VoteTable | None = None,
    ) -> None:
        self.budget = budget
        self.vote_type = vote_type
        self.projects = projects
        self.meta = meta if meta is not None else {}
        self._table = table
        self._ballots = ballots if ballots is not None or table is not None else []

    def __repr__(self) -> str:
        return (
            f"Election(budget={self.budget!r}, vote_type={self.vote_type!r}, "
            f"projects={len(self.projects)}, voters={self.voter_count})"
        )

    @property
    def ballots(self) -> list[PBBallot]:
        """One ballot per voter, in the order of the file (built on first use)."""
        if self._ballots is None:
            assert self._table is not None
            self._ballots = self._table.ballots()
        return self._ballots

    @ballots.setter
    def ballots(self, value: list[PBBallot]) -> None:
        self._ballots, self._table = value, None

    @property
    def voter_count(self) -> int:
        """The number of ballots cast (empty ones included)."""
        if self._ballots is None and self._table is not None:
            return self._table.voters
        return len(self.ballots)

    def distinct_ballots(
        self,
    ) -> list[tuple[tuple[str, ...], tuple[Fraction, ...] | None, int]]:
        """The ballots grouped: projects, points, and how many voters cast that ballot.

        Every ballot is in exactly one group; a group holds ballots that name
        the same projects in the same order with the same points (a file's
        ballots written alike). The counting weighs each group by its voters.
        """
        if self._ballots is None and self._table is not None:
            return self._table.distinct
        counts = Counter((b.projects, b.points) for b in self._ballots)
        return [(named, points, times) for (named, points), times in counts.items()]

    @property
    def max_length(self) -> int:
        """The longest ballot allowed (META ``max_length``), else the longest one cast."""
        value = self.meta.get("max_length", "").strip()
        if value:
            return int(value)
        return max((len(named) for named, _p, _n in self.distinct_ballots()), default=0)

    def project_column(self, name: str) -> dict[str, str] | None:
        """A column of the PROJECTS section by name, or None when the file has none."""
        if not self.projects:
            return None
        if not all(name in p.extra for p in self.projects.values()):
            return None
        return {pid: p.extra[name] for pid, p in self.projects.items()}


def _amount(text: str, *, where) -> Fraction:
    text = text.strip()
    if text.isdigit():
        return Fraction(int(text))
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise PabulibError(
            _("%(where)s: “%(text)s” is not a number.") % {"where": where, "text": text}
        ) from None
    if value < 0:
        raise PabulibError(_("%(where)s: a negative amount.") % {"where": where})
    return value


class _Where:
    """The place of an error, worded only when an error is actually raised."""

    def __init__(self, line: int) -> None:
        self.line = line

    def __str__(self) -> str:
        return _("Line %(line)d") % {"line": self.line}


def _split(text: str) -> list[str]:
    """The comma-separated parts of a cell, without surrounding spaces."""
    text = text.strip()
    if not text:
        return []
    parts = text.split(",")
    if " " in text or "\t" in text:
        return [part.strip() for part in parts]
    return parts


def parse(source: str | Path | Iterable[str]) -> Election:
    """Read a Pabulib file (a path, or its text) into an :class:`Election`.

    Refuses, with the line number, a file without the three sections, a row
    whose ballot names an unknown or repeated project, or points that do not
    match the projects named.
    """
    if isinstance(source, Path):
        # Decoded as a whole, line ends made "\n" as ``read_text`` would (but faster).
        text = source.read_bytes().decode("utf-8-sig")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
    elif isinstance(source, str):
        text = source
    else:
        text = "".join(source)
    with _cycle_collector_paused():
        try:
            return _parse(text, fast=True)
        except _Irregular:
            # Short rows, a later section, a broken ballot: read row by row,
            # which also names the line of the first error.
            return _parse(text, fast=False)


@contextmanager
def _cycle_collector_paused():
    """Pause Python's cycle collector while a file is read.

    Reading builds an object or more per ballot, up to hundreds of thousands,
    none of them in a reference cycle; each allocation burst would start the
    collector again and again (a third of the reading time). Memory is still
    freed as usual by reference counting; the collector resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(text: str, *, fast: bool) -> Election:
    stream = io.StringIO(text)
    reader = csv.reader(stream, delimiter=";")
    section: str | None = None
    header: list[str] | None = None
    meta: dict[str, str] = {}
    projects: dict[str, PBProject] = {}
    ballots: list[PBBallot] = []
    seen_sections: set[str] = set()
    pending: list[str] | None = None  # a row the VOTES reader stopped at
    table: _VoteTable | None = None
    while True:
        row = pending if pending is not None else next(reader, None)
        pending = None
        if row is None:
            break
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) == 1 and row[0].strip().upper() in SECTIONS:
            section, header = row[0].strip().upper(), None
            seen_sections.add(section)
            continue
        line = reader.line_num
        if section is None:
            raise PabulibError(
                _("Line %(line)d: the file must start with META.") % {"line": line}
            )
        if header is None:
            header = [h.strip() for h in row]
            if section == "VOTES" and fast:
                # The table takes the rest of the text (a later section is irregular).
                table = _VoteTable(header, projects, text, stream.tell())
                break
            if section == "VOTES":
                pending = _VoteColumns(header, projects).read(reader, ballots)
            continue
        if section == "VOTES":  # pragma: no cover - the VOTES reader takes these rows
            raise AssertionError
        if section == "META":
            meta[row[0].strip()] = row[1].strip() if len(row) > 1 else ""
        else:
            record = dict(zip(header, row, strict=False))
            where = _Where(line)
            pid = record.get("project_id", "").strip()
            if not pid or "cost" not in record:
                raise PabulibError(
                    _("%(where)s: a project needs project_id and cost.")
                    % {"where": where}
                )
            if pid in projects:
                raise PabulibError(
                    _("%(where)s: project %(id)s appears twice.")
                    % {"where": where, "id": pid}
                )
            extra = {k: v for k, v in record.items() if k not in ("project_id", "cost")}
            projects[pid] = PBProject(
                project_id=pid,
                cost=_amount(record["cost"], where=where),
                name=record.get("name", ""),
                extra=extra,
            )
    missing = [s for s in SECTIONS if s not in seen_sections]
    if missing:
        raise PabulibError(
            _("The file has no %(section)s section.") % {"section": missing[0]}
        )
    if "budget" not in meta:
        raise PabulibError(_("META has no budget."))
    vote_type = meta.get("vote_type", "approval").strip().lower()
    if vote_type not in VOTE_TYPES:
        raise PabulibError(_("Unknown vote_type “%(type)s”.") % {"type": vote_type})
    return Election(
        budget=_amount(meta["budget"], where="META budget"),
        vote_type=vote_type,
        projects=projects,
        ballots=None if table else ballots,
        meta=meta,
        table=table,
    )


class _Irregular(Exception):
    """The VOTES section is not a plain table of valid ballots: read it row by row."""


class _VoteTable:
    """A VOTES section read as a table, without building anything per voter.

    The common file — every row has every column, every ballot is valid — is
    counted as it stands: the cells of the ``vote`` (and ``points``) column
    are counted, and each distinct cell is checked and turned into project
    ids and exact points once. Text without quotes is cut into those cells
    by one regular expression over the whole section (the cells the csv
    module would give, as such text has no quoting), else by the csv module.
    A section that is not so plain raises ``_Irregular`` and is read row by
    row instead (``_VoteColumns``), which gives the same ballots and names the
    line of any error. The ballots of each voter are built only when asked.
    """

    def __init__(
        self, header: list[str], projects: dict[str, PBProject], text: str, start: int
    ) -> None:
        if "voter_id" not in header or "vote" not in header:
            raise _Irregular
        self.header, self.text, self.start = (
            header,
            text,
            start,
        )  # the section: text[start:]
        self.voter = header.index("voter_id")
        self.extra = [
            (i, name)
            for i, name in enumerate(header)
            if name not in _VoteColumns.RESERVED
        ]
        vote = header.index("vote")
        points = header.index("points") if "points" in header else None
        self.key = itemgetter(vote) if points is None else itemgetter(vote, points)
        cells = self.plain_cells(vote, points)
        if cells is None:
            cells = Counter(map(self.key, self.rows()))
        self.voters = sum(cells.values())
        reader = _CellReader(projects)
        self.parsed: dict = {}
        self.distinct = []
        for cell, times in cells.items():
            ballot = (
                (reader.projects(cell), None)
                if points is None
                else (reader.projects(cell[0]), reader.points(cell[1]))
            )
            if ballot[1] is not None and len(ballot[1]) != len(ballot[0]):
                raise _Irregular
            self.parsed[cell] = ballot
            self.distinct.append((*ballot, times))

    def plain_cells(self, vote: int, points: int | None) -> Counter | None:
        """The counted ``vote`` (and ``points``) cells of text without quotes, else None.

        Only when every line has exactly the header's columns: then each line
        is its cells joined by ``;``, as the csv module reads it.
        """
        text, start = self.text, self.start
        # A cell holds no quote (csv quoting) and no line end (csv takes "\r" as one).
        cell, wanted = '[^;"\r\n]*', (vote, points)
        pattern = ";".join(
            f"({cell})" if i in wanted else cell for i in range(len(self.header))
        )
        found = re.compile(f"^{pattern}$", re.MULTILINE).findall(text, start)
        lines = text.count("\n", start) + (
            0 if text.endswith("\n") or start == len(text) else 1
        )
        return Counter(found) if len(found) == lines else None

    def rows(self) -> list[list[str]]:
        """The section's rows as the csv module reads them; ``_Irregular`` unless a table."""
        rows = list(csv.reader(io.StringIO(self.text[self.start :]), delimiter=";"))
        lengths = set(map(len, rows))
        if lengths - {len(self.header), 0}:
            raise _Irregular  # short or long rows, or a section after VOTES
        return [row for row in rows if row] if 0 in lengths else rows

    def ballots(self) -> list[PBBallot]:
        """One :class:`PBBallot` per row, in the order of the file."""
        parsed, key, voter, extra = self.parsed, self.key, self.voter, self.extra
        return [
            PBBallot(
                row[voter].strip(),
                *parsed[key(row)],
                {name: row[i] for i, name in extra},
            )
            for row in self.rows()
        ]


class _CellReader:
    """Turns a ``vote`` or ``points`` cell into project ids or exact points, or ``_Irregular``."""

    def __init__(self, projects: dict[str, PBProject]) -> None:
        self.known = {pid: pid for pid in projects}  # one shared string per project
        self.amounts: dict[str, Fraction] = {}

    def projects(self, cell: str) -> tuple[str, ...]:
        try:
            named = tuple(map(self.known.__getitem__, _split(cell)))
        except KeyError:
            raise _Irregular from None
        if len(named) > 1 and len(set(named)) != len(named):
            raise _Irregular
        return named

    def points(self, cell: str) -> tuple[Fraction, ...]:
        values = []
        for part in _split(cell):
            value = self.amounts.get(part)
            if value is None:
                try:
                    value = self.amounts[part] = _amount(part, where="")
                except PabulibError:
                    raise _Irregular from None
            values.append(value)
        return tuple(values)


class _VoteColumns:
    """Reads a VOTES section row by row, by the positions of its columns.

    The reader of any VOTES section ``_VoteTable`` does not take: rows with
    missing cells (a short row is a ballot with the cells it has), a section
    after VOTES, and a broken ballot, whose error names its line. Project ids
    are looked up in one step (which also shares one string per project among
    all ballots) and each distinct point text becomes a ``Fraction`` once.
    """

    RESERVED = ("voter_id", "vote", "points")

    def __init__(self, header: list[str], projects: dict[str, PBProject]) -> None:
        self.width = len(header)
        self.voter = header.index("voter_id") if "voter_id" in header else None
        self.vote = header.index("vote") if "vote" in header else None
        self.points = header.index("points") if "points" in header else None
        self.extra = [
            (i, name) for i, name in enumerate(header) if name not in self.RESERVED
        ]
        self.known = {pid: pid for pid in projects}
        self.amounts: dict[str, Fraction] = {}

    def read(self, reader, ballots: list[PBBallot]) -> list[str] | None:
        """Append a ballot per row until the next section; return that section's row."""
        for row in reader:
            if len(row) <= 1:
                cell = row[0].strip() if row else ""
                if not cell:
                    continue
                if cell.upper() in SECTIONS:
                    return row
            ballots.append(self.ballot(row, reader.line_num, len(ballots)))
        return None

    def ballot(self, row: list[str], line: int, number: int) -> PBBallot:
        present = min(len(row), self.width)
        vote = row[self.vote] if self.vote is not None and self.vote < present else ""
        named = self.projects(vote, line)
        points = None
        if self.points is not None and self.points < present:
            points = self.point_values(row[self.points], line)
            if len(points) != len(named):
                raise PabulibError(
                    _("%(where)s: the number of points does not match the projects.")
                    % {"where": _Where(line)}
                )
        voter = (
            row[self.voter].strip()
            if self.voter is not None and self.voter < present
            else str(number)
        )
        extra = {name: row[i] for i, name in self.extra if i < present}
        return PBBallot(voter_id=voter, projects=named, points=points, extra=extra)

    def projects(self, vote: str, line: int) -> tuple[str, ...]:
        parts = _split(vote)
        try:
            named = tuple(map(self.known.__getitem__, parts))
        except KeyError as missing:
            raise PabulibError(
                _("%(where)s: the ballot names unknown project %(id)s.")
                % {"where": _Where(line), "id": missing.args[0]}
            ) from None
        if len(named) > 1 and len(set(named)) != len(named):
            raise PabulibError(
                _("%(where)s: the ballot names a project twice.")
                % {"where": _Where(line)}
            )
        return named

    def point_values(self, text: str, line: int) -> tuple[Fraction, ...]:
        return tuple(
            self.amounts.get(part) or self.point_value(part, line)
            for part in _split(text)
        )

    def point_value(self, text: str, line: int) -> Fraction:
        """The exact amount of a point cell, read once per distinct text."""
        value = self.amounts.get(text)
        if value is None:
            value = self.amounts[text] = _amount(text, where=_Where(line))
        return value


def _number(value: Fraction) -> str:
    """An amount as Pabulib writes it: an integer, else a decimal (exact when finite)."""
    if value.denominator == 1:
        return str(value.numerator)
    digits = 0
    scaled = value
    while scaled.denominator != 1 and digits < 12:
        scaled *= 10
        digits += 1
    units = round(scaled)
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}".rstrip("0").rstrip(".")


def dump(election: Election) -> str:
    """Write an :class:`Election` as Pabulib text; ``parse(dump(e))`` gives ``e`` back."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(election.meta)
    meta["budget"] = _number(election.budget)
    meta["vote_type"] = election.vote_type
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(len(election.ballots))
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])
    extra_cols: list[str] = []
    for project in election.projects.values():
        for key in project.extra:
            if key not in extra_cols and key != "name":
                extra_cols.append(key)
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", "name", *extra_cols])
    for project in election.projects.values():
        writer.writerow(
            [
                project.project_id,
                _number(project.cost),
                project.name,
                *(project.extra.get(k, "") for k in extra_cols),
            ]
        )
    with_points = any(b.points is not None for b in election.ballots)
    voter_cols: list[str] = []
    for ballot in election.ballots:
        for key in ballot.extra:
            if key not in voter_cols:
                voter_cols.append(key)
    writer.writerow(["VOTES"])
    writer.writerow(
        ["voter_id", "vote", *(["points"] if with_points else []), *voter_cols]
    )
    for ballot in election.ballots:
        row = [ballot.voter_id, ",".join(ballot.projects)]
        if with_points:
            row.append(",".join(_number(p) for p in ballot.points or ()))
        row.extend(ballot.extra.get(k, "") for k in voter_cols)
        writer.writerow(row)
    return out.getvalue()
