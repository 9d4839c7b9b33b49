"""Whether a file's first bytes are what its name says: a .jpg that is a web page is refused."""

from __future__ import annotations

import re

MARKUP = ("<!doctype", "<html", "<head", "<body", "<script", "<svg", "<?xml", "<iframe",
          "<!--", "<div", "<p>", "<a ", "<table", "<style", "<title", "<meta", "<img",
          "<object", "<embed", "<form")
HEADER_LINE = re.compile(rb"^(From |[!-9;-~]+:)")
ZIP = b"PK\x03\x04"


def _text(head: bytes) -> str | None:
    """The start of a text file as text, or None if it is not text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[2:].decode("utf-16-le" if head[0] == 0xFF else "utf-16-be", "replace")
    if b"\x00" in head:
        return None
    return head.decode("utf-8", "replace")


def _plain(head: bytes) -> bool:
    text = _text(head)
    return text is not None and not text.lstrip("\ufeff \t\r\n").lower().startswith(MARKUP)


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF
                                       and head[1] & 0xE0 == 0xE0)


CHECKS = {
    ".jpg": lambda h: h.startswith(b"\xff\xd8\xff"),
    ".png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    ".gif": lambda h: h.startswith((b"GIF87a", b"GIF89a")),
    ".webp": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP",
    ".pdf": lambda h: b"%PDF-" in h[:1024],
    ".docx": lambda h: h.startswith(ZIP),
    ".mp3": _mp3,
    ".m4a": lambda h: h[4:8] == b"ftyp",
    ".txt": _plain,
    ".eml": lambda h: _plain(h) and bool(HEADER_LINE.match(h.lstrip(b"\xef\xbb\xbf\r\n"))),
}
SAME = {".jpeg": ".jpg", ".xlsx": ".docx", ".pptx": ".docx", ".odt": ".docx", ".mp4": ".m4a"}


def matches(ext: str, head: bytes) -> bool:
    """Whether the first bytes fit the extension (the cleaners then read the whole file)."""
    return CHECKS[SAME.get(ext, ext)](head)
