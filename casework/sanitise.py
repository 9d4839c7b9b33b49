"""Removing identifying metadata from evidence before it is sealed, and saying what was done.

Images lose EXIF (camera, time, GPS) and other ancillary chunks by being re-encoded from
pixels with Pillow; PDFs lose their document information and XMP metadata with pypdf; Office
documents (docx, xlsx, pptx) lose their core and app properties. Anything else is kept as sent,
and the reporter is told that its metadata could not be removed.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

ALLOWED = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".pdf": "application/pdf", ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".mp4": "video/mp4", ".eml": "message/rfc822",
}
OFFICE = {".docx", ".xlsx", ".pptx"}
IMAGES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


class UnsupportedFile(ValueError):
    """A file type Casework does not accept."""


@dataclass(frozen=True)
class Cleaned:
    """The bytes to store and a plain-language note of what was removed or not."""

    data: bytes
    content_type: str
    removed: str
    kept: str | None = None


def extension(filename: str) -> str:
    """The lower-case extension, with its dot."""
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot >= 0 else ""


def clean(filename: str, data: bytes) -> Cleaned:
    """Strip what can be stripped; raise UnsupportedFile for types not accepted."""
    ext = extension(filename)
    if ext not in ALLOWED:
        raise UnsupportedFile(f"files of type {ext or '(none)'} are not accepted; accepted: "
                              + ", ".join(sorted(ALLOWED)))
    kind = ALLOWED[ext]
    try:
        if ext in IMAGES:
            return Cleaned(_image(data, ext), kind, "camera details, time and location (EXIF)")
        if ext == ".pdf":
            return Cleaned(_pdf(data), kind, "author, title and editing software (PDF metadata)")
        if ext in OFFICE:
            return Cleaned(_office(data), kind, "author, company and editing history "
                           "(document properties)")
    except Exception as exc:  # a damaged file: keep it, but say nothing was removed
        return Cleaned(data, kind, "nothing",
                       f"we could not read this file to clean it ({exc.__class__.__name__})")
    return Cleaned(data, kind, "nothing", "this kind of file may still hold details about "
                   "who made it")


def _image(data: bytes, ext: str) -> bytes:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as img:
        fmt = img.format or "PNG"
        upright = ImageOps.exif_transpose(img)  # keep the picture the right way up
        pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
        if upright.mode == "P" and upright.getpalette():
            pixels.putpalette(upright.getpalette())
        out = io.BytesIO()
        pixels.save(out, format=fmt)  # a fresh image: no EXIF, XMP, text chunks or comments
    return out.getvalue()


def _pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()  # a new document: the old /Info and XMP catalogue are not copied
    for page in reader.pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _office(data: bytes) -> bytes:
    blank = {"docProps/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties"/>'),
        "docProps/app.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"/>'),
        "docProps/custom.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties"/>')}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = blank.get(item.filename)
            target.writestr(item.filename, content if content is not None
                            else source.read(item.filename))
    return out.getvalue()
