"""Checks of a learner's implementation against a reference, with specific feedback.

The exercises and the hackathon call these functions from their autograded tests. A check
compares every output of the learner's function with the reference implementation and
explains *what* is wrong (which output or gradient, where, expected vs received, and a
diagnosis such as "sign flipped" or "transposed"), and *what is right so far*. It also turns
the usual ways a learner's code can go wrong into messages instead of crashes or hangs:

* the function raises          -> the exception is reported with the inputs' shapes
* it runs forever              -> stopped after ``time_limit`` seconds (POSIX main thread)
* it modifies an input in place -> the input's name is reported
* wrong type, shape, dtype, NaN -> reported per output

Every failure raises :class:`CheckFailed` (an ``AssertionError``), so a test framework such as
otter-grader counts it as a failed test and shows the message.

Entry points: :func:`check_function` (one function against a reference), :func:`check_backward`
(a backward pass run on the cache of the learner's own forward pass), :func:`check_param_dict`
(initialized parameters), :func:`numerical_reference` (a reference gradient by central
differences, for pieces of a backward pass that no library function returns), and
:func:`random_inputs` (seeded test inputs).
"""
from __future__ import annotations

import contextlib
import copy
import linecache
import signal
import sys
import threading
import traceback
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ._validate import check_bool, check_float_dtype, check_nonnegative_real, check_positive_real

__all__ = [
    "CheckFailed",
    "CheckReport",
    "time_limit",
    "compare_arrays",
    "check_function",
    "check_outputs",
    "check_backward",
    "numerical_reference",
    "check_param_dict",
    "random_inputs",
]


# --------------------------------------------------------------------------------------------
# Arguments of the checks themselves. A wrong argument here is the exercise author's slip, not
# the learner's: it raises TypeError/ValueError naming the argument (the library's rule), while
# everything about the learner's function or values is reported as a CheckFailed.
# --------------------------------------------------------------------------------------------


def _check_str(name: str, value, *, optional: bool = False) -> str | None:
    if optional and value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a str, got {type(value).__name__}")
    return value


def _check_names(name: str, value) -> list[str]:
    """A list or tuple of at least one str (output or argument names), never a bare string."""
    if not isinstance(value, (list, tuple)) or not value or not all(
            isinstance(v, str) for v in value):
        got = repr(value) if isinstance(value, (str, list, tuple)) else type(value).__name__
        raise TypeError(f"{name}: expected a non-empty list of names (str), got {got}")
    return list(value)


def _check_callable(name: str, value, *, optional: bool = False):
    if (optional and value is None) or callable(value):
        return value
    raise TypeError(f"{name}: expected a function, got {type(value).__name__}")


def _check_mapping(name: str, value, *, optional: bool = False, values: str = "values"):
    if (optional and value is None) or isinstance(value, Mapping):
        return value
    raise TypeError(f"{name}: expected a dict of {values}, got {type(value).__name__}")


def _check_tolerances(rtol, atol) -> None:
    check_nonnegative_real("rtol", rtol)
    check_nonnegative_real("atol", atol)


def _check_blocks(name: str, blocks) -> None:
    """``None`` or ``(axis, labels)``: an int axis and a non-empty list of str labels."""
    if blocks is None:
        return
    if (not isinstance(blocks, tuple) or len(blocks) != 2 or isinstance(blocks[0], bool)
            or not isinstance(blocks[0], (int, np.integer))):
        raise TypeError(f"{name}: expected (axis, labels), e.g. (1, ('i', 'f', 'g', 'o')), "
                        f"got {blocks!r}")
    _check_names(f"{name} labels", blocks[1])


def _check_per_output(name: str, value, check_one) -> None:
    """``None`` or a dict output name -> option, each option checked by ``check_one``."""
    _check_mapping(name, value, optional=True, values="options per output name")
    for key, option in (value or {}).items():
        check_one(f"{name}[{key!r}]", option)


def _check_axis(name: str, axis, *, optional: bool = True) -> None:
    if optional and axis is None:
        return
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: expected an int axis, got {axis!r}")


def _check_common(title, seconds, rtol, atol, time_axes, blocks, raise_on_failure) -> None:
    """The options ``check_function`` and ``check_backward`` share."""
    _check_str("title", title, optional=True)
    check_positive_real("seconds", seconds)
    _check_tolerances(rtol, atol)
    _check_per_output("time_axes", time_axes, _check_axis)
    _check_per_output("blocks", blocks, _check_blocks)
    check_bool("raise_on_failure", raise_on_failure)


class CheckFailed(AssertionError):
    """A learner's answer is wrong; the message says what is wrong and what is right.

    Under otter-grader the message is shown alone: see ``_otter_shows_the_report_alone``.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        _otter_shows_the_report_alone()


def _is_check_failure(exc: BaseException) -> bool:
    # By name, so that a re-imported rnnlab.checks (autoreload) is still recognised.
    return any(c.__name__ == "CheckFailed" for c in type(exc).__mro__)


def _otter_shows_the_report_alone() -> None:
    """Make otter-grader show a :class:`CheckFailed` as its report, and nothing else.

    otter 7 turns a failed exception-based test into "Error at line N in test qN:", the line of
    the *test's* source that raised (``check_function(gru_backward_candidate, ...)``), then
    ``CheckFailed: <report>``. That source line says nothing to a learner, and above the report
    it hides it, in ``grader.check`` output and in the results of ``otter run`` / Gradescope
    alike. Every failure of a check creates a CheckFailed before otter formats it, so this runs
    first: when otter is loaded, its formatter (``ExceptionTestFile._generate_error_message``)
    returns the report for a CheckFailed and keeps its own text for any other exception.
    Without otter it does nothing; ``tests/exercises`` run real ``grader.check`` and
    ``otter run`` to prove the output.
    """
    module = sys.modules.get("otter.test_files.exception_test")
    if module is None:
        return
    test_file = module.ExceptionTestFile
    otters_own = test_file._generate_error_message
    if getattr(otters_own, "report_alone", False):
        return

    def error_message(self, excp: BaseException, context: int = 0) -> str:
        if _is_check_failure(excp):
            return str(excp).strip()
        return otters_own(self, excp, context)

    error_message.report_alone = True
    test_file._generate_error_message = error_message


class _TimeUp(BaseException):
    """Raised into the learner's code at the time limit. Not an ``Exception``, so a learner's
    ``except Exception: continue`` cannot swallow it (and it is raised again every 0.2 s)."""


def time_limit(seconds: float, what: str):
    """Raise :class:`CheckFailed` if the body of ``with time_limit(...)`` runs longer than
    ``seconds``; ``what`` names it in the message (``"rnn_step_forward(...)"``).

    Uses ``SIGALRM``, which exists only on POSIX and only in the main thread (where Jupyter
    kernels and otter-grader run test code). Elsewhere the body runs without a limit; batch
    grading (``tools/grade.py``) bounds every call from outside the learner's process.
    """
    check_positive_real("seconds", seconds)
    _check_str("what", what)
    return _time_limit(seconds, what)


@contextlib.contextmanager
def _time_limit(seconds: float, what: str):
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _stop(signum, frame):
        raise _TimeUp()

    previous = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.2)
    try:
        yield
    except _TimeUp:
        signal.setitimer(signal.ITIMER_REAL, 0)
        raise CheckFailed(
            f"{what} did not finish within {seconds:g} s: is there an infinite loop "
            "(e.g. a while loop whose condition never changes)?"
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _fmt_shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _exact(a: np.ndarray, b: np.ndarray) -> bool:
    """Counts and ids (an integer reference ``b``) are compared exactly, never with a tolerance."""
    return b.dtype.kind in "biu" and a.dtype.kind in "biuf"


def _atol(expected: np.ndarray, rtol: float, atol: float) -> float:
    """The absolute tolerance: ``atol``, or ``rtol / 10`` times the array's largest value if
    larger, so that values near zero in an array of order 1 are judged at the array's scale (a
    float32 intermediate rounds them by about 1e-7 of that scale: measured at most 7e-8)."""
    if expected.size == 0 or expected.dtype.kind not in "fc":
        return atol
    finite = np.abs(expected[np.isfinite(expected)])
    return max(atol, rtol / 10 * float(finite.max())) if finite.size else atol


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    if a.shape != b.shape:
        return False
    if _exact(a, b):
        return bool(np.array_equal(a, b))
    return bool(np.allclose(a, b, rtol=rtol, atol=_atol(b, rtol, atol)))


def _digits(expected: float, got: float) -> tuple[str, str]:
    """Both numbers with just enough significant digits to show that they differ."""
    if expected == round(expected) and got == round(got) and max(abs(expected), abs(got)) < 1e15:
        return str(int(expected)), str(int(got))
    for digits in range(6, 18):
        e, g = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if e != g:
            return e, g
    return repr(expected), repr(got)


def _diagnose_values(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
                     time_axis: int | None, sizes: Mapping[str, float] | None = None) -> str:
    """Guess the usual mistake behind values that differ (same shape)."""
    if got.size == 1 and expected.size == 1:
        return _scalar_diagnosis(float(got.reshape(()).real), float(expected.reshape(()).real),
                                 sizes)
    if np.allclose(got, 0):
        return "it is all zeros: was it never computed, filled in or accumulated?"
    if _close(-got, expected, rtol, atol) and np.abs(expected).max() > atol:
        return "it is exactly the negative of the expected array: a sign is flipped"
    if got.ndim == 2 and got.shape[0] == got.shape[1] and _close(got.T, expected, rtol, atol):
        return "it equals the transpose of the expected array: a matrix is transposed"
    nonzero = np.abs(expected) > atol
    if nonzero.any():
        ratio = got[nonzero] / expected[nonzero]
        if np.allclose(ratio, ratio[0], rtol=1e-6) and not np.isclose(ratio[0], 1.0):
            return f"it is the expected array times {ratio[0]:.4g}: a constant factor is off"
    if time_axis is not None:
        other = tuple(a for a in range(got.ndim) if a != time_axis)
        skipped = [t for t in range(got.shape[time_axis])
                   if np.all(np.take(got, t, axis=time_axis) == 0)
                   and not np.allclose(np.take(expected, t, axis=time_axis), 0)]
        if skipped and other:
            steps = ", ".join(map(str, skipped))
            return (f"time step{'s' if len(skipped) > 1 else ''} t = {steps} "
                    f"{'are' if len(skipped) > 1 else 'is'} all zeros: does the time loop "
                    "skip it (a range that is off by one)?")
    if time_axis is not None and got.shape[time_axis] > 2:
        # A shift by one step matches everywhere except at one end, so compare the interior.
        interior = range(1, got.shape[time_axis] - 1)
        inner_expected = np.take(expected, interior, axis=time_axis)
        for shift in (1, -1):
            shifted = np.roll(got, shift, axis=time_axis)
            if _close(np.take(shifted, interior, axis=time_axis), inner_expected, rtol, atol):
                return ("it matches the expected array shifted by one time step: "
                        "an off-by-one in time")
    return ""


def _multiple(difference: float, size: float) -> str | None:
    """``"-3 × "`` when ``difference`` is -3 times ``size`` (1 to 4 times), else None."""
    if not size or difference % size:
        return None
    times = int(difference // size)
    if not 1 <= abs(times) <= 4:
        return None
    return ("-" if times < 0 else "") + ("" if abs(times) == 1 else f"{abs(times)} × ")


def _scalar_diagnosis(got: float, expected: float, sizes: Mapping[str, float] | None) -> str:
    """One number off: by a sum (a term counted once too often or too rarely) or by a factor."""
    if got == 0:
        return "it is zero: was it never computed?"
    if np.isclose(got, -expected):
        return "it is the negative of the expected value: a sign is flipped"
    ratio = got / expected if expected else np.inf
    for nice in (2, 3, 4, 0.5, 1 / 3, 0.25, 8, 0.125):
        if np.isclose(ratio, nice, rtol=1e-9):
            return f"it is the expected value times {ratio:.4g}: a constant factor is off"
    difference = got - expected
    if difference == round(difference) and abs(difference) >= 1:
        amount = f"{int(difference):+d}" if abs(difference) < 1e15 else f"{difference:+g}"
        named = "".join(f" = {_multiple(difference, size)}{label}"
                        for label, size in (sizes or {}).items()
                        if _multiple(difference, size) is not None)[:80]
        return (f"it is off by {amount}{named}: a term is counted "
                f"{'once too often' if difference > 0 else 'too rarely'} "
                "(a bias, or one of the sizes?)")
    return ""


def _blocks_report(got: np.ndarray, expected: np.ndarray, blocks: tuple[int, Sequence[str]],
                   rtol: float, atol: float) -> str:
    """Say which equal-size blocks along an axis (gates such as i, f, g, o) are wrong or right."""
    axis, labels = blocks
    if got.shape[axis] % len(labels):
        return ""
    parts = zip(labels, np.split(got, len(labels), axis=axis),
                np.split(expected, len(labels), axis=axis))
    wrong = [label for label, g, e in parts if not _close(g, e, rtol, atol)]
    right = [label for label in labels if label not in wrong]
    if not wrong or not right:
        return ""
    return (f" [blocks along axis {axis}: wrong in {', '.join(wrong)}; "
            f"right in {', '.join(right)}]")


def _reference_array(name: str, value) -> np.ndarray:
    """A reference value as an array of numbers (the check's own data, not the learner's)."""
    array = np.asarray(value) if not isinstance(value, np.ndarray) else value
    if array.dtype.kind not in "biufc":
        raise TypeError(f"{name}: expected an array of numbers, got {type(value).__name__}"
                        + (f" of dtype {array.dtype}" if isinstance(value, np.ndarray) else ""))
    return array


def compare_arrays(name: str, got: Any, expected: np.ndarray, *, rtol: float = 1e-5,
                   atol: float = 1e-8, time_axis: int | None = None,
                   blocks: tuple[int, Sequence[str]] | None = None,
                   sizes: Mapping[str, float] | None = None) -> str | None:
    """Return ``None`` if ``got`` matches ``expected``, else one sentence saying what differs.

    Args:
        name: the quantity's name for the message (``"dW_h"``, ``"z (update gate)"``).
        got: the learner's value.
        expected: the reference array.
        rtol, atol: tolerances of ``np.allclose``; the absolute one is at least ``rtol`` times
            the largest expected value, so a float32 intermediate in a float64 answer passes
            and a real mistake does not. Integer results are compared exactly.
        time_axis: the axis that indexes time, to recognise off-by-one-in-time mistakes.
        blocks: ``(axis, labels)`` when the array is made of equal blocks along ``axis``
            (the gates of ``dW_x``: ``(1, ("i", "f", "g", "o"))``), to say which block is wrong.
        sizes: label -> number (``{"units": 128}``): a scalar off by one of them says so
            ("off by +128 = units").
    """
    _check_str("name", name)
    expected = _reference_array("expected", expected)
    _check_tolerances(rtol, atol)
    _check_axis("time_axis", time_axis)
    _check_blocks("blocks", blocks)
    _check_mapping("sizes", sizes, optional=True, values="numbers")
    if got is None:
        return f"{name}: got None — did you forget to return it (or to fill in the blank)?"
    if got is Ellipsis:
        return f"{name}: got ... (the blank is not filled in yet)"
    if not isinstance(got, np.ndarray):
        if np.isscalar(got) and expected.ndim == 0:
            got = np.asarray(got)
        else:
            return (f"{name}: expected a numpy array of shape {_fmt_shape(expected.shape)}, "
                    f"got {type(got).__name__}")
    if got.shape != expected.shape:
        hint = ""
        if got.shape == expected.shape[::-1] and got.ndim == 2:
            hint = " (the transpose's shape: a matrix is transposed)"
        elif got.ndim == expected.ndim + 1 and got.shape[1:] == expected.shape:
            hint = " (one extra leading axis: did you forget to sum over the batch?)"
        return (f"{name}: expected shape {_fmt_shape(expected.shape)}, "
                f"got {_fmt_shape(got.shape)}{hint}")
    if np.issubdtype(expected.dtype, np.floating) and got.dtype != expected.dtype:
        return (f"{name}: expected dtype {expected.dtype} (the dtype of the inputs), "
                f"got {got.dtype}: "
                "functions should preserve the dtype they are given")
    if got.dtype.kind in "fc" and not np.isfinite(got).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
        return f"{name}: contains {got[bad]} at index {bad} (expected finite values)"
    if got.dtype.kind not in "biufc":
        return f"{name}: expected numbers, got an array of dtype {got.dtype}"
    if _close(got, expected, rtol, atol):
        return None
    exact = _exact(got, expected)
    err = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(err), err.shape))
    if exact:
        n_wrong = int((got != expected).sum())
        rule = "whole numbers must be exact"
    else:
        n_wrong = int((~np.isclose(got, expected, rtol=rtol,
                                   atol=_atol(expected, rtol, atol))).sum())
        rule = (f"tolerance: {rtol:g} relative, or {_atol(expected, rtol, atol):.2g} "
                "absolute near zero")
    at = f"[{', '.join(map(str, worst))}]" if worst else ""
    e_text, g_text = _digits(float(expected[worst].real), float(got[worst].real))
    values = "the value differs" if got.size == 1 else (
        f"{n_wrong} of {got.size} values differ; largest difference at {name}{at}")
    message = f"{name}: {values}: expected {e_text}, got {g_text} ({rule})"
    if blocks is not None:
        message += _blocks_report(got, expected, blocks, rtol, atol)
    diagnosis = _diagnose_values(got, expected, rtol, atol, time_axis, sizes)
    return message + (f" — {diagnosis}" if diagnosis else "")


@dataclass
class CheckReport:
    """What a check found: one line per output, right ones included."""

    title: str
    right: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no check went wrong."""
        return not self.wrong

    def __str__(self) -> str:
        total = len(self.right) + len(self.wrong)
        lines = [f"{self.title}: {len(self.right)} of {total} checks passed."]
        lines += [f"  ✗ {w}" for w in self.wrong]
        lines += [f"  ✓ {r}" for r in self.right]
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise :class:`CheckFailed` with the whole report if any check went wrong."""
        if self.wrong:
            raise CheckFailed(str(self))


def _copy_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Deep copies (arrays inside dicts and lists too; a Generator keeps its state), so that
    neither the learner's nor the reference's call can change what the other receives."""
    return {k: (v if callable(v) else copy.deepcopy(v)) for k, v in inputs.items()}


def _unchanged(before: Any, after: Any) -> bool:
    """Whether an input still equals its copy: arrays by value, containers item by item."""
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape
                and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, Mapping):
        return (isinstance(after, Mapping) and before.keys() == after.keys()
                and all(_unchanged(before[k], after[k]) for k in before))
    if isinstance(before, (list, tuple)):
        return (isinstance(after, (list, tuple)) and len(before) == len(after)
                and all(_unchanged(b, a) for b, a in zip(before, after)))
    return True


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{_fmt_shape(value.shape)} {value.dtype}"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k}: {_describe(v)}" for k, v in list(value.items())[:8])
        return "{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, (bool, int, float, str, np.generic)) or value is None:
        return repr(value)
    if callable(value):
        return f"the function {getattr(value, '__name__', '')}".rstrip()
    return type(value).__name__


def _describe_inputs(inputs: Mapping[str, Any]) -> str:
    """``x (3, 4) float64, k=3, grads {W: (3, 4) float64}``: what the function was given."""
    parts = []
    for name, value in inputs.items():
        text = _describe(value)
        parts.append(f"{name}={text}" if not isinstance(value, np.ndarray) else f"{name} {text}")
    return ", ".join(parts) or "no arguments"


_LIBRARY_DIRS = (str(Path(np.__file__).resolve().parent), str(Path(__file__).resolve().parent))


def _learner_line(exc: BaseException) -> str:
    """The last line of the learner's own code in the traceback: ``line 4: da = dh @ W``."""
    found = ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.startswith(_LIBRARY_DIRS) or "site-packages" in filename:
            continue
        text = linecache.getline(filename, lineno).strip()
        found = f"line {lineno} of {frame.f_code.co_name}" + (f": {text}" if text else "")
    return found


def _call(fn: Callable, inputs: Mapping[str, Any], what: str, seconds: float,
          positional: bool) -> tuple[Any, list[str]]:
    """Call ``fn`` on copies of ``inputs``; return its result and any inputs it modified."""
    given = _copy_inputs(inputs)
    try:
        with time_limit(seconds, what):
            result = fn(*given.values()) if positional else fn(**given)
    except CheckFailed:
        raise
    # The learner's code raised (SystemExit too: a learner's `exit()` must not end the check).
    except (Exception, SystemExit) as exc:
        # An error relayed from another process (batch grading) brings the learner's line.
        line = getattr(exc, "learner_line", None) or _learner_line(exc)
        raise CheckFailed(
            f"{what} raised {type(exc).__name__}: {exc}"
            + (f"\n  at {line}" if line else "")
            + f"\n  (called with {_describe_inputs(inputs)})"
        ) from None
    mutated = [k for k, v in inputs.items() if not _unchanged(v, given[k])]
    return result, mutated


def check_outputs(title: str, names: Sequence[str], got: Any, expected: Sequence[Any], *,
                  rtol: float = 1e-5, atol: float = 1e-8,
                  time_axes: Mapping[str, int] | None = None,
                  blocks: Mapping[str, tuple[int, Sequence[str]]] | None = None,
                  sizes: Mapping[str, float] | None = None) -> CheckReport:
    """Compare a tuple of named outputs; return a report (does not raise).

    Two wrong outputs that each equal the other's expected value are reported as swapped.
    ``sizes`` is passed to :func:`compare_arrays`.
    """
    _check_str("title", title)
    names = _check_names("names", names)
    if not isinstance(expected, (list, tuple)) or len(expected) != len(names):
        got_n = f"{len(expected)} values" if isinstance(expected, (list, tuple)) else type(
            expected).__name__
        raise ValueError(f"expected: expected a list of {len(names)} reference values (one per "
                         f"name), got {got_n}")
    _check_tolerances(rtol, atol)
    _check_per_output("time_axes", time_axes, _check_axis)
    _check_per_output("blocks", blocks, _check_blocks)
    _check_mapping("sizes", sizes, optional=True, values="numbers")
    report = CheckReport(title)
    if got is None or got is Ellipsis:
        what = "None" if got is None else "..."
        report.wrong.append(
            f"returned {what} instead of {', '.join(names)}: the blank is not filled in yet "
            "(or the return statement is missing)")
        return report
    if len(names) == 1 and not isinstance(got, tuple):
        got = (got,)
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        n = len(got) if isinstance(got, (tuple, list)) else 1
        report.wrong.append(
            f"expected {len(names)} return values ({', '.join(names)}), got {n}"
            + (f" of type {type(got).__name__}" if not isinstance(got, (tuple, list)) else "")
        )
        return report
    wrong: list[str] = []  # the wrong outputs' names, in the order of report.wrong
    for name, g, e in zip(names, got, expected):
        problem = compare_arrays(name, g, e, rtol=rtol, atol=atol,
                                 time_axis=(time_axes or {}).get(name),
                                 blocks=(blocks or {}).get(name), sizes=sizes)
        if problem is None:
            report.right.append(f"{name} {_fmt_shape(np.shape(e))} is correct")
        else:
            wrong.append(name)
            report.wrong.append(problem)
    position = {name: i for i, name in enumerate(names)}
    for a_index, a in enumerate(wrong):
        for b in wrong[a_index + 1:]:
            i, j = position[a], position[b]
            if (compare_arrays(a, got[i], expected[j], rtol=rtol, atol=atol) is None
                    and compare_arrays(b, got[j], expected[i], rtol=rtol, atol=atol) is None):
                report.wrong[wrong.index(a)] = (
                    f"{a} and {b} are swapped: your {a} is the expected {b} and your {b} the "
                    "expected "f"{a} (check the order of the return statement)")
                report.wrong[wrong.index(b)] = f"{b}: swapped with {a} (see above)"
    return report


def check_function(student: Callable, reference: Callable, inputs: Mapping[str, Any],
                   output_names: Sequence[str], *, title: str | None = None,
                   seconds: float = 5.0, rtol: float = 1e-5, atol: float = 1e-8,
                   time_axes: Mapping[str, int] | None = None,
                   blocks: Mapping[str, tuple[int, Sequence[str]]] | None = None,
                   adapt: Callable[[Any], Any] | None = None,
                   positional: bool = True, raise_on_failure: bool = True,
                   alternatives: Mapping[str, Callable] | None = None) -> CheckReport:
    """Check ``student(**inputs)`` against ``reference(**inputs)`` output by output.

    Args:
        student: the learner's function.
        reference: a correct implementation with the same signature and outputs.
        inputs: argument name -> value, in the order of the signature.
        output_names: a name for each returned value, in order (``("dx", "dh_prev", ...)``).
        title: what the report is about (default: the student function's name).
        seconds: time limit for the learner's call.
        rtol, atol: tolerances.
        time_axes: output name -> axis indexing time (to diagnose off-by-one in time).
        blocks: output name -> ``(axis, labels)`` of equal blocks (gates) to name in messages.
        adapt: turns a result (the learner's and the reference's) into the outputs compared,
            e.g. a dict of gradients into its arrays, or a list of ids into an array. A learner's
            ``None`` or ``...`` is reported as an unfilled blank without adapting it.
        positional: pass inputs positionally (default) or by keyword.
        raise_on_failure: raise :class:`CheckFailed` with the report when anything is wrong.
        alternatives: a likely mistake in words -> a function computing its (wrong) result
            like ``reference`` (``{"i and f swapped": ...}``): when the learner's outputs
            equal one of them, the report names that mistake.

    Returns:
        The :class:`CheckReport` (also when everything is right).
    """
    _check_callable("reference", reference)
    _check_mapping("inputs", inputs, values="argument values")
    output_names = _check_names("output_names", output_names)
    _check_common(title, seconds, rtol, atol, time_axes, blocks, raise_on_failure)
    _check_callable("adapt", adapt, optional=True)
    check_bool("positional", positional)
    _check_per_output("alternatives", alternatives, _check_callable)
    title = title or getattr(student, "__name__", "your function")
    if not callable(student):
        raise CheckFailed(f"{title}: expected a function, got {type(student).__name__}: run the "
                          "cell that defines it first (and keep its name)")
    got, mutated = _call(student, inputs, f"{title}(...)", seconds, positional)

    def run_reference(function):
        return (function(*_copy_inputs(inputs).values()) if positional
                else function(**_copy_inputs(inputs)))

    expected = run_reference(reference)
    if (isinstance(expected, tuple) and len(expected) > 1 and got is not None
            and got is not Ellipsis and not isinstance(got, (tuple, list))):
        raise CheckFailed(
            f"{title}: 0 of {len(output_names)} checks passed.\n  ✗ returned a single "
            f"{type(got).__name__}, not the {len(expected)} values it should return together "
            f"(a tuple such as `return {', '.join(_return_names(output_names, len(expected)))}`)")
    raw_expected = expected
    if adapt is not None:
        expected = adapt(expected)
        if got is not None and got is not Ellipsis:
            try:
                got = adapt(got)
            except Exception as exc:  # the learner returned something of the wrong kind
                raise CheckFailed(f"{title} returned a {type(got).__name__} that does not have "
                                  f"the expected form ({', '.join(output_names)}): "
                                  f"{type(exc).__name__}: {exc}") from exc
    if len(output_names) == 1 and not isinstance(expected, tuple):
        expected = (expected,)
    sizes = {k: v for k, v in inputs.items() if type(v) is int and v > 1}
    report = check_outputs(title, output_names, got, expected, rtol=rtol, atol=atol,
                           time_axes=time_axes, blocks=blocks, sizes=sizes)
    if not report.passed and alternatives and len(report.right) + len(report.wrong) == len(
            output_names):
        for mistake, function in alternatives.items():
            wrong_result = function(*_copy_inputs(inputs).values()) if positional else function(
                **_copy_inputs(inputs))
            if adapt is not None:
                wrong_result = adapt(wrong_result)
            if len(output_names) == 1 and not isinstance(wrong_result, tuple):
                wrong_result = (wrong_result,)
            if check_outputs(title, output_names, got, wrong_result, rtol=rtol,
                             atol=atol).passed:
                report.wrong[0] = f"{mistake} (your outputs match that mistake) — " + (
                    report.wrong[0])
                break
    del raw_expected
    for name in mutated:
        report.wrong.insert(0, f"{name} was modified in place: functions must not change "
                               "their inputs (work on a copy, or use out-of-place operations)")
    if raise_on_failure:
        report.raise_if_failed()
    return report


def _return_names(output_names: Sequence[str], n: int) -> list[str]:
    """Names for a return statement of ``n`` values: the checked outputs, then ``cache``."""
    names = [str(name).split(" ")[0] for name in output_names][:n]
    return names + ["cache"] * (n > len(names)) + ["..."] * max(0, n - len(names) - 1)


def _forward_problem(student_forward: Callable, reference_forward: Callable,
                     inputs: Mapping[str, Any], forward_names: Sequence[str], title: str,
                     seconds: float, rtol: float, atol: float) -> str | None:
    """Say why the learner's forward (outputs then cache) is not right yet, or ``None``."""
    def outputs_only(*args):
        result = student_forward(*args)
        return result[:-1] if isinstance(result, tuple) and len(result) > 1 else result

    def reference_outputs(*args):
        return reference_forward(*args)[:-1]

    try:
        report = check_function(outputs_only, reference_outputs, inputs, forward_names,
                                title=title, seconds=seconds, rtol=rtol, atol=atol,
                                raise_on_failure=False)
    except CheckFailed as failure:
        return str(failure).splitlines()[0]
    return None if report.passed else report.wrong[0]


def check_backward(student_forward: Callable, student_backward: Callable,
                   reference_forward: Callable, reference_backward: Callable,
                   inputs: Mapping[str, Any], upstream: Mapping[str, Any],
                   grad_names: Sequence[str], *, forward_names: Sequence[str],
                   title: str | None = None, seconds: float = 5.0, rtol: float = 1e-5,
                   atol: float = 1e-8, time_axes: Mapping[str, int] | None = None,
                   blocks: Mapping[str, tuple[int, Sequence[str]]] | None = None,
                   raise_on_failure: bool = True) -> CheckReport:
    """Check a learner's backward pass, run on the cache of the learner's own forward pass.

    Both forwards return their outputs followed by a cache (any object); both backwards are
    called as ``backward(*upstream.values(), cache)``. The learner's cache format is theirs to
    choose, so the backward is judged only by the gradients it returns. When the learner's
    forward is itself wrong, the report says so first, since the backward depends on it.

    Args:
        student_forward, student_backward: the learner's pair.
        reference_forward, reference_backward: a correct pair (e.g. from ``rnnlab.functional``).
        inputs: forward argument name -> value, in the order of the signature.
        upstream: upstream gradient name -> value (``{"dh_next": ...}``), in backward's order.
        grad_names: a name for each gradient the backward returns, in order.
        forward_names: a name for each forward output before the cache.
        title: what the report is about (default: the backward function's name).
        seconds, rtol, atol, time_axes, blocks, raise_on_failure: as in :func:`check_function`.
    """
    _check_callable("reference_forward", reference_forward)
    _check_callable("reference_backward", reference_backward)
    _check_mapping("inputs", inputs, values="argument values")
    _check_mapping("upstream", upstream, values="upstream gradients")
    grad_names = _check_names("grad_names", grad_names)
    forward_names = _check_names("forward_names", forward_names)
    _check_common(title, seconds, rtol, atol, time_axes, blocks, raise_on_failure)
    title = title or getattr(student_backward, "__name__", "your backward function")
    for function in (student_forward, student_backward):
        if not callable(function):
            raise CheckFailed(f"{title}: expected a function, got {type(function).__name__}: run "
                              "the cells that define the forward and backward functions first")
    forward_title = getattr(student_forward, "__name__", "your forward function")
    n_forward = len(inputs)

    def student_pipeline(*args):
        result = student_forward(*args[:n_forward])
        if not isinstance(result, tuple) or len(result) < 2:
            raise TypeError(f"{forward_title} must return its outputs and then a cache "
                            f"({', '.join(forward_names)}, cache); got {type(result).__name__}")
        return student_backward(*args[n_forward:], result[-1])

    def reference_pipeline(*args):
        return reference_backward(*args[n_forward:], reference_forward(*args[:n_forward])[-1])

    forward_wrong = _forward_problem(student_forward, reference_forward, inputs, forward_names,
                                     forward_title, seconds, rtol, atol)
    combined = {**inputs, **upstream}
    try:
        report = check_function(student_pipeline, reference_pipeline, combined, grad_names,
                                title=title, seconds=seconds, rtol=rtol, atol=atol,
                                time_axes=time_axes, blocks=blocks, raise_on_failure=False)
    except CheckFailed as failure:
        report = CheckReport(title, wrong=[str(failure)])
    if forward_wrong is not None:
        report.wrong.insert(0, f"{forward_title} is not right yet ({forward_wrong}); this check "
                               f"runs it to get the cache, so fix {forward_title} first")
    if raise_on_failure:
        report.raise_if_failed()
    return report


def numerical_reference(forward: Callable, arg_names: Sequence[str], wrt: Sequence[str],
                        eps: float = 1e-6) -> Callable:
    """A reference backward computed by central differences of ``forward``.

    Useful when a backward pass is split into pieces that no library function returns on their
    own (such as the phases of a GRU backward): the reference for a piece is the numerical
    gradient of the forward expression that the piece differentiates.

    Args:
        forward: a float64 function ``forward(**kwargs)`` returning an array (or a tuple).
        arg_names: the names of the returned reference's positional arguments, in order: the
            upstream gradient first (named anything), then ``forward``'s keyword arguments.
        wrt: the arguments to differentiate with respect to, in the order of the outputs.
        eps: half the step of the central difference.

    Returns:
        ``reference(dout, *forward_args)`` returning a tuple of gradients, one per ``wrt``.
    """
    from rnnlab.gradcheck import numerical_gradient  # gradcheck is a sibling; keep import light

    _check_callable("forward", forward)
    arg_names = _check_names("arg_names", arg_names)
    wrt = _check_names("wrt", wrt)
    unknown = [name for name in wrt if name not in arg_names[1:]]
    if unknown:
        raise ValueError(f"wrt: expected names among forward's arguments {arg_names[1:]}, "
                         f"got {unknown}")
    check_positive_real("eps", eps)

    def reference(*args):
        dout, *rest = args
        values = dict(zip(arg_names[1:], rest))
        return tuple(numerical_gradient(forward, values, name, dout=dout, eps=eps) for name in wrt)

    return reference


def check_param_dict(params: Any, shapes: Mapping[str, tuple[int, ...]], *, dtype=np.float64,
                     title: str = "parameters", zero: Sequence[str] = (),
                     bound: Mapping[str, float] | None = None) -> CheckReport:
    """Check a dict of initialized parameters: names, shapes, dtype, zero biases, value bounds.

    Args:
        params: the learner's dict name -> array.
        shapes: expected name -> shape.
        dtype: the expected float dtype of every array.
        title: what the report is about.
        zero: names of arrays that must start at zero (biases).
        bound: name -> b, where every value must lie in ``[-b, b]`` and the values must not all
            be equal (a random, not constant, initialization).
    """
    _check_mapping("shapes", shapes, values="shapes (tuples of ints)")
    for key, shape in shapes.items():
        if not isinstance(shape, tuple) or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0
                for n in shape):
            raise TypeError(f"shapes[{key!r}]: expected a shape, a tuple of ints >= 0, "
                            f"got {shape!r}")
    dtype = check_float_dtype("dtype", dtype, any_float=True)
    _check_str("title", title)
    if isinstance(zero, str) or not isinstance(zero, (list, tuple)) or any(
            name not in shapes for name in zero):
        raise ValueError(f"zero: expected a list of names among {list(shapes)}, got {zero!r}")
    _check_mapping("bound", bound, optional=True, values="positive bounds")
    for key, b in (bound or {}).items():
        if key not in shapes:
            raise ValueError(f"bound: expected names among {list(shapes)}, got {key!r}")
        check_positive_real(f"bound[{key!r}]", b)
    report = CheckReport(title)
    if not isinstance(params, Mapping):
        got = ("... (the blank is not filled in yet)" if params is Ellipsis
               else type(params).__name__)
        report.wrong.append(f"expected a dict of arrays ({', '.join(shapes)}), got {got}")
        return report
    missing = [k for k in shapes if k not in params]
    extra = [k for k in params if k not in shapes]
    if missing:
        report.wrong.append(f"missing keys {missing} (expected exactly {list(shapes)})")
    if extra:
        report.wrong.append(f"unexpected keys {extra} (expected exactly {list(shapes)})")
    for name, shape in shapes.items():
        if name not in params:
            continue
        value = params[name]
        problem = None
        if not isinstance(value, np.ndarray):
            got = ("... (the blank is not filled in yet)" if value is Ellipsis
                   else type(value).__name__)
            problem = f"{name}: expected a numpy array, got {got}"
        elif value.shape != tuple(shape):
            problem = f"{name}: expected shape {_fmt_shape(shape)}, got {_fmt_shape(value.shape)}"
        elif value.dtype != np.dtype(dtype):
            problem = f"{name}: expected dtype {np.dtype(dtype)}, got {value.dtype}"
        elif name in zero and np.any(value != 0):
            problem = (f"{name}: a bias should start at zero, got values up to "
                       f"{np.abs(value).max():.4g}")
        elif bound and name in bound:
            b = bound[name]
            if np.abs(value).max() > b:
                problem = (f"{name}: values must lie in [-{b:.4g}, {b:.4g}], "
                           f"got {np.abs(value).max():.4g}: "
                           "is the scale right?")
            elif value.size > 1 and np.all(value == value.flat[0]):
                problem = f"{name}: all values equal {value.flat[0]:.4g}: weights must be random"
        if problem is None:
            report.right.append(f"{name} {_fmt_shape(shape)} is correct")
        else:
            report.wrong.append(problem)
    return report


def random_inputs(seed: int, scale: float = 1.0, dtype=np.float64,
                  **shapes: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Standard normal test inputs, named and ordered as given: ``random_inputs(0, x=(3, 4))``.

    Args:
        seed: seed of ``np.random.default_rng``, so the inputs are the same on every run.
        scale: every array is multiplied by it (small weights keep tanh/sigmoid unsaturated).
        dtype: the float dtype of the arrays.
        shapes: name -> shape, in the order of the function's arguments.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"seed: expected a non-negative integer, got {seed!r}")
    check_nonnegative_real("scale", scale)
    dtype = check_float_dtype("dtype", dtype, any_float=True)
    for name, shape in shapes.items():
        if not isinstance(shape, tuple) or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0
                for n in shape):
            raise TypeError(f"{name}: expected a shape, a tuple of ints >= 0, got {shape!r}")
    rng = np.random.default_rng(seed)
    return {name: (scale * rng.standard_normal(shape)).astype(dtype)
            for name, shape in shapes.items()}
