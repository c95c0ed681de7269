"""Batch grading cannot be fooled: cheats get no points and are flagged, a submission cannot
read the solutions, the hidden tests or other submissions, a broken cell costs only its own
marks, delegating to the library is flagged, and two jobs grade in parallel — all through the
real bubblewrap sandbox (tools/grade.py, tools/grading_sandbox.py)."""
from __future__ import annotations

import copy
import csv
import json
import shutil
import threading
from pathlib import Path

import pytest

from exercise_helpers import ROOT, load_tool

pytestmark = pytest.mark.usefixtures("sandboxed")


@pytest.fixture
def grader(build, tmp_path, monkeypatch):
    """tools/grade.py reading the autograders of this session's fresh build."""
    grade = load_tool("grade")
    autograders = tmp_path / "autograders"
    autograders.mkdir()
    for zip_path in build.work.glob("*/*-autograder.zip"):
        shutil.copy(zip_path, autograders)
    monkeypatch.setattr(grade, "AUTOGRADERS", autograders)
    return grade


def notebook(build, folder: str, name: str) -> dict:
    return json.loads(build.files[f"{folder}/{name}.ipynb"])


def add_cell(nb: dict, source: str, *, after_check: str | None = None) -> dict:
    """A copy of ``nb`` with a code cell after ``grader.check("<after_check>")`` (or last)."""
    nb = copy.deepcopy(nb)
    cell = {"cell_type": "code", "execution_count": None, "id": f"extra-{len(nb['cells'])}",
            "metadata": {}, "outputs": [], "source": source.splitlines(keepends=True)}
    at = len(nb["cells"])
    if after_check is not None:
        at = next(i for i, c in enumerate(nb["cells"])
                  if f'grader.check("{after_check}")' in "".join(c["source"])) + 1
    nb["cells"].insert(at, cell)
    return nb


def replace_in(nb: dict, old: str, new: str) -> dict:
    nb = copy.deepcopy(nb)
    hits = 0
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if old in text:
            hits += text.count(old)
            cell["source"] = text.replace(old, new).splitlines(keepends=True)
    assert hits == 1, f"{old!r} occurs {hits} times"
    return nb


def grade_notebooks(grade, tmp_path: Path, notebooks: dict[str, dict], **options) -> dict:
    folder = tmp_path / "submissions"
    for path, nb in notebooks.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(json.dumps(nb), encoding="utf-8")
    out = folder / "grades.csv"
    grade.grade_folder(folder, out, **{"timeout": 120, "cell_timeout": 8, "call_timeout": 3,
                                       **options})
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    by_student: dict[str, dict[str, dict]] = {}
    for row in rows:
        by_student.setdefault(row["student"], {})[row["question"]] = row
    return by_student


PATCH_CHECKS = """\
import rnnlab.checks
from rnnlab.checks import CheckReport
def always_pass(*args, **kwargs):
    return CheckReport("patched")
rnnlab.checks.check_function = always_pass
rnnlab.checks.check_backward = always_pass
rnnlab.checks.check_param_dict = always_pass
"""

PATCH_OTTER = """\
from otter.test_files import ExceptionTestFile
def run(self, global_environment):
    self.test_case_results = []
ExceptionTestFile.run = run
"""

# The third cheat of issue 14: answer cells that find the solution notebook and run it.
READ_SOLUTIONS = """\
import json, os
for folder in (os.environ.get("PWD", os.getcwd()), os.getcwd(), {root!r}):
    try:
        solution = json.load(open(os.path.join(folder, "solutions/ex03-lstm.ipynb")))
    except OSError:
        continue
    for cell in solution["cells"]:
        if cell["cell_type"] == "code" and "def " in "".join(cell["source"]):
            exec("".join(cell["source"]))
    break
"""


def test_the_three_cheats_get_no_points_and_are_reported(build, grader, tmp_path):
    blank01, blank03 = notebook(build, "exercises", "ex01-rnn"), notebook(build, "exercises",
                                                                          "ex03-lstm")
    first_code = next(i for i, c in enumerate(blank03["cells"])
                      if "otter_answer_cell" in c["metadata"].get("tags", []))
    cheat3 = copy.deepcopy(blank03)
    cheat3["cells"][first_code]["source"] = (
        READ_SOLUTIONS.format(root=str(ROOT)).splitlines(keepends=True))
    rows = grade_notebooks(grader, tmp_path, {
        "patcher/ex01-rnn.ipynb": add_cell(blank01, PATCH_CHECKS, after_check=None),
        "otterer/ex01-rnn.ipynb": add_cell(blank01, PATCH_OTTER),
        "reader/ex03-lstm.ipynb": cheat3,
        # The same patch on top of correct answers: the policy is 0 and a flag, for review.
        "solver/ex01-rnn.ipynb": add_cell(notebook(build, "solutions", "ex01-rnn"), PATCH_CHECKS),
    })
    for student in ("patcher", "otterer", "reader", "solver"):
        questions = rows[student]
        assert "(all)" not in questions, questions
        for question, row in questions.items():
            assert float(row["score"]) == 0, (student, question, row)
            assert "tampering" in row["flags"], (student, question, row)
    assert "rnnlab.checks.check_function" in rows["patcher"]["q1"]["flags"]
    assert "ExceptionTestFile.run" in rows["otterer"]["q1"]["flags"]
    assert "solutions" in rows["reader"]["q1"]["flags"]
    # Without the patch the solver would have full marks; the message says what the sandboxed
    # checks gave, so an instructor can review.
    assert "the sandboxed checks alone gave 2/2" in rows["solver"]["q1"]["message"]
    # What the cheats "answered" was judged by the real checks: still blanks.
    assert "not filled in" in rows["patcher"]["q1"]["message"]
    assert "expected a function" in rows["reader"]["q1"]["message"]  # the solutions were absent


PROBE = """\
import os, socket
probe = {{}}
for name, path in {paths!r}.items():
    try:
        open(path, "rb").read(1)
        probe[name] = "read"
    except OSError as exc:
        probe[name] = type(exc).__name__
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    probe["network"] = "connected"
except OSError as exc:
    probe["network"] = type(exc).__name__
for name, path in (("write_repo", {write!r}), ("write_tmp", "/tmp/probe.txt"),
                   ("write_own", "own.txt")):
    try:
        open(path, "w").write("x")
        probe[name] = "written"
    except OSError as exc:
        probe[name] = type(exc).__name__
probe["cwd_files"] = sorted(os.listdir("."))
"""


def test_a_submission_cannot_read_solutions_tests_or_others_nor_reach_out(build, tmp_path):
    sandbox = load_tool("grading_sandbox")
    others = tmp_path / "submissions" / "bob"
    others.mkdir(parents=True)
    (others / "ex01-rnn.ipynb").write_text("{}", encoding="utf-8")
    hidden = next(build.work.glob("*/*-autograder.zip"))
    listener = __import__("socket").create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    paths = {"solutions": str(ROOT / "solutions" / "ex01-rnn.ipynb"),
             "instructor": str(ROOT / "instructor" / "exercises" / "ex01-rnn.md"),
             "hidden_tests": str(hidden), "other_submission": str(others / "ex01-rnn.ipynb"),
             "library": str(ROOT / "lib" / "rnnlab" / "checks.py")}
    work = tmp_path / "work"
    work.mkdir()
    (work / "ex01-rnn.ipynb").write_text("{}", encoding="utf-8")
    child = sandbox.Sandbox(work)
    try:
        reply = child.run_cell(0, PROBE.format(paths=paths, port=port,
                                               write=str(ROOT / "sandbox-probe.txt")), 30)
        assert reply["ok"], reply
        probe = child.names(["probe"])["probe"]
    finally:
        child.close()
        listener.close()
    assert probe["solutions"] == probe["instructor"] == "FileNotFoundError", probe
    assert probe["hidden_tests"] == probe["other_submission"] == "FileNotFoundError", probe
    assert probe["library"] == "read", probe  # the library is mounted, read-only
    assert probe["network"] != "connected", probe
    # A checkout under /tmp sits inside the sandbox's private, writable /tmp: the write then
    # lands there and is gone with the sandbox. Elsewhere the read-only root refuses it.
    if not str(ROOT).startswith("/tmp/"):
        assert probe["write_repo"] in ("FileNotFoundError", "OSError", "PermissionError"), probe
    assert not (ROOT / "sandbox-probe.txt").exists()
    assert probe["write_tmp"] == "written" and not Path("/tmp/probe.txt").exists()
    assert probe["write_own"] == "written" and (work / "own.txt").exists()
    assert probe["cwd_files"] == ["ex01-rnn.ipynb", "output.log", "own.txt"], probe  # no tests/


@pytest.mark.parametrize("source, why", [
    ("while True:\n    try:\n        pass\n    except Exception:\n        continue",
     "did not finish"),
    ("import os\nos._exit(3)", "ended the notebook's process"),
    ("import os, shutil\nfor name in os.listdir('.'):\n    os.remove(name)\n"
     "shutil.rmtree(os.getcwd(), ignore_errors=True)\nraise SystemExit",
     None),
])
def test_a_broken_top_level_cell_costs_only_what_depends_on_it(build, grader, tmp_path,
                                                               source, why):
    broken = add_cell(notebook(build, "solutions", "ex01-rnn"), source, after_check="q2")
    rows = grade_notebooks(grader, tmp_path, {"erin/ex01-rnn.ipynb": broken})["erin"]
    assert set(rows) == {"q1", "q2", "q3", "q4"}, rows
    for question, row in rows.items():
        assert float(row["score"]) == float(row["max_score"]), (question, row)
    if why:
        assert why in rows["q1"]["flags"], rows["q1"]


def test_time_limits_count_cpu_time_so_a_busy_machine_skips_nothing(tmp_path):
    """A cell that takes longer than its limit without computing (as every cell does on a
    machine whose cores are busy elsewhere) runs to the end; one that computes past its limit
    is stopped, and so is one that waits past the much larger wall-clock backstop."""
    sandbox = load_tool("grading_sandbox")
    child = sandbox.Sandbox(tmp_path)
    try:
        assert child.cpu_seconds() is not None, "the child's CPU time cannot be read from /proc"
        reply = child.run_cell(0, "import time\ntime.sleep(1.5)\nwaited = True", 0.5)
        assert reply["ok"], reply
        assert child.names(["waited"])["waited"] is True
        with pytest.raises(sandbox.ChildTimeout) as busy:
            child.run_cell(1, "while True:\n    pass", 0.5)
        assert busy.value.cpu and busy.value.within() == "within 0.5 s of CPU time"
    finally:
        child.close()
    child = sandbox.Sandbox(tmp_path)
    try:
        with pytest.raises(sandbox.ChildTimeout) as waiting:
            child.run_cell(0, "import time\ntime.sleep(60)", 0.5, wall=1.0)
        assert not waiting.value.cpu and waiting.value.within() == "within 1 s"
    finally:
        child.close()


def test_a_hang_or_exit_inside_a_function_costs_that_question_only(build, grader, tmp_path):
    solution = notebook(build, "solutions", "ex01-rnn")
    body = "    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)"
    swallowed = "    while True:\n        try:\n            pass\n        except Exception:\n" \
                "            continue\n"
    rows = grade_notebooks(grader, tmp_path, {
        "hang/ex01-rnn.ipynb": replace_in(solution, "def rnn_backward(",
                                          "def rnn_backward(*args):\n" + swallowed +
                                          "\ndef unused("),
        "quit/ex01-rnn.ipynb": replace_in(solution, body, "    raise SystemExit(1)\n" + body),
    })
    hang = rows["hang"]
    assert float(hang["q4"]["score"]) == 0 and "did not finish within 3 s" in hang["q4"]["message"]
    for question in ("q1", "q2", "q3"):
        assert float(hang[question]["score"]) == float(hang[question]["max_score"]), hang
    quit_ = rows["quit"]
    assert "(all)" not in quit_
    assert float(quit_["q1"]["score"]) == 0 and "raised SystemExit" in quit_["q1"]["message"]
    assert "cell" in quit_["q1"]["message"] and "raise SystemExit(1)" in quit_["q1"]["message"]


def test_delegating_to_the_library_is_flagged(build, grader, tmp_path):
    solution = notebook(build, "solutions", "ex01-rnn")
    delegating = replace_in(
        solution, "    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)",
        "    from rnnlab.functional import rnn_step_forward as library\n"
        "    h_next = library(x, h_prev, W_x, W_h, b)[0]")
    rows = grade_notebooks(grader, tmp_path, {"dan/ex01-rnn.ipynb": delegating,
                                              "alice/ex01-rnn.ipynb": solution})
    assert float(rows["dan"]["q1"]["score"]) == 2  # it works; the flag is for the instructor
    assert "delegates: from rnnlab.functional import rnn_step_forward" in rows["dan"]["q1"]["flags"]
    assert rows["dan"]["q2"]["flags"] == ""
    assert all(row["flags"] == "" for row in rows["alice"].values())


def test_two_jobs_grade_in_parallel_through_the_sandbox(build, grader, tmp_path, monkeypatch):
    sandbox = grader.sandbox
    live, most = set(), []
    lock = threading.Lock()
    start, close = sandbox.Sandbox.__init__, sandbox.Sandbox.kill

    def counting_start(self, *args, **kwargs):
        start(self, *args, **kwargs)
        with lock:
            live.add(id(self))
            most.append(len(live))

    def counting_kill(self):
        with lock:
            live.discard(id(self))
        close(self)

    monkeypatch.setattr(sandbox.Sandbox, "__init__", counting_start)
    monkeypatch.setattr(sandbox.Sandbox, "kill", counting_kill)
    notebooks = {f"s{i}/ex01-rnn.ipynb": notebook(build, "solutions" if i % 2 else "exercises",
                                                  "ex01-rnn") for i in range(4)}
    rows = grade_notebooks(grader, tmp_path, notebooks, jobs=2)
    assert max(most) == 2, most  # two sandboxes at once, never more
    for i in range(4):
        total = sum(float(r["score"]) for r in rows[f"s{i}"].values())
        assert total == (10 if i % 2 else 0), rows[f"s{i}"]


ISSUE_14 = ["rnn-swallowed-time-limit", "rnn-system-exit", "rnn-no-cache",
            "lstm-g-sigmoid-forward", "lstm-swapped-gates", "lstm-swapped-outputs",
            "gru-reset-swapped-outputs", "gru-reset-swapped-then-step",
            "sampling-starts-from-zeros", "count-rnn-extra-bias", "clip-iterates-keys",
            "count-classifier-no-dense-bias", "ppl-mask-forgotten", "topk-ids-as-rows",
            "gru-forward-wrong-then-step"]


def test_batch_grading_catches_the_issue_14_cases_and_keeps_correct_variants(build, grader,
                                                                             tmp_path):
    from exercise_mutants import MUTANTS, VARIANTS, apply_mutant

    chosen = [m for m in MUTANTS if m.id in ISSUE_14]
    assert len(chosen) == len(ISSUE_14)
    notebooks = {f"{m.id}/{m.exercise}.ipynb": apply_mutant(notebook(build, "solutions",
                                                                     m.exercise), m)
                 for m in chosen + VARIANTS}
    rows = grade_notebooks(grader, tmp_path, notebooks, jobs=2)
    for mutant in chosen:
        row = rows[mutant.id][mutant.question]
        assert float(row["score"]) < float(row["max_score"]), (mutant.id, row)
        for words in mutant.expect:
            assert words in row["message"], (mutant.id, words, row["message"])
        assert "Error at line" not in row["message"]  # only the check's report, no test source
    for variant in VARIANTS:
        for question, row in rows[variant.id].items():
            assert float(row["score"]) == float(row["max_score"]), (variant.id, question, row)


def test_the_private_tmp_is_mounted_before_the_read_only_binds(tmp_path):
    """bwrap applies mounts in order: a /tmp mounted after the binds would hide a venv or a
    checkout under /tmp (a CI runner's clone), and the child could not even start."""
    args = load_tool("grading_sandbox").bwrap_command(tmp_path, ["1", "2"])
    tmpfs = args.index("--tmpfs")
    assert args[tmpfs + 1] == "/tmp"
    assert tmpfs < args.index("--ro-bind")
