"""Print the whole book to one PDF with the Chromium the browser tests use (`make pdf`).

`make pdf` first builds the book as one HTML page (``jupyter-book build --builder singlehtml``,
reusing the executed pages of the cache), then this script serves that folder on 127.0.0.1,
opens it in headless Chromium with every off-site request refused (the site is self-contained),
waits until MathJax has typeset every formula, and prints it (A4, print stylesheet, so the
navigation is left out). No download: Chromium comes from the system (/usr/bin/chromium).

Usage::

    python tools/pdf.py [SINGLEHTML_DIR] [OUT_PDF]   # default _build/singlehtml -> _build/pdf/book.pdf
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Typesetting a few hundred formulas on a slow machine takes a while; more means it is stuck.
MATHJAX_TIMEOUT_MS = 180_000


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        """No log line per request."""


def root_page(site: Path) -> Path:
    """The single page holding the whole book: the table of contents' root document (index.html
    is only a redirect to it)."""
    import yaml

    root = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]
    return site / f"{root}.html"


def print_pdf(site: Path, out: Path) -> int:
    """Print the single-page book in ``site`` to ``out``; returns the PDF's size in bytes."""
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not executable:
        raise SystemExit("Chromium is not installed (/usr/bin/chromium): "
                         "sudo apt-get install chromium")
    page_file = root_page(site)
    if not page_file.exists():
        raise SystemExit(f"{page_file} is missing: run `make pdf` (it builds it first)")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                                 args=ARGS)
            page = browser.new_page()
            # Sphinx's singlehtml writes the root document (book/intro.html) with links relative
            # to the output folder (_static/, _images/), so it is served from the top: /book.html.
            body = page_file.read_bytes()

            def handle(route):
                url = route.request.url
                if url == f"{base}/book.html":
                    route.fulfill(status=200, body=body, content_type="text/html; charset=utf-8")
                elif url.startswith(base + "/"):
                    route.continue_()
                else:
                    route.abort()  # the site is self-contained: nothing off 127.0.0.1

            page.route("**/*", handle)
            page.goto(f"{base}/book.html", wait_until="load", timeout=120_000)
            if page.locator(".math").count():
                page.wait_for_function("() => window.MathJax && MathJax.startup"
                                       " && MathJax.startup.promise", timeout=MATHJAX_TIMEOUT_MS)
                page.evaluate("() => MathJax.startup.promise")
            page.emulate_media(media="print")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(out), format="A4", print_background=True,
                     margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return out.stat().st_size


def main(argv: list[str]) -> int:
    site = Path(argv[0]) if argv else ROOT / "_build" / "singlehtml"
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "_build" / "pdf" / "book.pdf"
    size = print_pdf(site, out)
    print(f"wrote {out} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
