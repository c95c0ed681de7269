"""Recipe track: a submission is data (JSON or TOML); the harness builds, trains and counts.

    python hackathon/recipe.py RECIPE.json WORKDIR BUDGET SEED     # the recipe-track ingestion

A recipe names everything the harness needs and nothing it runs::

    {
      "model": {"cell": "gru", "embed_size": 32, "hidden_size": 100},
      "optimizer": {"name": "Adagrad", "lr": 0.1},
      "batch_size": 32,
      "clip_value": 5.0,
      "steps": {"full": 1000, "quick": 300}
    }

* ``model``: the keys of ``scoring.ALLOWED`` (``cell``, ``embed_size``, ``hidden_size``,
  ``num_layers``, ``dropout``, ``reset_after``, ``dtype``); the vocabulary size is the shared one.
* ``optimizer``: ``name`` one of ``rnnlab.optim.OPTIMIZERS`` (SGD, Adagrad, RMSProp, Adam) and
  that optimizer's own hyperparameters by name; ``"update_scale": "1/m"`` (Adagrad only) is the
  source notebook's variant: each update is divided by m, the number of training sentences,
  *after* Adagrad's normalisation (so it does not cancel, unlike a factor on the gradient);
  with ``batch_size`` 1 there is an update per sentence, as in the notebook
  (``submissions/baseline_source.json``).
* ``batch_size`` (sentences per update, reshuffled every epoch), ``clip_value`` and/or
  ``clip_norm`` (optional).
* Either ``steps`` (updates per budget) with an optional ``schedule`` ``{"every": k, "factor": f}``
  (multiply the learning rate by f after every k updates), or ``early_stopping``
  ``{"max_epochs": {"full": n, "quick": n}, "patience": p, "lr_factor": f}``: after every
  epoch the validation loss is measured; on a plateau training resumes from the best
  parameters with the rate times f; after p epochs without improvement it stops and returns
  the best parameters.

Iterations are the optimizer's update count, counted by this process, which runs no participant
code; every update counts, including those of runs discarded by early stopping.
"""
from __future__ import annotations

import inspect
import json
import math
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

from hackdata import batches, build_vocab, load_split  # the kit's modules, beside this script
from rnnlab.model import LanguageModel
from rnnlab.optim import OPTIMIZERS
from rnnlab.train import TrainingDiverged, evaluate
from rnnlab.train import train as fit
from scoring import ALLOWED, Rejected, check_architecture

RECIPE_SUFFIXES = (".json", ".toml")
MAX_RECIPE_BYTES = 16384
TOP_KEYS = {"model", "optimizer", "batch_size", "clip_value", "clip_norm", "steps", "schedule",
            "early_stopping", "description"}
MAX_STEPS, MAX_EPOCHS, MAX_BATCH = 100_000, 1000, 1024
BUDGETS = ("full", "quick")


def _invalid(message: str) -> Rejected:
    return Rejected("invalid_recipe", message)


def _number(where: str, value, low: float, high: float, *, integer: bool = False):
    """``value`` if it is a (finite) number in [low, high], an int when ``integer``."""
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        kind = "an integer" if integer else "a number"
        raise _invalid(f"{where}: expected {kind} in [{low:g}, {high:g}], got {value!r}")
    return value


def _per_budget(where: str, value, high: int) -> dict:
    if not isinstance(value, dict) or set(value) != set(BUDGETS):
        raise _invalid(f"{where}: expected {{\"full\": n, \"quick\": n}}, got {value!r}")
    return {b: _number(f"{where}.{b}", value[b], 1, high, integer=True) for b in BUDGETS}


def check_recipe(recipe) -> dict:
    """The recipe with every field validated and defaults filled in.

    Raises:
        Rejected: ``invalid_recipe`` or ``invalid_architecture``, naming the field.
    """
    if not isinstance(recipe, dict):
        raise _invalid(f"expected an object at the top, got {type(recipe).__name__}")
    unknown = sorted(set(recipe) - TOP_KEYS)
    if unknown:
        raise _invalid(f"unknown keys {unknown}; allowed: {sorted(TOP_KEYS)}")
    for key in ("model", "optimizer", "batch_size"):
        if key not in recipe:
            raise _invalid(f"{key!r} is required")
    out = {"model": check_architecture(recipe["model"])}
    opt = recipe["optimizer"]
    if not isinstance(opt, dict) or opt.get("name") not in OPTIMIZERS:
        raise _invalid(f"optimizer.name: expected one of {sorted(OPTIMIZERS)}, got {opt!r}")
    hyper = {k: v for k, v in opt.items() if k not in ("name", "update_scale")}
    accepted = set(inspect.signature(OPTIMIZERS[opt["name"]].__init__).parameters) - {"self", "params"}
    if set(hyper) - accepted:
        raise _invalid(f"optimizer: {opt['name']} takes {sorted(accepted)}, got {sorted(hyper)}")
    for k, v in hyper.items():
        values = v if isinstance(v, list) else [v]
        for x in values:
            _number(f"optimizer.{k}", x, 0.0, 1e6)
        hyper[k] = tuple(v) if isinstance(v, list) else v
    scale = opt.get("update_scale")
    if scale not in (None, "1/m") or (scale and opt["name"] != "Adagrad"):
        raise _invalid(f"optimizer.update_scale: only \"1/m\" with Adagrad, got {scale!r}")
    out["optimizer"] = {"name": opt["name"], "hyperparams": hyper, "update_scale": scale}
    out["batch_size"] = _number("batch_size", recipe["batch_size"], 1, MAX_BATCH, integer=True)
    for key in ("clip_value", "clip_norm"):
        value = recipe.get(key)
        out[key] = None if value is None else _number(key, value, 1e-6, 1e6)
    if ("steps" in recipe) == ("early_stopping" in recipe):
        raise _invalid("give exactly one of 'steps' and 'early_stopping'")
    if "steps" in recipe:
        out["steps"] = _per_budget("steps", recipe["steps"], MAX_STEPS)
        schedule = recipe.get("schedule")
        if schedule is not None:
            if not isinstance(schedule, dict) or set(schedule) != {"every", "factor"}:
                raise _invalid(f"schedule: expected {{\"every\": k, \"factor\": f}}, got {schedule!r}")
            _number("schedule.every", schedule["every"], 1, MAX_STEPS, integer=True)
            _number("schedule.factor", schedule["factor"], 1e-6, 1.0)
        out["schedule"] = schedule
    else:
        stop = recipe["early_stopping"]
        if not isinstance(stop, dict) or set(stop) - {"max_epochs", "patience", "lr_factor"}:
            raise _invalid(f"early_stopping: keys max_epochs, patience, lr_factor; got {stop!r}")
        out["early_stopping"] = {
            "max_epochs": _per_budget("early_stopping.max_epochs", stop.get("max_epochs"), MAX_EPOCHS),
            "patience": _number("early_stopping.patience", stop.get("patience"), 1, MAX_EPOCHS, integer=True),
            "lr_factor": _number("early_stopping.lr_factor", stop.get("lr_factor", 1.0), 1e-6, 1.0)}
        if "schedule" in recipe:
            raise _invalid("schedule goes with 'steps'; early stopping changes the rate itself")
    return out


def read_recipe(path: Path) -> dict:
    """Parse a ``.json`` or ``.toml`` recipe file and validate it (``check_recipe``)."""
    path = Path(path)
    if path.suffix not in RECIPE_SUFFIXES:
        raise _invalid(f"{path.name}: a recipe is a .json or .toml file")
    if path.stat().st_size > MAX_RECIPE_BYTES:
        raise _invalid(f"{path.name} is over {MAX_RECIPE_BYTES} bytes")
    text = path.read_text(encoding="utf-8")
    try:
        recipe = tomllib.loads(text) if path.suffix == ".toml" else json.loads(
            text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(f"{c} is not allowed")))
    except ValueError as err:
        raise _invalid(f"{path.name} does not parse: {err}") from None
    return check_recipe(recipe)


def train_recipe(recipe: dict, train_sentences, val_sentences, vocab, rng, budget: str):
    """Build and train the recipe's model; returns ``(model, iterations)``.

    The random draws are in the order the baseline submission always made them (the model's
    seed, then the batch shuffles), so the recipe baseline scores as the code baseline did.
    """
    arch = dict(recipe["model"])
    model = LanguageModel(len(vocab), arch.pop("embed_size"), arch.pop("hidden_size"),
                          seed=int(rng.integers(2**31)), **arch)
    spec = recipe["optimizer"]
    hyper = dict(spec["hyperparams"])
    if spec["update_scale"]:  # lr * (g / sqrt(G)) / m is Adagrad at rate lr / m
        hyper["lr"] = hyper.get("lr", 1e-2) / len(train_sentences)
    optimizer = OPTIMIZERS[spec["name"]](model.params, **hyper)
    source = batches(train_sentences, vocab, recipe["batch_size"], shuffle_rng=rng)
    clip = {"clip_value": recipe["clip_value"], "clip_norm": recipe["clip_norm"]}
    if "steps" in recipe:
        total, schedule = recipe["steps"][budget], recipe["schedule"]
        every = schedule["every"] if schedule else total
        while optimizer.num_updates < total:
            chunk = min(every, total - optimizer.num_updates)
            fit(model, optimizer, source, steps=chunk, progress=False, **clip)
            if schedule and optimizer.num_updates < total:
                optimizer.lr = optimizer.lr * schedule["factor"]
        return model, optimizer.num_updates
    stop = recipe["early_stopping"]
    val_batches = batches(val_sentences, vocab, 128)
    best_loss, best_params, stale = math.inf, None, 0
    for _ in range(stop["max_epochs"][budget]):
        fit(model, optimizer, source, epochs=1, progress=False, **clip)
        loss = evaluate(model, val_batches)
        if loss < best_loss:
            best_loss, stale = loss, 0
            best_params = {name: p.copy() for name, p in model.params.items()}
            continue
        stale += 1
        if stale == stop["patience"]:
            break
        model.set_params(best_params)  # a plateau: back to the best point, smaller steps
        optimizer.lr = optimizer.lr * stop["lr_factor"]
    model.set_params(best_params)
    return model, optimizer.num_updates


def run(path: Path, workdir: Path, budget: str, seed: int) -> int:
    """The recipe-track ingestion: validate, train, write the same files as the code track."""
    from sandbox import save_model, write_declared  # the output format shared by both tracks

    try:
        recipe = read_recipe(path)
    except Rejected as err:
        write_declared(workdir, status=err.status, message=str(err))
        return 0
    train_sentences, val_sentences = load_split("train"), load_split("val")
    vocab = build_vocab(train_sentences)
    start = time.perf_counter()
    try:
        model, iterations = train_recipe(recipe, train_sentences, val_sentences, vocab,
                                         np.random.default_rng(seed), budget)
    except TrainingDiverged as err:
        write_declared(workdir, status="nan", message=str(err))
        return 0
    save_model(workdir, model)
    write_declared(workdir, status="ok", message="", iterations=iterations,
                   optimizer_steps=iterations, train_seconds=round(time.perf_counter() - start, 3))
    return 0


if __name__ == "__main__":
    recipe_arg, out, budget_name, seed_text = sys.argv[1:5]
    sys.exit(run(Path(recipe_arg).resolve(), Path(out), budget_name, int(seed_text)))
