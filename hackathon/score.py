"""Score hackathon submissions on the hidden test split and write the leaderboard data.

    python hackathon/score.py hackathon/submissions/*.py --budget full --out hackathon/results/leaderboard.json

For each submission (a Python file defining ``train(train_sentences, val_sentences, vocab, rng,
budget) -> LanguageModel``):

1. ``sandbox.py`` trains it in its own process, under a memory limit (``RLIMIT_AS``) and a
   wall-clock limit, with its iterations counted by the library (the larger of the optimizer
   steps and the gradient computations) and an audit hook that ends the process if it opens or
   lists the organisers' folder ``instructor/hackathon/`` (the test file's path is never given
   to it; the hook cannot tell whether the same lines were rebuilt from the shipped corpus);
2. ``evaluate_checkpoint.py``, a second child under the same memory limit and its own time
   limit, reloads the saved model and measures the loss per character on the test split with
   ``rnnlab.train.evaluate`` (nats, and bits = nats / ln 2); the parameter count is the
   returned model's ``num_params()``;
3. a submission that crashes, runs out of time or memory, returns NaN or a non-model, reads
   the hidden folder, or whose model cannot be evaluated (status ``eval_failed``, or ``nan``
   for a non-finite test loss) gets a status row; the others are scored as usual.

Every child gets the same seed and runs single-threaded BLAS, so scoring twice gives the same
losses, iterations and parameter counts (wall times differ, of course). ``--budget quick`` asks
submissions for a short run (``budget == "quick"``) for smoke tests; the leaderboard uses
``full``. ``--test FILE`` scores on another file of sentences (one per line; every character
must occur in the training split): the validation split for a participant's own check, or lines
written for a real event. The output JSON marks the Pareto front: the ``ok`` rows that no
other ``ok`` row dominates (at least as good on all three axes, test loss, iterations and
parameters, and better on one).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hackdata import build_vocab, load_split, read_sentences  # noqa: E402

TEST_PATH = HERE.parent / "instructor" / "hackathon" / "test.txt"
SEED = 20261122
STATUSES = ("ok", "crashed", "timeout", "out_of_memory", "nan", "not_a_model", "read_test_split",
            "invalid_submission", "eval_failed")
# Every child runs single-threaded BLAS: the same matrix products, hence the same scores, on every
# run (and the other cores stay free for other work).
CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "PYTHONHASHSEED": "0"}
# Evaluating the baseline on the 70 test lines takes well under a second; a minute leaves room
# for a big model on a loaded machine.
EVAL_TIME_LIMIT_S = 60.0


@dataclass(frozen=True)
class Budget:
    """Limits of one child process (training a submission, or evaluating its model)."""

    time_limit_s: float
    memory_limit_mb: int


# Full: the baseline needs about a minute on one core; five minutes leaves room for a loaded
# machine. Memory: a GRU language model of this size needs well under 1 GB of address space.
BUDGETS = {"full": Budget(300.0, 2048), "quick": Budget(120.0, 2048)}


def _limit_memory(megabytes: int):
    """A ``preexec_fn`` that caps the child's address space (numpy then raises MemoryError)."""
    def apply() -> None:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def run_limited(command: list[str], limits: Budget) -> subprocess.CompletedProcess | None:
    """Run ``command`` under ``limits`` (memory and wall clock); None when the clock ran out."""
    # A new session: on timeout the whole process group (anything the child started) is killed.
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_limit_memory(limits.memory_limit_mb), start_new_session=True,
                             env={**os.environ, **CHILD_ENV})
    try:
        stdout, stderr = child.communicate(timeout=limits.time_limit_s)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return None
    return subprocess.CompletedProcess(command, child.returncode, stdout, stderr)


def _ran_out_of_memory(done: subprocess.CompletedProcess) -> bool:
    """Did a child die of its memory limit (numpy's MemoryError, or killed by the kernel)?"""
    return "MemoryError" in done.stderr or done.returncode == -signal.SIGKILL


def train_in_child(submission: Path, workdir: Path, budget: str, limits: Budget, seed: int) -> dict:
    """Run ``sandbox.py`` on one submission; returns its result dict (always with a ``status``)."""
    start = time.perf_counter()
    done = run_limited([sys.executable, str(HERE / "sandbox.py"), str(submission), str(workdir),
                        budget, str(seed)], limits)
    if done is None:
        return {"status": "timeout",
                "message": f"training took longer than the limit of {limits.time_limit_s:g} s"}
    result_file = workdir / "result.json"
    if result_file.exists():
        result = json.loads(result_file.read_text(encoding="utf-8"))
    elif _ran_out_of_memory(done):
        result = {"status": "out_of_memory",
                  "message": f"the process ran out of its {limits.memory_limit_mb} MB of memory"}
    else:
        result = {"status": "crashed",
                  "message": f"exit code {done.returncode}: {done.stderr.strip()[-600:]}"}
    result["wall_seconds"] = round(time.perf_counter() - start, 3)
    return result


def evaluate_in_child(checkpoint: Path, test_path: Path, memory_limit_mb: int) -> dict:
    """Test loss of a saved model, measured by ``evaluate_checkpoint.py`` in a limited child.

    Returns ``{"status": "ok", "test_nats_per_char", "test_bits_per_char"}``, or ``{"status":
    "eval_failed" | "nan", "message"}``: no failure of one model can stop the scoring.
    """
    limits = Budget(EVAL_TIME_LIMIT_S, memory_limit_mb)
    done = run_limited([sys.executable, str(HERE / "evaluate_checkpoint.py"), str(checkpoint),
                        str(test_path)], limits)
    if done is None:
        return {"status": "eval_failed",
                "message": f"evaluating on the test split took longer than {EVAL_TIME_LIMIT_S:g} s"}
    if done.returncode != 0:
        why = (f"ran out of its {memory_limit_mb} MB of memory" if _ran_out_of_memory(done)
               else f"exit code {done.returncode}: {done.stderr.strip()[-600:]}")
        return {"status": "eval_failed", "message": f"evaluating on the test split failed: {why}"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] == "ok":
        result["test_bits_per_char"] = result["test_nats_per_char"] / math.log(2)
    return result


def score_submission(submission: Path, budget: str, limits: Budget, test_path: Path,
                     seed: int = SEED) -> dict:
    """One leaderboard row for one submission file: train in one child, evaluate in another."""
    row = {"name": submission.stem, "file": submission.name}
    with tempfile.TemporaryDirectory(prefix="hackathon-") as tmp:
        result = train_in_child(submission, Path(tmp), budget, limits, seed)
        if result["status"] == "ok":
            result.update(evaluate_in_child(Path(tmp) / "model.npz", test_path, limits.memory_limit_mb))
    row.update(result)
    return row


def check_test_split(test_sentences: list[str], vocab) -> None:
    """Raise ValueError naming the test characters that have no id (never seen in training)."""
    unknown = sorted({c for s in test_sentences for c in s if c not in vocab})
    if unknown:
        raise ValueError(f"the test file has characters that never occur in the training split, so "
                         f"no model can score them: {unknown}; remove or rewrite those lines")


def mark_pareto(rows: list[dict]) -> list[dict]:
    """Copies of ``rows`` with ``pareto`` True for the ok rows not dominated on (loss, iterations,
    parameters); lower is better on each axis, and a row with equal values on all three is not
    dominated."""
    axes = ("test_nats_per_char", "iterations", "num_params")
    ok = [r for r in rows if r["status"] == "ok"]

    def dominates(a: dict, b: dict) -> bool:
        return all(a[k] <= b[k] for k in axes) and any(a[k] < b[k] for k in axes)

    return [{**r, "pareto": r["status"] == "ok" and not any(dominates(o, r) for o in ok)} for r in rows]


def score(submissions: list[Path], budget: str = "full", *, time_limit_s: float | None = None,
          memory_limit_mb: int | None = None, test_path: Path = TEST_PATH, seed: int = SEED) -> dict:
    """Score every submission; returns the leaderboard document (see ``main`` for its fields)."""
    limits = BUDGETS[budget]
    limits = Budget(time_limit_s or limits.time_limit_s, memory_limit_mb or limits.memory_limit_mb)
    test_path = Path(test_path).resolve()
    test_sentences = read_sentences(test_path)
    check_test_split(test_sentences, build_vocab(load_split("train")))
    rows = [score_submission(Path(s).resolve(), budget, limits, test_path, seed) for s in submissions]
    return {
        "budget": budget,
        "seed": seed,
        "time_limit_s": limits.time_limit_s,
        "memory_limit_mb": limits.memory_limit_mb,
        "test_sentences": len(test_sentences),
        "test_characters": sum(len(s) + 1 for s in test_sentences),  # + 1: the end token
        "results": mark_pareto(rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", type=Path, help="submission .py files")
    parser.add_argument("--budget", choices=sorted(BUDGETS), default="full")
    parser.add_argument("--out", type=Path, required=True, help="results JSON to write")
    parser.add_argument("--time-limit", type=float, help="seconds per submission (overrides the budget)")
    parser.add_argument("--memory-limit", type=int, help="MB per submission (overrides the budget)")
    parser.add_argument("--test", type=Path, default=TEST_PATH,
                        help="sentences to score on, one per line (default: the hidden test split "
                             "instructor/hackathon/test.txt; data/val.txt for a local check)")
    args = parser.parse_args(argv)
    missing = [str(s) for s in [*args.submissions, args.test] if not s.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    try:
        document = score(args.submissions, args.budget, time_limit_s=args.time_limit,
                         memory_limit_mb=args.memory_limit, test_path=args.test)
    except ValueError as err:  # an unusable test file: nothing can be scored on it
        parser.error(f"--test {args.test}: {err}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    for r in document["results"]:
        if r["status"] == "ok":
            print(f"{r['name']:<20} ok  {r['test_nats_per_char']:.4f} nats/char "
                  f"({r['test_bits_per_char']:.4f} bits)  {r['iterations']} iterations  "
                  f"{r['num_params']} parameters  {r['wall_seconds']:.1f} s"
                  + ("  [Pareto front]" if r["pareto"] else ""))
        else:
            print(f"{r['name']:<20} {r['status']}: {r['message'].splitlines()[0] if r['message'] else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
