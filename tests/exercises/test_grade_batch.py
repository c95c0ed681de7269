"""Batch grading (tools/grade.py) through the bubblewrap sandbox: a solution, a blank, a wrong
answer, a corrupted file and a notebook with a cell that never finishes, in one folder."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from exercise_helpers import load_tool
from exercise_mutants import MUTANTS, apply_mutant


@pytest.mark.slow
def test_grade_folder_writes_the_right_rows(build, tmp_path, monkeypatch, sandboxed):
    grade = load_tool("grade")
    autograders = tmp_path / "autograders"
    autograders.mkdir()
    for name in ("ex01-rnn", "ex04-gru"):
        shutil.copy(build.autograder(name), autograders)
    monkeypatch.setattr(grade, "AUTOGRADERS", autograders)

    folder = tmp_path / "submissions"
    solution = json.loads(build.files["solutions/ex01-rnn.ipynb"])
    looping = json.loads(build.files["solutions/ex01-rnn.ipynb"])
    looping["cells"].insert(3, {"cell_type": "code", "execution_count": None, "id": "loop",
                                "metadata": {}, "outputs": [], "source": ["while True:\n", "    pass"]})
    mutant = next(m for m in MUTANTS if m.id == "rnn-sign")
    notebooks = {
        "alice/ex01-rnn.ipynb": build.files["solutions/ex01-rnn.ipynb"],
        "alice/ex04-gru.ipynb": build.files["solutions/ex04-gru.ipynb"],
        "bob/ex01-rnn.ipynb": build.files["exercises/ex01-rnn.ipynb"],
        "bob/ex04-gru.ipynb": build.files["exercises/ex04-gru.ipynb"],
        "carol_ex01-rnn.ipynb": json.dumps(apply_mutant(solution, mutant)),
        "dave/ex01-rnn.ipynb": '{"cells": [ this is not json',
        "erin/ex01-rnn.ipynb": json.dumps(looping),
        "frank/homework.ipynb": json.dumps({"cells": [], "metadata": {}}),  # no known exercise
    }
    for path, text in notebooks.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")

    out = tmp_path / "grades.csv"
    grade.grade_folder(folder, out, timeout=120, cell_timeout=5, jobs=2)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    by = {(r["student"], r["exercise"], r["question"]): r for r in rows}

    alice = [r for r in rows if r["student"] == "alice"]
    assert len(alice) == 12 and all(float(r["score"]) == float(r["max_score"]) for r in alice)
    bob = [r for r in rows if r["student"] == "bob"]
    assert len(bob) == 12 and all(float(r["score"]) == 0 for r in bob)
    assert all("not filled in" in r["message"] or "all zeros" in r["message"] for r in bob), bob
    carol = by[("carol", "ex01-rnn", "q1")]
    assert float(carol["score"]) == 0 and "h_next" in carol["message"]
    # The backward check runs carol's forward: its message says to fix the forward first.
    assert "fix rnn_step_forward first" in by[("carol", "ex01-rnn", "q2")]["message"]
    # dave's notebook cannot be read: 0 on every question, each a row that counts in the means.
    dave = [r for r in rows if r["student"] == "dave"]
    assert [r["question"] for r in dave] == ["q1", "q2", "q3", "q4"], dave
    assert all(float(r["score"]) == 0 and "not graded" in r["message"]
               and "invalid JSON" in r["message"] for r in dave), dave
    assert sum(float(r["max_score"]) for r in dave) == 10
    frank = by[("frank", "unknown", "(all)")]
    assert float(frank["score"]) == 0 and "no autograder" in frank["message"]
    # erin's looping cell is skipped after 5 s; the rest of her notebook is graded.
    erin = [r for r in rows if r["student"] == "erin"]
    assert len(erin) == 4 and all(float(r["score"]) == float(r["max_score"]) for r in erin)
    assert all("cell 3 did not finish within 5 s" in r["flags"] for r in erin), erin

    summary = list(csv.DictReader(out.with_name("summary.csv").open(encoding="utf-8")))
    totals = {r["name"]: float(r["score"]) for r in summary if r["kind"] == "student total"}
    assert totals["alice"] == sum(float(r["max_score"]) for r in alice)
    assert totals["bob"] == 0 and totals["dave"] == 0
    means = {r["name"]: float(r["score"]) for r in summary if r["kind"] == "question mean"}
    # alice 2, bob 0, carol 0, dave 0 (not graded, but counted), erin 2: 4 / 5.
    assert means["ex01-rnn q1"] == pytest.approx(0.8)
    counts = {r["name"]: r["count"] for r in summary if r["kind"] == "question mean"}
    assert counts["ex01-rnn q1"] == "5"
    ungraded = [r for r in summary if r["kind"] == "not graded"]
    assert [(r["name"], r["count"]) for r in ungraded] == [("unknown (all)", "1")]


def test_without_bubblewrap_the_grader_stops_and_says_why(tmp_path, monkeypatch):
    grade = load_tool("grade")
    monkeypatch.setattr(grade.sandbox, "bwrap_available", lambda: False)
    with pytest.raises(SystemExit, match="bubblewrap .* is not installed.*--no-sandbox"):
        grade.grade_folder(tmp_path, tmp_path / "grades.csv")


def test_no_sandbox_still_keeps_the_verdict_out_of_reach(build, tmp_path, monkeypatch):
    """--no-sandbox (no bubblewrap): a plain child process, but a patch still earns nothing."""
    grade = load_tool("grade")
    autograders = tmp_path / "autograders"
    autograders.mkdir()
    shutil.copy(build.autograder("ex01-rnn"), autograders)
    monkeypatch.setattr(grade, "AUTOGRADERS", autograders)
    blank = json.loads(build.files["exercises/ex01-rnn.ipynb"])
    blank["cells"].append({"cell_type": "code", "execution_count": None, "id": "patch",
                           "metadata": {}, "outputs": [], "source": [
                               "import rnnlab.checks\n",
                               "rnnlab.checks.check_function = lambda *a, **k: None\n"]})
    folder = tmp_path / "submissions"
    for name, text in {"alice": build.files["solutions/ex01-rnn.ipynb"],
                       "mallory": json.dumps(blank)}.items():
        (folder / name).mkdir(parents=True)
        (folder / name / "ex01-rnn.ipynb").write_text(text, encoding="utf-8")
    rows = grade.grade_folder(folder, folder / "grades.csv", isolate=False, call_timeout=5)
    assert sum(float(r["score"]) for r in rows if r["student"] == "alice") == 10
    mallory = [r for r in rows if r["student"] == "mallory"]
    assert len(mallory) == 4 and all(float(r["score"]) == 0 for r in mallory)
    assert all("tampering" in r["flags"] for r in mallory)
    assert all("the sandboxed checks alone gave 0/" in r["message"] for r in mallory)


def test_no_solution_or_starter_notebook_is_flagged(build, exercise_names):
    """The tampering and delegation scan (it reads cells, never runs them) has no false alarm
    on the course's own notebooks, whose starter code imports from rnnlab."""
    grade = load_tool("grade")
    for name in exercise_names:
        for folder in ("solutions", "exercises"):
            nb = json.loads(build.files[f"{folder}/{name}.ipynb"])
            assert grade.scan(grade.code_cells(nb), grade.starter_lines(name)) == ([], {}), (
                folder, name)
