"""The whole book as one PDF (`make pdf`, which `make test` runs before pytest).

tools/pdf.py prints the single-page build (_build/singlehtml) with the system Chromium after
MathJax has typeset every formula. The PDF must be the whole book: every page of the table of
contents is a destination in it (Chromium keeps the anchors of the single page), and it is long
enough (288 A4 pages when measured; the test asks for 100, a wide margin for font differences).
Skipped without a PDF (failed under CI=true, where `make test` builds it).
"""
import re

import pytest

from site_helpers import ROOT, TOC_PAGES, skip_or_fail

PDF = ROOT / "_build" / "pdf" / "book.pdf"
MIN_PAGES = 100


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    if not PDF.exists():
        skip_or_fail(f"{PDF.relative_to(ROOT)} is not built: run `make pdf`")
    return PDF.read_bytes()


def page_count(data: bytes) -> int:
    """Pages of a PDF: the largest /Count of its page tree (the root's)."""
    counts = [int(n) for n in re.findall(rb"/Type /Pages\s*/Count (\d+)", data)]
    return max(counts, default=0)


def test_the_pdf_is_the_whole_book(pdf_bytes):
    assert pdf_bytes.startswith(b"%PDF-"), "not a PDF"
    assert b"/Title (Recurrent Networks from Scratch)" in pdf_bytes
    pages = page_count(pdf_bytes)
    assert pages >= MIN_PAGES, f"the PDF has {pages} pages, expected at least {MIN_PAGES}"
    # Each document of the single page is an anchor "document-<docname>" ("/" written #2F).
    missing = [d for d in TOC_PAGES[1:]
               if b"/document-" + d.replace("/", "#2F").encode() not in pdf_bytes]
    assert not missing, f"pages missing from the PDF: {missing}"


def test_the_pdf_is_newer_than_the_single_page_build(pdf_bytes):
    single = ROOT / "_build" / "singlehtml" / f"{TOC_PAGES[0]}.html"
    assert single.exists() and PDF.stat().st_mtime >= single.stat().st_mtime, \
        "the PDF is older than the book it prints: run `make pdf`"
