"""Each attack of issue 11, as a participant trying to win unfairly would write it, scored in
one run: every one is rejected with a clear status or scored with true numbers, and the honest
submissions scored after them are unharmed. The submissions are the files in ``attacks/``."""
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlab.model import LanguageModel

ROOT = Path(__file__).resolve().parents[2]
HACKATHON = ROOT / "hackathon"
ATTACKS = Path(__file__).resolve().parent / "attacks"
sys.path.insert(0, str(HACKATHON))

from isolation import OUTPUT_CAP_BYTES, Limits, run_limited  # noqa: E402

# In this order: the daemon runs just before a slow honest submission it would try to rewrite.
ORDER = ["fake_num_params", "subclass_num_params", "forged_result", "forged_nan", "forged_ok_no_model",
         "forged_architecture", "extra_array", "counts_zeroed", "plants_pyc", "reads_hidden", "reads_git", "escapes", "leaves_weights", "finds_weights",
         "daemon", "slow_honest", "spawns_sleeper", "floods_stdout", "adam_subclass", "untrained_tiny",
         "bad_recipe", "huge_recipe", "tiny_recipe"]
TRUE_4X4_PARAMS = LanguageModel(61, 4, 4, cell="gru").num_params()  # 61*4 + GRU(4, 4) + 4*61 + 61


def _processes_with(marker: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in text:
            found.append(text)
    return found


@pytest.fixture(scope="module")
def rows(bwrap, tmp_path_factory):
    files = [next(ATTACKS.glob(f"{name}.*")) for name in ORDER]
    out = tmp_path_factory.mktemp("attacks") / "results.json"
    done = subprocess.run([sys.executable, str(HACKATHON / "score.py"), *map(str, files), "--budget",
                           "quick", "--time-limit", "20", "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr  # no submission stops the scoring
    document = json.loads(out.read_text(encoding="utf-8"))
    return {r["name"]: r for r in document["results"]}


def test_every_submission_has_a_row_named_by_its_file(rows):
    assert list(rows) == ORDER  # forged_result declared the name "reference": ignored


def test_parameters_are_counted_by_the_scorer(rows):
    for name in ("fake_num_params", "subclass_num_params"):
        assert rows[name]["status"] == "ok"
        assert rows[name]["num_params"] == TRUE_4X4_PARAMS  # not 10, not "zero"


def test_forged_results_are_rejected(rows):
    assert rows["forged_result"]["status"] == "invalid_output"
    assert "iterations must be an integer in [0" in rows["forged_result"]["message"]
    assert rows["forged_nan"]["status"] == "invalid_output"  # NaN is not an integer
    assert rows["forged_ok_no_model"]["status"] == "invalid_checkpoint"
    assert "no architecture.json" in rows["forged_ok_no_model"]["message"]
    assert rows["forged_architecture"]["status"] == "invalid_architecture"
    assert "unknown keys ['eval']" in rows["forged_architecture"]["message"]
    assert rows["extra_array"]["status"] == "invalid_checkpoint"
    assert "unexpected ['answers.npy']" in rows["extra_array"]["message"]
    for name in ("forged_result", "forged_nan", "forged_ok_no_model", "forged_architecture"):
        assert not rows[name]["pareto"] and "test_nats_per_char" not in rows[name]


def test_code_track_iterations_are_marked_self_declared(rows):
    row = rows["counts_zeroed"]
    assert row["status"] == "ok" and row["iterations"] == 0  # the forgery "works"...
    assert row["iterations_self_declared"] is True  # ...and the board says whose number it is
    assert rows["tiny_recipe"]["iterations_self_declared"] is False
    assert rows["tiny_recipe"]["iterations"] == 6  # counted by the harness


def test_a_planted_pyc_cannot_reach_the_repository_or_the_scorer(rows):
    row = rows["plants_pyc"]
    assert row["status"] == "ok", row["message"]  # its writes failed: the repository is read-only
    assert 4.0 < row["test_nats_per_char"] < 4.3  # an untrained model's honest loss (ln 61 = 4.11)
    for pyc in (HACKATHON / "__pycache__").glob("*.pyc"):  # nothing planted in the repository
        assert b"evil hackdata" not in pyc.read_bytes(), pyc


def test_the_hidden_split_is_not_in_the_sandbox(rows):
    row = rows["reads_hidden"]
    assert row["status"] == "crashed"
    assert "nothing readable" in row["message"] and "LEAKED" not in row["message"], row["message"]


def test_the_git_history_is_not_in_the_sandbox(rows):
    row = rows["reads_git"]
    assert "nothing readable" in row["message"] and "LEAKED" not in row["message"], row["message"]


def test_nothing_a_submission_leaves_reaches_the_next(rows):
    assert rows["leaves_weights"]["status"] == "ok"
    assert "nothing left behind" in rows["finds_weights"]["message"], rows["finds_weights"]["message"]
    assert not list(Path("/tmp").glob("smuggled_weights.npz"))


def test_no_network_and_nothing_writable_outside_the_work_folder(rows):
    row = rows["escapes"]
    assert "contained" in row["message"] and "ESCAPED" not in row["message"], row["message"]
    assert "planted" not in (HACKATHON / "data" / "train.txt").read_text(encoding="utf-8")
    assert not (ROOT / "lib" / "rnnlab" / "planted.py").exists() and not (ROOT / "planted.txt").exists()


def test_a_daemon_dies_with_its_submission(rows):
    # Inside its sandbox the daemon sees only its own work folder, so it can spoil only its own
    # row (ok, or crashed when it truncated its own declared.json as the sandbox ended).
    assert rows["daemon"]["status"] in {"ok", "crashed"}
    assert rows["slow_honest"]["status"] == "ok"
    assert rows["slow_honest"]["iterations"] == 3  # not the daemon's 999,999
    assert _processes_with(str(HACKATHON / "sandbox.py")) == []


def test_the_time_limit_kills_the_whole_process_tree(rows):
    assert rows["spawns_sleeper"]["status"] == "timeout"
    assert _processes_with("4242.25") == []


def test_a_flood_of_output_costs_its_row_nothing(rows):
    assert rows["floods_stdout"]["status"] == "ok"


def test_output_is_capped_in_the_scorer():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    done = run_limited([sys.executable, "-c", "import os\nfor _ in range(300): os.write(1, b'x' * (1 << 20))"],
                       Limits(60, 1024))
    assert done.returncode == 0 and done.output_truncated
    assert len(done.stdout) == OUTPUT_CAP_BYTES
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 100  # 300 MB printed; the scorer keeps 64 KiB


def test_honest_variants_score_ok(rows):
    assert rows["adam_subclass"]["status"] == "ok"  # redefining step is allowed now
    assert rows["adam_subclass"]["iterations"] == 3
    assert rows["tiny_recipe"]["status"] == "ok"


def test_an_untrained_model_is_not_on_the_front(rows):
    row = rows["untrained_tiny"]
    assert row["status"] == "ok" and row["iterations"] == 0
    assert row["test_nats_per_char"] > 4.0 and not row["pareto"]  # above the unigram's 3.18


def test_bad_recipes_are_rejected(rows):
    assert rows["bad_recipe"]["status"] == "invalid_recipe"
    assert "NaN is not allowed" in rows["bad_recipe"]["message"]
    assert rows["huge_recipe"]["status"] == "invalid_architecture"
    assert "'hidden_size': 100000 is not in (1, 1024)" in rows["huge_recipe"]["message"]
