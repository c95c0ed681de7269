"""Score hackathon submissions on the hidden test split and write the leaderboard data.

    python hackathon/score.py hackathon/submissions/baseline.json my_model.py --budget full --out results.json

Scoring is split as on competition platforms, into steps run in separate processes:

1. **Ingestion** produces, in a fresh work folder, ``architecture.json``, ``model.npz`` and
   ``declared.json``. A *recipe* (``.json`` or ``.toml``, see ``recipe.py``) is trained by the
   harness, which counts its iterations; a *code* submission (``.py`` defining ``train``) runs in
   ``sandbox.py`` inside bubblewrap (``isolation.py``): no network, the library and this kit
   read-only, the rest of the repository (``instructor/``, ``.git``) and the test file absent,
   only its work folder writable, its whole process
   tree killed when it ends, output capped, time and memory limited. Its iterations are
   **self-declared** and marked so.
2. **Scoring** (``scoring.py``, ``python -E -s`` with a fresh bytecode cache) imports no participant
   code: it rebuilds the declared architecture from an allow-list, copies in the arrays after
   checking every name, shape and dtype, counts the parameters itself and evaluates on the test
   sentences, which ingestion never had.
3. This process validates everything the children wrote (types, ranges, known statuses), names
   each row from its file name and marks the Pareto front among the ``ok`` rows that beat the
   unigram model (a model that ignores context). One broken submission costs only its row.

Without bubblewrap, code-track submissions get status ``no_sandbox`` unless
``--unsafe-no-sandbox`` is given (then they run as plain child processes and can read or change
anything the user can; the row says ``"sandbox": false``). Recipes need no sandbox.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# The kit's own modules sit beside this script, whose folder Python puts first on sys.path.
from hackdata import SPLIT_PATHS, build_vocab, load_split, read_sentences
from isolation import BWRAP_MISSING, CHILD_ENV, Limits, bwrap_path, run_limited, sandboxed
from recipe import RECIPE_SUFFIXES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

TEST_PATH = ROOT / "instructor" / "hackathon" / "test.txt"
HIDDEN_DIR = ROOT / "instructor"
SEED = 20261122
# Failure statuses an ingestion child may declare about itself (it can only hurt its own row).
DECLARABLE = ("crashed", "nan", "not_a_model", "read_test_split", "invalid_submission",
              "invalid_recipe", "invalid_architecture", "out_of_memory")
STATUSES = ("ok", "timeout", "eval_failed", "invalid_checkpoint", "invalid_output", "no_sandbox",
            "scorer_error", *DECLARABLE)
SCORING_STATUSES = ("ok", "invalid_architecture", "invalid_checkpoint", "nan", "eval_failed")
ITERATIONS = ("one iteration is one optimizer update (one change of the parameters); recipe "
              "track: counted by the harness; code track: self-declared (the larger of optimizer "
              "steps and backward passes counted inside the submission's own process)")
MAX_ITERATIONS = 10**9
MAX_DECLARED_BYTES = 65536
EVAL_TIME_LIMIT_S = 60.0  # the baseline evaluates in well under a second
# Full: the baseline needs about 20 s on one core; five minutes leaves room for a loaded machine.
BUDGETS = {"full": Limits(300.0, 2048), "quick": Limits(120.0, 2048)}


def machine_info() -> dict:
    """The machine, Python, numpy and BLAS kernel that produced the numbers."""
    import numpy as np
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # installed with requirements/test.txt; the kernel then goes unrecorded
        blas = []
    else:
        blas = [{k: lib.get(k) for k in ("internal_api", "version", "architecture")}
                for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return {"platform": platform.platform(), "processor": platform.machine(),
            "python": platform.python_version(), "numpy": np.__version__, "blas": blas}


def unigram_nats_per_char(train: list[str], test: list[str]) -> float:
    """Test loss of the unigram model of the training characters (the end token included)."""
    counts = Counter(c for s in train for c in [*s, "<eos>"])
    total = sum(counts.values())
    targets = [c for s in test for c in [*s, "<eos>"]]
    return -sum(math.log(counts[c] / total) for c in targets) / len(targets)


def check_test_split(test_sentences: list[str], vocab) -> None:
    """Raise ValueError naming the test characters that have no id (never seen in training)."""
    unknown = sorted({c for s in test_sentences for c in s if c not in vocab})
    if unknown:
        raise ValueError(f"the test file has characters that never occur in the training split, so "
                         f"no model can score them: {unknown}; remove or rewrite those lines")


def row_names(submissions: list[Path]) -> list[str]:
    """One name per submission, from its file name (letters, digits, - and _), made unique."""
    names, seen = [], Counter()
    for path in submissions:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", path.stem)[:40] or "submission"
        seen[base] += 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


# The flags of the harness's own children (recipe training, scoring): -E and -s ignore every
# PYTHON* variable and the user's site-packages, and a fresh pycache_prefix ignores any .pyc
# planted beside the sources. This is python -I except -P: the script's own folder (this kit,
# read-only to submissions) stays first on sys.path, because that is where its modules are.
HARNESS_FLAGS = ("-E", "-s")


def _python(*flags: str) -> list[str]:
    return [sys.executable, *flags]


def ingest(submission: Path, tmp: Path, budget: str, limits: Limits, seed: int, test_path: Path,
           unsafe: bool) -> tuple[dict, Path]:
    """Run the ingestion of one submission; returns ``(declared fields or a failure row, outdir)``."""
    out = tmp / "output"
    out.mkdir()
    if submission.suffix in RECIPE_SUFFIXES:  # data only: the harness's own code trains it
        command = _python(*HARNESS_FLAGS, "-X", f"pycache_prefix={tmp / 'pycache'}", str(HERE / "recipe.py"),
                          str(submission), str(out), budget, str(seed))
        done = run_limited(command, limits)
    elif submission.suffix == ".py":
        code = tmp / "submission"
        code.mkdir()
        shutil.copy(submission, code / "submission.py")
        command = _python(str(HERE / "sandbox.py"), str(code / "submission.py"), str(out), budget, str(seed))
        bwrap = bwrap_path()
        if bwrap is not None:
            # Only the library and this kit are mounted (plus the Python and venv, in isolation.py):
            # not instructor/, not .git (every committed version of the hidden lines), not build
            # folders (an exported Codabench bundle holds the test lines).
            mounted = [ROOT / "lib", HERE]
            public = {p.resolve() for p in SPLIT_PATHS.values()}
            visible = test_path not in public and any(test_path.is_relative_to(m) for m in mounted)
            command = sandboxed(command, workdir=out, readonly=[*mounted, code],
                                hidden=[test_path] if visible else [], bwrap=bwrap)
        elif not unsafe:
            return {"status": "no_sandbox", "message": BWRAP_MISSING}, out
        done = run_limited(command, limits)
    else:
        return {"status": "invalid_submission",
                "message": f"{submission.name}: expected a .py file (code track) or a .json or "
                           ".toml recipe"}, out
    if done.timed_out:
        return {"status": "timeout", "message": f"ingestion took longer than the limit of "
                                                f"{limits.time_limit_s:g} s"}, out
    declared = _read_declared(out / "declared.json")
    if declared is None:
        if "MemoryError" in done.stderr or done.returncode == -9:
            return {"status": "out_of_memory",
                    "message": f"the process ran out of its {limits.memory_limit_mb} MB of memory"}, out
        return {"status": "crashed",
                "message": f"exit code {done.returncode} and no valid declared.json: "
                           f"{done.stderr.strip()[-600:]}"}, out
    return _check_declared(declared, submission.suffix == ".py"), out


def _read_declared(path: Path):
    """``declared.json`` as an object, or None when it is missing, too big or not JSON."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_DECLARED_BYTES:
            return None
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _check_declared(declared: dict, self_declared: bool) -> dict:
    """The fields of ``declared.json`` this scorer accepts: a status and, when ok, an iteration count."""
    status, message = declared.get("status"), declared.get("message")
    message = message[:2000] if isinstance(message, str) else ""
    if status in DECLARABLE:
        return {"status": status, "message": message or status}
    if status != "ok":
        return {"status": "invalid_output", "message": f"the ingestion declared status {str(status)[:80]!r}"}
    iterations = declared.get("iterations")
    if type(iterations) is not int or not 0 <= iterations <= MAX_ITERATIONS:
        return {"status": "invalid_output",
                "message": f"iterations must be an integer in [0, {MAX_ITERATIONS}], got {str(iterations)[:80]}"}
    return {"status": "ok", "message": "", "iterations": iterations,
            "iterations_self_declared": self_declared}


def evaluate(outdir: Path, tmp: Path, test_path: Path, memory_limit_mb: int) -> dict:
    """Run the scoring program on an ingestion output; returns its validated fields."""
    command = _python(*HARNESS_FLAGS, "-X", f"pycache_prefix={tmp / 'pycache-scoring'}", str(HERE / "scoring.py"),
                      str(outdir), str(test_path), str(SPLIT_PATHS["train"]))
    done = run_limited(command, Limits(EVAL_TIME_LIMIT_S, memory_limit_mb))
    if done.timed_out:
        return {"status": "eval_failed", "message": f"evaluating took longer than {EVAL_TIME_LIMIT_S:g} s"}
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
        status = result["status"]
        assert status in SCORING_STATUSES
    except (IndexError, ValueError, KeyError, TypeError, AssertionError):
        why = ("ran out of memory" if "MemoryError" in done.stderr or done.returncode == -9
               else f"exit code {done.returncode}: {done.stderr.strip()[-600:]}")
        return {"status": "eval_failed", "message": f"the scoring program failed: {why}"}
    fields = {"status": status, "message": str(result.get("message", ""))[:2000]}
    if type(result.get("num_params")) is int:
        fields["num_params"] = result["num_params"]
    if status == "ok":
        nats = result.get("test_nats_per_char")
        if type(nats) is not float or not math.isfinite(nats) or nats < 0 or "num_params" not in fields:
            return {"status": "eval_failed", "message": "the scoring program returned no valid loss"}
        fields.update(test_nats_per_char=nats, test_bits_per_char=nats / math.log(2))
    return fields


def score_submission(submission: Path, name: str, budget: str, limits: Limits, test_path: Path,
                     seed: int = SEED, unsafe: bool = False) -> dict:
    """One leaderboard row: ingestion in one child, scoring in another; never raises."""
    track = "recipe" if submission.suffix in RECIPE_SUFFIXES else "code"
    row = {"name": name, "file": submission.name, "track": track}
    if track == "code":
        row["sandbox"] = bwrap_path() is not None
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="hackathon-") as tmp:
            result, outdir = ingest(submission, Path(tmp), budget, limits, seed, test_path, unsafe)
            if result["status"] == "ok":
                result.update(evaluate(outdir, Path(tmp), test_path, limits.memory_limit_mb))
    except Exception as err:  # a bug here must not stop the other submissions
        result = {"status": "scorer_error", "message": f"{type(err).__name__}: {err}"}
    row.update(result)
    row["wall_seconds"] = round(time.perf_counter() - start, 3)
    return row


def mark_pareto(rows: list[dict], trivial_nats: float = math.inf) -> list[dict]:
    """Copies of ``rows`` with ``pareto`` True for the ok rows that beat ``trivial_nats`` and that
    no other such row dominates on (loss, iterations, parameters); lower is better on each axis,
    and a row with equal values on all three is not dominated."""
    axes = ("test_nats_per_char", "iterations", "num_params")
    eligible = [r for r in rows if r["status"] == "ok" and r["test_nats_per_char"] < trivial_nats]

    def dominates(a: dict, b: dict) -> bool:
        return all(a[k] <= b[k] for k in axes) and any(a[k] < b[k] for k in axes)

    return [{**r, "pareto": any(r is e for e in eligible) and not any(dominates(o, r) for o in eligible)}
            for r in rows]


def score(submissions: list[Path], budget: str = "full", *, time_limit_s: float | None = None,
          memory_limit_mb: int | None = None, test_path: Path = TEST_PATH, seed: int = SEED,
          unsafe: bool = False) -> dict:
    """Score every submission; returns the leaderboard document."""
    limits = BUDGETS[budget]
    limits = Limits(time_limit_s or limits.time_limit_s, memory_limit_mb or limits.memory_limit_mb)
    test_path = Path(test_path).resolve()
    test_sentences = read_sentences(test_path)
    train = load_split("train")
    check_test_split(test_sentences, build_vocab(train))
    trivial = unigram_nats_per_char(train, test_sentences)
    paths = [Path(s).resolve() for s in submissions]
    rows = [score_submission(p, n, budget, limits, test_path, seed, unsafe)
            for p, n in zip(paths, row_names(paths))]
    scored_on = ("validation" if test_path == SPLIT_PATHS["val"].resolve()
                 else "hidden test" if test_path.is_relative_to(HIDDEN_DIR) else "other")
    return {
        "budget": budget,
        "seed": seed,
        "time_limit_s": limits.time_limit_s,
        "memory_limit_mb": limits.memory_limit_mb,
        "scored_on": scored_on,
        "test_sentences": len(test_sentences),
        "test_characters": sum(len(s) + 1 for s in test_sentences),  # + 1: the end token
        "unigram_nats_per_char": trivial,
        "iterations_definition": ITERATIONS,
        "sandbox": bwrap_path() is not None,
        "machine": machine_info(),
        "results": mark_pareto(rows, trivial),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", type=Path,
                        help="submission files: recipes (.json, .toml) or code (.py)")
    parser.add_argument("--budget", choices=sorted(BUDGETS), default="full")
    parser.add_argument("--out", type=Path, required=True, help="results JSON to write")
    parser.add_argument("--time-limit", type=float, help="seconds per submission (overrides the budget)")
    parser.add_argument("--memory-limit", type=int, help="MB per submission (overrides the budget)")
    parser.add_argument("--test", type=Path, default=TEST_PATH,
                        help="sentences to score on, one per line (default: the hidden test split "
                             "instructor/hackathon/test.txt; data/val.txt for a local check)")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run code-track submissions without bubblewrap (trusted code only)")
    args = parser.parse_args(argv)
    missing = [str(s) for s in [*args.submissions, args.test] if not s.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    try:
        document = score(args.submissions, args.budget, time_limit_s=args.time_limit,
                         memory_limit_mb=args.memory_limit, test_path=args.test,
                         unsafe=args.unsafe_no_sandbox)
    except ValueError as err:  # an unusable test file: nothing can be scored on it
        parser.error(f"--test {args.test}: {err}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    if document["scored_on"] == "validation":
        print("Scored on the VALIDATION split (hackathon/data/val.txt): a practice score, optimistic "
              "for a submission that early-stops or tunes on it; the leaderboard uses the hidden test split.")
    print(f"unigram model (ignores context): {document['unigram_nats_per_char']:.4f} nats/char")
    for r in document["results"]:
        if r["status"] == "ok":
            mark = " (self-declared)" if r["iterations_self_declared"] else ""
            print(f"{r['name']:<20} ok  {r['test_nats_per_char']:.4f} nats/char "
                  f"({r['test_bits_per_char']:.4f} bits)  {r['iterations']} iterations{mark}  "
                  f"{r['num_params']} parameters  {r['wall_seconds']:.1f} s"
                  + ("  [Pareto front]" if r["pareto"] else ""))
        else:
            print(f"{r['name']:<20} {r['status']}: {r['message'].splitlines()[0] if r['message'] else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
