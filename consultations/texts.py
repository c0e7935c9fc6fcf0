"""The text of a draft decision: splitting into paragraphs, importing documents, diffs.

Staff paste the text or upload the DOCX or PDF file of the draft; the text is
split into section headings and numbered paragraphs. An amendment is shown as
the words deleted from and inserted into the original paragraph.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from edem.core.errors import DomainError

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_PARAGRAPHS = 500

_NUMBERED = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){0,3})[.)]\s+(.+)$", re.S)
_HEADING = re.compile(
    r"^(#\s+|(розділ|глава|стаття|section|chapter|article)\s+[\dIVXLC]+\b)", re.I
)
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.U)


@dataclass(frozen=True)
class ParsedParagraph:
    kind: str  # "heading" or "paragraph"
    number: str
    text: str


def _is_heading(block: str) -> bool:
    if block.startswith("# "):
        return True
    single_line = "\n" not in block and len(block) <= 150
    if not single_line:
        return False
    if _HEADING.match(block):
        return True
    letters = [c for c in block if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def split_text(text: str) -> list[ParsedParagraph]:
    """Blocks separated by blank lines; headings (``# ``, "Розділ 2", CAPITALS) stay
    unnumbered. Paragraphs keep their own numbers ("2.1.") when every paragraph
    has a distinct one; otherwise they are numbered 1..N in order."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    parsed: list[tuple[str, str | None, str]] = []
    for block in blocks:
        if _is_heading(block):
            parsed.append(("heading", None, block.removeprefix("# ").strip()))
            continue
        joined = re.sub(r"\s*\n\s*", " ", block)
        match = _NUMBERED.match(joined)
        if match:
            parsed.append(("paragraph", match.group(1), match.group(2).strip()))
        else:
            parsed.append(("paragraph", None, joined))
    paragraphs = [p for p in parsed if p[0] == "paragraph"]
    if not paragraphs:
        raise DomainError(_("The text has no paragraphs."))
    if len(parsed) > MAX_PARAGRAPHS:
        raise DomainError(
            _("The text has more than %(n)d paragraphs.") % {"n": MAX_PARAGRAPHS}
        )
    own_numbers = [p[1] for p in paragraphs]
    keep_own = all(own_numbers) and len(set(own_numbers)) == len(own_numbers)
    result = []
    counter = 0
    for kind, own, body in parsed:
        if kind == "heading":
            result.append(ParsedParagraph("heading", "", body))
            continue
        counter += 1
        if keep_own:
            result.append(ParsedParagraph("paragraph", own, body))
        else:
            # Numbering comes from the order; a number written in the text stays in it.
            original = f"{own}. {body}" if own else body
            result.append(ParsedParagraph("paragraph", str(counter), original))
    return result


def _docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    blocks = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith(("heading", "title", "заголовок")):
            blocks.append(f"# {text}")
        else:
            blocks.append(text)
    return "\n\n".join(blocks)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    lines: list[str] = []
    for page in reader.pages:
        lines.extend((page.extract_text() or "").splitlines())
        lines.append("")
    # A PDF keeps visual lines: a new block starts at a blank line, a numbered
    # line or a heading; other lines continue the block (hyphenation undone).
    blocks: list[str] = []
    current = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            if current:
                blocks.append(current)
            current = ""
            continue
        if current and (_NUMBERED.match(line) or _is_heading(line)):
            blocks.append(current)
            current = ""
        if current.endswith("-") and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}".strip()
    if current:
        blocks.append(current)
    return "\n\n".join(blocks)


def document_text(upload) -> str:
    """The text of an uploaded DOCX or PDF file; anything else is refused."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_DOCUMENT_BYTES:
        raise DomainError(
            _("The document is too large: at most %(mb)d MB.")
            % {"mb": MAX_DOCUMENT_BYTES // 2**20}
        )
    data = upload.read()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DomainError(
            _("The document is too large: at most %(mb)d MB.")
            % {"mb": MAX_DOCUMENT_BYTES // 2**20}
        )
    try:
        if data[:5] == b"%PDF-":
            text = _pdf_text(data)
        elif data[:4] == b"PK\x03\x04":
            text = _docx_text(data)
        else:
            raise DomainError(_("Upload a DOCX or a PDF file."))
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is an unreadable file
        raise DomainError(_("We could not read the text of this document.")) from exc
    if not text.strip():
        raise DomainError(
            _("The document has no text we can read (a scanned PDF needs text recognition first).")
        )
    return text


@dataclass(frozen=True)
class Change:
    op: str  # "equal", "delete" or "insert"
    text: str


def word_diff(original: str, proposed: str) -> list[Change]:
    """The words deleted from and inserted into ``original``, in reading order."""
    a, b = _TOKENS.findall(original or ""), _TOKENS.findall(proposed or "")
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.append(Change("equal", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            changes.append(Change("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            changes.append(Change("insert", "".join(b[j1:j2])))
    return changes


def diff_html(original: str, proposed: str) -> SafeString:
    """The difference as ``<del>``/``<ins>`` with words a screen reader announces."""
    deleted, inserted = _("deleted:"), _("inserted:")
    parts = []
    for change in word_diff(original, proposed):
        if change.op == "equal":
            parts.append(("{}", (change.text,)))
        elif change.op == "delete":
            parts.append((
                '<del><span class="visually-hidden">[{}] </span>{}'
                '<span class="visually-hidden"> [/]</span></del>',
                (deleted, change.text),
            ))
        else:
            parts.append((
                '<ins><span class="visually-hidden">[{}] </span>{}'
                '<span class="visually-hidden"> [/]</span></ins>',
                (inserted, change.text),
            ))
    return format_html_join("", "{}", ((format_html(tpl, *args),) for tpl, args in parts))
