"""otter's own routes, run for real: ``grader.check`` in a Jupyter kernel (what a learner sees)
and ``otter run`` on an autograder zip (what Gradescope runs in its container, here without
Docker). Both must show a failing check's report and nothing of the test's source, and the zip
must grade a correct and a wrong notebook as the sandboxed grader does.

``otter run`` executes the notebook in a local kernel with the installed packages and skips the
zip's ``setup.sh`` (which on Gradescope installs conda, otter and the zip's requirements), so it
runs offline; what it cannot show is that the Gradescope image builds (that needs the network).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from exercise_mutants import MUTANTS, apply_mutant

OTTER = Path(sys.executable).parent / "otter"
# What otter 7 prints above an exception's text, and the test source line it quotes.
OTTER_SOURCE_LINE = ("Error at line", "in test q", "check_function(")


def _mutant(mutant_id: str):
    return next(m for m in MUTANTS if m.id == mutant_id)


def _notebook(build, folder: str, name: str) -> dict:
    return json.loads(build.files[f"{folder}/{name}.ipynb"])


def _kernel_env() -> dict:
    """The environment of a child kernel: this process's, with the library it imports first."""
    env = dict(os.environ)
    lib = str(Path(__file__).resolve().parents[2] / "lib")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (lib, env.get("PYTHONPATH")) if p)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


@pytest.mark.slow
def test_grader_check_in_a_kernel_shows_only_the_report(build, tmp_path, monkeypatch):
    """The notebook of a learner with a wrong phase 2 (ex04 q4), run top to bottom in a real
    kernel: q4's ``grader.check`` shows the check's report, without otter's "Error at line" and
    the test's ``check_function(gru_backward_candidate, ...)`` line; the right answers pass."""
    import nbformat
    from nbclient import NotebookClient

    mutant = _mutant("gru-phase2-tanh-grad")
    nb = apply_mutant(_notebook(build, "solutions", mutant.exercise), mutant)
    (tmp_path / f"{mutant.exercise}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    for key, value in _kernel_env().items():
        monkeypatch.setenv(key, value)
    executed = nbformat.reads(json.dumps(nb), as_version=4)
    NotebookClient(executed, timeout=300, allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = {}
    for cell in executed.cells:
        if cell.cell_type == "code" and cell.source.strip().startswith("grader.check("):
            question = cell.source.split('"')[1]
            shown[question] = {kind: "".join(o.get("data", {}).get(kind, "") for o in cell.outputs)
                               for kind in ("text/plain", "text/html")}
    assert set(shown) >= {"q1", "q2", "q3", "q4"}, shown
    for kind, text in shown["q4"].items():
        assert "phase 2 (candidate): gru_backward_candidate: 0 of 1 checks passed" in text, text
        assert "✗ da_n:" in text, text
        for words in OTTER_SOURCE_LINE:
            assert words not in text, f"{kind} of q4 shows otter's {words!r}:\n{text}"
    for question in ("q1", "q2", "q3", "q5"):
        assert "passed" in shown[question]["text/plain"], shown[question]
        assert "failed" not in shown[question]["text/plain"], shown[question]


def _otter_run(autograder: Path, nb: dict, folder: Path) -> dict:
    """``otter run -a ZIP NOTEBOOK`` as an instructor types it; -> results.json as a dict."""
    folder.mkdir()
    name = nb["metadata"]["otter"]["assignment_name"]
    submission = folder / f"{name}.ipynb"
    submission.write_text(json.dumps(nb), encoding="utf-8")
    done = subprocess.run([str(OTTER), "run", "-a", str(autograder), "-o", str(folder),
                           "--no-logo", str(submission)], capture_output=True, text=True,
                          env=_kernel_env(), timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def _scores(results: dict) -> dict[str, tuple[float, float]]:
    return {t["name"]: (t["score"], t["max_score"]) for t in results["tests"] if "score" in t}


@pytest.mark.slow
def test_otter_run_grades_the_autograder_zip(build, tmp_path, grade):
    """The Gradescope route: the zip the build writes grades ex07 with ``otter run``: full marks
    for the solution; for a forgotten bias in q1, q1 and the q4 that uses it lose their points,
    with the check's report (no test source) in what the learner is shown."""
    name = "ex07-parameters"
    autograder = build.autograder(name)
    with zipfile.ZipFile(autograder) as archive:
        environment = archive.read("environment.yml").decode("utf-8")
    # Gradescope installs only what the zip's environment names; every test imports rnnlab.
    assert "rnnlab @ git+" in environment, environment

    right = _scores(_otter_run(autograder, _notebook(build, "solutions", name), tmp_path / "right"))
    assert right == {"q1": (1.0, 1.0), "q2": (1.0, 1.0), "q3": (2.0, 2.0), "q4": (2.0, 2.0)}

    mutant = _mutant("count-rnn-no-bias")
    wrong_nb = apply_mutant(_notebook(build, "solutions", name), mutant)
    results = _otter_run(autograder, wrong_nb, tmp_path / "wrong")
    wrong = _scores(results)
    assert wrong == {"q1": (0, 1.0), "q2": (1.0, 1.0), "q3": (2.0, 2.0), "q4": (0, 2.0)}, wrong
    # The same scores as the in-process grading with the zip's test files.
    in_process = grade(wrong_nb, autograder)
    assert {q: (r.score, r.possible) for q, r in in_process.items()} == wrong
    for test in results["tests"]:
        if test["name"] in ("Public Tests", "q1"):
            assert "expected 29312, got 29184" in test["output"], test["output"]
            assert "off by -128 = -units" in test["output"], test["output"]
        for words in OTTER_SOURCE_LINE:
            assert words not in test["output"], f"{test['name']} shows {words!r}:\n{test['output']}"
