"""Cleaning does bounded work: bombs are refused from what their headers say, or as their
bytes come out, and never by running out of memory."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from PIL import Image, ImageFile
from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject

from casework.evidence import Refused, clean, images, pdf, zipped
from casework.evidence.images import clean_image
from casework.evidence.limits import MAX_PIXELS
from tests import evidence_samples as samples


def test_pillow_itself_refuses_what_is_over_the_pixel_cap():
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_a_png_bomb_is_refused_from_its_header_at_once(monkeypatch):
    bomb = samples.png_bomb()
    assert len(bomb) < 200_000
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self))
    with pytest.raises(Refused, match="too large"):
        clean("bomb.png", io.BytesIO(bomb))
    assert decoded == []  # refused from the header: no pixel was decoded


def test_a_picture_that_only_claims_to_be_huge_is_refused_before_decoding():
    header = b"GIF89a" + struct.pack("<HH", 60_000, 60_000) + b"\x00\x00\x00"
    with pytest.raises(Refused, match="too large"):
        clean("huge.gif", io.BytesIO(header + b",\x00\x00\x00\x00" + bytes(20) + b";"))


def test_a_picture_over_the_decoding_budget_but_not_a_jpeg_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (300, 200)).save(out, format="PNG")
    with pytest.raises(Refused, match="300 × 200"):
        clean_image(io.BytesIO(out.getvalue()), ".png", budget=300 * 200)


def test_a_large_jpeg_is_decoded_smaller_and_the_uploader_told():
    data, _, note = clean_image(io.BytesIO(samples.jpeg(size=(800, 600))), ".jpg",
                                budget=800 * 600)
    assert Image.open(io.BytesIO(data)).size == (400, 300)
    assert "smaller copy of 400 × 300 pixels" in note


def test_a_progressive_jpeg_counts_the_coefficients_it_must_hold():
    out = io.BytesIO()
    Image.new("RGB", (800, 600)).save(out, format="JPEG", progressive=True)
    with pytest.raises(Refused, match="too large"):
        clean_image(io.BytesIO(out.getvalue()), ".jpg", budget=800 * 600 * 3)


def test_an_animation_with_too_many_frames_is_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_FRAMES", 3)
    frames = [Image.new("L", (8, 8), shade) for shade in range(0, 250, 50)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(Refused, match="more than 3 frames"):
        clean("anim.gif", io.BytesIO(out.getvalue()))


@pytest.fixture
def unpacked(monkeypatch) -> list[int]:
    """How many bytes the cleaners unpack from zip members (speed is for benchmarks: what
    "at once" means here is that nothing, or no more than the caps allow, is unpacked)."""
    counted = [0]
    read = zipfile.ZipExtFile.read

    def counting(self, n=-1):
        data = read(self, n)
        counted[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return counted


def test_a_docx_zip_bomb_is_refused_at_once(unpacked):
    bomb = samples.docx_bomb(200 * 1024 * 1024)
    with pytest.raises(Refused, match="unpacks to far more"):
        clean("bomb.docx", io.BytesIO(bomb))
    assert unpacked[0] == 0  # refused on what the zip admits to, before unpacking anything


def _lying(data: bytes, name: bytes, size: int) -> bytes:
    """The zip with one member's declared unpacked size replaced (local and central headers)."""
    out = bytearray(data)
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = out.find(signature)
        while at >= 0:
            if out[at + name_at:at + name_at + len(name)] == name:
                struct.pack_into("<I", out, at + size_at, size)
            at = out.find(signature, at + 1)
    return bytes(out)


def test_a_zip_that_lies_about_its_sizes_is_refused_without_unpacking_it(unpacked):
    parts = {"[Content_Types].xml": "<Types/>", "word/document.xml": " " * (50 * 1024 * 1024)}
    liar = _lying(samples.zipped(parts), b"word/document.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(liar)) as z:
        assert z.getinfo("word/document.xml").file_size == 1000
    with pytest.raises(Refused):
        clean("liar.docx", io.BytesIO(liar))
    # counted as it comes out: stopped within a chunk of the member's ratio cap, not 50 MB
    assert unpacked[0] <= zipped.RATIO_FLOOR + len(liar) * zipped.MAX_RATIO + zipped.CHUNK
    assert unpacked[0] < 50 * 1024 * 1024 // 4


def test_bytes_are_counted_as_they_come_out_whatever_the_zip_declares(monkeypatch):
    monkeypatch.setattr(zipped, "MAX_UNZIPPED", 100_000)
    data = samples.zipped({"a.xml": "a" * 60_000, "b.xml": "b" * 60_000})
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        reader = zipped.Reader(source)
        reader.read(source.getinfo("a.xml"))
        with pytest.raises(Refused, match="unpacks to far more"):
            reader.read(source.getinfo("b.xml"))


def test_a_zip_with_too_many_parts_is_refused(monkeypatch):
    monkeypatch.setattr(zipped, "MAX_MEMBERS", 5)
    parts = samples.docx_parts()
    assert len(parts) > 5
    with pytest.raises(Refused, match="more than 5 parts"):
        clean("letter.docx", io.BytesIO(samples.zipped(parts)))


def _pdf(pages: int = 1, stream: bytes | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(100, 100)
    if stream is not None:
        contents = StreamObject()
        contents._data = stream
        contents[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(contents)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_over_the_page_cap_is_refused(monkeypatch):
    monkeypatch.setattr(pdf, "MAX_PAGES", 2)
    assert clean("two.pdf", io.BytesIO(_pdf(2))).data.startswith(b"%PDF")
    with pytest.raises(Refused, match="more than 2 pages"):
        clean("three.pdf", io.BytesIO(_pdf(3)))


def test_a_pdf_stream_bomb_is_refused_without_unpacking_it_in_memory():
    pack = zlib.compressobj(9)
    block = bytes(1024 * 1024)
    bomb = b"".join(pack.compress(block) for _ in range(100)) + pack.flush()
    assert len(bomb) < 200_000
    with pytest.raises(Refused, match="unpacks to far more"):
        clean("bomb.pdf", io.BytesIO(_pdf(1, bomb)))
