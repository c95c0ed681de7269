"""Train one submission in this process (the child that ``score.py`` starts; never import it).

    python hackathon/sandbox.py SUBMISSION.py WORKDIR BUDGET SEED

The parent has already set the memory limit (``RLIMIT_AS``) and watches the clock. This child:

1. installs an audit hook (``sys.addaudithook``) that ends the process at once, with status
   ``read_test_split``, if anything opens or lists the organisers' hidden folder
   (``instructor/hackathon/``), or with ``invalid_submission`` if it starts another program
   (which would run without the hook); ``os._exit`` cannot be caught by the submission;
2. counts, from inside the library, the optimizer steps (``rnnlab.optim.Optimizer.step``) and
   the gradient computations (``LanguageModel.backward``, which ``loss_and_grads`` and
   ``rnnlab.train.train`` call); the submission's iterations are the larger of the two, so an
   update loop written by hand (``p -= lr * g`` with gradients from ``backward``) is counted
   as well as one through an optimizer;
3. imports the submission *after* both, calls its ``train(train_sentences, val_sentences, vocab,
   rng, budget)`` and checks what comes back;
4. saves the returned model with ``rnnlab.train.save_checkpoint`` to ``WORKDIR/model.npz`` and
   writes ``WORKDIR/result.json`` (status, iterations, parameters, seconds).

The test split's path is never given to this process; the hook catches a submission that
guesses it and opens or lists the hidden folder. It cannot catch a submission that rebuilds the
same lines from the shipped corpus (``rnnlab.data.load_lines`` and the published split seed):
only test lines that ship nowhere prevent that (see "Running a real event" in the README). This
is a deterrent for honest contests, not a security sandbox: code that calls the C library
directly could get around it.
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
from rnnlab.train import TrainingDiverged, save_checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hackdata import build_vocab, load_split  # noqa: E402

HIDDEN_DIR = Path(__file__).resolve().parent.parent / "instructor" / "hackathon"
FORBIDDEN_EXIT = 3  # exit code of a submission stopped for touching the hidden folder


def write_result(workdir: Path, **fields) -> None:
    """Write ``WORKDIR/result.json`` (the only channel back to the parent besides the checkpoint)."""
    (workdir / "result.json").write_text(json.dumps(fields, allow_nan=True), encoding="utf-8")


def _touches_hidden(path) -> bool:
    """Does ``path`` (str, bytes or path-like; file descriptors are ignored) lie in the hidden folder?"""
    if isinstance(path, int):
        return False
    try:
        resolved = Path(os.path.realpath(os.fsdecode(path)))
    except (TypeError, ValueError):
        return False
    return resolved == HIDDEN_DIR or HIDDEN_DIR in resolved.parents


# Audit events of starting another program: a new process would run without this hook.
SPAWN_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                "os.forkpty"}


def install_guards(workdir: Path) -> None:
    """End the process at once if it opens or lists the hidden folder (``read_test_split``) or
    starts another program (``invalid_submission``)."""
    watched = {"open", "os.listdir", "os.scandir"}

    def hook(event: str, args: tuple) -> None:
        if event in watched and args and _touches_hidden(args[0]):
            write_result(workdir, status="read_test_split",
                         message=f"tried to {event} {os.fsdecode(args[0])!r}, inside the hidden "
                                 "test folder; submissions may read only the data they are given")
            os._exit(FORBIDDEN_EXIT)
        if event in SPAWN_EVENTS:
            write_result(workdir, status="invalid_submission",
                         message=f"started another program ({event}); submissions run in one process")
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
    """The counts plus ``iterations``, the larger of optimizer steps and gradient computations.

    An optimizer step without a fresh gradient (``step`` called twice on the same gradients) and
    a gradient used by a hand-written update both change the parameters once, so each count
    alone would miss some updates; the larger one counts every update made either way.
    """
    return {"iterations": max(counts["optimizer_steps"], counts["gradient_evaluations"]), **counts}


def _overriding_optimizers() -> list[str]:
    """Optimizer subclasses that redefine ``step`` (their updates would escape the counter)."""
    found, stack = [], list(Optimizer.__subclasses__())
    while stack:
        cls = stack.pop()
        if "step" in vars(cls):
            found.append(cls.__qualname__)
        stack.extend(cls.__subclasses__())
    return sorted(found)


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


def check_model(model, vocab_size: int) -> tuple[str, str]:
    """``(status, message)`` for what ``train`` returned: ok, not_a_model or nan."""
    if not isinstance(model, LanguageModel):
        return "not_a_model", f"train returned {type(model).__name__}, expected an rnnlab LanguageModel"
    if model.vocab_size != vocab_size:
        return "not_a_model", (f"the model's vocab_size is {model.vocab_size}, the hackathon vocabulary "
                               f"has {vocab_size} ids (use len(vocab))")
    bad = [name for name, p in model.params.items() if not np.isfinite(p).all()]
    if bad:
        return "nan", f"parameters with NaN or inf: {', '.join(bad)}"
    overriding = _overriding_optimizers()
    if overriding:
        return "invalid_submission", (f"optimizer classes {overriding} redefine step(); implement "
                                      "_update() instead so that updates are counted")
    return "ok", ""


def run(submission: Path, workdir: Path, budget: str, seed: int) -> int:
    """Train, check, save; returns the process exit code (0 also for a failed submission)."""
    train_sentences, val_sentences = load_split("train"), load_split("val")
    vocab = build_vocab(train_sentences)
    vocab_size = len(vocab)  # taken now: the submission receives the object itself
    install_guards(workdir)
    counts = install_counters()
    try:
        train = load_submission(submission)
    except Exception as err:  # a syntax error, a failing import, no train function
        write_result(workdir, status="invalid_submission", message=f"{type(err).__name__}: {err}",
                     **iteration_counts(counts))
        return 0
    start = time.perf_counter()
    try:
        model = train(list(train_sentences), list(val_sentences), vocab,
                      np.random.default_rng(seed), budget)
    except TrainingDiverged as err:
        write_result(workdir, status="nan", message=str(err), **iteration_counts(counts))
        return 0
    except MemoryError:
        write_result(workdir, status="out_of_memory", message="MemoryError: over the memory limit",
                     **iteration_counts(counts))
        return 0
    except Exception as err:  # any bug in a submission becomes its status row
        tail = "".join(traceback.format_exception(err)[-3:]).strip()
        write_result(workdir, status="crashed", message=f"{type(err).__name__}: {err}\n{tail}",
                     **iteration_counts(counts))
        return 0
    seconds = time.perf_counter() - start
    counted = iteration_counts(counts)
    status, message = check_model(model, vocab_size)
    if status == "ok":
        save_checkpoint(workdir / "model.npz", model, vocab=vocab, **counted)
    params = model.num_params() if isinstance(model, LanguageModel) else None
    write_result(workdir, status=status, message=message, num_params=params,
                 train_seconds=round(seconds, 3), **counted)
    return 0


if __name__ == "__main__":
    path, out, budget_name, seed_text = sys.argv[1:5]
    sys.exit(run(Path(path).resolve(), Path(out), budget_name, int(seed_text)))
