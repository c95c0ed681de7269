"""The book's pages as source files: present, paired, runnable in Colab, linked to the reference pages.

Fast checks that need no build: every page of _toc.yml exists; every notebook page starts its
code with the Colab install cell, has an up-to-date .ipynb twin (tools/pair_notebooks.py) and
a standard kernel; every chapter page links the notation page and the glossary; no page
redefines a function or class of the library (pages import rnnlab, they do not paste it);
binder/requirements.txt pins the same versions as requirements/book.txt. Each checker is first
shown to reject a bad page.
"""
import ast
import functools
import re

import jupytext
import pytest

from site_helpers import NOTEBOOK_PAGES, ROOT, TOC_PAGES, course, pair_notebooks, pins

# Written from _config.yml's repository.url (tools/course.py; tools/pair_notebooks.py keeps the
# pages' copies current).
COLAB_CELL = course.colab_cell(course.course(ROOT))

# Chapter pages must point readers at the notation page and the glossary.
CHAPTER_PAGE = re.compile(r"^book/0[1-7]-[^/]+/")
REFERENCE_PAGES = ("notation", "glossary")


def link_to(target: str) -> re.Pattern:
    """A {doc}/{ref} role or a Markdown link whose target mentions ``target``."""
    return re.compile(rf"\{{(?:doc|ref)\}}`[^`]*{target}[^`]*`|\]\([^)]*{target}[^)]*\)")


@functools.cache
def library_names() -> frozenset[str]:
    """Public top-level function and class names defined anywhere in lib/rnnlab."""
    names = set()
    for path in (ROOT / "lib" / "rnnlab").rglob("*.py"):
        if "exercise_checks" in path.parts:  # otter test files (package data), not library code
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names.update(node.name for node in tree.body
                     if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                     and not node.name.startswith("_"))
    return frozenset(names)


def code_cells(md_text: str) -> list:
    """The code cells of a MyST notebook page, in order."""
    return [c for c in jupytext.reads(md_text, fmt="md:myst").cells if c.cell_type == "code"]


def colab_cell_problem(md_text: str) -> str | None:
    """Why the page's first code cell is not the Colab install cell (None when it is)."""
    cells = code_cells(md_text)
    if not cells:
        return None  # nothing to run, so nothing to install
    first = cells[0]
    if first.source.strip() != COLAB_CELL:
        return f"the first code cell is not the Colab cell; it starts {first.source[:60]!r}"
    if "remove-cell" not in first.metadata.get("tags", []):
        return "the Colab cell lacks the remove-cell tag"
    return None


def missing_reference_links(md_text: str) -> list[str]:
    """Which of the notation page and glossary the page does not link to."""
    return [name for name in REFERENCE_PAGES if not link_to(name).search(md_text)]


def pasted_definitions(md_text: str, names: set[str]) -> list[str]:
    """Library names that a code cell of the page defines (def/class) instead of importing."""
    found = []
    for cell in code_cells(md_text):
        # IPython magics and shell escapes are not Python: drop them before parsing.
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # a cell tagged raises-exception may be deliberately invalid
        found.extend(node.name for node in ast.walk(tree)
                     if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names)
    return found


def page_text(docname: str) -> str:
    """The Markdown source of a page of the table of contents."""
    return (ROOT / f"{docname}.md").read_text(encoding="utf-8")


GOOD_PAGE = f"""---
jupytext:
  formats: ipynb,md:myst
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A page

See {{doc}}`/book/00-start/notation` and the [glossary](../00-start/glossary.md).

```{{code-cell}} ipython3
:tags: [remove-cell]

{COLAB_CELL}
```

```{{code-cell}} ipython3
from rnnlab.functional import rnn_step_forward
```
"""


def test_checkers_accept_a_good_page():
    assert colab_cell_problem(GOOD_PAGE) is None
    assert missing_reference_links(GOOD_PAGE) == []
    assert pasted_definitions(GOOD_PAGE, {"rnn_step_forward"}) == []


def test_checkers_reject_bad_pages():
    no_tag = GOOD_PAGE.replace(":tags: [remove-cell]\n", "")
    assert "remove-cell" in colab_cell_problem(no_tag)
    other_first = GOOD_PAGE.replace("```{code-cell} ipython3\n:tags",
                                    "```{code-cell} ipython3\nimport numpy\n```\n\n```{code-cell} ipython3\n:tags", 1)
    assert "not the Colab cell" in colab_cell_problem(other_first)
    no_links = GOOD_PAGE.replace("/book/00-start/notation", "/book/intro").replace("glossary", "intro")
    assert missing_reference_links(no_links) == ["notation", "glossary"]
    pasted = GOOD_PAGE + "\n```{code-cell} ipython3\ndef rnn_step_forward(x):\n    return x\n```\n"
    assert pasted_definitions(pasted, {"rnn_step_forward"}) == ["rnn_step_forward"]


@pytest.mark.parametrize("docname", TOC_PAGES)
def test_toc_page_exists(docname):
    assert (ROOT / f"{docname}.md").is_file(), f"{docname}.md is listed in _toc.yml but missing"


@pytest.mark.parametrize("docname", [p for p in TOC_PAGES if CHAPTER_PAGE.match(p)])
def test_chapter_page_is_a_notebook_linking_notation_and_glossary(docname):
    assert docname in NOTEBOOK_PAGES, f"{docname}.md has no jupytext header (see PAGE_TEMPLATE)"
    missing = missing_reference_links(page_text(docname))
    assert not missing, f"{docname}.md does not link to: {', '.join(missing)}"


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_notebook_page_starts_with_the_colab_cell(docname):
    problem = colab_cell_problem(page_text(docname))
    assert problem is None, f"{docname}.md: {problem}"


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_notebook_page_uses_the_standard_kernel(docname):
    kernel = pair_notebooks.front_matter(ROOT / f"{docname}.md").get("kernelspec", {})
    assert kernel.get("name") == "python3", f"{docname}.md: kernelspec {kernel}, expected python3"


def test_ipynb_twins_are_in_sync():
    stale = [md.relative_to(ROOT).as_posix() for md in pair_notebooks.out_of_sync(ROOT)]
    assert not stale, (f"the .ipynb twin of {stale} is missing or out of date: "
                       "run `python tools/pair_notebooks.py` (make book does)")


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_page_imports_the_library_instead_of_pasting_it(docname):
    pasted = pasted_definitions(page_text(docname), library_names())
    assert not pasted, f"{docname}.md defines library names {pasted}: import them from rnnlab"


def test_binder_pins_match_the_book_pins():
    binder = pins(ROOT / "binder" / "requirements.txt")
    # The book's pins and the lab's (the exercises' grader is pinned there).
    book = pins(ROOT / "requirements" / "book.txt") | pins(ROOT / "requirements" / "lab.txt")
    differ = {name: (version, book[name]) for name, version in binder.items()
              if name in book and book[name] != version}
    assert binder, "binder/requirements.txt pins nothing"
    assert not differ, f"binder/requirements.txt and requirements/ differ: {differ}"
