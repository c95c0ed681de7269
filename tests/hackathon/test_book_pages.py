"""The chapter 8 pages find the hackathon kit in the repository, and say so clearly without it."""
from pathlib import Path

import jupytext
import pytest

BOOK = Path(__file__).resolve().parents[2] / "book" / "08-hackathon"


def locating_cell(page: str) -> str:
    """The source of the page's code cell that looks for the repository's hackathon/ folder."""
    notebook = jupytext.read(BOOK / page)
    cells = [c.source for c in notebook.cells if c.cell_type == "code" and "ROOT = next(" in c.source]
    assert len(cells) == 1, f"{page}: expected one code cell that locates the repository"
    return cells[0]


@pytest.mark.parametrize("page", ["index.md", "leaderboard.md"])
def test_page_outside_the_repository_explains_what_it_needs(page, tmp_path, monkeypatch):
    """As in Colab, where only rnnlab is installed: no StopIteration, a message naming the fix."""
    monkeypatch.chdir(tmp_path)  # a folder with no hackathon/ above it
    with pytest.raises(FileNotFoundError, match="course repository's hackathon/ folder.*Binder"):
        exec(compile(locating_cell(page), page, "exec"), {})


@pytest.mark.parametrize("page", ["index.md", "leaderboard.md"])
def test_page_inside_the_repository_finds_the_kit(page, monkeypatch):
    monkeypatch.chdir(BOOK)  # where the book build runs the page
    namespace = {}
    exec(compile(locating_cell(page), page, "exec"), namespace)
    assert (namespace["ROOT"] / "hackathon" / "score.py").is_file()
