"""Cover images: uploaded by an editor, decoded and re-encoded by us at a few widths.

Re-encoding drops every piece of metadata (EXIF with its camera, GPS position and time),
and only what Pillow could decode as an image is ever served. Files live under
MEDIA_ROOT/news/ with random names and are served by the application (never hot-linked).
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

WIDTHS = (480, 960, 1600)
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "news"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_cover(upload) -> tuple[str, list[int]]:
    """Store the upload at up to three widths; returns the name stem and the widths made."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The image is larger than 15 MB."))
    try:
        with Image.open(upload) as probe:
            if probe.format not in FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG, WebP or GIF image."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("The image has too many pixels."))
            probe.load()
            image = ImageOps.exif_transpose(probe).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(_("This file is not an image we can read.")) from None
    stem = f"news/{secrets.token_hex(12)}"
    folder = _folder()
    made = []
    for width in WIDTHS:
        if made and width > image.width:
            break
        copy = image.copy()
        if copy.width > width:
            copy.thumbnail((width, width * 10), Image.Resampling.LANCZOS)
        name = f"{stem}-{width}.jpg"
        copy.save(folder.parent / name, "JPEG", quality=82, optimize=True, progressive=True)
        made.append(width)
    return stem, made


def delete_cover(stem: str, widths: list[int]) -> None:
    for width in widths:
        (Path(settings.MEDIA_ROOT) / f"{stem}-{width}.jpg").unlink(missing_ok=True)


def url(stem: str, width: int) -> str:
    return f"{settings.MEDIA_URL}{stem}-{width}.jpg"
