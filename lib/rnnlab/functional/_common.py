"""Helpers shared by the rnn, lstm and gru modules: input checks and state bookkeeping."""
from __future__ import annotations

import numpy as np

from .._validate import DTypeError, ShapeError, check_array, check_same_dtype

OPTIONAL = ("h0", "c0")  # initial states: None means zeros
_MEANING = "N sequences, T time steps, D inputs, H hidden units"


def check_inputs(*specs: tuple[str, object, str]) -> tuple[dict[str, int], np.dtype]:
    """Validate ``(name, array, dims)`` triples in order; an initial state may be ``None``.

    Sizes bind left to right (``xs (N, T, D)`` fixes N, T, D; then ``W_x (D, H)`` fixes H), so
    every message names the argument and its expected shape in dimension letters. All given
    arrays must share one float dtype, which is returned with the bound sizes.
    """
    sizes: dict[str, int] = {}
    for name, x, dims in specs:
        if x is not None or name not in OPTIONAL:
            check_array(name, x, dims, sizes)
            if 0 in x.shape:
                letters = [d.strip().lstrip("0123456789") for d in dims.split(",")]
                empty = ", ".join(f"{d} >= 1" for d, n in zip(letters, x.shape) if n == 0)
                raise ShapeError(f"{name}: expected {empty} (every size of ({dims}) at least 1: "
                                 f"{_MEANING}), got shape {x.shape}")
    dtype = check_same_dtype(**{name: x for name, x, _ in specs if x is not None})
    return sizes, dtype


def check_cache(name: str, cache, kind: type, producer: str):
    """``cache`` must be the named cache ``producer`` returned (not a tuple of its fields, nor
    another cell's cache); returns it, to be read by field."""
    if not isinstance(cache, kind):
        raise TypeError(f"{name}: expected the {kind.__name__} returned by {producer}, "
                        f"got {type(cache).__name__}")
    return cache


def check_upstream(name: str, d, dims: str, sizes: dict[str, int], dtype: np.dtype) -> None:
    """Validate an upstream gradient against the shapes and dtype of its forward pass."""
    check_array(name, d, dims, dict(sizes))
    if d.dtype != dtype:
        raise DTypeError(
            f"{name}: expected dtype {dtype} (the dtype of the forward pass), got {d.dtype}"
        )


def kept_apart(a: np.ndarray, given) -> np.ndarray:
    """``a``, or a copy of it when it shares memory with the caller's array ``given``: a cache
    must not change when the caller later writes into what it passed in."""
    return a.copy() if isinstance(given, np.ndarray) and np.may_share_memory(a, given) else a


def read_only(a: np.ndarray) -> np.ndarray:
    """``a`` marked read-only, in place (for arrays a cache shares with what a forward returns:
    writing into a returned ``hs`` would silently change the backward pass)."""
    a.flags.writeable = False
    return a


def zeros_if_none(h, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The given initial state, or zeros of ``shape`` when it is ``None``."""
    return np.zeros(shape, dtype) if h is None else h


def time_major(a: np.ndarray) -> np.ndarray:
    """``(N, T, X)`` -> C-contiguous ``(T, N, X)``, so that each time step is one contiguous block.

    In batch-first memory the N rows of one step lie ``T * X`` elements apart, often a power of
    two, which makes every per-step operation fight over the same cache sets. The sequence
    functions therefore work time-major inside and hand back batch-major *views*
    (``batch_major``); passing such a view back in (the next layer, the backward pass) costs
    no copy.
    """
    return np.ascontiguousarray(a.transpose(1, 0, 2))


def batch_major(a: np.ndarray) -> np.ndarray:
    """``(T, N, X)`` -> the ``(N, T, X)`` view of the same memory (no copy)."""
    return a.transpose(1, 0, 2)


def states_before(hs: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """Time-major ``(T, N, H)`` states -> the state entering each step: ``h0, hs[0], ..., hs[T-2]``.

    Contiguous, so that the weight gradients of all steps become one matrix product.
    """
    out = np.empty(hs.shape, hs.dtype)
    out[0] = h0
    out[1:] = hs[:-1]
    return out
