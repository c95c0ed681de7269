"""Turning logits into token ids: softmax with temperature, greedy choice, top-k sampling.

A language model outputs one row of logits ``(V,)`` per position (or ``(N, V)`` for a batch of
positions). Generation needs a rule that picks the next id from that row:

* :func:`greedy` takes the most likely id (deterministic, often repetitive);
* :func:`sample` draws an id from ``softmax(logits / temperature)``, optionally restricted to the
  ``top_k`` most likely ids. A temperature below 1 sharpens the distribution towards greedy,
  above 1 flattens it towards uniform.

Randomness comes only from the ``rng`` argument (``np.random.default_rng(seed)``), so the same
seed gives the same samples.
"""
from __future__ import annotations

import numbers

import numpy as np

from rnnlab._validate import DTypeError, ShapeError, check_array, check_positive_real, check_rng

__all__ = ["softmax", "greedy", "sample"]


def _check_logits(logits) -> None:
    """Accept float logits of shape ``(V,)`` or ``(N, V)``, finite, with ``V >= 1``."""
    if isinstance(logits, np.ndarray) and logits.ndim not in (1, 2):
        raise ShapeError(f"logits: expected shape (V,) or (N, V), got {logits.shape}")
    check_array("logits", logits, "N, V" if getattr(logits, "ndim", 1) == 2 else "V")
    if logits.shape[-1] == 0:
        raise ValueError("logits: expected at least one vocabulary entry (V >= 1), got V=0")
    if logits.ndim == 2 and logits.shape[0] == 0:
        raise ValueError(f"logits: expected at least one row (N >= 1), got shape {logits.shape}")


def _check_temperature(temperature) -> float:
    """A temperature must be a finite number > 0 (0 would divide by zero: use greedy)."""
    try:
        return check_positive_real("temperature", temperature)
    except ValueError:
        raise ValueError(
            f"temperature: expected a finite number > 0 (use greedy() for the limit 0), "
            f"got {temperature!r}"
        ) from None


def _check_temperature_in(temperature: float, dtype: np.dtype) -> None:
    """The temperature must stay > 0 in the logits' dtype (1e-46 is 0 in float32: 0/0 = NaN)."""
    if dtype.type(temperature) == 0:
        raise ValueError(f"temperature: expected a number > 0 in the logits' dtype {dtype} "
                         f"(at least {np.finfo(dtype).smallest_subnormal}; use greedy() for the "
                         f"limit 0), got {temperature!r}")


def _softmax_rows(z: np.ndarray, temperature: float) -> np.ndarray:
    """Stable softmax over the last axis of ``z`` (any shape), in a new array of z's dtype."""
    shifted = z - z.max(axis=-1, keepdims=True)  # largest entry becomes 0: exp cannot overflow
    if temperature != 1.0:
        shifted /= z.dtype.type(temperature)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=-1, keepdims=True)
    return shifted


def softmax(logits: np.ndarray, temperature: float = 1.0, axis: int = -1) -> np.ndarray:
    """Probabilities ``softmax(logits / temperature)`` along ``axis``, computed stably.

    Args:
        logits: float array of any shape (typically ``(V,)``, ``(N, V)`` or ``(N, T, V)``).
        temperature: a number > 0; below 1 sharpens, above 1 flattens the distribution.
        axis: the axis that holds the vocabulary.

    Returns:
        An array of the same shape and dtype as ``logits`` whose entries along ``axis`` are
        non-negative and sum to 1. ``logits`` is not modified.
    """
    if not isinstance(logits, np.ndarray):
        raise DTypeError(f"logits: expected a numpy array, got {type(logits).__name__}")
    check_array("logits", logits, ", ".join(f"d{i}" for i in range(logits.ndim)))
    if logits.size == 0:
        raise ValueError(f"logits: expected at least one entry (V >= 1), got shape {logits.shape}")
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or not (
        -logits.ndim <= axis < logits.ndim
    ):
        raise ValueError(
            f"axis: expected an axis of logits, whose shape is {logits.shape}, got {axis!r}"
        )
    temperature = _check_temperature(temperature)
    _check_temperature_in(temperature, logits.dtype)
    moved = np.moveaxis(logits, axis, -1)
    return np.moveaxis(_softmax_rows(moved, temperature), -1, axis)


def greedy(logits: np.ndarray):
    """The most likely id: ``argmax`` over the last axis.

    Args:
        logits: float array ``(V,)`` or ``(N, V)``.

    Returns:
        A Python ``int`` for ``(V,)`` input, an int64 array ``(N,)`` for ``(N, V)`` input.
        Ties go to the smallest id (as ``np.argmax``).
    """
    _check_logits(logits)
    ids = np.argmax(logits, axis=-1)
    return int(ids) if logits.ndim == 1 else ids.astype(np.int64)


def _check_top_k(top_k, vocab_size: int) -> int | None:
    """``top_k`` is None (no restriction) or an integer in ``[1, V]``."""
    if top_k is None:
        return None
    if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or not (
        1 <= top_k <= vocab_size
    ):
        raise ValueError(
            f"top_k: expected None or an integer in [1, V] with V={vocab_size}, got {top_k!r}"
        )
    return int(top_k)


def _keep_top_k(z: np.ndarray, k: int) -> np.ndarray:
    """A copy of ``z (N, V)`` where all but the k largest entries of each row are -inf."""
    kept = np.full_like(z, -np.inf)
    top = np.argpartition(z, z.shape[1] - k, axis=1)[:, z.shape[1] - k :]  # exactly k per row
    np.put_along_axis(kept, top, np.take_along_axis(z, top, axis=1), axis=1)
    return kept


def sample(logits: np.ndarray, *, temperature: float = 1.0, top_k: int | None = None, rng):
    """Draw ids from ``softmax(logits / temperature)``, optionally among the ``top_k`` best.

    Args:
        logits: float array ``(V,)`` (one position) or ``(N, V)`` (N positions, drawn
            independently).
        temperature: a number > 0. Small values approach :func:`greedy`.
        top_k: None, or keep only the ``top_k`` largest logits of each row (``1 <= top_k <= V``);
            ``top_k=1`` is greedy.
        rng: a ``np.random.Generator`` (``np.random.default_rng(seed)``); the only source of
            randomness, so the same seed gives the same ids.

    Returns:
        A Python ``int`` for ``(V,)`` input, an int64 array ``(N,)`` for ``(N, V)`` input.
    """
    _check_logits(logits)
    temperature = _check_temperature(temperature)
    check_rng("rng", rng)
    rows = logits.reshape(-1, logits.shape[-1])
    k = _check_top_k(top_k, rows.shape[1])
    if k is not None and k < rows.shape[1]:
        rows = _keep_top_k(rows, k)
    probs = _softmax_rows(rows.astype(np.float64), temperature)  # float64: exact enough cumsum
    # Inverse-CDF sampling: the id is the number of cumulative probabilities <= u. Ids with zero
    # probability (cut by top_k) leave the CDF flat, so u can never land on them.
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(rows.shape[0]) * cdf[:, -1]
    # min(): u * total may round up to the total itself in the last bit.
    ids = np.minimum((cdf <= u[:, None]).sum(axis=1), rows.shape[1] - 1).astype(np.int64)
    return int(ids[0]) if logits.ndim == 1 else ids
