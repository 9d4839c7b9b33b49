"""What cleaning one file may cost, in one place, and the refusal an uploader is shown."""

from __future__ import annotations

MB = 1024 * 1024

# Pictures: sizes come from the header, before any pixel is decoded.
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo fits; a 144-megapixel bomb does not
MAX_DECODED = 64 * MB  # decoded pixels (Pillow keeps 4 bytes a pixel for colour)
MAX_FRAMES = 100  # animated GIF and WebP

# Zip containers (docx, xlsx, pptx, odt): counted in bytes actually read, never as declared.
MAX_MEMBERS = 5_000
MAX_UNZIPPED = 100 * MB  # all members together
MAX_RATIO = 100  # one member's bytes out for each byte in
RATIO_FLOOR = 64 * 1024  # small members may expand this far whatever their ratio
CHUNK = 64 * 1024

# PDFs.
MAX_PAGES = 2_000
MAX_STREAM = 32 * MB  # any one stream pypdf has to decode


class Refused(ValueError):
    """A file Casework will not store; the message says why, in words the uploader can act on."""
