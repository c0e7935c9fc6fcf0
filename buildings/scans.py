"""Scans of paper ballots: an image re-encoded without metadata, or a PDF rewritten.

A PDF is read with pypdf and written anew page by page: document-level
scripts, attachments, forms and metadata of the original are not carried
over. A file that cannot be read, is encrypted or has too many pages is
refused whole.
"""

from __future__ import annotations

import io
import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from edem.core.errors import DomainError
from edem.core.uploads import clean_image

MAX_SCAN_BYTES = 10 * 2**20
MAX_SCAN_PAGES = 10


def _clean_pdf(data: bytes) -> ContentFile:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DomainError(
                _("The PDF is protected with a password; scan it without one.")
            )
        pages = list(reader.pages)
        if not pages:
            raise DomainError(_("The PDF has no pages."))
        if len(pages) > MAX_SCAN_PAGES:
            raise DomainError(
                _("A ballot scan may have at most %(n)d pages.") % {"n": MAX_SCAN_PAGES}
            )
        writer = PdfWriter()
        for page in pages:
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except DomainError:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        OSError,
        RecursionError,
    ) as exc:
        raise DomainError(_("The PDF cannot be read; scan the ballot again.")) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.pdf")


def clean_scan(upload) -> tuple[ContentFile, str]:
    """The scan as it will be stored and its format ("pdf" or the image's extension)."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_SCAN_BYTES:
        raise DomainError(
            _("The scan is too large: at most %(mb)d MB.")
            % {"mb": MAX_SCAN_BYTES // 2**20}
        )
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        data = upload.read(MAX_SCAN_BYTES + 1)
        if len(data) > MAX_SCAN_BYTES:
            raise DomainError(
                _("The scan is too large: at most %(mb)d MB.")
                % {"mb": MAX_SCAN_BYTES // 2**20}
            )
        return _clean_pdf(data), "pdf"
    content = clean_image(upload, max_bytes=MAX_SCAN_BYTES)
    return content, content.name.rsplit(".", 1)[-1]
