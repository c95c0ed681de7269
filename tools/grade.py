"""Grade a folder of submitted exercise notebooks, each in a sandbox, without Docker.

Usage::

    python tools/grade.py SUBMISSIONS [--out grades.csv] [--jobs 2] [--timeout 300]
                          [--call-timeout 10] [--cell-timeout 60] [--no-sandbox]

``SUBMISSIONS`` holds one notebook per student and exercise, either as
``SUBMISSIONS/<student>/<exercise>.ipynb`` or as ``SUBMISSIONS/<student>_<exercise>.ipynb``
(``<exercise>`` is a name such as ``ex01-rnn``; a notebook whose name does not say it is
recognised by the assignment name otter stores in its metadata).

How a submission is graded (``tools/grading_sandbox.py`` says why it is built this way):

* This process reads the hidden tests from ``_build/exercises/<exercise>-autograder.zip``
  (built by ``python tools/exercises.py autograders`` when missing) and imports
  ``rnnlab.checks`` and otter; it never executes a learner's code.
* The notebook's cells run in a child process inside bubblewrap: no network, read-only system
  and library, a fresh temporary folder holding only the notebook as its one writable place;
  the repository (solutions, instructor folder), the hidden tests and the other submissions
  are not there to read. Each cell and each call has a limit on the CPU time it uses (so a
  loaded machine does not skip a correct cell) and a much larger one on the wall clock.
* The hidden tests run here, on stand-ins for the learner's functions that call them in the
  child with data in and data out, so a patched ``rnnlab.checks``, otter or builtins in the
  notebook judges nothing. Such a patch is also found by reading the cells (never running
  them): every question of that notebook gets 0 and the row is flagged ``tampering``.
* A cell that hangs, calls ``os._exit`` or crashes the child is skipped: the child is restarted,
  the cells before it are replayed, and grading goes on, so it costs only what depends on it.
  A question whose call hangs gets 0 and the next question starts a fresh child.
* An answer that imports or calls the library's own implementation (``rnnlab.functional``,
  ``rnnlab.layers``, ...) is flagged ``delegates``.

Writes ``--out`` (default ``SUBMISSIONS/grades.csv``) with the columns
``student, exercise, question, score, max_score, message, flags`` (hidden tests count;
``message`` is what the failing checks said; ``flags`` holds ``tampering: ...``,
``delegates: ...``, and cells that were skipped), and ``summary.csv`` beside it: the mean
score of every question (a notebook that cannot be run, such as invalid JSON, scores 0 on
each question and counts in the means; one of no known exercise gets a single row, question
``(all)``, listed apart), the total of every student, also printed.
"""
from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# The checks, otter's test-file classes and the sandbox are loaded here, before any
# submission is looked at, and no learner code ever runs in this process.
import rnnlab.checks  # noqa: F401 - imported first on purpose
from otter.test_files import ExceptionTestFile

import grading_sandbox as sandbox  # tools/grading_sandbox.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
AUTOGRADERS = ROOT / "_build" / "exercises"
FIELDS = ["student", "exercise", "question", "score", "max_score", "message", "flags"]
CHECK_CELL = re.compile(r"""^\s*grader\.check(_all)?\(\s*(["'](\w+)["'])?\s*\)\s*$""")
OTTER_INIT = re.compile(r"""^\s*import otter\s*\n\s*grader = otter\.Notebook\([^)]*\)\s*$""")
# The generated notebooks' setup cells (tools/exercises.py): the Colab install cell and otter's
# init cell. They load nothing a check needs (the checks run here), so they are never run:
# importing otter in the child only cost seconds that a loaded machine could push past a limit.
SETUP_CELL = re.compile(r"^\s*# (Colab only|Initialize Otter)\b")
# Library modules that hold reference implementations of what the exercises ask for.
REFERENCE_MODULES = ("functional", "layers", "model", "train", "sampling", "optim", "data",
                     "keras", "gradcheck")
# Modules whose attributes a notebook must not assign: the checks and the grader.
GUARDED = ("rnnlab", "otter", "builtins", "__builtins__", "sys", "importlib")


@dataclass(frozen=True)
class Submission:
    """One notebook to grade: who submitted it, for which exercise, and where it is."""

    student: str
    exercise: str
    path: Path


def known_exercises() -> list[str]:
    """Exercise names, from the masters (longest first, so prefixes cannot shadow names)."""
    names = [p.stem for p in (ROOT / "instructor" / "exercises").glob("*.md")]
    return sorted(names, key=len, reverse=True)


def identify(path: Path, folder: Path, exercises: list[str]) -> Submission:
    """Work out the student and the exercise of one submitted notebook."""
    relative = path.relative_to(folder)
    exercise = next((name for name in exercises if name in path.stem), None)
    if exercise is None:
        try:
            exercise = json.loads(path.read_text(encoding="utf-8"))["metadata"]["otter"][
                "assignment_name"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            exercise = "unknown"
    if len(relative.parts) > 1:
        student = relative.parts[0]
    else:
        student = path.stem.replace(exercise, "").strip("_- ") or path.stem
    return Submission(student, exercise, path)


def load_tests(autograder: Path) -> list[ExceptionTestFile]:
    """The autograder's test files (hidden included), parsed here from the zip, in order."""
    tests = []
    with zipfile.ZipFile(autograder) as archive:
        for name in sorted(archive.namelist()):
            if name.startswith("tests/") and name.endswith(".py"):
                tests.append(ExceptionTestFile.from_string(archive.read(name).decode("utf-8"),
                                                           path=name))
    return sorted(tests, key=lambda t: _question_key(t.name))


def _question_key(name: str):
    digits = re.sub(r"\D", "", name)
    return (int(digits) if digits else 0, name)


# ---- reading a notebook (never running it) -----------------------------------------------

@dataclass
class Cell:
    index: int     # position among the notebook's cells
    source: str
    question: str  # the question whose check cell follows it ("" after the last one)


def code_cells(nb: dict) -> list[Cell]:
    """The code cells to run, each attributed to the question checked next; otter's own
    cells (``import otter``, ``grader.check``) and the Colab install cell are left out."""
    cells, pending = [], []
    for index, cell in enumerate(nb.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        check = CHECK_CELL.match(source)
        if check:
            for c in pending:
                c.question = check.group(3) or ""
            pending = []
            continue
        if OTTER_INIT.match(source) or SETUP_CELL.match(source):
            continue
        pending.append(Cell(index, source, ""))
        cells.append(pending[-1])
    return cells


def _parse(source: str) -> ast.AST | None:
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError, RecursionError):
        return None


def _root(node: ast.AST) -> str | None:
    """The name at the root of ``a.b.c`` / ``a[0].b``, or None."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def scan(cells: list[Cell], starter_lines: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Read the cells: (tampering found, question -> uses of the library's reference).

    Tampering: assigning or deleting an attribute of something imported from rnnlab, otter,
    builtins, sys or importlib (``rnnlab.checks.check_function = ...``,
    ``ExceptionTestFile.run = ...``, ``builtins.print = ...``, ``sys.modules[...] = ...``),
    the same through ``setattr``/``delattr``, or any write to otter's ``grader``. Reading the
    solutions or the hidden tests is reported too (the sandbox makes it fail anyway).
    Delegation: importing or using ``rnnlab.<module>.<name>`` for a reference module, on a line
    that is not in the starter notebook.
    """
    tampering: list[str] = []
    delegates: dict[str, list[str]] = {}
    for cell in cells:
        tree = _parse(cell.source)
        if tree is None:
            continue
        guarded = {"builtins", "__builtins__", "grader", "otter", "rnnlab"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in GUARDED:
                        guarded.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module.split(".")[0] in GUARDED:
                    guarded.update(a.asname or a.name for a in node.names)
        where = f"cell {cell.index}"
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, (ast.Assign, ast.Delete)):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for target in targets:
                for t in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
                    if isinstance(t, (ast.Attribute, ast.Subscript)) and _root(t) in guarded:
                        tampering.append(f"{where} changes {_dotted(t) or _root(t)}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("setattr", "delattr") and node.args
                    and (_root(node.args[0]) in guarded)):
                tampering.append(f"{where} calls {node.func.id} on {_dotted(node.args[0])}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if re.search(r"(^|/)(solutions|instructor)(/|$)|(^|/)tests/q\d", text):
                    tampering.append(f"{where} refers to {text!r} (solutions or hidden tests)")
        lines = cell.source.splitlines()
        for node in ast.walk(tree):
            used = None
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "rnnlab" and (len(parts) > 1 and parts[1] in REFERENCE_MODULES
                                            or len(parts) == 1 and any(
                                                a.name in REFERENCE_MODULES for a in node.names)):
                    used = f"from {node.module} import " + ", ".join(a.name for a in node.names)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == "rnnlab" and len(parts) > 1 and parts[1] in REFERENCE_MODULES:
                        used = f"import {alias.name}"
            elif isinstance(node, ast.Attribute):
                dotted = _dotted(node).split(".")
                if (len(dotted) == 3 and dotted[0] == "rnnlab"
                        and dotted[1] in REFERENCE_MODULES):
                    used = ".".join(dotted)
            if used is None:
                continue
            line = lines[node.lineno - 1].strip() if 0 < node.lineno <= len(lines) else ""
            if line in starter_lines:
                continue
            delegates.setdefault(cell.question or "(all)", []).append(used)
    return list(dict.fromkeys(tampering)), {q: list(dict.fromkeys(u)) for q, u in delegates.items()}


def starter_lines(exercise: str) -> set[str]:
    """The stripped lines of the starter notebook's code cells (imports given to learners)."""
    path = ROOT / "exercises" / f"{exercise}.ipynb"
    if not path.exists():
        return set()
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {line.strip() for cell in nb["cells"] if cell["cell_type"] == "code"
            for line in "".join(cell["source"]).splitlines()}


# ---- running a notebook in the sandbox ---------------------------------------------------

@dataclass
class Limits:
    total: float = 300.0   # seconds for the whole submission
    cell: float = 60.0     # CPU seconds for one cell of the notebook
    call: float = 10.0     # CPU seconds for one call of a learner's function by a check
    # (a cell or call that waits instead of computing is stopped after
    # grading_sandbox.WALL_FACTOR times as many seconds on the wall clock)
    isolate: bool = True   # bubblewrap (False: a plain child process, for machines without it)
    restarts: int = 6      # child restarts allowed per submission


@dataclass
class NotebookRun:
    """The child of one submission; restarts it (replaying the good cells) when it dies."""

    cells: list[Cell]
    work: Path
    limits: Limits
    deadline: float
    skipped: dict[int, str] = field(default_factory=dict)  # cell index -> why
    child: sandbox.Sandbox | None = None
    starts: int = 0

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def ensure(self) -> sandbox.Sandbox:
        """A live child that has run every cell except the skipped ones."""
        while self.child is None or not self.child.alive:
            if self.starts > self.limits.restarts:
                raise sandbox.ChildGone(f"the notebook's process ended {self.starts} times")
            if self.left() <= 0:
                raise sandbox.ChildTimeout()
            self.starts += 1
            self.child = sandbox.Sandbox(self.work, isolate=self.limits.isolate)
            for cell in self.cells:
                if cell.index in self.skipped:
                    continue
                # The cell limit is CPU time (a loaded machine does not use it up); the wall
                # clock only stops a cell that waits, and the submission's own time limit.
                wall = sandbox.WALL_FACTOR * self.limits.cell + sandbox.WALL_SLACK
                try:
                    self.child.run_cell(cell.index, cell.source, self.limits.cell,
                                        wall=max(min(wall, self.left()), 0.1))
                except sandbox.ChildTimeout as stopped:
                    self.skipped[cell.index] = (f"cell {cell.index} did not finish "
                                                f"{stopped.within()} (skipped)")
                    break
                except sandbox.ChildGone:
                    self.skipped[cell.index] = (f"cell {cell.index} ended the notebook's process "
                                                "(os._exit or a crash; skipped)")
                    break
        return self.child

    def close(self) -> None:
        if self.child is not None:
            self.child.close()


def run_question(run: NotebookRun, test: ExceptionTestFile) -> tuple[float, str]:
    """Run one question's test cases here against stand-ins for the learner's functions."""
    params = sorted({p for tc in test.test_cases for p in tc.body._get_func_params()})
    try:
        child = run.ensure()
        child.call_timeout = run.limits.call
        env = child.names(params)
    except sandbox.ChildTimeout:
        return 0.0, "not graded: the submission ran out of time before this question"
    except sandbox.ChildGone as exc:
        return 0.0, f"not graded: {exc}"
    messages, earned = [], 0.0
    for tc in test.test_cases:
        if run.left() <= 0:
            messages.append("not graded: the submission ran out of time")
            break
        try:
            tc.body.call_func(env)
        except Exception as exc:  # noqa: BLE001 - a failed case is a message, not a crash
            text = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
            messages.append(text.strip())
        else:
            earned += tc.points or 0
    if test.all_or_nothing and messages:
        earned = 0.0
    return earned, " | ".join(dict.fromkeys(" ".join(m.split()) for m in messages))


def status_rows(sub: Submission, points: float, message: str) -> list[dict]:
    """One row for a submission of no known exercise (there are no questions to score)."""
    return [{"student": sub.student, "exercise": sub.exercise, "question": "(all)", "score": 0,
             "max_score": points, "message": message, "flags": ""}]


def ungraded_rows(sub: Submission, tests: list[ExceptionTestFile], message: str) -> list[dict]:
    """A notebook that cannot be run scores 0 on every question, so it counts in each
    question's mean like any other zero (one ``(all)`` row instead would leave it out)."""
    return [{"student": sub.student, "exercise": sub.exercise, "question": test.name,
             "score": 0, "max_score": test.possible, "message": f"not graded: {message}",
             "flags": ""} for test in tests]


def grade_one(sub: Submission, limits: Limits) -> list[dict]:
    """Grade one submission; always returns rows, never raises for a bad submission."""
    autograder = AUTOGRADERS / f"{sub.exercise}-autograder.zip"
    if not autograder.exists():
        return status_rows(sub, 0, f"no autograder for exercise {sub.exercise!r}")
    tests = load_tests(autograder)
    try:
        nb = json.loads(sub.path.read_text(encoding="utf-8"))
        if not isinstance(nb, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        return ungraded_rows(sub, tests, f"not a valid notebook (invalid JSON: {exc})")
    cells = code_cells(nb)
    tampering, delegates = scan(cells, starter_lines(sub.exercise))
    rows = []
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        # Only the notebook goes into the child's folder: no tests, no other submission.
        work = Path(tmp) / "work"
        work.mkdir()
        (work / f"{sub.exercise}.ipynb").write_bytes(sub.path.read_bytes())
        run = NotebookRun(cells, work, limits, time.monotonic() + limits.total)
        try:
            for test in tests:
                score, message = run_question(run, test)
                flags = []
                if tampering:
                    flags.append("tampering: " + "; ".join(tampering))
                    message = (f"0 points: the notebook patches the checks or the grader; the "
                               f"sandboxed checks alone gave {score:g}/{test.possible:g}"
                               + (f" ({message})" if message else ""))
                    score = 0.0
                if test.name in delegates:
                    flags.append("delegates: " + ", ".join(delegates[test.name]))
                rows.append({"student": sub.student, "exercise": sub.exercise,
                             "question": test.name, "score": score,
                             "max_score": test.possible, "message": message, "flags": flags})
        finally:
            run.close()
    skipped = list(run.skipped.values())
    for row in rows:
        row["flags"] = "; ".join(row["flags"] + skipped)
    return rows


def ensure_autograders(exercises: set[str]) -> None:
    """Build the autograder zips that are missing (they live in the git-ignored _build/)."""
    missing = [e for e in sorted(exercises) if e != "unknown"
               and not (AUTOGRADERS / f"{e}-autograder.zip").exists()]
    if missing:
        subprocess.run([sys.executable, str(ROOT / "tools" / "exercises.py"), "autograders",
                        *missing], check=True)


def summarize(rows: list[dict]) -> list[dict]:
    """Mean score per (exercise, question) and total per student, as rows of a CSV."""
    summary = []
    by_question: dict[tuple[str, str], list[dict]] = {}
    for row in rows:  # a notebook of no known exercise has no question to average into
        if row["question"] != "(all)":
            by_question.setdefault((row["exercise"], row["question"]), []).append(row)
    ungraded = [r for r in rows if r["question"] == "(all)"]
    for (exercise, question), group in sorted(by_question.items()):
        mean = sum(float(r["score"]) for r in group) / len(group)
        summary.append({"kind": "question mean", "name": f"{exercise} {question}",
                        "score": round(mean, 3), "max_score": group[0]["max_score"],
                        "count": len(group)})
    for exercise in sorted({r["exercise"] for r in ungraded}):
        summary.append({"kind": "not graded", "name": f"{exercise} (all)", "score": 0,
                        "max_score": ungraded[0]["max_score"],
                        "count": sum(r["exercise"] == exercise for r in ungraded)})
    students = sorted({r["student"] for r in rows})
    for student in students:
        own = [r for r in rows if r["student"] == student]
        summary.append({"kind": "student total", "name": student,
                        "score": sum(float(r["score"]) for r in own),
                        "max_score": sum(float(r["max_score"]) for r in own),
                        "count": len({r["exercise"] for r in own})})
    return summary


def write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def grade_folder(folder: Path, out: Path, *, timeout: float = 300.0, jobs: int = 2,
                 call_timeout: float = 10.0, cell_timeout: float = 60.0,
                 isolate: bool = True) -> list[dict]:
    """Grade every notebook under ``folder``; write ``out`` and ``summary.csv``; return rows.

    ``jobs`` submissions are graded at once, each by a thread of this process that drives its
    own sandboxed child.
    """
    if isolate and not sandbox.bwrap_available():
        raise SystemExit("bubblewrap (bwrap) is not installed, so submissions cannot be "
                         "isolated: `sudo apt-get install bubblewrap`, or pass --no-sandbox "
                         "(then a submission can read the solutions and other submissions)")
    exercises = known_exercises()
    paths = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    submissions = [identify(p, folder, exercises) for p in paths]
    ensure_autograders({s.exercise for s in submissions})
    limits = Limits(total=timeout, cell=cell_timeout, call=call_timeout, isolate=isolate)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        graded = list(pool.map(lambda s: grade_one(s, limits), submissions))
    rows = [row for part in graded for row in part]
    write_csv(out, rows, FIELDS)
    summary = summarize(rows)
    write_csv(out.with_name("summary.csv"), summary,
              ["kind", "name", "score", "max_score", "count"])
    for line in summary:
        print(f"{line['kind']:>14}  {line['name']:<32} {line['score']:>7} / {line['max_score']}")
    print(f"graded {len(submissions)} notebooks: {out} and {out.with_name('summary.csv')}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="folder of submitted notebooks")
    parser.add_argument("--out", type=Path, help="CSV to write (default SUBMISSIONS/grades.csv)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds allowed per submission (default 300)")
    parser.add_argument("--call-timeout", type=float, default=10.0,
                        help="CPU seconds allowed per call of a learner's function (default 10)")
    parser.add_argument("--cell-timeout", type=float, default=60.0,
                        help="CPU seconds allowed per notebook cell (default 60)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run learner code without bubblewrap (no filesystem isolation)")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    grade_folder(args.submissions, args.out or args.submissions / "grades.csv",
                 timeout=args.timeout, jobs=args.jobs, call_timeout=args.call_timeout,
                 cell_timeout=args.cell_timeout, isolate=not args.no_sandbox)
    return 0


if __name__ == "__main__":
    sys.exit(main())
