"""Helpers of the exercise tests: import a tool script, and grade a notebook in this process.

``grade_in_process`` grades a notebook with the very test files of the autograder zip and
otter's own test-file classes, executing the notebook's cells in this process: milliseconds
instead of the seconds of a kernel. Batch grading through the sandbox (``tools/grade.py``) is
exercised by test_grade_batch.py and test_grade_sandbox.py.
"""
from __future__ import annotations

import importlib.util
import linecache
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_tool(name: str):
    """Import ``tools/<name>.py`` as a module (tools/ is not a package; its scripts import one
    another from their own folder, which Python puts on sys.path when one runs as a script)."""
    if str(ROOT / "tools") not in sys.path:
        sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


@dataclass
class QuestionResult:
    score: float
    possible: float
    message: str


def _cell_sources(nb: dict) -> list[str]:
    """Code cells to execute: the learner's code, without otter's own cells."""
    sources = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or "otter" in source or "grader.check" in source:
            continue
        sources.append(source)
    return sources


def grade_in_process(nb: dict, autograder: Path, tmp: Path,
                     questions: set[str] | None = None) -> dict[str, QuestionResult]:
    """Execute ``nb``'s cells here and grade them with the zip's test files (hidden included).

    ``questions`` limits grading to those questions (default: all).

    A cell that raises is skipped, as in a notebook run top to bottom with errors allowed; the
    checks then report what is missing.
    """
    from IPython.core.inputtransformer2 import TransformerManager
    from otter.test_files import ExceptionTestFile

    env: dict = {"__name__": "__main__"}
    transformer = TransformerManager()
    for i, source in enumerate(_cell_sources(nb)):
        try:
            code = transformer.transform_cell(source)
            # As IPython does: the cell's lines are findable, so a check can quote them.
            linecache.cache[f"<cell {i}>"] = (len(code), None, code.splitlines(True), f"<cell {i}>")
            exec(compile(code, f"<cell {i}>", "exec"), env)
        except Exception:  # noqa: BLE001 - a learner's broken cell must not stop grading
            continue
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(tmp)
    results = {}
    for test_path in sorted((tmp / "tests").glob("*.py")):
        if questions is not None and test_path.stem not in questions:
            continue
        test_file = ExceptionTestFile.from_file(str(test_path))
        test_file.run(env)
        results[test_file.name] = QuestionResult(test_file.score, test_file.possible,
                                                 test_file.summary())
    return results
