"""XML parts of Office and OpenDocument files rewritten as a stream, without the people in them.

A safe parser (defusedxml: no DTDs, no entities) reads the part a chunk at a time and writes it
back with the names of authors (comments, tracked changes, comment authors, persons) replaced
by "Author", their initials, dates and revision ids dropped, and the elements that only say
who or where (revision-id lists, the folder a spreadsheet was saved in) left out. Matching is
by local name, so it does not depend on the prefix a file happens to use.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import XMLGenerator

from defusedxml.sax import make_parser

NAME = "Author"
FIXED_DATE = "2000-01-01T00:00:00Z"
TEMPLATE = "Normal.dotm"
NAMED_ELEMENTS = {"cmauthor", "author", "person", "userinfo"}  # elements whose name= is a person
REPLACE = {"author": NAME, "displayname": NAME, "username": NAME, "userid": NAME,
           "providerid": "None", "datetime": FIXED_DATE, "created": FIXED_DATE}
DROP_ATTRIBUTES = {"date", "dateutc", "dt", "initials"}
DROP_ELEMENTS = {"rsids", "abspath"}
TEXT = {"dc:creator": NAME, "meta:initial-creator": NAME, "meta:printed-by": NAME,
        "dc:date": FIXED_DATE, "meta:creation-date": FIXED_DATE, "meta:print-date": FIXED_DATE}


def _local(qname: str) -> str:
    return qname.rsplit(":", 1)[-1].lower()


def scrub_attributes(element: str, attrs) -> dict[str, str]:
    """An element's attributes with people's names replaced and their dates and ids dropped."""
    kept = {}
    for qname, value in attrs.items():
        local = _local(qname)
        if qname.startswith("xmlns"):
            kept[qname] = value
        elif local == "target" and attrs.get("Type", "").endswith("/attachedTemplate"):
            kept[qname] = TEMPLATE  # the template's path names the user's folders
        elif local == "initials" and element in NAMED_ELEMENTS:
            kept[qname] = "A"  # required there
        elif local in DROP_ATTRIBUTES or local.startswith("rsid") or (
                element == "pagesetup" and local == "id"):  # its printer settings are left out
            continue
        elif local in REPLACE:
            kept[qname] = REPLACE[local]
        elif ("author" in local and not local.endswith("id")) or (
                local == "name" and element in NAMED_ELEMENTS):
            kept[qname] = NAME
        else:
            kept[qname] = value
    return kept


class Scrubber(XMLGenerator):
    """Writes what it is fed, less the people; `drop` says which relationships and overrides
    point at parts that are left out of the new file."""

    def __init__(self, out: io.BytesIO, drop: set[str], base: str) -> None:
        super().__init__(out, encoding="utf-8", short_empty_elements=True)
        self._drop, self._base = drop, base
        self._stack: list[str] = []
        self._skip = 0  # depth inside an element that is left out
        self._replacing: str | None = None

    def startDocument(self) -> None:
        self._write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')

    def startElement(self, name: str, attrs) -> None:
        local, parent = _local(name), (self._stack[-1] if self._stack else "")
        self._stack.append(local)
        if self._skip or local in DROP_ELEMENTS or self._points_at_dropped(local, attrs):
            self._skip += 1
            return
        super().startElement(name, scrub_attributes(local, attrs))
        replacement = TEXT.get(name) or (NAME if (local, parent) == ("author", "authors")
                                         else None)
        if replacement is not None:
            super().characters(replacement)
            self._replacing = name

    def endElement(self, name: str) -> None:
        self._stack.pop()
        if self._skip:
            self._skip -= 1
            return
        if self._replacing == name:
            self._replacing = None
        super().endElement(name)

    def characters(self, content: str) -> None:
        if not self._skip and self._replacing is None:
            super().characters(content)

    def ignorableWhitespace(self, content: str) -> None:
        self.characters(content)

    def processingInstruction(self, target: str, data: str) -> None:
        if not self._skip:
            super().processingInstruction(target, data)

    def _points_at_dropped(self, local: str, attrs) -> bool:
        """A relationship or a content-type override for a part that is left out."""
        if local == "relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            return _resolve(self._base, target) in self._drop
        return local == "override" and attrs.get("PartName", "").lstrip("/") in self._drop


def _resolve(base: str, target: str) -> str:
    """A relationship target as a part name (targets are relative to the source's folder)."""
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
    return posixpath.normpath(joined)


def rels_base(part: str) -> str:
    """The folder a .rels part's targets are relative to: word/_rels/x.rels -> word."""
    return part.rsplit("/_rels/", 1)[0] if "/_rels/" in part else ""


def scrub(chunks: Iterable[bytes], part: str, drop: set[str]) -> Iterator[bytes]:
    """Rewrite an XML part chunk by chunk; raises a SAX error if the part is not XML."""
    out = io.BytesIO()
    parser = make_parser()
    parser.forbid_dtd = True
    parser.setContentHandler(Scrubber(out, drop, rels_base(part)))
    for chunk in chunks:
        parser.feed(chunk)
        yield _drain(out)
    parser.close()
    yield _drain(out)


def _drain(out: io.BytesIO) -> bytes:
    data = out.getvalue()
    out.seek(0)
    out.truncate()
    return data
