"""The Codabench bundle: its ingestion and scoring programs, run in the directory layout of
Codabench's compute worker (/app/program, /app/input_data, /app/ingested_program, /app/output;
then /app/program, /app/input/res, /app/input/ref, /app/output), give the scores of score.py."""
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HACKATHON = ROOT / "hackathon"
ATTACKS = Path(__file__).resolve().parent / "attacks"
sys.path.insert(0, str(HACKATHON))

import codabench  # noqa: E402

TEST_FILE = ROOT / "instructor" / "hackathon" / "test.txt"
# A recipe and a code submission, both a few updates at the quick budget.
SUBMISSIONS = [ATTACKS / "tiny_recipe.toml", ATTACKS / "adam_subclass.py"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("codabench")
    archive = codabench.export(out, TEST_FILE, budget="quick")
    assert archive.is_file()
    return out / "bundle"


def run_program(program: Path, app: Path) -> subprocess.CompletedProcess:
    """Run a program's metadata.yaml command with /app standing for ``app``, from /app/program."""
    shutil.copytree(program, app / "program")
    command = yaml.safe_load((program / "metadata.yaml").read_text(encoding="utf-8"))["command"]
    argv = [sys.executable if a == "python3" else a.replace("/app", str(app)) for a in shlex.split(command)]
    return subprocess.run(argv, cwd=app / "program", capture_output=True, text=True, timeout=300)


def codabench_scores(bundle: Path, submission: Path, tmp: Path) -> dict:
    ingest = tmp / "ingest"
    shutil.copytree(bundle / "input_data", ingest / "input_data")
    (ingest / "ingested_program").mkdir(parents=True)
    shutil.copy(submission, ingest / "ingested_program" / (
        "submission.py" if submission.suffix == ".py" else submission.name))
    (ingest / "output").mkdir()
    done = run_program(bundle / "ingestion_program", ingest)
    assert done.returncode == 0, done.stderr
    scoring = tmp / "scoring"
    (scoring / "input").mkdir(parents=True)
    shutil.copytree(ingest / "output", scoring / "input" / "res")
    shutil.copytree(bundle / "reference_data", scoring / "input" / "ref")
    (scoring / "output").mkdir()
    done = run_program(bundle / "scoring_program", scoring)
    assert done.returncode == 0, done.stderr
    return json.loads((scoring / "output" / "scores.json").read_text(encoding="utf-8"))


def test_bundle_layout_and_leaderboard_columns(bundle):
    competition = yaml.safe_load((bundle / "competition.yaml").read_text(encoding="utf-8"))
    task = competition["tasks"][0]
    for key in ("ingestion_program", "scoring_program", "input_data", "reference_data"):
        assert (bundle / task[key]).is_dir()
    assert all((bundle / page["file"]).is_file() for page in competition["pages"])
    keys = [c["key"] for c in competition["leaderboards"][0]["columns"]]
    assert keys == ["test_nats_per_char", "iterations", "num_params", "self_declared"]
    assert sorted(p.name for p in (bundle / "input_data").iterdir()) == ["train.txt", "val.txt"]
    assert (bundle / "reference_data" / "test.txt").read_bytes() == TEST_FILE.read_bytes()
    # The ingestion container never holds the test lines.
    first_line = TEST_FILE.read_text(encoding="utf-8").splitlines()[0]
    for path in (bundle / "ingestion_program").rglob("*"):
        if path.is_file() and path.suffix in (".txt", ".py", ".json", ".md"):
            assert first_line not in path.read_text(encoding="utf-8", errors="replace"), path


def test_bundle_programs_reproduce_the_local_scores(bundle, bwrap, tmp_path):
    local_out = tmp_path / "local.json"
    done = subprocess.run([sys.executable, str(HACKATHON / "score.py"), *map(str, SUBMISSIONS),
                           "--budget", "quick", "--out", str(local_out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    local = {r["file"]: r for r in json.loads(local_out.read_text(encoding="utf-8"))["results"]}
    for submission in SUBMISSIONS:
        row = local[submission.name]
        assert row["status"] == "ok"
        scores = codabench_scores(bundle, submission, tmp_path / submission.stem)
        assert scores["iterations"] == row["iterations"]
        assert scores["num_params"] == row["num_params"]
        assert scores["self_declared"] == int(row["iterations_self_declared"])
        # Same machine, same library code, same seed: the same arithmetic (a tolerance all the same,
        # since the bundle runs its own copy of rnnlab in another process layout).
        assert scores["test_nats_per_char"] == pytest.approx(row["test_nats_per_char"], rel=1e-12)
