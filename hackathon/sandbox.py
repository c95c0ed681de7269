"""Code-track ingestion: train one submission in this process (``score.py`` runs it inside bubblewrap).

    python hackathon/sandbox.py SUBMISSION.py WORKDIR BUDGET SEED

Everything in this process is untrusted once the submission is imported: the submission can
patch, replace or bypass any of it. So it only *produces* files, and the scorer believes none
of its numbers:

* ``WORKDIR/architecture.json`` and ``WORKDIR/model.npz``: the returned model's declared
  architecture and arrays, which the scoring program (``scoring.py``, another process, no
  participant code) validates against its allow-list, rebuilds, counts and evaluates;
* ``WORKDIR/declared.json``: a status, a message and the **self-declared** iteration count:
  the larger of the optimizer steps (``rnnlab.optim.Optimizer.step``) and the gradient
  computations (``LanguageModel.backward``) counted from inside the library while the
  submission ran. A submission can change these counts, so the leaderboard marks code-track
  iterations as self-declared (see "Reviewing code-track entries" in the README).

An audit hook turns opening or listing the organisers' folder into status ``read_test_split``
(a clear message for an honest mistake); the sandbox is what keeps the hidden split away, since
it is not mounted at all.
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from rnnlab.model import LanguageModel
from rnnlab.optim import Optimizer
from rnnlab.train import TrainingDiverged

from hackdata import build_vocab, load_split  # the kit's module, beside this script

HIDDEN_DIR = Path(__file__).resolve().parent.parent / "instructor" / "hackathon"
FORBIDDEN_EXIT = 3  # exit code of a submission stopped for touching the hidden folder
ARCHITECTURE_KEYS = ("cell", "embed_size", "hidden_size", "num_layers", "dropout", "reset_after", "dtype")


def write_declared(workdir: Path, **fields) -> None:
    """Write ``WORKDIR/declared.json`` (status, message, self-declared counts)."""
    (workdir / "declared.json").write_text(json.dumps(fields, allow_nan=True, default=str),
                                           encoding="utf-8")


def _touches_hidden(path) -> bool:
    """Does ``path`` (str, bytes or path-like; file descriptors are ignored) lie in the hidden folder?"""
    if isinstance(path, int):
        return False
    try:
        resolved = Path(os.path.realpath(os.fsdecode(path)))
    except (TypeError, ValueError):
        return False
    return resolved == HIDDEN_DIR or HIDDEN_DIR in resolved.parents


def install_guard(workdir: Path) -> None:
    """End the process with ``read_test_split`` if it opens or lists the hidden folder."""
    watched = {"open", "os.listdir", "os.scandir"}

    def hook(event: str, args: tuple) -> None:
        if event in watched and args and _touches_hidden(args[0]):
            write_declared(workdir, status="read_test_split",
                           message=f"tried to {event} {os.fsdecode(args[0])!r}, inside the hidden "
                                   "test folder; submissions may read only the data they are given")
            os._exit(FORBIDDEN_EXIT)

    sys.addaudithook(hook)


def install_counters() -> dict[str, int]:
    """Count optimizer steps and backward passes from inside the library; returns the live counts."""
    counts = {"optimizer_steps": 0, "gradient_evaluations": 0}
    original_step, original_backward = Optimizer.step, LanguageModel.backward

    def counted_step(self, grads):
        counts["optimizer_steps"] += 1
        return original_step(self, grads)

    def counted_backward(self):
        counts["gradient_evaluations"] += 1
        return original_backward(self)

    Optimizer.step = counted_step
    LanguageModel.backward = counted_backward
    return counts


def iteration_counts(counts: dict[str, int]) -> dict[str, int]:
    """The counts plus ``iterations``, the larger of optimizer steps and gradient computations."""
    return {"iterations": max(counts["optimizer_steps"], counts["gradient_evaluations"]), **counts}


def load_submission(path: Path):
    """Import the submission file and return its ``train`` function."""
    spec = importlib.util.spec_from_file_location("submission", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    train = getattr(module, "train", None)
    if not callable(train):
        raise TypeError(f"{path.name}: defines no function train(train_sentences, val_sentences, "
                        "vocab, rng, budget)")
    return train


def save_model(workdir: Path, model: LanguageModel) -> None:
    """The declared architecture and the parameter arrays, for the scoring program to check."""
    architecture = {k: model.config[k] for k in ARCHITECTURE_KEYS}
    (workdir / "architecture.json").write_text(json.dumps(architecture), encoding="utf-8")
    with open(workdir / "model.npz", "wb") as f:
        np.savez(f, **{name: np.asarray(p) for name, p in model.params.items()})


def run(submission: Path, workdir: Path, budget: str, seed: int) -> int:
    """Train and save; returns the process exit code (0 also for a failed submission)."""
    train_sentences, val_sentences = load_split("train"), load_split("val")
    vocab = build_vocab(train_sentences)
    vocab_size = len(vocab)  # taken now: the submission receives the object itself
    install_guard(workdir)
    counts = install_counters()
    try:
        train = load_submission(submission)
    except Exception as err:  # a syntax error, a failing import, no train function
        write_declared(workdir, status="invalid_submission", message=f"{type(err).__name__}: {err}")
        return 0
    start = time.perf_counter()
    try:
        model = train(list(train_sentences), list(val_sentences), vocab,
                      np.random.default_rng(seed), budget)
    except TrainingDiverged as err:
        write_declared(workdir, status="nan", message=str(err))
        return 0
    except MemoryError:
        write_declared(workdir, status="out_of_memory", message="MemoryError: over the memory limit")
        return 0
    except Exception as err:  # any bug in a submission becomes its status row
        tail = "".join(traceback.format_exception(err)[-3:]).strip()
        write_declared(workdir, status="crashed", message=f"{type(err).__name__}: {err}\n{tail}")
        return 0
    seconds = time.perf_counter() - start
    if not isinstance(model, LanguageModel):
        write_declared(workdir, status="not_a_model",
                       message=f"train returned {type(model).__name__}, expected an rnnlab LanguageModel")
        return 0
    if model.vocab_size != vocab_size:
        write_declared(workdir, status="not_a_model",
                       message=f"the model's vocab_size is {model.vocab_size}, the hackathon "
                               f"vocabulary has {vocab_size} ids (use len(vocab))")
        return 0
    save_model(workdir, model)
    write_declared(workdir, status="ok", message="", train_seconds=round(seconds, 3),
                   **iteration_counts(counts))
    return 0


if __name__ == "__main__":
    path, out, budget_name, seed_text = sys.argv[1:5]
    sys.exit(run(Path(path).resolve(), Path(out), budget_name, int(seed_text)))
