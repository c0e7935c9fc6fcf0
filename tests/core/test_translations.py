"""Ukrainian is the default language and must be complete.

The catalogue is parsed by hand (no polib) so the check needs nothing beyond
the standard library. Refresh it with ``makemessages -l uk`` and translate
every new or fuzzy entry before merging code that adds strings.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO_PATH = Path(settings.BASE_DIR) / "locale" / "uk" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
UK_PLURAL_FORMS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        ctxt = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {ctxt}{self.msgid!r}"


def _unquote(text: str) -> str:
    # PO strings use C escapes (\n, \t, \", \\), which a Python literal reads alike.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a PO file, the header included; obsolete (#~) ones left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and target is not None:
                finish()  # a comment after strings starts the next entry
            if current is None:
                current = Entry(line=number)
            if line.startswith("#,"):
                current.flags.update(f.strip() for f in line[2:].split(","))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{number}: string outside an entry")
            name, index = target
            value = _unquote(line)
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        if keyword in ("msgctxt", "msgid") and current is not None and (
            current.msgstr or (keyword == "msgctxt" and current.msgid)
        ):
            finish()
        if current is None:
            current = Entry(line=number)
        value = _unquote(rest)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, value)
            target = (keyword, None)
        elif keyword == "msgstr":
            current.msgstr[0] = value
            target = ("msgstr", 0)
        elif m := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
            index = int(m.group(1))
            current.msgstr[index] = value
            target = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: unexpected {keyword!r}")
    finish()
    return entries


def _header(entries: list[Entry]) -> tuple[Entry, dict[str, str]]:
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    fields = {}
    for row in header.msgstr.get(0, "").splitlines():
        key, sep, value = row.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return header, fields


def _messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if not (e.msgid == "" and e.msgctxt is None)]


def test_ukrainian_catalogue_is_complete():
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run makemessages -l uk"
    entries = parse_po(PO_PATH)
    header, fields = _header(entries)
    messages = _messages(entries)
    assert messages, "the Ukrainian catalogue has no messages"

    problems = []
    if "fuzzy" in header.flags:
        problems.append("header: marked fuzzy (msgfmt would drop Plural-Forms)")
    if fields.get("Language") != "uk":
        problems.append(f"header: Language is {fields.get('Language')!r}, not 'uk'")
    if fields.get("Plural-Forms", "").replace(" ", "") != UK_PLURAL_FORMS.replace(
        " ", ""
    ):
        problems.append(f"header: Plural-Forms is {fields.get('Plural-Forms')!r}")

    for entry in messages:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.label}")
        if entry.msgid_plural is None:
            if not entry.msgstr.get(0):
                problems.append(f"untranslated: {entry.label}")
        else:
            empty = [i for i in range(3) if not entry.msgstr.get(i)]
            if empty or set(entry.msgstr) != {0, 1, 2}:
                problems.append(
                    f"plural forms {empty or sorted(entry.msgstr)} missing or "
                    f"extra: {entry.label}"
                )

    assert not problems, (
        f"{len(problems)} problem(s) in {PO_PATH}:\n"
        + "\n".join(problems)
    )


def test_ukrainian_placeholders_match_the_english():
    problems = []
    for entry in _messages(parse_po(PO_PATH)):
        if "python-format" not in entry.flags:
            continue
        sources = [entry.msgid] if entry.msgid_plural is None else [
            entry.msgid_plural
        ]
        expected = set(PLACEHOLDER.findall(sources[0]))
        for index, text in sorted(entry.msgstr.items()):
            if text and set(PLACEHOLDER.findall(text)) != expected:
                problems.append(f"msgstr[{index}] {text!r}: {entry.label}")
    assert not problems, "placeholders differ from the msgid:\n" + "\n".join(problems)


def test_parser_reads_plurals_context_and_fuzzy(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: uk\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgctxt "c"\nmsgid "a %(n)s"\n'
        'msgstr "б %(n)s"\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "x"\nmsgstr[1] ""\n'
        'msgstr[2] "z\\"q\\n"\n\n'
        '#~ msgid "old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    header, first, second = parse_po(po)
    assert header.msgstr == {0: "Language: uk\n"}
    assert first.flags == {"fuzzy", "python-format"}
    assert (first.msgctxt, first.msgid, first.msgstr) == ("c", "a %(n)s", {0: "б %(n)s"})
    assert second.msgid_plural == "many"
    assert second.msgstr == {0: "x", 1: "", 2: 'z"q\n'}


def test_municipality_not_found_message_in_ukrainian():
    assert MO_PATH.exists(), (
        f"{MO_PATH} is missing: run manage.py compilemessages (make test does)"
    )
    text = "There is no such municipality on the platform."
    with translation.override("uk"):
        assert translation.gettext(text) == "Такої громади немає на платформі."
    with translation.override("en"):
        assert translation.gettext(text) == text


def test_ukrainian_plural_forms_at_runtime():
    with translation.override("uk"):
        forms = [
            translation.ngettext(
                "%(n)s unread notification", "%(n)s unread notifications", n
            )
            % {"n": n}
            for n in (1, 3, 5, 11, 21, 22, 25)
        ]
    assert forms == [
        "1 непрочитане сповіщення",
        "3 непрочитані сповіщення",
        "5 непрочитаних сповіщень",
        "11 непрочитаних сповіщень",
        "21 непрочитане сповіщення",
        "22 непрочитані сповіщення",
        "25 непрочитаних сповіщень",
    ]
