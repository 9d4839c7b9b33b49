"""Evidence files checked and cleaned before they are sealed; no web or database code here.

`clean` accepts a file only if its extension is on the list AND its first bytes are that kind
of file; it re-encodes pictures, rebuilds PDFs and Office/OpenDocument files without the
metadata that can name the person who made them, and refuses (`Refused`) a file it cannot
read, or whose cleaning would cost more than the caps in `limits`. Audio, video, email and
text files are kept as sent, and the uploader is told they may still hold such details.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from casework.evidence import sniff
from casework.evidence.images import clean_image
from casework.evidence.limits import Refused
from casework.evidence.office import clean_office
from casework.evidence.pdf import clean_pdf
from casework.i18n import _, _l

__all__ = ["KINDS", "Cleaned", "Refused", "clean", "extension"]

log = logging.getLogger(__name__)
Cleaner = Callable[[BinaryIO, str], tuple[bytes, str, str | None]]
OOXML = "application/vnd.openxmlformats-officedocument."
KEPT_AS_SENT = _l("this kind of file may still hold details about who made it, and when")


@dataclass(frozen=True)
class Kind:
    """An accepted kind of file: its type, how it is cleaned (None: kept as sent), its name."""

    content_type: str
    cleaner: Cleaner | None
    words: str


KINDS = {
    ".jpg": Kind("image/jpeg", clean_image, _l("a JPEG picture")),
    ".jpeg": Kind("image/jpeg", clean_image, _l("a JPEG picture")),
    ".png": Kind("image/png", clean_image, _l("a PNG picture")),
    ".gif": Kind("image/gif", clean_image, _l("a GIF picture")),
    ".webp": Kind("image/webp", clean_image, _l("a WebP picture")),
    ".pdf": Kind("application/pdf", clean_pdf, _l("a PDF")),
    ".docx": Kind(OOXML + "wordprocessingml.document", clean_office, _l("a Word document")),
    ".xlsx": Kind(OOXML + "spreadsheetml.sheet", clean_office, _l("an Excel spreadsheet")),
    ".pptx": Kind(OOXML + "presentationml.presentation", clean_office, _l("a PowerPoint file")),
    ".odt": Kind("application/vnd.oasis.opendocument.text", clean_office,
                 _l("an OpenDocument text")),
    ".txt": Kind("text/plain", None, _l("plain text")),
    ".eml": Kind("message/rfc822", None, _l("an email")),
    ".mp3": Kind("audio/mpeg", None, _l("an MP3 recording")),
    ".m4a": Kind("audio/mp4", None, _l("an M4A recording")),
    ".mp4": Kind("video/mp4", None, _l("an MP4 video")),
}


@dataclass(frozen=True)
class Cleaned:
    """The bytes to store and, in plain words, what was removed and what may remain."""

    data: bytes
    content_type: str
    removed: str
    kept: str | None = None


def extension(filename: str) -> str:
    """The lower-case extension, with its dot."""
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot >= 0 else ""


def clean(filename: str, stream: BinaryIO) -> Cleaned:
    """Check and clean one file read from a seekable stream; Refused says why not."""
    ext = extension(filename)
    kind = KINDS.get(ext)
    if kind is None:
        raise Refused(_("Files of type %(type)s are not accepted. We accept %(accepted)s.",
                        type=ext or _("(none)"), accepted=", ".join(sorted(KINDS))))
    head = stream.read(4096)
    stream.seek(0)
    if not sniff.matches(ext, head):
        raise Refused(_("This file is named %(ext)s but is not %(kind)s, so we did not "
                        "accept it.", ext=ext, kind=kind.words))
    if kind.cleaner is None:
        return Cleaned(stream.read(), kind.content_type, _("nothing"), str(KEPT_AS_SENT))
    try:
        data, removed, note = kind.cleaner(stream, ext)
    except Refused:
        raise
    except Exception as exc:  # any parser's complaint: damaged, or not what it claims
        log.info("evidence: could not clean a %s file (%s)", ext, exc.__class__.__name__)
        raise Refused(_("We could not read this file as %(kind)s to remove hidden details "
                        "from it, so we did not store it. It may be damaged: please open it and "
                        "save it again, or send it in another format.", kind=kind.words)) from exc
    finally:
        gc.collect()  # parsers leave cycles the size of the file; free them before sealing
    return Cleaned(data, kind.content_type, str(removed), note and str(note))
