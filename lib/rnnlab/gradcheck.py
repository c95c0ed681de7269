"""Numerical gradient checking: the test every backward pass must pass.

A backward pass is checked against central differences of its forward pass,

    dL/dx[k] ~= (L(x + eps e_k) - L(x - eps e_k)) / (2 eps),   L = sum(forward(...) * dout),

where ``dout`` is a fixed random upstream gradient (random rather than all ones, so that a
backward pass that mixes up two positions cannot pass by symmetry). Use float64: in float32
the rounding error of the differences swamps the comparison.

Every evaluation runs on fresh copies of the inputs, and if the function under test modifies
one of them in place, the check stops with an ``InputMutatedError`` that names the argument:
such a function silently corrupts its caller's data.

Example::

    report = check_gradients(rnn_forward, rnn_backward,
                             {"xs": xs, "h0": h0, "W_x": W_x, "W_h": W_h, "b": b})
    print(report)               # one line per tensor with its relative error
    assert report.max_error < 1e-6
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from ._validate import DTypeError

__all__ = [
    "InputMutatedError",
    "numerical_gradient",
    "relative_error",
    "GradCheckReport",
    "check_gradients",
]


class InputMutatedError(RuntimeError):
    """The function under test modified one of its array arguments in place."""


def _check_mapping(inputs) -> None:
    if not isinstance(inputs, Mapping):
        raise TypeError(
            f"inputs: expected a dict of argument name -> value (the keyword arguments of the "
            f"function under test), got {type(inputs).__name__}"
        )


def _copies(inputs: Mapping[str, object]) -> dict[str, object]:
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}


def _check_unchanged(who: str, before: Mapping[str, object], after: Mapping[str, object]) -> None:
    """Raise ``InputMutatedError`` naming the first array of ``after`` that differs from ``before``."""
    for name, value in before.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, after[name], equal_nan=True):
            raise InputMutatedError(
                f"{who} modified its argument '{name}' in place; a function must not change "
                f"its inputs (work on a copy, or write into a new array)"
            )


def _as_tuple(out) -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(o) for o in out) if isinstance(out, (tuple, list)) else (np.asarray(out),)


def _weighted_sum(out, dout) -> float:
    """``L = sum(out * dout)`` summed over every output (``out`` may be a tuple of arrays)."""
    return float(sum(np.sum(o * d) for o, d in zip(_as_tuple(out), _as_tuple(dout))))


def numerical_gradient(
    f: Callable[..., object],
    inputs: Mapping[str, object],
    wrt: str,
    dout=None,
    eps: float = 1e-6,
) -> np.ndarray:
    """Central-difference gradient of ``sum(f(**inputs) * dout)`` with respect to ``inputs[wrt]``.

    Args:
        f: called as ``f(**inputs)``; returns an array, a float, or a tuple of arrays.
        inputs: keyword arguments of ``f``; arrays are copied before every call, so the
            caller's arrays are never touched.
        wrt: name of the float array to differentiate with respect to.
        dout: upstream gradient with the shape of ``f``'s output (a tuple for a tuple output);
            ``None`` means ones, i.e. the gradient of the plain sum.
        eps: half the step of the central difference.

    Returns:
        An array with the shape and dtype of ``inputs[wrt]``.

    Raises:
        InputMutatedError: ``f`` modified one of its array arguments (named in the message).
        ValueError: ``wrt`` is not the name of an input.
        TypeError: ``inputs`` is not a dict, or ``inputs[wrt]`` is not a float array.
    """
    _check_mapping(inputs)
    if wrt not in inputs:
        raise ValueError(f"wrt: expected the name of one of the inputs {sorted(inputs)}, got {wrt!r}")
    x = inputs[wrt]
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise DTypeError(f"{wrt}: expected a floating-point array to differentiate, got {got}")
    if dout is None:
        dout = tuple(np.ones_like(o) for o in _as_tuple(f(**_copies(inputs))))
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        losses = []
        for step in (eps, -eps):
            shifted = dict(inputs)
            shifted[wrt] = x.copy()
            shifted[wrt][k] += step
            args = _copies(shifted)
            losses.append(_weighted_sum(f(**args), dout))
            _check_unchanged(getattr(f, "__name__", "the function"), shifted, args)
        grad[k] = (losses[0] - losses[1]) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """``||a - b|| / (||a|| + ||b||)`` with Euclidean norms over the whole tensor.

    One number per tensor, scale-free, and defined when an entry is near zero (unlike an
    entrywise ratio). It is 0 when both are zero. In float64, a correct backward pass checked
    with ``eps=1e-6`` usually gives below 1e-8; a wrong one gives above 1e-2.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b: expected the shape of a, {a.shape}, got {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


@dataclass(frozen=True)
class GradCheckReport:
    """Per-tensor outcome of ``check_gradients``.

    Attributes:
        errors: tensor name -> relative error between analytic and numerical gradient.
        shapes: tensor name -> shape of that tensor.
    """

    errors: dict[str, float]
    shapes: dict[str, tuple[int, ...]]

    @property
    def max_error(self) -> float:
        """The largest relative error over all checked tensors."""
        return max(self.errors.values(), default=0.0)

    @property
    def worst(self) -> str | None:
        """Name of the tensor with the largest relative error."""
        return max(self.errors, key=self.errors.get, default=None)

    def table(self) -> str:
        """A plain-text table: one row per tensor (name, shape, relative error)."""
        width = max([len("tensor")] + [len(k) for k in self.errors])
        lines = [f"{'tensor':<{width}}  {'shape':<16}  relative error"]
        for name, err in self.errors.items():
            lines.append(f"{name:<{width}}  {str(self.shapes[name]):<16}  {err:.2e}")
        lines.append(f"max relative error {self.max_error:.2e} ({self.worst})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def check_gradients(
    forward: Callable[..., tuple],
    backward: Callable[..., object],
    inputs: Mapping[str, object],
    *,
    wrt: list[str] | None = None,
    dout=None,
    eps: float = 1e-6,
    seed: int = 0,
) -> GradCheckReport:
    """Compare a backward pass with numerical gradients, tensor by tensor.

    Args:
        forward: called as ``forward(**inputs)``; returns ``(out, cache)`` where ``out`` is an
            array or a tuple of arrays (for several outputs, e.g. an LSTM's ``h`` and ``c``,
            wrap the forward so it returns ``((h, c), cache)``).
        backward: called as ``backward(dout, cache)``; returns the gradients either as a tuple
            in the order of ``inputs`` (extra inputs such as flags at the end have none) or as
            a dict keyed by input name.
        inputs: keyword arguments of ``forward``. ``None`` values (e.g. ``h0=None``) are passed
            through and not checked.
        wrt: names to check; default every float array in ``inputs`` that has a gradient.
        dout: upstream gradient (same structure as ``out``); default a random normal one
            from ``np.random.default_rng(seed)``.
        eps: half step of the central differences.

    Returns:
        A ``GradCheckReport`` (``print`` it for a table; ``.max_error`` for asserts).

    Raises:
        InputMutatedError: ``forward`` changed an input, or ``backward`` changed ``dout``.
    """
    _check_mapping(inputs)
    args = _copies(inputs)
    out, cache = forward(**args)
    _check_unchanged(getattr(forward, "__name__", "forward"), inputs, args)
    outs = _as_tuple(out)
    if dout is None:
        rng = np.random.default_rng(seed)
        dout = tuple(rng.standard_normal(o.shape).astype(o.dtype) for o in outs)
        dout = dout if isinstance(out, (tuple, list)) else dout[0]
    dout_copy = tuple(d.copy() for d in _as_tuple(dout))
    grads = backward(dout, cache)
    _check_unchanged(
        getattr(backward, "__name__", "backward"),
        {f"dout[{i}]": d for i, d in enumerate(dout_copy)},
        {f"dout[{i}]": d for i, d in enumerate(_as_tuple(dout))},
    )
    if not isinstance(grads, Mapping):
        grads = dict(zip(inputs, grads))
    names = wrt if wrt is not None else [
        k for k, v in inputs.items()
        if k in grads and isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating)
    ]

    def first_output(**kw):
        return forward(**kw)[0]

    first_output.__name__ = getattr(forward, "__name__", "forward")
    errors, shapes = {}, {}
    for name in names:
        numeric = numerical_gradient(first_output, inputs, name, dout=dout, eps=eps)
        analytic = np.asarray(grads[name])
        if analytic.shape != numeric.shape:
            raise ValueError(
                f"backward returned shape {analytic.shape} for '{name}', "
                f"whose shape is {numeric.shape}"
            )
        errors[name] = relative_error(analytic, numeric)
        shapes[name] = numeric.shape
    return GradCheckReport(errors, shapes)
