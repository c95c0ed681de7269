"""The exercises stay exercises: no book page's source holds the code a learner has to write.

The code of every blank is in ``solutions/<name>/answer-<k>.py`` (tools/exercises.py writes it
from the master). A book page may show it in one way only: the exercise page's collapsed
dropdown includes the file (``{literalinclude} /solutions/<name>/answer-<k>.py``), so that the
page's source, read on GitHub or opened in JupyterLab, shows the blank and not the answer. This
module fails when the lines a learner writes for a blank appear in the source of any book page
(chapter pages, their .ipynb twins, the exercise pages), and when an exercise page stops
including one of its solutions. The checker is first shown to catch a pasted solution.
"""
from __future__ import annotations

import json
import re

import pytest

from site_helpers import ROOT

BOOK = ROOT / "book"
INCLUDE = re.compile(r"^```\{literalinclude\}\s+/solutions/([^/\s]+)/(answer-\d+)\.py\s*$", re.M)
# Lines too common to tell an answer apart (control flow, short assignments such as `h = h0`).
COMMON = re.compile(r"^(for |while |if |elif |else:|try:|except\b|with )")
ARITHMETIC = re.compile(r" [-+*/@] |\*\*")


def normalize(line: str) -> str:
    """A code line without its trailing comment and with runs of spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"\s+#.*$", "", line).strip())


def telling(line: str) -> bool:
    """Whether a line of an answer is specific enough to count as giving it away."""
    return len(line) >= 10 and not line.startswith("#") and not COMMON.match(line)


def answers() -> list[tuple[str, list[str]]]:
    """(``name answer-k``, the lines the learner writes) for every blank of every exercise."""
    found = []
    for notebook in sorted((ROOT / "exercises").glob("*.ipynb")):
        name = notebook.stem
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        blanks = [c for c in cells if "otter_answer_cell" in c["metadata"].get("tags", [])]
        for k, cell in enumerate(blanks, start=1):
            solution = ROOT / "solutions" / name / f"answer-{k}.py"
            given = {normalize(line) for line in "".join(cell["source"]).splitlines()}
            written = [normalize(line) for line in solution.read_text(encoding="utf-8").splitlines()]
            written = [line for line in written if telling(line) and line not in given]
            found.append((f"{name} answer-{k}", written))
    return found


def source_lines(path) -> set[str]:
    """Every line of a page's source: the .md as written, an .ipynb's cell sources."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
    return {normalize(line) for line in text.splitlines()}


def expression(line: str) -> str | None:
    """The right-hand side of an assignment when it computes something (has an operator)."""
    _, equals, rhs = line.partition(" = ")
    rhs = rhs if equals else line
    return rhs if len(rhs) >= 10 and ARITHMETIC.search(rhs) else None


def leaks(lines: set[str], written: list[str]) -> list[str]:
    """The answer's lines found in a page, as lines or as expressions inside its lines.

    A leak when two or more distinct ones are found (all of them for a one-line answer): a
    page that computes ``da @ W_x.T`` inside a dict gives the answer away as surely as one that
    writes ``dx = da @ W_x.T``.
    """
    text = "\n".join(lines)
    # Counted by expression: `b_x = np.zeros(3 * H)` and `b_h = np.zeros(3 * H)` are one.
    distinct = {expression(line) or line for line in written}
    found = {expression(line) or line for line in written
             if line in lines or ((rhs := expression(line)) is not None and rhs in text)}
    return sorted(found) if found and len(found) >= min(2, len(distinct)) else []


def book_pages() -> list:
    return sorted(p for p in BOOK.rglob("*") if p.suffix in (".md", ".ipynb"))


def test_every_blank_has_a_solution_file():
    names = {n.stem for n in (ROOT / "exercises").glob("*.ipynb")}
    assert names, "no exercise notebooks"
    found = answers()
    assert {label.split()[0] for label, _ in found} == names
    assert all(written for _, written in found), [label for label, w in found if not w]


def test_the_checker_catches_a_pasted_solution():
    label, written = max(answers(), key=lambda a: len(a[1]))
    page = "\n".join(["```python", *written, "```"])          # the solution, pasted in a page
    assert leaks({normalize(line) for line in page.splitlines()}, written), label
    name, answer = label.split()
    included = f"```{{literalinclude}} /solutions/{name}/{answer}.py\n:language: python\n```"
    assert not leaks({normalize(line) for line in included.splitlines()}, written)
    # The same expressions inside other code (a dict of the page's own results) are caught too.
    step = [line for label, w in answers() if label == "ex01-rnn answer-2" for line in w]
    regrouped = "page = {" + ", ".join(repr(expression(line)) for line in step) + "}"
    assert leaks({regrouped.replace("'", "")}, step)


@pytest.mark.parametrize("page", book_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_page_source_holds_an_answer(page):
    lines = source_lines(page)
    leaked = {label: found for label, written in answers() if (found := leaks(lines, written))}
    assert not leaked, (f"{page.relative_to(ROOT)} shows the code of an exercise's blank; derive "
                        f"in maths and check against the library instead: {leaked}")


def test_exercise_pages_include_each_solution_from_its_file():
    for label, _ in answers():
        name, answer = label.split()
        page = (BOOK / "exercises" / f"{name}.md").read_text(encoding="utf-8")
        assert (name, answer) in set(INCLUDE.findall(page)), f"{name}.md does not include {answer}"


def test_twins_fold_every_solution():
    """The .ipynb twins (what Binder and Colab open) show each solution collapsed."""
    twins = sorted(BOOK.rglob("*.ipynb"))
    assert twins
    for twin in twins:
        text = "\n".join("".join(c["source"]) for c in json.loads(twin.read_text("utf-8"))["cells"]
                         if c["cell_type"] == "markdown")
        assert "{admonition} Solution" not in text, f"{twin.relative_to(ROOT)}: solution left open"
        opened = re.findall(r"<details open>\s*<summary>Solution", text)
        assert not opened, f"{twin.relative_to(ROOT)}: a solution is not collapsed"


def test_an_indented_solution_is_folded_in_the_twin():
    """A solution under a numbered question (indented) becomes collapsed <details> there too."""
    from site_helpers import _load_tool

    plain = _load_tool("plain_markdown")
    page = "1. A question?\n\n   ```{admonition} Solution\n   :class: dropdown\n   The answer.\n   ```\n"
    converted = plain.ADMONITION.sub(plain.details, page)
    assert "{admonition}" not in converted
    assert "   <details>\n   <summary>Solution</summary>\n\n   The answer.\n\n   </details>" in converted
