"""The protocol of a general meeting as a PDF, written in the municipality's language.

It states the building, the meeting, the total area of all co-owners, the
turnout, every agenda item with its threshold, the weights for / against /
abstain and the decision, and the list of votes (owner, weight, how they
voted). Ukrainian text needs a Unicode font: DejaVu Sans from Debian's
``fonts-dejavu-core`` (or the font named by ``PROTOCOL_FONT_FILE``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from edem.core.errors import DomainError

from .models import Choice, Meeting

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
FONT_NAME = "EdemProtocolSans"
BOLD_NAME = "EdemProtocolSansBold"


def _font_files() -> tuple[str, str]:
    configured = getattr(settings, "PROTOCOL_FONT_FILE", "") or os.environ.get(
        "PROTOCOL_FONT_FILE", ""
    )
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).exists():
            bold = candidate.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
            return candidate, bold if Path(bold).exists() else candidate
    raise DomainError(
        _("No Unicode font for the protocol: install the fonts-dejavu-core package.")
    )


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return
    regular, bold = _font_files()
    pdfmetrics.registerFont(TTFont(FONT_NAME, regular))
    pdfmetrics.registerFont(TTFont(BOLD_NAME, bold))


def _area(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _percent(value: float) -> str:
    return f"{value:.2f} %"


def render_protocol(
    meeting: Meeting, *, public_id: uuid.UUID, generated_at: dt.datetime
) -> bytes:
    """The protocol's PDF bytes (the digest is taken over exactly these)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _render(meeting, public_id=public_id, generated_at=generated_at)


def _render(
    meeting: Meeting, *, public_id: uuid.UUID, generated_at: dt.datetime
) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from .selectors import meeting_results, vote_list

    _register_fonts()
    body = ParagraphStyle("body", fontName=FONT_NAME, fontSize=9.5, leading=12.5)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    heading = ParagraphStyle(
        "heading",
        parent=body,
        fontName=BOLD_NAME,
        fontSize=14,
        leading=18,
        spaceAfter=6,
    )
    subheading = ParagraphStyle(
        "subheading",
        parent=body,
        fontName=BOLD_NAME,
        fontSize=11,
        leading=14,
        spaceBefore=8,
        spaceAfter=4,
    )

    def p(text: str, style=body) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    results = meeting_results(meeting)
    building = meeting.building
    local = timezone.localtime
    story = [
        p(_("Protocol of the general meeting of co-owners"), heading),
        p(f"{building.address}, {building.municipality.name_uk}"),
        p(_("Management: %(name)s") % {"name": building.management.name}),
        Spacer(1, 4 * mm),
        p(meeting.title, subheading),
    ]
    if meeting.description:
        story.append(p(meeting.description))
    called_by = meeting.get_initiator_display()
    if meeting.initiative_group:
        called_by += f" ({meeting.initiative_group})"
    story += [
        p(_("Called by: %(who)s") % {"who": called_by}),
        p(
            _("Announced: %(date)s")
            % {
                "date": local(meeting.announced_at).strftime("%d.%m.%Y %H:%M")
                if meeting.announced_at
                else "—"
            }
        ),
        p(
            _("Voting: from %(start)s to %(end)s")
            % {
                "start": local(meeting.voting_starts_at).strftime("%d.%m.%Y %H:%M"),
                "end": local(meeting.voting_ends_at).strftime("%d.%m.%Y %H:%M"),
            }
        ),
        p(
            _("Total area of all co-owners: %(area)s m²")
            % {"area": _area(results.total_area)}
        ),
        p(
            _(
                "Took part: %(voters)d of %(owners)d owners, %(area)s m² (%(percent)s of the total area)"
            )
            % {
                "voters": results.voters,
                "owners": results.owners,
                "area": _area(results.turnout_weight),
                "percent": _percent(results.turnout_percent),
            }
        ),
        p(
            _("Paper and online votes: %(rule)s")
            % {"rule": meeting.get_paper_rule_display()}
        ),
        p(
            _(
                "Decisions are counted over the area of all co-owners, not only of those who voted."
            ),
            small,
        ),
        p(_("Decisions"), subheading),
    ]
    for result in results.items:
        item = result.item
        story.append(
            p(
                f"{item.position}. {item.title}",
                ParagraphStyle("item", parent=body, fontName=BOLD_NAME, spaceBefore=4),
            )
        )
        story.append(
            p(_("Proposed decision: %(text)s") % {"text": item.proposed_decision})
        )
        story.append(
            p(
                _("Threshold: %(threshold)s")
                % {"threshold": item.get_threshold_display()}
            )
        )
        table = Table(
            [
                [p(_("for")), p(_("against")), p(_("abstain")), p(_("decision"))],
                [
                    p(
                        f"{_area(result.weights.get(Choice.FOR, Decimal(0)))} m² · "
                        f"{_percent(result.percent_for)}"
                    ),
                    p(
                        f"{_area(result.weights.get(Choice.AGAINST, Decimal(0)))} m² · "
                        f"{_percent(result.percent_against)}"
                    ),
                    p(
                        f"{_area(result.weights.get(Choice.ABSTAIN, Decimal(0)))} m² · "
                        f"{_percent(result.percent_abstain)}"
                    ),
                    p(_("ADOPTED") if result.adopted else _("NOT ADOPTED")),
                ],
            ],
            colWidths=[42 * mm] * 4,
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story += [table, Spacer(1, 2 * mm)]

    story.append(p(_("Votes"), subheading))
    positions = [r.item.position for r in results.items]
    choice_labels = {
        Choice.FOR: _("for"),
        Choice.AGAINST: _("against"),
        Choice.ABSTAIN: _("abstain"),
    }
    rows = [
        [p(_("Owner"), small), p(_("Weight, m²"), small), p(_("How"), small)]
        + [p(str(n), small) for n in positions]
    ]
    channel_labels = {"online": _("online"), "paper": _("paper ballot")}
    for row in vote_list(meeting):
        rows.append(
            [
                p(row["owner"].full_name, small),
                p(_area(row["weight"]), small),
                p(channel_labels.get(row["channel"], row["channel"]), small),
            ]
            + [
                p(choice_labels.get(row["choices"].get(n), "—"), small)
                for n in positions
            ]
        )
    if len(rows) == 1:
        story.append(p(_("Nobody voted.")))
    else:
        widths = [60 * mm, 22 * mm, 24 * mm]
        rest = max((170 * mm - sum(widths)) / max(len(positions), 1), 12 * mm)
        votes = Table(rows, colWidths=widths + [rest] * len(positions), repeatRows=1)
        votes.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story.append(votes)
    story += [
        Spacer(1, 6 * mm),
        p(
            _(
                "Protocol number %(id)s, drawn up by the E-DEM platform on %(date)s. The platform "
                "signs the SHA-256 digest of this file; check a copy on the protocol's page."
            )
            % {"id": public_id, "date": local(generated_at).strftime("%d.%m.%Y %H:%M")},
            small,
        ),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=str(meeting.title),
        author="E-DEM",
        subject=_("Protocol of the general meeting of co-owners"),
    )
    doc.build(story)
    return out.getvalue()
