"""Input checks shared by every public function.

Every public function of ``rnnlab`` validates its arguments with these helpers so that a
learner sees *which* argument is wrong, *what* was expected (in the dimension letters of the
conventions: N batch, T time, D input, H hidden, V vocabulary) and *what* was received,
instead of a bare numpy broadcasting error deep inside a matrix product.

Example message::

    xs: expected shape (N, T, D) with D=5, got (3, 4, 7)

The scalar rules live here too, once: flags accept only ``True``/``False`` (``check_bool``: never
``bool(value)``, which makes ``'False'``, ``'no'`` and ``None`` silently mean something), an
explicit ``np.random.Generator`` (``check_rng``), float32/float64 dtypes (``check_float_dtype``),
finite positive numbers (``check_positive_real``), fractions in [0, 1) (``check_fraction``) and
token ids (``check_id``, ``check_ids``).
"""
from __future__ import annotations

import math
import numbers
from typing import Mapping

import numpy as np

__all__ = [
    "ShapeError",
    "DTypeError",
    "NonFiniteError",
    "KeyMismatchError",
    "check_array",
    "check_ids",
    "check_same_dtype",
    "check_positive_int",
    "check_probability",
    "check_fraction",
    "check_positive_real",
    "check_nonnegative_real",
    "check_finite_real",
    "check_bool",
    "check_rng",
    "check_float_dtype",
    "check_id",
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


class KeyMismatchError(KeyError, ValueError):
    """A dict argument's keys differ from the expected names (parameters, optimizer state).

    A ``KeyError`` (a missing name) that is also a ``ValueError`` (bad input), with the plain
    message as its text (``KeyError`` alone would print it quoted).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


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
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
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
    ok = _real(value) and 0 <= value and (
        value <= 1 if inclusive_high else value < 1
    )
    if not ok:
        rng = "[0, 1]" if inclusive_high else "[0, 1)"
        raise ValueError(f"{name}: expected a number in {rng}, got {value!r}")
    return float(value)


def check_fraction(name: str, value) -> float:
    """Check a decay rate or fraction in [0, 1) (momentum, betas, dropout)."""
    return check_probability(name, value)


def _real(value) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Real)


def check_positive_real(name: str, value) -> float:
    """Check a finite number > 0 (learning rates, eps, clipping limits, temperatures)."""
    if not _real(value) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")
    return float(value)


def check_nonnegative_real(name: str, value) -> float:
    """Check a finite number >= 0 (NaN would pass a plain ``< 0`` test)."""
    if not _real(value) or not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")
    return float(value)


def check_finite_real(name: str, value) -> float:
    """Check a finite real number (a scalar upstream gradient, a loss)."""
    if not _real(value) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite real number, got {value!r}")
    return float(value)


def check_bool(name: str, value) -> bool:
    """Check a flag: only ``True`` or ``False`` (or a numpy bool), never coerced with ``bool()``,
    so that ``'False'``, ``'no'``, ``0`` or ``None`` cannot silently mean something."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def check_rng(name: str, rng, *, optional: bool = False) -> np.random.Generator | None:
    """Check an explicit random generator (``None`` passes when ``optional``)."""
    if optional and rng is None:
        return None
    if not isinstance(rng, np.random.Generator):
        either = "None or " if optional else ""
        raise TypeError(
            f"{name}: expected {either}a numpy Generator such as np.random.default_rng(0) "
            f"(a np.random.Generator), got {type(rng).__name__}"
        )
    return rng


def check_float_dtype(name: str, dtype, *, any_float: bool = False) -> np.dtype:
    """Check a dtype argument: float32 (speed) or float64 (gradient checks); any floating dtype
    with ``any_float``. ``None`` and unknown names are rejected (``np.dtype(None)`` would mean
    float64)."""
    wanted = "a float dtype (float32 or float64)" if any_float else "float32 or float64"
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except (TypeError, ValueError):
        dt = None
    if dt is None:
        raise DTypeError(f"{name}: expected {wanted}, got {dtype!r}")
    ok = np.issubdtype(dt, np.floating) if any_float else dt in (np.float32, np.float64)
    if not ok:
        raise DTypeError(f"{name}: expected {wanted}, got {dt}")
    return dt


def check_id(name: str, value, vocab_size: int | None = None) -> int:
    """Check one token id: a non-negative integer (below ``vocab_size`` when given)."""
    want = ("a token id (a non-negative integer)" if vocab_size is None
            else f"token ids in [0, V) with V={vocab_size}")
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, numbers.Integral)
        or value < 0
        or (vocab_size is not None and value >= vocab_size)
    ):
        raise ValueError(f"{name}: expected {want}, got {value!r}")
    return int(value)
