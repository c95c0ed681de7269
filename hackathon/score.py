"""Score hackathon submissions on the hidden test split and write the leaderboard data.

    python hackathon/score.py hackathon/submissions/*.py --budget full --out hackathon/results/leaderboard.json

For each submission (a Python file defining ``train(train_sentences, val_sentences, vocab, rng,
budget) -> LanguageModel``):

1. ``sandbox.py`` trains it in its own process, under a memory limit (``RLIMIT_AS``) and a
   wall-clock limit, with the optimizer's updates counted by the library and an audit hook that
   stops any attempt to read the hidden test split (whose path it is never given);
2. this process loads the saved checkpoint and measures the loss per character on the test
   split with ``rnnlab.train.evaluate`` (nats, and bits = nats / ln 2), and the parameter count
   with ``num_params()``;
3. a submission that crashes, runs out of time or memory, returns NaN or a non-model, or reads
   the test split gets a status row; the others are scored as usual.

Every child gets the same seed and runs single-threaded BLAS, so scoring twice gives the same
losses, iterations and parameter counts (wall times differ, of course). ``--budget quick`` asks
submissions for a short run (``budget == "quick"``) for smoke tests; the leaderboard uses
``full``. The output JSON marks the Pareto front: the ``ok`` rows that no other ``ok`` row
dominates (at least as good on all three axes, test loss, iterations and parameters, and better
on one).
"""
from __future__ import annotations

import os

# One BLAS thread makes every matrix product, hence every score, reproducible (and leaves the
# other cores to other work). The training children always get it; this process (which
# evaluates) sets it before numpy is imported when run as a script, not when merely imported.
SINGLE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
if __name__ == "__main__":
    os.environ.update(SINGLE_THREAD)

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hackdata import batches, build_vocab, load_split, read_sentences  # noqa: E402

TEST_PATH = HERE.parent / "instructor" / "hackathon" / "test.txt"
SEED = 20261122
STATUSES = ("ok", "crashed", "timeout", "out_of_memory", "nan", "not_a_model", "read_test_split",
            "invalid_submission")


@dataclass(frozen=True)
class Budget:
    """Limits for one submission's training process."""

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


def train_in_child(submission: Path, workdir: Path, budget: str, limits: Budget, seed: int) -> dict:
    """Run ``sandbox.py`` on one submission; returns its result dict (always with a ``status``)."""
    command = [sys.executable, str(HERE / "sandbox.py"), str(submission), str(workdir), budget, str(seed)]
    start = time.perf_counter()
    # A new session: on timeout the whole process group (anything the submission started) is killed.
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_limit_memory(limits.memory_limit_mb), start_new_session=True,
                             env={**os.environ, **SINGLE_THREAD, "PYTHONHASHSEED": "0"})
    try:
        _, stderr = child.communicate(timeout=limits.time_limit_s)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return {"status": "timeout",
                "message": f"training took longer than the limit of {limits.time_limit_s:g} s"}
    result_file = workdir / "result.json"
    if result_file.exists():
        result = json.loads(result_file.read_text(encoding="utf-8"))
    elif "MemoryError" in stderr or child.returncode == -signal.SIGKILL:
        result = {"status": "out_of_memory",
                  "message": f"the process ran out of its {limits.memory_limit_mb} MB of memory"}
    else:
        result = {"status": "crashed",
                  "message": f"exit code {child.returncode}: {stderr.strip()[-600:]}"}
    result["wall_seconds"] = round(time.perf_counter() - start, 3)
    return result


def evaluate_checkpoint(checkpoint: Path, test_sentences: list[str], vocab) -> float:
    """Mean nats per predicted character (end token included) of a saved model on the test split."""
    from rnnlab.train import evaluate, load_checkpoint

    model = load_checkpoint(checkpoint).model
    return evaluate(model, batches(test_sentences, vocab, 64))


def score_submission(submission: Path, budget: str, limits: Budget, test_sentences: list[str],
                     vocab, seed: int = SEED) -> dict:
    """One leaderboard row for one submission file."""
    row = {"name": submission.stem, "file": submission.name}
    with tempfile.TemporaryDirectory(prefix="hackathon-") as tmp:
        result = train_in_child(submission, Path(tmp), budget, limits, seed)
        if result["status"] == "ok":
            nats = evaluate_checkpoint(Path(tmp) / "model.npz", test_sentences, vocab)
            if math.isfinite(nats):
                result["test_nats_per_char"] = nats
                result["test_bits_per_char"] = nats / math.log(2)
            else:
                result.update(status="nan", message=f"the test loss is {nats}")
    row.update(result)
    return row


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
    vocab = build_vocab(load_split("train"))
    test_sentences = read_sentences(test_path)
    rows = [score_submission(Path(s).resolve(), budget, limits, test_sentences, vocab, seed)
            for s in submissions]
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
    parser.add_argument("--test", type=Path, default=TEST_PATH, help="the hidden test split")
    args = parser.parse_args(argv)
    missing = [str(s) for s in args.submissions if not s.is_file()]
    if missing:
        parser.error(f"no such submission file: {', '.join(missing)}")
    document = score(args.submissions, args.budget, time_limit_s=args.time_limit,
                     memory_limit_mb=args.memory_limit, test_path=args.test)
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
