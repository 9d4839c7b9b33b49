"""A JPEG's segments, filtered: what a picture inside a PDF keeps of its original file.

Only what decoding needs is kept (tables, frame and scan headers, the scan data, the Adobe
colour flag); application segments (EXIF, XMP, ICC, maker notes, thumbnails) and comments go,
and so does anything after the end marker.
"""

from __future__ import annotations

KEEP = (set(range(0xC0, 0xD0)) - {0xC8}) | {0xDB, 0xDC, 0xDD}  # SOFn, DHT, DAC, DQT, DNL, DRI
ADOBE = 0xEE
SCAN = 0xDA
END = b"\xff\xd9"


def strip_segments(data: bytes) -> bytes:
    """The JPEG with only the segments decoding needs; ValueError if it is not a JPEG."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out, pos = [b"\xff\xd8"], 2
    while pos + 1 < len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"no marker at {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            out.append(data[pos:pos + 2])
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise ValueError(f"bad segment length at {pos}")
        if marker == SCAN:
            end = _scan_end(data, end)
        if marker in KEEP or marker == SCAN or (
                marker == ADOBE and data[pos + 4:pos + 9] == b"Adobe"):
            out.append(data[pos:end])
        pos = end
    out.append(END)
    return b"".join(out)


def _scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data that starts at pos ends: at the next real marker."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return len(data)
        following = data[pos + 1]
        if following == 0xFF:
            pos += 1
        elif following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        else:
            return pos
