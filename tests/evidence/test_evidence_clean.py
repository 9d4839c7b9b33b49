"""What cleaning removes from each kind of file, what it keeps, and what it refuses."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from casework.evidence import Refused, clean
from casework.evidence.xmlscrub import scrub
from tests import evidence_samples as samples

CLEANABLE = {"photo.jpg": samples.jpeg, "scan.pdf": samples.pdf, "letter.docx": samples.docx,
             "letter.odt": samples.odt}


def cleaned(name: str, data: bytes) -> bytes:
    return clean(name, io.BytesIO(data)).data


@pytest.mark.parametrize("name", sorted(CLEANABLE))
def test_every_trace_of_the_person_is_removed(name):
    original = CLEANABLE[name]()
    assert samples.traces(original), "the sample must carry traces for the test to mean much"
    assert samples.traces(cleaned(name, original)) == []


def test_a_photo_keeps_its_pixels_and_which_way_up_it_goes():
    data = cleaned("photo.jpg", samples.jpeg(size=(120, 80), orientation=6))
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (120, 80)
        assert dict(img.getexif()) == {0x0112: 6}  # orientation only: no GPS, camera, artist
        assert not {"comment", "xmp", "icc_profile"} & set(img.info)
        assert img.getpixel((5, 5))[0] > 150  # still the red picture


def test_png_text_chunks_and_exif_are_removed():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", samples.NAME)
    info.add_itxt("Comment", samples.NAME, zip=True)
    out = io.BytesIO()
    Image.new("RGBA", (30, 20), (1, 2, 3, 128)).save(out, format="PNG", pnginfo=info,
                                                     exif=samples.exif())
    data = cleaned("shot.png", out.getvalue())
    assert samples.NAME.encode() not in data and b"eXIf" not in data and b"tEXt" not in data
    assert Image.open(io.BytesIO(data)).getpixel((0, 0)) == (1, 2, 3, 128)


@pytest.mark.parametrize("fmt, name", [("GIF", "anim.gif"), ("WEBP", "anim.webp")])
def test_animations_keep_their_frames_and_lose_their_metadata(fmt, name):
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    extra = {"comment": samples.NAME.encode()} if fmt == "GIF" else {"exif": samples.exif()}
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:], duration=200,
                   loop=0, **extra)
    data = cleaned(name, out.getvalue())
    assert samples.NAME.encode() not in data and b"Exif" not in data
    assert Image.open(io.BytesIO(data)).n_frames == 3


def test_a_pdf_keeps_its_pages_and_loses_info_xmp_and_comment_authors():
    reader = PdfReader(io.BytesIO(cleaned("scan.pdf", samples.pdf())))
    assert len(reader.pages) == 1 and reader.metadata is None
    assert "/Metadata" not in reader.trailer["/Root"] and "/Info" not in reader.trailer
    note = reader.pages[0]["/Annots"][0].get_object()
    assert "/T" not in note and note["/Contents"] == "see the rota"
    photo = reader.pages[0]["/Resources"]["/XObject"]["/Im0"].get_object()
    assert photo._data.startswith(b"\xff\xd8") and b"Exif" not in photo._data
    assert Image.open(io.BytesIO(photo._data)).size == (64, 48)


def test_a_pdf_loses_attached_files_and_scripts():
    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert(1)")})
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): script})
    attached = DictionaryObject({NameObject("/Subtype"): NameObject("/FileAttachment"),
                                 NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                                 NameObject("/FS"): TextStringObject("secret.docx")})
    link = DictionaryObject({NameObject("/Subtype"): NameObject("/Link"), NameObject("/A"): script,
                             NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4)})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(attached),
                                               writer._add_object(link)])
    out = io.BytesIO()
    writer.write(out)
    data = cleaned("form.pdf", out.getvalue())
    assert b"/JavaScript" not in data and b"secret.docx" not in data and b"/AA" not in data
    assert len(PdfReader(io.BytesIO(data)).pages[0]["/Annots"]) == 1  # the link stays


def test_a_word_document_keeps_its_words_and_loses_its_people():
    parts = samples.members(cleaned("letter.docx", samples.docx()))
    document, comments = parts["word/document.xml"].decode(), parts["word/comments.xml"].decode()
    assert "the rota &amp; the keys" in document and "check the dates" in comments
    assert document.count('w:author="Author"') == 3 and 'w:author="Author"' in comments
    assert "w:date" not in document + comments and "w:initials" not in comments
    assert "word/people.xml" not in parts
    assert not [name for name in parts if "printerSettings" in name]
    assert b"people.xml" not in parts["word/_rels/document.xml.rels"]
    assert b"people.xml" not in parts["[Content_Types].xml"]
    assert b'Target="media/image1.jpeg"' in parts["word/_rels/document.xml.rels"]
    assert parts["docProps/core.xml"].endswith(b"core-properties\"/>")
    with zipfile.ZipFile(io.BytesIO(cleaned("letter.docx", samples.docx()))) as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_an_odt_keeps_its_type_first_and_stored():
    with zipfile.ZipFile(io.BytesIO(cleaned("letter.odt", samples.odt()))) as z:
        first = z.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        content = z.read("content.xml").decode()
    assert "<dc:creator>Author</dc:creator>" in content and "the rota" in content


@pytest.mark.parametrize("xml, gone, kept", [
    ('<p:cmAuthorLst xmlns:p="p"><p:cmAuthor id="0" name="Jane Whistle" initials="JW" '
     'lastIdx="1"/></p:cmAuthorLst>', ["Jane", "JW"], ['name="Author"', 'lastIdx="1"']),
    ('<comments xmlns="x"><authors><author>Jane Whistle</author></authors></comments>',
     ["Jane"], ["<author>Author</author>"]),
    ('<personList xmlns="x"><person displayName="Jane Whistle" id="{1}" '
     'userId="jane@corp" providerId="AD"/></personList>', ["Jane", "jane@corp"], ['id="{1}"']),
    ('<ThreadedComments xmlns="x"><threadedComment ref="A1" dT="2026-02-27T10:00:00" '
     'personId="{1}"/></ThreadedComments>', ["2026"], ['personId="{1}"']),
    ('<workbook xmlns:x15ac="x"><x15ac:absPath url="C:\\Users\\jwhistle\\"/><sheets/>'
     "</workbook>", ["jwhistle"], ["<sheets/>"]),
    ('<w:settings xmlns:w="w"><w:rsids><w:rsid w:val="00A1"/></w:rsids><w:zoom/></w:settings>',
     ["00A1", "rsids"], ["<w:zoom/>"]),
    ('<p188:cmLst xmlns:p188="p"><p188:cm id="{1}" authorId="{2}" '
     'created="2026-02-27T10:00:00.000"/></p188:cmLst>', ["2026"], ['authorId="{2}"']),
    ('<worksheet xmlns:r="r"><pageSetup paperSize="9" r:id="rId1"/></worksheet>', ["rId1"],
     ['paperSize="9"']),
])
def test_office_parts_lose_names_in_every_place_office_keeps_them(xml, gone, kept):
    out = b"".join(scrub([xml.encode()], "part.xml", set())).decode()
    assert not [g for g in gone if g in out], out
    assert all(k in out for k in kept), out


@pytest.mark.parametrize("name, data", [
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("page.htm", b"<html></html>"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
    ("data.xml", b"<?xml version='1.0'?><a/>"),
    ("run.js", b"alert(1)"),
    ("setup.exe", b"MZ\x90\x00\x03"),
    ("noextension", b"hello"),
])
def test_types_not_on_the_list_are_refused(name, data):
    with pytest.raises(Refused, match="not accepted"):
        clean(name, io.BytesIO(data))


@pytest.mark.parametrize("name, data", [
    ("photo.jpg", b"<html><body>not a photo</body></html>"),
    ("photo.png", samples.jpeg()),
    ("scan.pdf", b"<!DOCTYPE html><html></html>"),
    ("notes.txt", b"  <!doctype html><html><script>alert(1)</script>"),
    ("notes.txt", b"<svg onload=alert(1)>"),
    ("notes.txt", b"MZ\x90\x00\x03\x00\x00\x00"),
    ("mail.eml", b"<html>hello</html>"),
    ("letter.docx", samples.odt()),
    ("letter.odt", samples.docx()),
    ("letter.docx", samples.members.__doc__.encode()),
    ("song.mp3", b"<html></html>"),
])
def test_a_file_that_is_not_what_its_name_says_is_refused(name, data):
    with pytest.raises(Refused):
        clean(name, io.BytesIO(data))


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name, data, words", [
    ("photo.jpg", samples.jpeg(size=(400, 300))[:600], "could not read"),
    ("scan.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50, "could not read"),
    ("scan.pdf", _encrypted_pdf(), "password"),
    ("letter.docx", samples.docx().replace(b"PK\x01\x02", b"PK\x09\x09"), "could not read"),
])
def test_a_cleanable_file_that_cannot_be_read_is_refused_not_kept(name, data, words):
    with pytest.raises(Refused, match=words):
        clean(name, io.BytesIO(data))


def test_broken_xml_inside_a_document_is_refused():
    broken = samples.docx_parts()
    broken["word/document.xml"] = "<w:document><w:body></w:document>"
    with pytest.raises(Refused, match="could not read"):
        clean("letter.docx", io.BytesIO(samples.zipped(broken)))


@pytest.mark.parametrize("name, data", [
    ("notes.txt", b"Night shift rota, week 9\n"),
    ("notes.txt", "\ufeffRota\r\n".encode("utf-16")),
    ("mail.eml", b"From: a@example.org\r\nSubject: rota\r\n\r\nsee attached"),
    ("call.mp3", b"ID3\x04\x00" + bytes(64)),
    ("clip.mp4", b"\0\0\0\x18ftypmp42" + bytes(64)),
])
def test_files_that_cannot_be_cleaned_are_kept_as_sent_and_the_uploader_told(name, data):
    result = clean(name, io.BytesIO(data))
    assert result.data == data and result.removed == "nothing"
    assert "may still hold details about who made it" in result.kept
