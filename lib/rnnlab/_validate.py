"""Input checks shared by every public function.

Every public function of ``rnnlab`` validates its arguments with these helpers so that a
learner sees *which* argument is wrong, *what* was expected (in the dimension letters of the
conventions: N batch, T time, D input, H hidden, V vocabulary) and *what* was received,
instead of a bare numpy broadcasting error deep inside a matrix product.

Example message::

    xs: expected shape (N, T, D) with D=5, got (3, 4, 7)
"""
from __future__ import annotations

import numbers
from typing import Mapping

import numpy as np

__all__ = [
    "ShapeError",
    "DTypeError",
    "NonFiniteError",
    "check_array",
    "check_ids",
    "check_same_dtype",
    "check_positive_int",
    "check_probability",
]


class ShapeError(ValueError):
    """An array argument does not have the shape the conventions require."""


class DTypeError(TypeError):
    """An array argument has the wrong dtype (e.g. integers where floats are needed)."""


class NonFiniteError(ValueError):
    """A value that must be finite is NaN or infinite.

    A subclass of ``ValueError`` so existing ``except ValueError`` code still catches it; its
    own name lets the training loop tell a diverged computation (NaN reaching a layer) from
    other bad input, and report it as ``TrainingDiverged``.
    """


def _describe(dims: tuple[str, ...], sizes: Mapping[str, int]) -> str:
    letters = dict.fromkeys(_split(d)[1] for d in dims)
    known = [f"{k}={sizes[k]}" for k in letters if k is not None and k in sizes]
    shape = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
    return shape + (" with " + ", ".join(known) if known else "")


def _split(d: str) -> tuple[int, str | None]:
    """``"4H"`` -> (4, "H"); ``"T"`` -> (1, "T"); ``"3"`` -> (3, None)."""
    digits = len(d) - len(d.lstrip("0123456789"))
    coef = int(d[:digits]) if digits else 1
    return coef, (d[digits:] or None)


def _parse(dims: str) -> tuple[str, ...]:
    return tuple(d.strip() for d in dims.split(",") if d.strip()) if dims else ()


def check_array(
    name: str,
    x,
    dims: str,
    sizes: dict[str, int] | None = None,
    *,
    kind: str = "float",
    allow_nan: bool = False,
) -> dict[str, int]:
    """Check that ``x`` is an ndarray of the given named shape and return the bound sizes.

    Args:
        name: argument name used in the error message (``"xs"``, ``"W_h"``...).
        x: the value received.
        dims: comma-separated dimension letters, e.g. ``"N, T, D"``; a digit fixes a size
            and ``"4H"`` means four times H (stacked gates). ``""`` means a scalar.
        sizes: sizes already known, e.g. ``{"H": 100}``; updated in place with new bindings
            so that successive checks agree (``W_x (D, H)`` then ``W_h (H, H)``).
        kind: ``"float"`` (floating dtype, finite unless ``allow_nan``) or ``"int"``.
        allow_nan: accept NaN/inf values (floats only).

    Returns:
        The ``sizes`` mapping, with the dimensions of ``x`` bound.

    Raises:
        DTypeError: not an ndarray, or wrong dtype kind.
        ShapeError: wrong number of dimensions or a size that contradicts ``sizes``.
        NonFiniteError: NaN or inf where finite values are required (a ``ValueError``).
    """
    sizes = {} if sizes is None else sizes
    names = _parse(dims)
    if not isinstance(x, np.ndarray):
        raise DTypeError(
            f"{name}: expected a numpy array of shape {_describe(names, sizes)}, "
            f"got {type(x).__name__}"
        )
    if kind == "float" and not np.issubdtype(x.dtype, np.floating):
        raise DTypeError(
            f"{name}: expected a floating-point array (float32 or float64), got dtype {x.dtype}"
        )
    if kind == "int" and not np.issubdtype(x.dtype, np.integer):
        raise DTypeError(f"{name}: expected an integer array of token ids, got dtype {x.dtype}")
    if x.ndim != len(names):
        raise ShapeError(
            f"{name}: expected shape {_describe(names, sizes)} ({len(names)} dimensions), "
            f"got {x.shape} ({x.ndim} dimensions)"
        )
    for d, n in zip(names, x.shape):
        coef, letter = _split(d)
        if letter is None:  # a fixed size such as "1"
            want = coef
        elif letter in sizes:
            want = coef * sizes[letter]
        elif n % coef == 0:  # "4H" binds H = n / 4
            sizes[letter], want = n // coef, n
        else:
            want = None
        if want != n:
            raise ShapeError(f"{name}: expected shape {_describe(names, sizes)}, got {x.shape}")
    if kind == "float" and not allow_nan and x.size and not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))[0]
        raise NonFiniteError(
            f"{name}: expected finite values, got {x[tuple(bad)]} at index {tuple(int(i) for i in bad)}"
        )
    return sizes


def check_ids(name: str, ids, dims: str, vocab_size: int, sizes: dict[str, int] | None = None):
    """Check an integer array of token ids in ``[0, vocab_size)``; return the bound sizes."""
    sizes = check_array(name, ids, dims, sizes, kind="int")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        bad = ids[(ids < 0) | (ids >= vocab_size)].flat[0]
        raise ValueError(
            f"{name}: expected token ids in [0, V) with V={vocab_size}, got {int(bad)}"
        )
    return sizes


def check_same_dtype(**arrays: np.ndarray) -> np.dtype:
    """Check that all given float arrays share one dtype (functions preserve dtype)."""
    dtypes = {k: v.dtype for k, v in arrays.items() if v is not None}
    if len(set(dtypes.values())) > 1:
        listing = ", ".join(f"{k}={d}" for k, d in dtypes.items())
        raise DTypeError(f"expected all arrays to share one dtype, got {listing}")
    return next(iter(dtypes.values()))


def check_positive_int(name: str, value) -> int:
    """Check a positive integer hyperparameter (sizes, counts)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def check_probability(name: str, value, *, inclusive_high: bool = False) -> float:
    """Check a probability in [0, 1) (or [0, 1] with ``inclusive_high``)."""
    ok = isinstance(value, numbers.Real) and 0 <= value and (
        value <= 1 if inclusive_high else value < 1
    )
    if not ok:
        rng = "[0, 1]" if inclusive_high else "[0, 1)"
        raise ValueError(f"{name}: expected a number in {rng}, got {value!r}")
    return float(value)
