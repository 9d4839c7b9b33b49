"""PDFs made on the server (the case file, the annual reports) with WeasyPrint, from an HTML
template and a stylesheet of our own. Nothing is fetched from anywhere but this package's
static folder: the fetcher refuses every other address, so a page can never make the server
reach out (no third-party fonts, images or styles; the fonts are the machine's own)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import render_template

from casework.i18n import _

STATIC = (Path(__file__).resolve().parents[1] / "static").resolve()


class Refused(ValueError):
    """An address the PDF builder will not fetch."""


def local_file(url: str) -> Path:
    """The static file an address names; Refused for any other address (another scheme, a
    host, a path outside the static folder)."""
    parsed = urlparse(url)
    path = Path(unquote(parsed.path)).resolve() if parsed.scheme == "file" else None
    if path is None or parsed.netloc or STATIC not in path.parents or not path.is_file():
        raise Refused(_("the PDF builder fetches nothing but its own static files: %(url)s",
                        url=repr(url)))
    return path


def _fetcher():
    """WeasyPrint's fetcher, limited to `local_file` (made on use: WeasyPrint loads late)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = local_file(url)
            return URLFetcherResponse(url, path.read_bytes(),
                                      {"Content-Type": MIME.get(path.suffix,
                                                                "application/octet-stream")})

    return LocalOnly(fail_on_errors=False)


MIME = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


def pdf_from_html(html: str) -> bytes:
    """An HTML document as PDF bytes; relative addresses resolve in the static folder."""
    from weasyprint import HTML  # imported on use: pages that make no PDF never load it

    return HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=_fetcher()).write_pdf()


def render_pdf(template: str, **values) -> bytes:
    """A template rendered and made into a PDF (its stylesheets linked relatively)."""
    return pdf_from_html(render_template(template, **values))
