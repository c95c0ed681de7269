"""Grade a folder of submitted exercise notebooks with otter-grader, without Docker.

Usage::

    python tools/grade.py SUBMISSIONS [--out grades.csv] [--timeout 300] [--jobs 2]

``SUBMISSIONS`` holds one notebook per student and exercise, either as
``SUBMISSIONS/<student>/<exercise>.ipynb`` or as ``SUBMISSIONS/<student>_<exercise>.ipynb``
(``<exercise>`` is a name such as ``ex01-rnn``; a notebook whose name does not say it is
recognised by the assignment name otter stores in its metadata). Each submission is graded by
``otter run`` against ``_build/exercises/<exercise>-autograder.zip`` (built by
``python tools/exercises.py autograders`` when missing), in its own process and temporary folder,
with a time limit. A submission that is not valid JSON, loops forever or crashes the grader gets
one status row with score 0 and the reason; the batch goes on.

Writes ``--out`` (default ``SUBMISSIONS/grades.csv``) with the columns
``student, exercise, question, score, max_score, message`` (hidden tests count; ``message`` is
what the failing checks said), and ``summary.csv`` beside it: the mean score of every question
and the total of every student, also printed.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUTOGRADERS = ROOT / "_build" / "exercises"
BIN = Path(sys.executable).parent
FIELDS = ["student", "exercise", "question", "score", "max_score", "message"]
FAILURE_LINE = re.compile(r"^\s*(\w*(?:Error|Failed|Exception|Interrupt)): ?(.*)$")


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


def max_points(autograder: Path) -> dict[str, float]:
    """Question -> points, read from the test files inside an autograder zip."""
    points = {}
    with zipfile.ZipFile(autograder) as archive:
        for name in archive.namelist():
            if name.startswith("tests/") and name.endswith(".py"):
                text = archive.read(name).decode("utf-8")
                found = re.search(r"^points = ([0-9.]+)", text, flags=re.M)
                points[Path(name).stem] = float(found.group(1)) if found else 1.0
    return points


def failure_message(output: str) -> str:
    """The failing checks' own words from otter's output for one question, on one line."""
    parts = []
    for line in output.splitlines():
        match = FAILURE_LINE.match(line)
        if match:
            parts.append(f"{match.group(1)}: {match.group(2)}".strip())
        elif line.strip().startswith("✗"):
            parts.append(line.strip())
    return " | ".join(dict.fromkeys(parts))  # hidden and public cases often say the same


def status_rows(sub: Submission, points: dict[str, float], message: str) -> list[dict]:
    """One row for a submission that could not be graded at all."""
    return [{"student": sub.student, "exercise": sub.exercise, "question": "(all)", "score": 0,
             "max_score": sum(points.values()), "message": message}]


def run_otter(autograder: Path, notebook: Path, out: Path, timeout: float) -> str | None:
    """Run ``otter run`` in its own process group; return an error message or None."""
    process = subprocess.Popen(
        [str(BIN / "otter"), "run", "-a", str(autograder), "-o", str(out), str(notebook)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # The kernel is a child of otter: end the whole group, not just otter.
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return f"timed out after {timeout:g} s (an infinite loop or a very slow cell?)"
    if process.returncode != 0 or not (out / "results.json").exists():
        last = [line for line in output.splitlines() if line.strip()][-1:] or ["no output"]
        return f"the grader failed (exit {process.returncode}): {last[0][:300]}"
    return None


def grade_one(sub: Submission, timeout: float) -> list[dict]:
    """Grade one submission; always returns rows, never raises for a bad submission."""
    autograder = AUTOGRADERS / f"{sub.exercise}-autograder.zip"
    if not autograder.exists():
        return status_rows(sub, {}, f"no autograder for exercise {sub.exercise!r}")
    points = max_points(autograder)
    try:
        json.loads(sub.path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return status_rows(sub, points, f"not a valid notebook (invalid JSON: {exc})")
    with tempfile.TemporaryDirectory() as tmp:
        # The notebook opens itself by its exercise name (otter.Notebook("ex01-rnn.ipynb")).
        notebook = Path(tmp) / f"{sub.exercise}.ipynb"
        notebook.write_bytes(sub.path.read_bytes())
        out = Path(tmp) / "out"
        out.mkdir()
        error = run_otter(autograder, notebook, out, timeout)
        if error:
            return status_rows(sub, points, error)
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rows = []
    for test in results.get("tests", []):
        if test.get("max_score") is None:  # otter's "Public Tests" summary entry
            continue
        score = test.get("score") or 0
        rows.append({"student": sub.student, "exercise": sub.exercise, "question": test["name"],
                     "score": score, "max_score": test["max_score"],
                     "message": "" if score >= test["max_score"]
                     else failure_message(test.get("output", ""))})
    return rows or status_rows(sub, points, "the grader returned no results")


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
    for row in rows:
        by_question.setdefault((row["exercise"], row["question"]), []).append(row)
    for (exercise, question), group in sorted(by_question.items()):
        mean = sum(float(r["score"]) for r in group) / len(group)
        summary.append({"kind": "question mean", "name": f"{exercise} {question}",
                        "score": round(mean, 3), "max_score": group[0]["max_score"],
                        "count": len(group)})
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


def grade_folder(folder: Path, out: Path, *, timeout: float = 300.0, jobs: int = 2) -> list[dict]:
    """Grade every notebook under ``folder``; write ``out`` and ``summary.csv``; return rows."""
    exercises = known_exercises()
    paths = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    submissions = [identify(p, folder, exercises) for p in paths]
    ensure_autograders({s.exercise for s in submissions})
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        graded = list(pool.map(lambda s: grade_one(s, timeout), submissions))
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
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds allowed per submission (default 300)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    grade_folder(args.submissions, args.out or args.submissions / "grades.csv",
                 timeout=args.timeout, jobs=args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
