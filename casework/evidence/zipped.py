"""Zip containers read under caps and written anew: bytes are counted as they come out of
each member, because a zip's declared sizes can lie."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

from casework.evidence.limits import (
    CHUNK,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_UNZIPPED,
    RATIO_FLOOR,
    Refused,
)
from casework.i18n import _, _l

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the zip's own dates say when a file was last saved
BOMB = _l("This file unpacks to far more than it holds, so we could not check it safely. If "
          "it is a real document, please save it again or send it as a PDF.")


def members(source: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members, refused if there are too many or two share a name."""
    infos = source.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Refused(_("This file holds more than %(count)s parts; we could not check it "
                        "safely. Please send it as a PDF.", count=MAX_MEMBERS))
    if len({info.filename for info in infos}) != len(infos):
        raise Refused(_("This file's contents are ambiguous (two parts share a name)."))
    if sum(i.file_size for i in infos) > MAX_UNZIPPED or any(
            i.file_size > _allowed(i) for i in infos):  # what it admits to; Reader counts
        raise Refused(BOMB)
    return [info for info in infos if not info.is_dir()]


def _allowed(info: zipfile.ZipInfo) -> int:
    """How many bytes one member may unpack to."""
    return max(info.compress_size * MAX_RATIO, RATIO_FLOOR)


class Reader:
    """Reads members in chunks, counting what comes out against the caps."""

    def __init__(self, source: zipfile.ZipFile) -> None:
        self.source, self.total = source, 0

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """A member's bytes, a chunk at a time; Refused past the total or ratio cap."""
        allowed, seen = _allowed(info), 0
        with self.source.open(info) as member:
            while chunk := member.read(CHUNK):
                seen += len(chunk)
                self.total += len(chunk)
                if seen > allowed or self.total > MAX_UNZIPPED:
                    raise Refused(BOMB)
                yield chunk

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """A whole member (for the few parts that are rewritten whole)."""
        return b"".join(self.chunks(info))


def write(target: zipfile.ZipFile, info: zipfile.ZipInfo, chunks: Iterable[bytes]) -> None:
    """Write a member under its name with a fixed date and no extra fields or comment."""
    fresh = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
    fresh.compress_type = (zipfile.ZIP_STORED if info.compress_type == zipfile.ZIP_STORED
                           else zipfile.ZIP_DEFLATED)
    with target.open(fresh, "w") as member:
        for chunk in chunks:
            member.write(chunk)
