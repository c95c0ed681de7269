"""Activation functions and their derivatives.

Both activations keep the dtype they are given (float32 stays float32) and never overflow:
``sigmoid`` is written through ``tanh``, which is bounded for every input, instead of
``1 / (1 + exp(-x))``, whose ``exp`` overflows (with a warning) for large negative ``x``.
(The GRU's sequence functions do use the ``exp`` form, with that warning silenced: the limit
``1 / (1 + inf) = 0`` is right. The LSTM's compute all four gates with one ``np.tanh`` over
a contiguous block, through ``sigmoid(a) = 0.5 * tanh(0.5 * a) + 0.5``.)

The derivatives take the activation's *output* ``y``, because that is what a forward pass
keeps in its cache: ``sigmoid'(a) = y (1 - y)`` and ``tanh'(a) = 1 - y**2``.
"""
from __future__ import annotations

import numpy as np

from .._validate import DTypeError

__all__ = ["sigmoid", "tanh", "sigmoid_grad", "tanh_grad"]


def _check_float(name: str, x) -> None:
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        got = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise DTypeError(f"{name}: expected a floating-point numpy array of any shape, got {got}")


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-x))``, elementwise; same shape and dtype as ``x``.

    Computed as ``0.5 + 0.5 * tanh(x / 2)`` (the same function, rearranged), which cannot
    overflow. ``x`` is not modified.
    """
    _check_float("x", x)
    y = np.multiply(x, 0.5)
    np.tanh(y, out=y)
    y *= 0.5
    y += 0.5
    return y


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, elementwise; same shape and dtype as ``x``."""
    _check_float("x", x)
    return np.tanh(x)


def sigmoid_grad(y: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid at the point where it output ``y``: ``y * (1 - y)``.

    ``y`` may have any shape; the result has the same shape and dtype.
    """
    _check_float("y", y)
    return y * (1 - y)


def tanh_grad(y: np.ndarray) -> np.ndarray:
    """Derivative of tanh at the point where it output ``y``: ``1 - y**2``.

    ``y`` may have any shape; the result has the same shape and dtype.
    """
    _check_float("y", y)
    return 1 - y * y
