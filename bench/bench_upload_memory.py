"""Peak memory of one evidence upload, through the app, for bombs and for ordinary big files.

Builds the files first: a .docx zip bomb (~600 KB that unpacks to 600 MB), a PNG of 144
megapixels (~140 KB), a 15 MB JPEG photo of 24 megapixels, a 12-megapixel phone photo with GPS
EXIF, a 16-megapixel photo (the largest kept at full size), a 20 MB PDF of 24 scanned pages,
and a 20 MB video (kept as sent: the most a file that is not cleaned costs).
Each upload then runs in a fresh process: a scratch database, the app, a lodged report and a
signed-in reporter; one small upload of the same kind warms the process up; then the process's
resident memory is read (VmRSS), its peak is reset (`5 > /proc/self/clear_refs`), the file is
uploaded through the Flask test client (streamed from disk, as a server's parser spools it),
and the new peak (VmHWM) is read. The figure is peak minus idle: what that one upload cost the
process, client and server together.

    .venv/bin/python bench/bench_upload_memory.py [--routes api,form,my-report] [--only NAME]
    CASEWORK_BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/...

With the variable set each upload gets a scratch PostgreSQL database beside it (dropped
afterwards); otherwise a temporary SQLite file.

--json prints one JSON object per upload instead of the table (tests/evidence uses it).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from tests import evidence_samples as samples  # noqa: E402

MB = 1024 * 1024
SMALL = {".docx": samples.docx, ".png": lambda: _png(64), ".jpg": samples.jpeg,
         ".pdf": samples.pdf, ".mp4": lambda: b"\0\0\0\x18ftypmp42" + bytes(100)}


def _png(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def photo(width: int, height: int, quality: int, seed: int = 0) -> bytes:
    """A photo-like JPEG (gradients and sensor-like noise) with GPS EXIF."""
    noise = [Image.effect_noise((width, height), 48 + 8 * band + seed) for band in range(3)]
    grain = Image.merge("RGB", noise)
    ramp = Image.linear_gradient("L").resize((width, height))
    scene = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM), ramp))
    out = io.BytesIO()
    Image.blend(scene, grain, 0.5).save(out, format="JPEG", quality=quality,
                                        exif=samples.exif())
    return out.getvalue()


def scanned_pdf(pages: int = 24) -> bytes:
    """A PDF of `pages` scanned pages, each a different ~500 KB JPEG."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter()
    for n in range(pages):
        page = writer.add_blank_page(595, 842)
        scan = DecodedStreamObject()
        scan._data = photo(1240, 1754, 80, seed=n % 7)
        scan.update({NameObject("/Type"): NameObject("/XObject"),
                     NameObject("/Subtype"): NameObject("/Image"),
                     NameObject("/Width"): NumberObject(1240),
                     NameObject("/Height"): NumberObject(1754),
                     NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                     NameObject("/BitsPerComponent"): NumberObject(8),
                     NameObject("/Filter"): NameObject("/DCTDecode")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"):
            DictionaryObject({NameObject("/Scan"): writer._add_object(scan)})})
        content = DecodedStreamObject()
        content.set_data(b"q 595 0 0 842 0 0 cm /Scan Do Q")
        page[NameObject("/Contents")] = writer._add_object(content)
    writer.add_metadata({"/Author": samples.NAME})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


FILES = {
    "docx zip bomb": ("bomb.docx", samples.docx_bomb),
    "144-megapixel PNG": ("bomb.png", samples.png_bomb),
    "15 MB JPEG (24 MP)": ("camera.jpg", lambda: photo(6000, 4000, 91)),
    "12 MP phone photo": ("phone.jpg", lambda: photo(4032, 3024, 85)),
    "16 MP photo (full size)": ("large.jpg", lambda: photo(4900, 3260, 92)),
    "20 MB PDF (24 scans)": ("scans.pdf", scanned_pdf),
    "20 MB video (as sent)": ("clip.mp4", lambda: b"\0\0\0\x18ftypmp42" + os.urandom(20 * MB - 12)),
}


# -- the child: one upload in a fresh process --------------------------------------------------

def _status(field: str) -> int:
    """A /proc/self/status figure in bytes (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak() -> str:
    """Reset the peak to the current size; say which measure is used."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return "VmHWM"
    except OSError:
        return "ru_maxrss"


def _peak(method: str) -> int:
    if method == "VmHWM":
        return _status("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Uploader:
    """An app on a scratch database, a lodged report and a signed-in reporter."""

    def __init__(self, tmp: Path, url: str) -> None:
        from casework import create_app
        from casework.config import Settings
        from casework.crypto import configure_receipt_hashing
        from casework.db import make_engine
        from casework.migrate import upgrade
        from casework.runtime import build_runtime
        from casework.services.context import Context
        from casework.services.reports import NewReport, lodge_report

        configure_receipt_hashing(1, 8)  # a sign-in must not set the peak before the upload
        engine = make_engine(url)
        upgrade(engine)
        settings = Settings.from_env({}, instance_dir=tmp, database_url=url,
                                     key_file=tmp / "casework.key", secret_key="bench",
                                     testing=True)
        runtime = build_runtime(settings, engine=engine)
        self.app = create_app(settings, runtime=runtime)
        self.app.config["WTF_CSRF_ENABLED"] = False
        self.client = self.app.test_client()
        with runtime.transaction() as session:
            self.lodged = lodge_report(Context(session, runtime), NewReport(
                route="disclosure", category="health_and_safety", summary="Loose scaffolding",
                details="The scaffolding at the depot is loose.", anonymous=True))
        answer = self.client.post("/api/v1/reporter/session", json={
            "reference": self.lodged.reference, "receipt": self.lodged.receipt})
        self.token = answer.get_json()["token"]
        self.client.post("/return", data={"reference": self.lodged.reference,
                                          "receipt": self.lodged.receipt})

    def upload(self, route: str, name: str, stream) -> tuple[int, str]:
        """Send one file by the route; the status and the answer's first words."""
        if route == "api":
            answer = self.client.post("/api/v1/reporter/attachments", data={
                "file": (stream, name)}, headers={"Authorization": f"Bearer {self.token}"})
        elif route == "form":
            answer = self.client.post("/report", data={
                "route": "disclosure", "category": "health_and_safety", "anonymous": "yes",
                "summary": "Loose scaffolding", "details": "It is loose.",
                "evidence": [(stream, name)]})
        else:
            answer = self.client.post("/my-report/evidence", data={"evidence": [(stream, name)]})
        text = " ".join(re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)).split())
        refused = text.find("was not stored")
        return answer.status_code, text[max(refused - 40, 0):][:200]


def child(route: str, path: Path) -> dict:
    """Upload one file and measure it (runs in its own process)."""
    from bench_lodge import scratch

    with (tempfile.TemporaryDirectory() as tmp,
          scratch(os.environ.get("CASEWORK_BENCH_DATABASE_URL"), Path(tmp)) as url):
        uploader = Uploader(Path(tmp), url)
        uploader.upload(route, "warm" + path.suffix, io.BytesIO(SMALL[path.suffix]()))
        gc.collect()
        idle, method = _status("VmRSS"), _reset_peak()
        started = time.perf_counter()
        with path.open("rb") as stream:
            status, words = uploader.upload(route, path.name, stream)
        seconds = time.perf_counter() - started
        peak = _peak(method)
        uploader.app.extensions["casework"].engine.dispose()
    return {"status": status, "idle_mb": idle / MB, "peak_mb": peak / MB,
            "delta_mb": (peak - idle) / MB, "seconds": seconds, "method": method,
            "answer": words}


def measure(route: str, path: Path) -> dict:
    """Run the child for one upload and return what it measured."""
    done = subprocess.run([sys.executable, __file__, "--child", route, str(path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    if done.returncode:
        raise RuntimeError(f"child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", default="api,form")
    parser.add_argument("--only", action="append", help="a name from FILES (repeatable)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("ROUTE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for label, (name, build) in FILES.items():
            if args.only and label not in args.only:
                continue
            path = Path(tmp) / name
            path.write_bytes(build())
            for route in args.routes.split(","):
                result = {"file": label, "bytes": path.stat().st_size, "route": route,
                          **measure(route, path)}
                print(json.dumps(result) if args.json else (
                    f"{label:22} {result['bytes'] / 1000:>9,.0f} KB  {route:9} "
                    f"{result['status']}  +{result['delta_mb']:6.1f} MB "
                    f"(idle {result['idle_mb']:.0f} MB)  {result['seconds']:5.1f} s  "
                    f"{result['answer'][:70]}"), flush=True)
            path.unlink()
    print(f"machine: {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
          f"python {sys.version.split()[0]}", file=sys.stderr if args.json else sys.stdout)


if __name__ == "__main__":
    main()
