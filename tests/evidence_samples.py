"""Evidence files for tests and the upload benchmark: each carries a person's traces in the
places real files keep them (EXIF GPS, PDF information and XMP, Word comments and tracked
changes), or is a bomb built the way an attacker would build it."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image

NAME = "Jane Whistle"  # the person every sample names
CAMERA = "SpyCam Model 7"
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
W15 = 'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"'
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def exif(orientation: int = 1) -> Image.Exif:
    """EXIF naming a camera and a place (51°30'N 0°07'W) and the person as the artist."""
    tags = Image.Exif()
    tags[0x010F], tags[0x0110], tags[0x013B] = "SpyCam", CAMERA, NAME
    tags[0x0112] = orientation
    gps = tags.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 30.0, 26.0), "W", (0.0, 7.0, 39.0)
    return tags


def jpeg(size: tuple[int, int] = (64, 48), orientation: int = 1) -> bytes:
    """A JPEG with GPS EXIF, an XMP packet and a comment naming the person."""
    out = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(
        out, format="JPEG", exif=exif(orientation), comment=NAME.encode(),
        xmp=f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{NAME}</x:xmpmeta>'.encode())
    return out.getvalue()


def pdf() -> bytes:
    """A PDF naming the person in /Info, XMP, a comment and a photo's EXIF inside it."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": NAME, "/Creator": CAMERA})
    xmp = DecodedStreamObject()
    xmp.set_data(f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{NAME}</dc:creator>'
                 "</x:xmpmeta>".encode())
    xmp.update({NameObject("/Type"): NameObject("/Metadata"),
                NameObject("/Subtype"): NameObject("/XML")})
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    photo = DecodedStreamObject()
    photo._data = jpeg()
    photo.update({NameObject(k): v for k, v in {
        "/Type": NameObject("/XObject"), "/Subtype": NameObject("/Image"),
        "/Width": NumberObject(64), "/Height": NumberObject(48),
        "/ColorSpace": NameObject("/DeviceRGB"), "/BitsPerComponent": NumberObject(8),
        "/Filter": NameObject("/DCTDecode")}.items()})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject("/Im0"): writer._add_object(photo)})})
    contents = DecodedStreamObject()
    contents.set_data(b"q 64 0 0 48 10 10 cm /Im0 Do Q")
    page[NameObject("/Contents")] = writer._add_object(contents)
    note = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                             NameObject("/Subtype"): NameObject("/Text"),
                             NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                             NameObject("/T"): TextStringObject(NAME),
                             NameObject("/Contents"): TextStringObject("see the rota")})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(note)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zipped(parts: dict[str, bytes | str], stored_first: bool = False) -> bytes:
    """A zip of the parts, in order (the first stored, for an ODT's mimetype)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, (name, data) in enumerate(parts.items()):
            kind = zipfile.ZIP_STORED if stored_first and n == 0 else zipfile.ZIP_DEFLATED
            z.writestr(name, data, compress_type=kind)
    return out.getvalue()


def docx() -> bytes:
    """A Word document naming the person in its properties, a comment, tracked changes,
    people.xml, the template's path, and the EXIF of a photo inside."""
    return zipped(docx_parts())


def docx_parts() -> dict[str, bytes | str]:
    """The parts of docx(), to change one before zipping."""
    track = f'w:author="{NAME}" w:initials="JW" w:date="2026-02-27T17:45:00Z"'
    return {
        "[Content_Types].xml": DECL + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="jpeg" ContentType="image/jpeg"/>'
            '<Override PartName="/word/people.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.people+xml"/></Types>'),
        "_rels/.rels": DECL + f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{DOC_RELS}/officeDocument" Target="word/document.xml"/></Relationships>',
        "docProps/core.xml": DECL + '<cp:coreProperties xmlns:cp="http://schemas.'
        'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/'
        f'dc/elements/1.1/"><dc:creator>{NAME}</dc:creator><cp:lastModifiedBy>{NAME}'
        '</cp:lastModifiedBy></cp:coreProperties>',
        "docProps/app.xml": DECL + '<Properties xmlns="http://schemas.openxmlformats.org/'
        f'officeDocument/2006/extended-properties"><Company>{NAME} Ltd</Company></Properties>',
        "word/document.xml": DECL + f'<w:document {W}><w:body><w:p w:rsidR="00A1B2C3">'
        f'<w:ins w:id="1" {track}><w:r><w:t>added</w:t></w:r></w:ins>'
        f'<w:del w:id="2" {track}><w:r><w:delText>gone</w:delText></w:r></w:del>'
        f'<w:r><w:rPr><w:b/><w:rPrChange w:id="3" {track}><w:rPr/></w:rPrChange></w:rPr>'
        '<w:t xml:space="preserve">the rota &amp; the keys </w:t></w:r>'
        '<w:commentReference w:id="0"/></w:p></w:body></w:document>',
        "word/comments.xml": DECL + f'<w:comments {W}><w:comment w:id="0" {track}>'
        '<w:p><w:r><w:t>check the dates</w:t></w:r></w:p></w:comment></w:comments>',
        "word/people.xml": DECL + f'<w15:people {W15}><w15:person w15:author="{NAME}">'
        f'<w15:presenceInfo w15:providerId="AD" w15:userId="jane@corp.example"/>'
        '</w15:person></w15:people>',
        "word/_rels/document.xml.rels": DECL + f'<Relationships xmlns="{RELS}">'
        '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2011/relationships/'
        'people" Target="people.xml"/><Relationship Id="rId5" Type="'
        f'{DOC_RELS}/image" Target="media/image1.jpeg"/></Relationships>',
        "word/_rels/settings.xml.rels": DECL + f'<Relationships xmlns="{RELS}"><Relationship '
        f'Id="rId1" Type="{DOC_RELS}/attachedTemplate" Target="file:///C:/Users/'
        'jwhistle/AppData/Normal.dotm" TargetMode="External"/></Relationships>',
        "word/media/image1.jpeg": jpeg(),
        "word/printerSettings/printerSettings1.bin": "\\\\PRINTSRV\\HR-2 jwhistle",
    }


def odt() -> bytes:
    """An OpenDocument text naming the person in meta.xml and on a tracked change."""
    office = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:dc="http://purl.org/dc/elements/1.1/" '
              'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    return zipped({
        "mimetype": "application/vnd.oasis.opendocument.text",
        "META-INF/manifest.xml": '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
        'opendocument:xmlns:manifest:1.0"/>',
        "meta.xml": f"<office:document-meta {office}><office:meta><meta:initial-creator>"
        f"{NAME}</meta:initial-creator><dc:creator>{NAME}</dc:creator></office:meta>"
        "</office:document-meta>",
        "content.xml": f"<office:document-content {office}><office:body><office:text>"
        '<text:tracked-changes><text:changed-region text:id="c1"><text:insertion>'
        f"<office:change-info><dc:creator>{NAME}</dc:creator><dc:date>2026-02-27T17:45:00"
        "</dc:date></office:change-info></text:insertion></text:changed-region>"
        "</text:tracked-changes><text:p>the rota</text:p></office:text></office:body>"
        "</office:document-content>",
    }, stored_first=True)


def docx_bomb(unpacked: int = 600 * 1024 * 1024) -> bytes:
    """A .docx whose document part unpacks from about 600 KB to `unpacked` bytes of spaces."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", DECL + "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            member.write((DECL + f"<w:document {W}><w:body><w:p><w:r><w:t>").encode())
            block = b" " * (1024 * 1024)
            for _ in range(unpacked // len(block)):
                member.write(block)
            member.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def png_bomb(side: int = 12_000) -> bytes:
    """A grey PNG of side × side pixels (144 megapixels by default) that packs into ~140 KB."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    pack = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte and a row of black
    data = b"".join(pack.compress(row) for _ in range(side)) + pack.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


def members(data: bytes) -> dict[str, bytes]:
    """Every member of a zip, unpacked."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


TRACES = (NAME.encode(), CAMERA.encode(), b"SpyCam", b"jwhistle", b"jane@corp", b"Exif",
          b"2026-02-27", b"initials=", b"rsidR", b"Ltd<")


def traces(data: bytes) -> list[str]:
    """What in a file (or in any member of a zip) still points at the person who made it."""
    parts = members(data) if data.startswith(b"PK\x03\x04") else {"": data}
    found = [f"{name}: {trace.decode()}" for name, part in parts.items() for trace in TRACES
             if trace in part]
    found += [f"{name}: left in" for name in parts if name == "word/people.xml"]
    if data.startswith(b"\xff\xd8"):
        tags = Image.open(io.BytesIO(data)).getexif()
        found += [f"EXIF tag {tag}" for tag in tags if tag != 0x0112]
        found += ["GPS"] if tags.get_ifd(0x8825) else []
    return found


def stored(ctx, case_id: int) -> list[tuple[dict, bytes]]:
    """The case's evidence as sealed: (meta, bytes) for each file, oldest first."""
    from casework.models import Attachment, Case

    ctx.session.expire_all()
    case = ctx.session.get(Case, case_id)
    rows = ctx.session.query(Attachment).filter_by(case_id=case_id).order_by(Attachment.id)
    vault = ctx.vault(case)
    return [(vault.open_json("attachment-meta", r.id, r.meta_ct),
             vault.open_bytes("attachment", r.id, r.content_ct)) for r in rows]
