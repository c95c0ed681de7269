"""Fixtures for the exercise tests: one build of every exercise per session, and a fast grader.

The build (``tools/exercises.py``: convert each master, ``otter assign``) takes about a minute,
so it runs once per session into a temporary folder and every test reads from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from exercise_helpers import grade_in_process, load_tool
from prerequisites import skip_or_fail


@dataclass
class Build:
    """The generated files (relative path -> text) and the folder holding the autograder zips."""

    files: dict[str, str]
    work: Path

    def autograder(self, name: str) -> Path:
        return self.work / name / f"{name}-autograder.zip"


@pytest.fixture(scope="session")
def exercises_tool():
    return load_tool("exercises")


@pytest.fixture(scope="session")
def build(tmp_path_factory, exercises_tool) -> Build:
    work = tmp_path_factory.mktemp("exercise-build")
    return Build(exercises_tool.build_all(None, work), work)


@pytest.fixture(scope="session")
def exercise_names(exercises_tool) -> list[str]:
    return [m.stem for m in exercises_tool.masters()]


@pytest.fixture
def grade(tmp_path):
    """``grade(nb, autograder_zip[, questions])`` -> question -> QuestionResult, in this process."""
    counter = iter(range(10**6))

    def run(nb: dict, autograder: Path, questions: set[str] | None = None):
        folder = tmp_path / f"grade-{next(counter)}"
        folder.mkdir()
        return grade_in_process(nb, autograder, folder, questions)

    return run


BWRAP_MISSING = (
    "bubblewrap (/usr/bin/bwrap) is not installed, so sandboxed grading cannot run: "
    "`sudo apt-get install bubblewrap` (tools/system-deps.sh installs it when CI=true)."
)


@pytest.fixture
def sandboxed():
    """Skips (or fails under CI=true) when bubblewrap, which batch grading needs, is missing."""
    import shutil

    if shutil.which("bwrap") is None:
        skip_or_fail(BWRAP_MISSING)
