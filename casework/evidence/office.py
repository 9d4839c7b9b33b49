"""Office documents (docx, xlsx, pptx) and OpenDocument text (odt), rebuilt part by part.

Document properties (docProps core, app and custom; ODT's meta.xml and settings.xml) are
replaced by empty ones, word/people.xml and printer settings are left out (with what points
at them), every XML part is rewritten without people's names, initials and dates (xmlscrub),
pictures inside are re-encoded like picture files, and the zip itself gets fixed dates and no
comment. Other parts are copied as they are.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import BinaryIO

from casework.evidence import images, xmlscrub, zipped
from casework.evidence.limits import MAX_DECODED, Refused
from casework.i18n import _, _l

DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
OOXML_BLANK = {
    "docProps/core.xml": '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
                         'package/2006/metadata/core-properties"/>',
    "docProps/app.xml": '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/'
                        '2006/extended-properties"/>',
    "docProps/custom.xml": '<Properties xmlns="http://schemas.openxmlformats.org/'
                           'officeDocument/2006/custom-properties"/>',
}
ODF = ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"'
ODF_BLANK = {
    "meta.xml": f"<office:document-meta{ODF}><office:meta/></office:document-meta>",
    "settings.xml": f"<office:document-settings{ODF}/>",
}
LEFT_OUT = {"word/people.xml"}  # and printer settings (they name the printer): left_out()
MAIN_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml",
             ".pptx": "ppt/presentation.xml", ".odt": "content.xml"}
ODT_TYPE = b"application/vnd.oasis.opendocument.text"
EMBEDDED_BUDGET = MAX_DECODED // 2  # the rebuilt document is in memory too
REMOVED = {
    "ooxml": _l("author, company, dates and editing history (document properties), and the "
                "names, initials and dates on comments and tracked changes"),
    "odt": _l("author, dates and editing history (document properties and settings), and the "
              "names and dates on comments and tracked changes"),
}


def clean_office(stream: BinaryIO, ext: str) -> tuple[bytes, str, str | None]:
    """The document rebuilt without the parts and attributes that name people."""
    blank = ODF_BLANK if ext == ".odt" else OOXML_BLANK
    out = io.BytesIO()
    with zipfile.ZipFile(stream) as source:
        infos = zipped.members(source)
        _check_kind(source, infos, ext)
        reader, dropped = zipped.Reader(source), {i.filename for i in infos if left_out(i)}
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in infos:
                if info.filename not in dropped:
                    zipped.write(target, info, _part(reader, info, blank, dropped))
    return out.getvalue(), REMOVED["odt" if ext == ".odt" else "ooxml"], None


def _check_kind(source: zipfile.ZipFile, infos: list[zipfile.ZipInfo], ext: str) -> None:
    """The zip is the document its name says (an ODT's first member names its type)."""
    names = {info.filename for info in infos}
    is_odt = bool(infos) and infos[0].filename == "mimetype" and infos[0].file_size < 100 and (
        source.read(infos[0]).strip() == ODT_TYPE)
    if MAIN_PART[ext] not in names or (ext == ".odt") != is_odt:
        raise Refused(_("This file is named %(ext)s but is not that kind of document.",
                        ext=ext))


def left_out(info: zipfile.ZipInfo) -> bool:
    """Parts that only say who: word/people.xml, and the printer settings."""
    return info.filename in LEFT_OUT or "/printerSettings/" in info.filename


def _part(reader: zipped.Reader, info: zipfile.ZipInfo, blank: dict[str, str],
          dropped: set[str]) -> Iterable[bytes]:
    """One member's new bytes."""
    name = info.filename
    if name in blank:
        return [(DECLARATION + blank[name]).encode()]
    if name.endswith((".xml", ".rels")):
        return xmlscrub.scrub(reader.chunks(info), name, dropped)
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in images.FORMATS:
        data, _, _ = images.clean_image(io.BytesIO(reader.read(info)), ext, EMBEDDED_BUDGET)
        return [data]
    return reader.chunks(info)
