"""Image uploads: sniffed, bounded, re-encoded and stripped of metadata.

Every image a user sends passes through ``clean_image``. The original bytes are
never stored: the image is decoded, checked against the size and pixel limits,
orientated, and written anew without EXIF (and so without GPS tags) under a
generated name. Anything Pillow cannot decode is refused whole.
"""

from __future__ import annotations

import io
import uuid
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DomainError

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png"}


def clean_image(upload, *, max_bytes: int | None = None, max_pixels: int | None = None) -> ContentFile:
    """Return a re-encoded copy of ``upload`` or raise ``DomainError``."""
    max_bytes = max_bytes or settings.UPLOAD_IMAGE_MAX_BYTES
    max_pixels = max_pixels or settings.UPLOAD_IMAGE_MAX_PIXELS
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise DomainError(
            _("The image is too large: at most %(mb)d MB.") % {"mb": max_bytes // 2**20}
        )
    data = upload.read()
    if len(data) > max_bytes:
        raise DomainError(
            _("The image is too large: at most %(mb)d MB.") % {"mb": max_bytes // 2**20}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            image_format = probe.format
            width, height = probe.size
            if width * height > max_pixels:
                raise DomainError(
                    _("The image has too many pixels: at most %(mp)d megapixels.")
                    % {"mp": max_pixels // 1_000_000}
                )
            if image_format not in ACCEPTED_FORMATS:
                raise DomainError(_("Only JPEG, PNG, WebP or GIF images are accepted."))
            image = Image.open(io.BytesIO(data))
            image.load()
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DomainError(_("The file is not an image we can read.")) from exc

    image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    extension = ACCEPTED_FORMATS[image_format]
    if extension == "jpg":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif extension == "webp":
        image.save(out, "WEBP", quality=85)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")
