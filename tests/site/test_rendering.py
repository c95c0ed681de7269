"""The built pages contain no Markdown that was left unrendered.

A Markdown table printed with ``display(Markdown(...))`` reaches the page as CommonMark, which
has no tables (STACK.md: myst-nb's ``nb_render_markdown_format``), so its pipes show as text; a
role written where MyST does not parse roles (inside raw HTML, in a cell output, with a typo
in its name) shows as literal ``{doc}`...``` text, and so does a ``{glue:text}`` whose key is
missing. Both look fine in the source and wrong to a reader. This module reads the text of
every chapter page in ``_build/html/book/`` (code blocks and inline code excluded: they may show
such syntax on purpose) and fails on a Markdown table row separator (``|---|``) or a role
written out literally. The checker is first shown to catch a bad page and to pass a good one.
"""
import re
from html.parser import HTMLParser

import pytest

from site_helpers import SITE, TOC_PAGES

# A Markdown table's separator row: |---|, | :--- | ---: |, |:---:|... Sphinx's smart quotes turn
# "---" in text into an em dash and "--" into an en dash, so |—|—:| is the same row rendered.
RAW_TABLE = re.compile(r"\|\s*:?(?:-{3,}|[—–]+-*)\s*:?\s*\|")
# A MyST role written out instead of rendered: {doc}`x`, {glue:text}`key:.2f`, {ref}`...`.
RAW_ROLE = re.compile(r"\{[a-z][\w:.-]*\}`")
# A MyST directive fence left as text: ```{admonition} ...
RAW_DIRECTIVE = re.compile(r"```\{[a-z][\w:.-]*\}")

# Elements whose text is code or not shown: syntax there is deliberate.
SKIPPED = {"script", "style", "pre", "code", "kbd", "samp", "textarea", "template"}

# Pages whose raw tables are known and owned elsewhere. Remove the entry when the page is fixed.
# Pages allowed to show a raw Markdown table (none: the leaderboard prints an HTML table, since
# myst-nb renders display(Markdown(...)) as CommonMark, which has no tables).
KNOWN_RAW_TABLES: dict[str, str] = {}

BOOK_PAGES = [doc for doc in TOC_PAGES if doc.startswith("book/")]


class _VisibleText(HTMLParser):
    """Collects the text of an HTML page outside code, scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0      # how many SKIPPED elements we are inside
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text outside <pre>, <code>, <script>, <style> and similar elements."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def unrendered_markdown(html: str, allow_tables: bool = False) -> list[str]:
    """Snippets of Markdown syntax in the page's visible text, each with its kind."""
    text = visible_text(html)
    checks = [("raw role", RAW_ROLE), ("raw directive", RAW_DIRECTIVE)]
    if not allow_tables:
        checks.append(("raw table", RAW_TABLE))
    found = []
    for kind, pattern in checks:
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 40):match.end() + 40].replace("\n", " ")
            found.append(f"{kind}: ...{context}...")
    return found


def test_checker_catches_unrendered_markdown():
    bad = ("<main><p>| a | b |\n|---|---|\n| 1 | 2 |</p>"
           "<p>see {doc}`/book/00-start/notation` and {glue:text}`ratio:.2f`</p>"
           "<p>```{admonition} Solution</p></main>")
    kinds = sorted(f.split(":")[0] for f in unrendered_markdown(bad))
    assert kinds == ["raw directive", "raw role", "raw role", "raw table"]
    assert [f.split(":")[0] for f in unrendered_markdown(bad, allow_tables=True)].count(
        "raw table") == 0
    # The same table after Sphinx's smart quotes (as the built leaderboard page shows it).
    smart = "<div><p>| submission | status |\n|—|—:|:—:|\n| reference | ok |</p></div>"
    assert {f.split(":")[0] for f in unrendered_markdown(smart)} == {"raw table"}


def test_checker_passes_rendered_markdown_and_code():
    good = ("<main><table><tr><td>a</td></tr></table>"
            "<p>see <a href='notation.html'>Notation</a>, ratio <span>0.25</span></p>"
            "<pre>lines = ['|---|---|']  # {doc}`x` in code is fine</pre>"
            "<p>inline <code>{glue:text}`key`</code> and <code>|---|</code> too</p>"
            "<script>var s = '{ref}`x`';</script></main>")
    assert unrendered_markdown(good) == []


@pytest.mark.parametrize("doc", BOOK_PAGES)
def test_page_has_no_unrendered_markdown(built_site, doc):
    page = built_site / f"{doc}.html"
    if not page.exists():
        pytest.fail(f"{doc} is in _toc.yml but {page.relative_to(SITE)} was not built")
    found = unrendered_markdown(page.read_text(encoding="utf-8"),
                                allow_tables=doc in KNOWN_RAW_TABLES)
    assert not found, f"{doc}.html shows Markdown that was not rendered:\n" + "\n".join(found)
