"""Pictures re-encoded from their pixels, once the header has shown what decoding will cost.

A new file holds only the pixels (and, for a photo taken sideways, the one flag that says which
way up it goes): no EXIF (camera, time, GPS), XMP, ICC profile, comments or text chunks, and
nothing after the picture's end. A JPEG too large to decode within the memory cap is decoded
at a half, a quarter or an eighth of its size by the JPEG decoder itself, and the uploader is
told; any other picture over a cap is refused.
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from PIL import Image

from casework.evidence.limits import MAX_DECODED, MAX_FRAMES, MAX_PIXELS, Refused
from casework.i18n import _, _l

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own check, made an error below
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
KEEP_INFO = ("transparency", "duration", "loop", "disposal", "blend", "background")
ORIENTATION = 0x0112
ONE_BYTE_MODES = ("1", "L", "P")
REMOVED = _l("camera details, time and location (EXIF), and other hidden details "
             "(XMP, comments, colour profile)")


def clean_image(stream: BinaryIO, ext: str, budget: int = MAX_DECODED
                ) -> tuple[bytes, str, str | None]:
    """The picture re-encoded from its pixels, what was removed, and a note if it was shrunk."""
    fmt = FORMATS[ext]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream, formats=[fmt]) as img:
                note = _fit(img, budget)
                return _reencode(img, fmt), REMOVED, note
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Refused(_too_large(_("more than %(count)s megapixels",
                                       count=MAX_PIXELS // 1_000_000))) from exc


def _too_large(size: str) -> str:
    return _("This picture is too large for us to clean (%(size)s). Please send a smaller "
             "copy: most phones and computers can share or export a photo at a smaller size.",
             size=size)


def _cost(img: Image.Image, scale: int = 1) -> int:
    """Bytes that decoding will hold: pixels per frame, and a progressive JPEG's coefficients."""
    width, height = img.size
    frames = getattr(img, "n_frames", 1)
    per_pixel = 1 if img.mode in ONE_BYTE_MODES and frames == 1 else 4
    pixels = -(-width // scale) * -(-height // scale) * per_pixel * frames
    if img.format == "JPEG" and img.info.get("progressive"):
        pixels += width * height * 2 * len(img.getbands())  # libjpeg keeps every coefficient
    return pixels


def _fit(img: Image.Image, budget: int) -> str | None:
    """Refuse what is over a cap; a large JPEG is set to decode at a smaller scale instead."""
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise Refused(_too_large(_("%(width)s × %(height)s pixels", width=width,
                                   height=height)))
    if getattr(img, "n_frames", 1) > MAX_FRAMES:
        raise Refused(_("This animation has more than %(count)s frames; please send a video "
                        "or a still picture instead.", count=MAX_FRAMES))
    scale = 1
    while img.format == "JPEG" and scale < 8 and _cost(img, scale) > budget:
        scale *= 2
    if _cost(img, scale) > budget:
        raise Refused(_too_large(_("%(width)s × %(height)s pixels", width=width,
                                   height=height)))
    if scale == 1:
        return None
    img.draft(img.mode, (-(-width // scale), -(-height // scale)))
    return _("this photo was very large, so we kept a smaller copy of %(width)s × "
             "%(height)s pixels", width=img.size[0], height=img.size[1])


def _reencode(img: Image.Image, fmt: str) -> bytes:
    """Save the decoded pixels as a new file with every metadata field set empty."""
    orientation = img.getexif().get(ORIENTATION, 1) if fmt != "GIF" else 1
    frames = getattr(img, "n_frames", 1)
    img.load()
    img.info = {k: v for k, v in img.info.items() if k in KEEP_INFO}
    params: dict = {"exif": _orientation_only(orientation), "icc_profile": None, "xmp": b"",
                    "comment": b"", "pnginfo": None}
    if fmt == "JPEG":
        params["quality"] = 92
    if frames > 1:
        params["save_all"] = True
    out = io.BytesIO()
    img.save(out, format=fmt, **params)
    return out.getvalue()


def _orientation_only(orientation: object) -> bytes:
    """An EXIF block holding only which way up the picture goes (nothing when upright)."""
    if orientation not in range(2, 9):
        return b""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes()
