"""The training loop, its history, evaluation and checkpoints.

One loop serves the terminal and the notebook (``tqdm.auto`` picks the right progress bar)::

    model = LanguageModel(len(vocab), 32, 128, cell="gru", seed=0)
    opt = Adam(model.params, lr=3e-3)
    history = train(model, opt, lambda: tbptt_batches(train_ids, 32, 64), epochs=5,
                    clip_norm=5.0, val_batches=lambda: tbptt_batches(val_ids, 32, 64))
    save_checkpoint("lm.npz", model, opt, vocab=vocab, history=history)

Batches
    ``batches`` is what the loop reads once per epoch: a function returning a fresh iterator
    (``lambda: tbptt_batches(ids, N, T)``) or a re-iterable collection (a list). Each batch is
    ``(inputs (N, T), targets (N, T))`` or ``(inputs, targets, mask (N, T))``. A generator can be
    read only once, so it serves a single epoch.

Iterations
    One iteration is one parameter update, counted by the optimizer (``optimizer.num_updates``).
    Step numbers in the history and in messages are that count, so they continue across
    ``train`` calls and across a checkpoint reload.

Losses are mean nats per (unmasked) token; perplexity is ``exp(loss)``.

Stateful models (truncated BPTT) start every epoch, and every evaluation, from a zero state.
An evaluation (or a sample) in the middle of an epoch (``eval_every``) puts back the state that
training carries from batch to batch, so it does not change the training losses.

Checkpoints are a single ``.npz`` file (no pickle): the parameters, the optimizer's state
arrays, and one JSON document (model config, dropout generator state, vocabulary, optimizer
hyperparameters, history and any extra values). Loading rebuilds everything bit for bit, so
training resumed from a checkpoint saved between epochs gives exactly the losses of a run that
never stopped. (A hidden state carried mid-epoch is not saved.)
"""
from __future__ import annotations

import json
import os
import math
import numbers
import time
import zipfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np
from tqdm.auto import tqdm

from ._validate import (
    KeyMismatchError,
    NonFiniteError,
    ShapeError,
    check_bool,
    check_positive_int,
    check_positive_real,
)
from .model import LanguageModel
from .optim import (
    OPTIMIZERS,
    Optimizer,
    clip_by_global_norm,
    clip_by_value,
    global_norm,
)

if TYPE_CHECKING:
    from .data import Vocab

__all__ = [
    "History",
    "TrainingDiverged",
    "train",
    "evaluate",
    "perplexity",
    "Checkpoint",
    "save_checkpoint",
    "load_checkpoint",
]

CHECKPOINT_FORMAT = "rnnlab-checkpoint"
CHECKPOINT_VERSION = 1


def perplexity(loss: float) -> float:
    """``exp(loss)`` for a loss in nats per token; ``inf`` instead of an overflow error."""
    if isinstance(loss, (bool, np.bool_)) or not isinstance(loss, numbers.Real) or math.isnan(loss):
        raise ValueError(f"loss: expected a real number (nats per token), got {loss!r}")
    return math.exp(loss) if loss < 709.0 else math.inf


def _check_path(path) -> None:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file path (str or pathlib.Path), got {type(path).__name__}")


@dataclass
class History:
    """What happened during training; saved as JSON with ``save`` / ``load``.

    Attributes:
        losses: training loss of every update (mean nats per token of its batch).
        grad_norms: global gradient norm of every update, before clipping.
        epoch_losses: token-weighted mean training loss of each epoch (a partial last epoch too).
        epoch_steps: the update count at the end of each epoch.
        val_losses: validation loss (mean nats per token) at each evaluation.
        val_steps: the update count at each evaluation.
        samples: ``{"step": int, "text": str}`` from the sample function.
        num_updates: the optimizer's update count when training stopped.
        wall_time: seconds spent in ``train`` (summed over calls that continued this history).
    """

    losses: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    epoch_steps: list[int] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)
    num_updates: int = 0
    wall_time: float = 0.0

    @property
    def perplexities(self) -> list[float]:
        """Perplexity of each epoch, ``exp(epoch_losses)``."""
        return [perplexity(x) for x in self.epoch_losses]

    @property
    def val_perplexities(self) -> list[float]:
        """Perplexity at each evaluation, ``exp(val_losses)``."""
        return [perplexity(x) for x in self.val_losses]

    def to_dict(self) -> dict:
        """A JSON-ready dict (the perplexities are included for readers of the file)."""
        d = asdict(self)
        d["perplexities"] = self.perplexities
        d["val_perplexities"] = self.val_perplexities
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        """Rebuild from ``to_dict()`` output (derived perplexities are recomputed, not read)."""
        if not isinstance(d, dict):
            raise TypeError(f"d: expected a dict made by History.to_dict(), got {type(d).__name__}")
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def save(self, path) -> None:
        """Write the history to ``path`` as JSON (UTF-8, so Hangul samples stay readable)."""
        _check_path(path)
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), "utf-8")

    @classmethod
    def load(cls, path) -> "History":
        """Read a history written by ``save``."""
        _check_path(path)
        return cls.from_dict(json.loads(Path(path).read_text("utf-8")))


class TrainingDiverged(RuntimeError):
    """NaN or inf appeared while training: in the loss, in a gradient, or in values a layer's
    input checks refused (a ``NonFiniteError``, then chained as ``__cause__``).

    The message names only the stage (the update being computed, or the evaluation or sample
    after an update), never which array overflowed first: that order depends on the rounding of
    the machine's matrix-product kernel, and a learner gets the same message on every machine.
    The detail is kept in ``detail``.

    Attributes:
        step: the update number at which it happened (``optimizer.num_updates + 1``; for an
            evaluation or a sample, the update after which it ran).
        loss: the offending loss value, NaN when the failure came before a loss was computed.
        history: everything recorded before that step (to plot what led up to it).
        detail: what was found non-finite, e.g. "the loss became inf".
    """

    def __init__(self, message: str, *, step: int, loss: float, history: History, detail: str = ""):
        super().__init__(message)
        self.step, self.loss, self.history, self.detail = step, loss, history, detail


def _reset_state(model) -> None:
    """Forget the carried hidden state of a stateful model (no-op for a stateless one)."""
    reset = getattr(model, "reset_state", None)
    if reset is not None:
        reset()


def _state_holders(model) -> list:
    """The layers of ``model`` that hold a carried state: the leaves of its layer tree (RNN,
    LSTM, GRU) that have ``reset_state``, found under a LanguageModel's ``layers`` (a Stacked)
    or under ``model`` itself when it is a layer. Wrappers such as Stacked only forward to them."""
    found, todo = [], [getattr(model, "layers", model)]
    while todo:
        layer = todo.pop()
        children = layer.children() if callable(getattr(layer, "children", None)) else []
        if children:
            todo.extend(children)
        elif callable(getattr(layer, "reset_state", None)) and hasattr(layer, "state"):
            found.append(layer)
    return found


@contextmanager
def _keeping_state(model):
    """Put back, on leaving, the hidden state a stateful model carries between batches.

    A forward replaces a layer's ``state`` tuple with a new one (it never writes into the old
    arrays), so keeping references to the tuples is enough to restore them.
    """
    saved = [(layer, layer.state) for layer in _state_holders(model)]
    try:
        yield
    finally:
        for layer, state in saved:
            layer.state = state


def _is_one_shot(source) -> bool:
    """True for an iterator/generator, which can be read only once."""
    return not callable(source) and iter(source) is source


def _iterate(source, name: str) -> Iterable:
    """One epoch of batches from a function returning an iterable, or from an iterable."""
    if callable(source):
        source = source()
    try:
        return iter(source)
    except TypeError:
        raise TypeError(
            f"{name}: expected a function returning batches or an iterable of batches, "
            f"got {type(source).__name__}"
        ) from None


def _unpack(batch, name: str):
    """``(inputs, targets[, mask])`` -> ``(inputs, targets, mask or None, token count)``."""
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        got = f"a {type(batch).__name__} of length {len(batch)}" if isinstance(
            batch, (tuple, list)) else type(batch).__name__
        raise TypeError(
            f"{name}: each batch must be (inputs (N, T), targets (N, T)) or "
            f"(inputs, targets, mask (N, T)), got {got}"
        )
    inputs, targets = batch[0], batch[1]
    mask = batch[2] if len(batch) == 3 else None
    count = int(np.count_nonzero(mask)) if mask is not None else int(np.size(targets))
    return inputs, targets, mask, count


def _empty_error(name: str, source) -> ValueError:
    hint = (
        " A generator can be read only once: pass a function that returns a new one, "
        "e.g. lambda: tbptt_batches(ids, 32, 64)."
        if _is_one_shot(source) else ""
    )
    return ValueError(f"{name}: yielded no batches (or only fully masked ones).{hint}")


@contextmanager
def _inference_mode(model):
    """Dropout off while inside (for models with ``train(mode)`` / ``training``), then restored."""
    switchable = hasattr(model, "training") and callable(getattr(model, "train", None))
    was_training = model.training if switchable else None
    if switchable:
        model.train(False)
    try:
        yield
    finally:
        if switchable:
            model.train(was_training)


def evaluate(model, batches) -> float:
    """Mean loss in nats per token of ``model`` over ``batches``, without changing the model.

    Each batch's mean loss is weighted by its number of tokens (unmasked tokens when a mask is
    given), so the result is the mean over every token, whatever the batch sizes. Dropout is
    switched off while evaluating; a stateful model starts from a zero state, and the state it
    carried before is put back afterwards (so evaluating mid-epoch does not disturb training).

    Args:
        model: a language model (``loss(inputs, targets, mask=None) -> float``).
        batches: a function returning batches, or an iterable of ``(inputs (N, T),
            targets (N, T)[, mask (N, T)])``.

    Returns:
        Mean nats per token (``perplexity(...)`` converts; divide by ``log(2)`` for bits).
    """
    total_nats, total_tokens = 0.0, 0
    with _inference_mode(model), _keeping_state(model):
        # A stateful model must not carry a training state into evaluation (nor an
        # evaluation state back out: _keeping_state restores the training one).
        _reset_state(model)
        for batch in _iterate(batches, "batches"):
            inputs, targets, mask, count = _unpack(batch, "batches")
            loss = model.loss(inputs, targets, mask)
            total_nats += float(loss) * count
            total_tokens += count
    if total_tokens == 0:
        raise _empty_error("batches", batches)
    return total_nats / total_tokens


def _check_optimizer(model, optimizer) -> None:
    """The optimizer must update *this* model's arrays (a common slip after rebuilding a model)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer: expected an rnnlab.optim optimizer, got {type(optimizer).__name__}")
    if set(optimizer.params) != set(model.params) or any(
        optimizer.params[k] is not model.params[k] for k in model.params
    ):
        raise ValueError(
            "optimizer: it was built for other parameter arrays than this model's; "
            "create it with the model's params, e.g. Adam(model.params, lr=1e-3)"
        )


def _check_options(model, optimizer, batches, epochs, steps, clip_norm, clip_value,
                   val_batches, eval_every, sample_fn, sample_every) -> None:
    """Reject inconsistent ``train`` arguments before any work is done."""
    if (epochs is None) == (steps is None):
        raise ValueError(
            f"give exactly one of epochs= or steps= (got epochs={epochs!r}, steps={steps!r})"
        )
    if epochs is not None:
        check_positive_int("epochs", epochs)
    else:
        check_positive_int("steps", steps)
    _check_optimizer(model, optimizer)
    for name, limit in (("clip_norm", clip_norm), ("clip_value", clip_value)):
        if limit is not None:
            check_positive_real(name, limit)
    for name, every in (("eval_every", eval_every), ("sample_every", sample_every)):
        if every is not None:
            check_positive_int(name, every)
    if eval_every is not None and val_batches is None:
        raise ValueError("eval_every: given without val_batches to evaluate on")
    if sample_every is not None and sample_fn is None:
        raise ValueError("sample_every: given without a sample_fn to call")
    if epochs is not None and epochs > 1 and _is_one_shot(batches):
        raise ValueError(
            "batches: a generator can be read only once but epochs > 1; pass a function that "
            "returns a new one, e.g. lambda: tbptt_batches(ids, 32, 64)"
        )


def train(
    model,
    optimizer: Optimizer,
    batches,
    *,
    epochs: int | None = None,
    steps: int | None = None,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    val_batches=None,
    eval_every: int | None = None,
    sample_fn: Callable[[Any], str] | None = None,
    sample_every: int | None = None,
    history: History | None = None,
    progress: bool = True,
    desc: str = "train",
) -> History:
    """Train ``model`` with ``optimizer`` for a number of epochs or of updates.

    Each epoch starts by resetting a stateful model's hidden state, then, for every batch:
    loss and gradients, a NaN/inf check, optional clipping (by value, then by global norm),
    one optimizer step. Evaluations and samples in between leave the carried state as it was.

    Args:
        model: a language model with ``params`` and ``loss_and_grads(inputs, targets, mask)``.
        optimizer: an ``rnnlab.optim`` optimizer built on ``model.params``.
        batches: per-epoch source of ``(inputs (N, T), targets (N, T)[, mask (N, T)])``: a
            function returning an iterable (preferred), or a list; a generator serves one epoch.
        epochs: number of passes over ``batches`` (give this or ``steps``).
        steps: number of parameter updates; epochs repeat as needed (give this or ``epochs``).
        clip_norm: rescale the gradients so their global norm is at most this (a finite
            number > 0, or None).
        clip_value: clip each gradient element to ``[-clip_value, clip_value]`` (a finite
            number > 0, or None).
        val_batches: validation data in the same forms as ``batches``.
        eval_every: evaluate every this many updates (and once at the end); by default at the
            end of every epoch.
        sample_fn: ``sample_fn(model) -> str``, e.g. a generated sentence, stored in the history.
        sample_every: call ``sample_fn`` every this many updates; by default at each epoch end.
        history: a previous History to continue (its lists are extended in place).
        progress: show a progress bar (terminal or notebook).
        desc: the progress bar's label.

    Returns:
        The History (``history`` itself when given).

    Raises:
        TrainingDiverged: the loss or a gradient became NaN/inf, or NaN/inf reached a layer
            while computing them (or while evaluating or sampling); names the update number.
    """
    _check_options(model, optimizer, batches, epochs, steps, clip_norm, clip_value,
                   val_batches, eval_every, sample_fn, sample_every)
    progress = check_bool("progress", progress)
    history = History() if history is None else history
    loop = _Loop(model, optimizer, history, clip_norm, clip_value, val_batches, sample_fn)
    total = steps if steps is not None else _epoch_length(batches, epochs)
    bar = tqdm(total=total, desc=desc, disable=not progress, unit="update")
    start = time.perf_counter()
    done, epoch = 0, 0
    try:
        while (steps is None or done < steps) and (epochs is None or epoch < epochs):
            _reset_state(model)
            epoch_nats, epoch_tokens = 0.0, 0
            for batch in _iterate(batches, "batches"):
                loss, count = loop.update(batch, epoch)
                epoch_nats += loss * count
                epoch_tokens += count
                done += 1
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
                step = optimizer.num_updates
                if eval_every is not None and step % eval_every == 0:
                    loop.validate()
                if sample_every is not None and step % sample_every == 0:
                    loop.sample()
                if steps is not None and done == steps:
                    break
            if epoch_tokens == 0:
                raise _empty_error("batches", batches)
            history.epoch_losses.append(epoch_nats / epoch_tokens)
            history.epoch_steps.append(optimizer.num_updates)
            epoch += 1
            if val_batches is not None and eval_every is None:
                loop.validate()
            if sample_fn is not None and sample_every is None:
                loop.sample()
        if eval_every is not None and history.val_steps[-1:] != [optimizer.num_updates]:
            loop.validate()
    finally:
        bar.close()
        history.num_updates = optimizer.num_updates
        history.wall_time += time.perf_counter() - start
    return history


def _epoch_length(batches, epochs: int) -> int | None:
    """Total updates for the progress bar, when the batch source knows its length."""
    try:
        return len(batches) * epochs
    except TypeError:
        return None


class _Loop:
    """The per-update work of ``train`` (kept apart so ``train`` reads as the schedule)."""

    def __init__(self, model, optimizer, history, clip_norm, clip_value, val_batches, sample_fn):
        self.model, self.optimizer, self.history = model, optimizer, history
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.val_batches, self.sample_fn = val_batches, sample_fn

    def _diverged(self, stage: str, step: int, loss: float, detail: str) -> TrainingDiverged:
        """The error for NaN/inf met while ``stage`` (e.g. "computing update 3 (epoch 1)"), with
        the last good loss and the usual remedies; ``detail`` says which value it was."""
        last = (f" The last finite loss was {self.history.losses[-1]:.4g}."
                if self.history.losses else "")
        return TrainingDiverged(
            f"Training diverged: NaN/inf appeared while {stage}.{last} Lower the learning rate "
            f"(now {self.optimizer.lr:g}) or clip the gradients (e.g. clip_norm=5.0).",
            step=step, loss=loss, history=self.history, detail=detail,
        )

    @contextmanager
    def _non_finite_is_divergence(self, stage: str, step: int):
        """Report NaN/inf caught by a layer's input checks (``NonFiniteError``) as divergence:
        inputs are token ids and masks are checked as 0/1, so such values were computed from
        parameters the updates have blown up."""
        try:
            yield
        except NonFiniteError as err:
            raise self._diverged(stage, step, math.nan, str(err)) from err

    def update(self, batch, epoch: int) -> tuple[float, int]:
        """One parameter update on ``batch``; returns (its mean loss, its token count)."""
        inputs, targets, mask, count = _unpack(batch, "batches")
        step = self.optimizer.num_updates + 1
        stage = f"computing update {step} (epoch {epoch + 1})"
        with self._non_finite_is_divergence(stage, step):
            loss, grads = self.model.loss_and_grads(inputs, targets, mask)
        loss = float(loss)
        norm = global_norm(grads)
        if not math.isfinite(loss):
            raise self._diverged(stage, step, loss, f"the loss became {loss}")
        if not math.isfinite(norm):
            raise self._diverged(stage, step, loss, f"the gradient norm became {norm}")
        if self.clip_value is not None:
            grads = clip_by_value(grads, self.clip_value)
        if self.clip_norm is not None:
            grads, _ = clip_by_global_norm(grads, self.clip_norm)
        self.optimizer.step(grads)
        self.history.losses.append(loss)
        self.history.grad_norms.append(norm)
        return loss, count

    def validate(self) -> None:
        """Evaluate on ``val_batches`` and record the loss with the current update count."""
        step = self.optimizer.num_updates
        stage = f"evaluating after update {step}"
        with self._non_finite_is_divergence(stage, step):
            loss = evaluate(self.model, self.val_batches)
        if not math.isfinite(loss):
            raise self._diverged(stage, step, loss, f"the validation loss became {loss}")
        self.history.val_losses.append(loss)
        self.history.val_steps.append(step)

    def sample(self) -> None:
        """Record ``sample_fn(model)``, called in inference mode with the carried state kept."""
        step = self.optimizer.num_updates
        with (
            self._non_finite_is_divergence(f"sampling after update {step}", step),
            _inference_mode(self.model),
            _keeping_state(self.model),
        ):
            text = self.sample_fn(self.model)
        if not isinstance(text, str):
            raise TypeError(f"sample_fn: expected it to return a str, got {type(text).__name__}")
        self.history.samples.append({"step": self.optimizer.num_updates, "text": text})


# --------------------------------------------------------------------------- checkpoints


@dataclass
class Checkpoint:
    """What ``load_checkpoint`` rebuilds (absent parts are None; ``extra`` a dict)."""

    model: LanguageModel
    optimizer: Optimizer | None
    vocab: Vocab | None
    history: History | None
    extra: dict


def _json_or_error(name: str, value) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=True)
    except TypeError as err:
        raise TypeError(f"{name}: must be JSON-serializable to go into a checkpoint ({err})") from None


def _check_saveable(model, vocab, history) -> None:
    """Only what ``load_checkpoint`` can rebuild goes into a checkpoint."""
    if not isinstance(model, LanguageModel):
        raise TypeError(f"model: expected an rnnlab LanguageModel, got {type(model).__name__}")
    if vocab is not None and not callable(getattr(vocab, "to_dict", None)):
        raise TypeError(f"vocab: expected an rnnlab.data.Vocab or None, got {type(vocab).__name__}")
    if history is not None and not isinstance(history, History):
        raise TypeError(
            f"history: expected an rnnlab.train.History or None, got {type(history).__name__}"
        )


def save_checkpoint(path, model, optimizer: Optimizer | None = None, vocab: Vocab | None = None,
                    history: History | None = None, **extra) -> Path:
    """Save parameters, model config, optimizer state, vocabulary, history and extras to one file.

    The file is an ``.npz`` archive readable with ``np.load(path)`` and no pickle: arrays
    ``params/<name>`` and ``optimizer/<slot>/<name>``, and ``meta``, the UTF-8 bytes of a JSON
    document holding everything else.

    Args:
        path: file to write (written whole, then moved into place, so a crash never leaves a
            half-written checkpoint).
        model: a LanguageModel (``config`` rebuilds it).
        optimizer: optional; built on ``model.params``.
        vocab: optional ``rnnlab.data.Vocab``.
        history: optional History.
        **extra: any JSON-serializable values (epoch number, notes, seeds...).

    Returns:
        The path written.
    """
    _check_path(path)
    _check_saveable(model, vocab, history)
    path = Path(path)
    meta = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "model": {
            "class": type(model).__name__,
            "config": model.config,
            # The dropout generator's position, so dropout masks continue the same sequence.
            "dropout_rng": model.dropout.rng.bit_generator.state,
        },
        "optimizer": None,
        "vocab": vocab.to_dict() if vocab is not None else None,
        "history": history.to_dict() if history is not None else None,
        "extra": extra,
    }
    arrays = {f"params/{name}": p for name, p in model.params.items()}
    if optimizer is not None:
        _check_optimizer(model, optimizer)
        state = optimizer.state_dict()
        meta["optimizer"] = {k: state[k] for k in ("type", "hyperparams", "num_updates")}
        for slot, named in state["state"].items():
            arrays.update({f"optimizer/{slot}/{name}": a for name, a in named.items()})
    _json_or_error("model.config", meta["model"]["config"])
    _json_or_error("extra", extra)
    arrays["meta"] = np.frombuffer(_json_or_error("checkpoint", meta).encode("utf-8"), np.uint8)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    tmp.replace(path)
    return path


def load_checkpoint(path) -> Checkpoint:
    """Rebuild the model, optimizer, vocabulary and history saved by ``save_checkpoint``.

    Parameters and optimizer state are bit-for-bit those saved (same dtypes), so training
    continued from a checkpoint gives the same losses as training that never stopped.
    """
    _check_path(path)
    try:
        archive = np.load(Path(path), allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError(f"path: expected an .npz checkpoint written by save_checkpoint, got "
                         f"{str(path)!r}, which numpy cannot read as one ({err})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):  # a plain .npy array
        raise ValueError(f"path: expected an .npz checkpoint written by save_checkpoint, got "
                         f"{str(path)!r}, a single array")
    with archive:
        if "meta" not in archive.files:
            raise ValueError(f"{path}: not an rnnlab checkpoint (no 'meta' entry)")
        meta = json.loads(archive["meta"].tobytes().decode("utf-8"))
        if meta.get("format") != CHECKPOINT_FORMAT or meta.get("version") != CHECKPOINT_VERSION:
            raise ValueError(
                f"{path}: unsupported checkpoint format {meta.get('format')!r} "
                f"version {meta.get('version')!r}"
            )
        arrays = {name: archive[name] for name in archive.files if name != "meta"}
    model = _rebuild_model(meta["model"], arrays, path)
    optimizer = None
    if meta["optimizer"] is not None:
        info = meta["optimizer"]
        if info["type"] not in OPTIMIZERS:
            raise ValueError(f"{path}: unknown optimizer {info['type']!r}; known: {sorted(OPTIMIZERS)}")
        optimizer = OPTIMIZERS[info["type"]](model.params, **info["hyperparams"])
        slots = {slot: {name: arrays[f"optimizer/{slot}/{name}"] for name in model.params}
                 for slot in optimizer.slots}
        optimizer.load_state_dict({**info, "state": slots})
    vocab = None
    if meta["vocab"] is not None:
        from .data import Vocab  # only needed when a vocabulary was saved

        vocab = Vocab.from_dict(meta["vocab"])
    history = History.from_dict(meta["history"]) if meta["history"] is not None else None
    return Checkpoint(model, optimizer, vocab, history, meta["extra"])


def _rebuild_model(info: dict, arrays: dict, path) -> LanguageModel:
    """A LanguageModel from its config, with the saved arrays copied into its own."""
    if info["class"] != LanguageModel.__name__:
        raise ValueError(f"{path}: cannot rebuild a model of class {info['class']!r}")
    model = LanguageModel(**info["config"])
    for name, p in model.params.items():
        saved = arrays.get(f"params/{name}")
        if saved is None:
            raise KeyMismatchError(f"{path}: no saved array for parameter {name!r}")
        if saved.shape != p.shape or saved.dtype != p.dtype:
            raise ShapeError(
                f"{path}: parameter {name!r} saved as {saved.dtype}{saved.shape}, "
                f"the rebuilt model expects {p.dtype}{p.shape}"
            )
        # Copy into the model's own arrays: layers hold references to them.
        p[...] = saved
    model.dropout.rng.bit_generator.state = info["dropout_rng"]
    return model
