"""accept_evidence: the one evidence service. It cleans, refuses, limits and seals, for the
reporter and for staff handling the case, and says what it removed."""

from __future__ import annotations

import io

import pytest

from casework.models import Attachment, AuditEvent
from casework.services import evidence
from casework.services.access import Reporter
from casework.services.errors import DomainError, Invalid, TooLarge
from casework.services.evidence import accept_evidence
from tests import evidence_samples as samples

FILES = {"photo.jpg": samples.jpeg, "scan.pdf": samples.pdf, "letter.docx": samples.docx,
         "letter.odt": samples.odt}
TYPES = {"photo.jpg": "image/jpeg", "scan.pdf": "application/pdf",
         "letter.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml."
                        "document", "letter.odt": "application/vnd.oasis.opendocument.text"}


def count(ctx, case_id: int) -> int:
    return ctx.session.query(Attachment).filter_by(case_id=case_id).count()


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_reporter_s_file_is_sealed_clean(ctx, make, name):
    case = make.case()
    stored = accept_evidence(ctx, Reporter(case.id), None, name, FILES[name]())
    [(meta, data)] = samples.stored(ctx, case.id)
    assert samples.traces(data) == []
    assert (meta["filename"], meta["content_type"]) == (name, TYPES[name])
    assert (stored.size, stored.sha256) == (len(data), meta["sha256"])
    assert stored.removed != "nothing" and stored.kept is None


def test_a_stream_is_read_from_where_the_upload_was_spooled(ctx, make):
    case = make.case()
    stored = accept_evidence(ctx, Reporter(case.id), None, "photo.jpg", io.BytesIO(
        samples.jpeg()))
    assert "location" in stored.removed
    assert samples.traces(samples.stored(ctx, case.id)[0][1]) == []


def test_staff_handling_the_case_add_evidence_through_the_same_cleaning(ctx, make):
    case = make.case()
    handler = make.staff(roles=("intake",), queues=(case.queue,))
    accept_evidence(ctx, handler, case.reference, "letter.docx", samples.docx())
    row = ctx.session.query(Attachment).filter_by(case_id=case.id).one()
    assert (row.uploaded_by, row.author_id) == ("staff", handler.user_id)
    assert samples.traces(samples.stored(ctx, case.id)[0][1]) == []


def test_staff_who_do_not_handle_the_case_cannot_add_evidence(ctx, make):
    case = make.case()
    assert case.queue != "hr"
    outsider = make.staff(roles=("intake",), queues=("hr",))
    with pytest.raises(DomainError) as refused:
        accept_evidence(ctx, outsider, case.reference, "notes.txt", b"rota")
    assert refused.value.status in (403, 404)
    assert count(ctx, case.id) == 0


@pytest.mark.parametrize("name, data", [
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("photo.jpg", b"<html>not a photo</html>"),
    ("bomb.png", samples.png_bomb()),
    ("bomb.docx", samples.docx_bomb(50 * 1024 * 1024)),
])
def test_a_refused_file_is_a_422_on_the_file_field_and_nothing_is_stored(ctx, make, name,
                                                                         data):
    case = make.case()
    with pytest.raises(Invalid) as refused:
        accept_evidence(ctx, Reporter(case.id), None, name, data)
    assert set(refused.value.fields) == {"file"}
    assert refused.value.message.startswith(f"{name} was not stored.")
    assert count(ctx, case.id) == 0


def test_a_file_over_the_limit_is_413_before_it_is_read(ctx, make, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_ATTACHMENT", 1000)
    case = make.case()
    accept_evidence(ctx, Reporter(case.id), None, "notes.txt", b"x" * 1000)

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("read before the size was checked")

    with pytest.raises(TooLarge) as refused:
        accept_evidence(ctx, Reporter(case.id), None, "notes.txt", Unreadable(b"x" * 1001))
    assert refused.value.status == 413 and "file" in refused.value.fields


@pytest.mark.parametrize("name, data, field", [("notes.txt", b"", "empty"),
                                               ("  ", b"rota", "a name")])
def test_an_empty_file_or_a_missing_name_is_refused(ctx, make, name, data, field):
    case = make.case()
    with pytest.raises(Invalid) as refused:
        accept_evidence(ctx, Reporter(case.id), None, name, data)
    assert field in refused.value.fields["file"]


def test_a_file_kept_as_sent_says_so_and_the_add_is_audited(ctx, make):
    case = make.case()
    stored = accept_evidence(ctx, Reporter(case.id), None, "call.mp3", b"ID3\x04" + bytes(99))
    assert stored.removed == "nothing" and "may still hold details" in stored.kept
    assert samples.stored(ctx, case.id)[0][1] == b"ID3\x04" + bytes(99)
    kinds = [e.kind for e in ctx.session.query(AuditEvent).filter_by(case_id=case.id)]
    assert "case:attachment:add" in kinds
