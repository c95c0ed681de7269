"""Synthetic long-lag tasks: problems that need memory over T steps, with known baselines.

Both tasks come with the loss of the best *memoryless* answer (the chance level), so a
learning curve can be read at a glance: a model that stays at the baseline has not learned to
carry information across the lag.

``adding_problem`` (Hochreiter & Schmidhuber 1997)
    inputs ``(n, T, 2)``: channel 0 holds values drawn uniformly from [0, 1); channel 1 marks
    two positions with 1 (one in the first half, one in the second). Target ``(n,)``: the sum
    of the two marked values. Always answering 1 (the mean of the target) gives a mean squared
    error of Var(U + U') = 2/12 = 1/6 (``ADDING_BASELINE_MSE``).

``copy_task`` (Arjovsky, Shah & Bengio 2016)
    ``length`` random symbols, then a long blank stretch ending in a delimiter, then blanks
    during which the model must repeat the symbols. Ids: 0 blank, 1..num_symbols symbols,
    num_symbols + 1 the delimiter. Emitting blanks and then guessing uniformly gives
    ``length * log(num_symbols) / (T + 2 * length)`` nats per step
    (``copy_task_baseline``).
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import check_float_dtype, check_positive_int, check_rng

__all__ = ["adding_problem", "copy_task", "copy_task_baseline", "ADDING_BASELINE_MSE"]

ADDING_BASELINE_MSE = 1.0 / 6.0


def adding_problem(n: int, T: int, *, rng: np.random.Generator, dtype=np.float64):
    """The adding problem: remember two marked numbers across ``T`` steps and add them.

    Args:
        n: number of sequences (N).
        T: sequence length, at least 2.
        rng: the random generator (same seed, same data).
        dtype: float dtype of the arrays (float64 for gradient checks, float32 for speed).

    Returns:
        ``xs`` (n, T, 2): values in channel 0, the 0/1 markers in channel 1;
        ``ys`` (n,): the sum of the two marked values, in [0, 2).
    """
    n = check_positive_int("n", n)
    T = check_positive_int("T", T)
    rng = check_rng("rng", rng)
    if T < 2:
        raise ValueError(f"T: the adding problem marks two positions, so T must be at least 2, got {T}")
    dtype = check_float_dtype("dtype", dtype, any_float=True)
    half = T // 2
    values = rng.random((n, T))
    first = rng.integers(0, half, size=n)  # one marker in [0, T//2)
    second = rng.integers(half, T, size=n)  # the other in [T//2, T)
    rows = np.arange(n)
    markers = np.zeros((n, T))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    xs = np.stack([values, markers], axis=-1).astype(dtype)
    ys = (values[rows, first] + values[rows, second]).astype(dtype)
    return xs, ys


def copy_task(n: int, T: int, *, num_symbols: int = 8, length: int = 10, rng: np.random.Generator):
    """The copy task: read ``length`` symbols, wait ``T`` steps, then write them back.

    Layout of one sequence of ``S = T + 2 * length`` steps::

        inputs : s_1 .. s_length | blank x (T - 1) | delimiter | blank x length
        targets: blank x (T + length)                          | s_1 .. s_length

    Args:
        n: number of sequences (N).
        T: the delay between the last symbol and the moment to start writing (>= 1).
        num_symbols: size of the symbol alphabet; vocabulary size is ``num_symbols + 2``.
        length: how many symbols to copy.
        rng: the random generator (same seed, same data).

    Returns:
        ``inputs`` (n, S) and ``targets`` (n, S), int64 ids: 0 blank, 1..num_symbols symbols,
        ``num_symbols + 1`` delimiter.
    """
    n = check_positive_int("n", n)
    T = check_positive_int("T", T)
    k = check_positive_int("num_symbols", num_symbols)
    m = check_positive_int("length", length)
    rng = check_rng("rng", rng)
    symbols = rng.integers(1, k + 1, size=(n, m))
    inputs = np.zeros((n, T + 2 * m), dtype=np.int64)
    targets = np.zeros((n, T + 2 * m), dtype=np.int64)
    inputs[:, :m] = symbols
    inputs[:, m + T - 1] = k + 1  # the delimiter: "start writing now"
    targets[:, T + m:] = symbols
    return inputs, targets


def copy_task_baseline(T: int, *, num_symbols: int = 8, length: int = 10) -> float:
    """Chance-level cross-entropy of the copy task, in nats per step.

    The memoryless strategy predicts blanks (with certainty) until the delimiter and a uniform
    guess over the symbols afterwards: ``length * log(num_symbols) / (T + 2 * length)``.
    """
    T = check_positive_int("T", T)
    k = check_positive_int("num_symbols", num_symbols)
    m = check_positive_int("length", length)
    return m * math.log(k) / (T + 2 * m)
