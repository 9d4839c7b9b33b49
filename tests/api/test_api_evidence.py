"""POST /reporter/attachments cleans what it stores and refuses what it cannot clean: 201
{id, filename, size, sha256, removed, kept}, 422 on field file, 413 over the limit."""

from __future__ import annotations

import hashlib
import io

import pytest

from tests import evidence_samples as samples

CLEANABLE = {"photo.jpg": (samples.jpeg, "location"), "scan.pdf": (samples.pdf, "author"),
             "letter.docx": (samples.docx, "tracked changes")}


@pytest.fixture
def lodged(make):
    return make.lodge("disclosure")


@pytest.fixture
def token(api, lodged):
    return api.reporter_token(lodged.reference, lodged.receipt)


def upload(api, token: str, data: bytes, name: str):
    return api.post("/reporter/attachments", token=token,
                    data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("name", sorted(CLEANABLE))
def test_evidence_is_stored_without_the_person_in_its_metadata(api, ctx, token, lodged, name):
    build, word = CLEANABLE[name]
    answer = upload(api, token, build(), name)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert word in body["removed"] and body["kept"] is None
    [(meta, data)] = samples.stored(ctx, lodged.case.id)
    assert samples.traces(data) == []
    assert (body["size"], body["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("name, data", [
    ("page.html", b"<!doctype html><html><script>alert(1)</script></html>"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("photo.jpg", b"<html><script>alert(1)</script></html>"),
    ("notes.txt", b"<svg onload=alert(1)>"),
    ("scan.pdf", b"%PDF-1.7 and then nothing a PDF needs"),
])
def test_refused_types_and_disguised_files_are_422_on_file(api, ctx, token, lodged, name,
                                                           data):
    answer = upload(api, token, data, name)
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "invalid" and "file" in error["fields"]
    assert error["message"].startswith(f"{name} was not stored.")
    assert samples.stored(ctx, lodged.case.id) == []


@pytest.mark.parametrize("name, build, words", [
    ("bomb.docx", samples.docx_bomb, "unpacks to far more than it holds"),
    ("bomb.png", samples.png_bomb, "too large for us to clean"),
])
def test_bombs_are_refused_with_a_message_the_uploader_can_act_on(api, token, name, build,
                                                                 words):
    answer = upload(api, token, build(), name)
    assert answer.status_code == 422
    assert words in answer.get_json()["error"]["fields"]["file"]


def test_a_file_kept_as_sent_is_201_with_a_plain_warning(api, token):
    body = upload(api, token, b"Rota for week 9\n", "rota.txt").get_json()
    assert body["removed"] == "nothing"
    assert "may still hold details about who made it" in body["kept"]
