"""PDFs copied page by page into a new document that carries none of the old one's metadata.

The new document has no information dictionary (author, title, dates, software) and no XMP;
pages and the pictures and forms on them lose their own XMP and private application data, the
names and dates on comments go, and JPEG pictures inside lose their EXIF (their application
segments are dropped). Attached files, bookmarks and scripts (the document's, a page's or an
annotation's) are not copied.
pypdf decodes a stream only to read the document's structure, each under MAX_STREAM.
"""

from __future__ import annotations

import io
import zlib
from typing import BinaryIO

from pypdf import PdfReader, PdfWriter, apply_configuration
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

from casework.evidence.jpeg import strip_segments
from casework.evidence.limits import CHUNK, MAX_PAGES, MAX_PIXELS, MAX_STREAM, Refused
from casework.i18n import _, _l

LIMITS = {name: MAX_STREAM for name in (
    "maximum_declared_stream_length", "array_based_stream_maximum_output_length",
    "jbig2_maximum_output_length", "lzw_maximum_output_length",
    "run_length_maximum_output_length", "zlib_maximum_output_length",
    "brotli_maximum_output_length", "image_maximum_buffer_size",
    "stream_decoding_work_maximum_length")}
LIMITS.update(page_tree_maximum_entries=MAX_PAGES * 2, page_tree_maximum_page_entries=MAX_PAGES,
              xmp_maximum_input_length=1024 * 1024)
PRIVATE = ("/Metadata", "/PieceInfo", "/LastModified", "/AA")  # /AA: scripts on open, close
SCRIPTS = ("/JavaScript", "/Launch")
ANNOTATION_PEOPLE = ("/T", "/M", "/CreationDate", "/NM")  # who wrote a comment, and when
BOMB = _l("Part of this PDF unpacks to far more than it holds, so we could not check it "
          "safely. Please print it to a new PDF and send that.")
REMOVED = _l("author, title, dates and editing software (document information and XMP), and "
             "the names and dates on comments")


def clean_pdf(stream: BinaryIO, ext: str) -> tuple[bytes, str, str | None]:
    """A new PDF with the old one's pages and none of its metadata."""
    with apply_configuration(**LIMITS):
        writer = _copy_pages(PdfReader(stream))
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue(), REMOVED, None


def _copy_pages(reader: PdfReader) -> PdfWriter:
    """A new document holding the reader's pages, scrubbed; Refused past a cap."""
    if reader.is_encrypted and not reader.decrypt(""):
        raise Refused(_("This PDF is protected by a password. Please send a copy without "
                        "the password (for example, print it to a new PDF)."))
    if len(reader.pages) > MAX_PAGES:
        raise Refused(_("This PDF has more than %(count)s pages; please send it in parts.",
                        count=MAX_PAGES))
    writer, seen = PdfWriter(), set()
    for page in reader.pages:
        _scrub(page, seen, depth=0)  # before the copy, which then shares the cleaned bytes
        writer.add_page(page)
    for obj in writer._objects:  # every object the new file will hold
        _check_stream(obj)
    writer.metadata = None
    return writer


def _scrub(node: DictionaryObject, seen: set[int], depth: int) -> None:
    """Drop metadata from a page or form and from the pictures, forms and comments on it."""
    for key in PRIVATE:
        node.pop(NameObject(key), None)
    if "/Annots" in node:
        node[NameObject("/Annots")] = _annotations(node["/Annots"].get_object())
    resources = node.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    for ref in (xobjects.get_object().values() if xobjects is not None else []):
        xobject = ref.get_object()
        if id(xobject) in seen or not isinstance(xobject, StreamObject) or depth > 8:
            continue
        seen.add(id(xobject))
        if _number(xobject, "/Width") * _number(xobject, "/Height") > MAX_PIXELS:
            raise Refused(BOMB)
        if xobject.get("/Subtype") == "/Form":
            _scrub(xobject, seen, depth + 1)
            continue
        for key in PRIVATE:
            xobject.pop(NameObject(key), None)
        if xobject.get("/Filter") == "/DCTDecode":
            xobject._data = strip_segments(xobject._data)


def _annotations(annotations: ArrayObject) -> ArrayObject:
    """Comments without who wrote them or when; no attached files, no scripts."""
    kept = ArrayObject()
    for ref in annotations:
        annotation = ref.get_object()
        parent = annotation.get("/Parent")
        if "/FileAttachment" in (annotation.get("/Subtype"), parent and parent.get_object().get(
                "/Subtype")):
            continue
        annotation.pop(NameObject("/AA"), None)
        action = annotation.get("/A")
        if action is not None and action.get_object().get("/S") in SCRIPTS:
            del annotation[NameObject("/A")]
        if annotation.get("/Subtype") not in ("/Widget", "/Link"):
            for key in ANNOTATION_PEOPLE:
                annotation.pop(NameObject(key), None)
        kept.append(ref)
    return kept


def _check_stream(obj: object) -> None:
    """Refuse a compressed stream that unpacks past MAX_STREAM (counted, never held)."""
    if not isinstance(obj, StreamObject) or obj.get("/Filter") not in (
            "/FlateDecode", ["/FlateDecode"]):
        return
    unpack, left, total = zlib.decompressobj(), obj._data, 0
    try:
        while left and not unpack.eof:
            total += len(unpack.decompress(left, CHUNK))
            left = unpack.unconsumed_tail
            if total > MAX_STREAM:
                raise Refused(BOMB)
    except zlib.error:
        return  # what decoded before the damage was under the cap


def _number(node: DictionaryObject, key: str) -> int:
    value = node.get(key, 0)
    value = value.get_object() if hasattr(value, "get_object") else value
    return int(value) if isinstance(value, int | float) else 0
