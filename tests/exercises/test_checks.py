"""rnnlab.checks: each diagnosis a learner can receive, shown on a small wrong answer."""
from __future__ import annotations

import time

import numpy as np
import pytest

from rnnlab.checks import (CheckFailed, check_backward, check_function, check_param_dict,
                           compare_arrays, numerical_reference, random_inputs)
from rnnlab.functional import rnn_step_backward, rnn_step_forward

E = np.arange(1.0, 13.0).reshape(3, 4)


def test_correct_array_gives_none():
    assert compare_arrays("a", E.copy(), E) is None


@pytest.mark.parametrize("got, words", [
    (-E, "a sign is flipped"),
    (2.5 * E, "times 2.5"),
    (np.zeros_like(E), "all zeros"),
    (E.T, "expected shape (3, 4), got (4, 3) (the transpose's shape"),
    (E.astype(np.float32), "expected dtype float64"),
    (np.where(E == 5, np.nan, E), "contains nan at index (1, 0)"),
    (None, "got None"),
    (Ellipsis, "the blank is not filled in yet"),
    ([1, 2], "expected a numpy array of shape (3, 4), got list"),
    (E[None], "one extra leading axis"),
])
def test_each_diagnosis(got, words):
    assert words in compare_arrays("dW", got, E)


def test_square_transpose_and_location():
    square = np.arange(9.0).reshape(3, 3)
    message = compare_arrays("dW_h", square.T, square)
    assert "a matrix is transposed" in message and "dW_h[" in message


def test_off_by_one_in_time_and_gate_blocks():
    hs = np.arange(1.0, 21.0).reshape(1, 5, 4)
    assert "off-by-one in time" in compare_arrays("hs", np.roll(hs, 1, axis=1), hs, time_axis=1)
    wrong_f = E.copy()
    wrong_f[:, 1] += 1
    assert "wrong in f; right in i, g, o" in compare_arrays("dW_x", wrong_f, E,
                                                           blocks=(1, ("i", "f", "g", "o")))


def test_check_function_reports_right_and_wrong_outputs():
    with pytest.raises(CheckFailed) as failure:
        check_function(lambda a: (a + 1, a * 3), lambda a: (a + 1, a * 2), {"a": E}, ["u", "v"])
    text = str(failure.value)
    assert "1 of 2 checks passed" in text and "✓ u (3, 4) is correct" in text and "✗ v:" in text


def test_mutation_of_arrays_and_of_dict_values_is_named():
    def scales_in_place(grads):
        grads["W"] *= 2
        return grads["W"]

    with pytest.raises(CheckFailed, match="grads was modified in place"):
        check_function(scales_in_place, lambda grads: grads["W"] * 2, {"grads": {"W": E.copy()}},
                       ["W"])


def test_exception_and_not_a_function_are_reported():
    with pytest.raises(CheckFailed, match=r"raised ZeroDivisionError.*\n.*at line \d+ of <lambda>: check_function.*\n.*called with a \(3, 4\) float64"):
        check_function(lambda a: 1 / 0, lambda a: a, {"a": E}, ["out"])
    with pytest.raises(CheckFailed, match="expected a function, got NoneType"):
        check_function(None, lambda a: a, {"a": E}, ["out"])


def test_infinite_loop_is_stopped():
    def spins(a):
        while True:
            pass

    start = time.perf_counter()
    with pytest.raises(CheckFailed, match="did not finish within 0.5 s"):
        check_function(spins, lambda a: a, {"a": E}, ["out"], seconds=0.5)
    assert time.perf_counter() - start < 5


def test_blank_result_and_adapt():
    with pytest.raises(CheckFailed, match="returned None instead of ids"):
        check_function(lambda n: None, lambda n: list(range(n)), {"n": 3}, ["ids"],
                       adapt=np.asarray)
    check_function(lambda n: list(range(n)), lambda n: np.arange(n), {"n": 3}, ["ids"],
                   adapt=np.asarray)


def test_check_backward_blames_a_wrong_forward_first():
    inputs = random_inputs(0, 0.5, x=(2, 3), h_prev=(2, 4), W_x=(3, 4), W_h=(4, 4), b=(4,))
    upstream = random_inputs(1, dh_next=(2, 4))
    names = ["dx", "dh_prev", "dW_x", "dW_h", "db"]
    check_backward(rnn_step_forward, rnn_step_backward, rnn_step_forward, rnn_step_backward,
                   inputs, upstream, names, forward_names=["h_next"])

    def wrong_forward(*args):
        h_next, cache = rnn_step_forward(*args)
        return -h_next, cache

    with pytest.raises(CheckFailed, match="wrong_forward is not right yet.*fix wrong_forward first"):
        check_backward(wrong_forward, rnn_step_backward, rnn_step_forward, rnn_step_backward,
                       inputs, upstream, names, forward_names=["h_next"])


def test_numerical_reference_matches_an_analytic_gradient():
    reference = numerical_reference(lambda a, b: a * b, ["dout", "a", "b"], ["a", "b"])
    values = random_inputs(2, dout=(2, 3), a=(2, 3), b=(2, 3))
    da, db = reference(values["dout"], values["a"], values["b"])
    np.testing.assert_allclose(da, values["dout"] * values["b"], rtol=1e-7)
    np.testing.assert_allclose(db, values["dout"] * values["a"], rtol=1e-7)


def test_check_param_dict():
    good = {"W": np.random.default_rng(0).uniform(-0.5, 0.5, (2, 3)), "b": np.zeros(3)}
    shapes = {"W": (2, 3), "b": (3,)}
    assert check_param_dict(good, shapes, zero=["b"], bound={"W": 0.5}).passed
    bad = {"W": np.full((2, 3), 0.1), "b": np.ones(3), "extra": np.zeros(1)}
    text = str(check_param_dict(bad, shapes, zero=["b"], bound={"W": 0.5}))
    assert "unexpected keys ['extra']" in text and "all values equal" in text
    assert "a bias should start at zero" in text
    assert "the blank is not filled in yet" in str(check_param_dict(..., shapes))


# ---- issue 14: feedback that is right for the last cases --------------------------------

def test_a_swallowed_time_limit_still_stops_the_function():
    def stubborn(x):
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - the learner's mistake under test
                continue

    start = time.monotonic()
    with pytest.raises(CheckFailed, match="did not finish within 0.5 s"):
        check_function(stubborn, lambda x: x, {"x": E}, ["out"], seconds=0.5)
    assert time.monotonic() - start < 3


def test_system_exit_inside_a_function_is_reported_not_raised():
    def quits(a):
        raise SystemExit(1)

    with pytest.raises(CheckFailed, match=r"raised SystemExit: 1\n.*line \d+ of quits"):
        check_function(quits, lambda a: a, {"a": E}, ["out"])


def test_the_call_is_described_for_inputs_that_are_not_arrays():
    def broken(grads, max_norm, ids):
        return grads["W"] @ ids

    with pytest.raises(CheckFailed) as failure:
        check_function(broken, lambda grads, max_norm, ids: ids,
                       {"grads": {"W": E}, "max_norm": 1.0, "ids": [1, 2]}, ["out"])
    message = str(failure.value)
    assert "called with grads={W: (3, 4) float64}, max_norm=1.0, ids=a list of 2" in message
    assert "return grads[\"W\"] @ ids" in message  # the learner's line


def test_a_float32_intermediate_passes_and_a_real_difference_prints_enough_digits():
    expected = np.linspace(-1.5, 2.0, 12).reshape(3, 4)
    rounded = expected.astype(np.float32).astype(np.float64)
    assert compare_arrays("dx", rounded, expected) is None
    wrong = expected.copy()
    wrong[1, 2] += 2e-4
    message = compare_arrays("dx", wrong, expected)
    assert "expected 0.409091, got 0.409291" in message, message
    close = expected.copy()
    close[0, 0] = 0.111198 + 4e-4
    expected[0, 0] = 0.111198
    message = compare_arrays("dx", close, expected)
    assert "expected 0.111198, got 0.111598" in message
    assert "tolerance: 1e-05 relative" in message  # the rule is stated to the learner


def test_counts_are_exact_and_an_additive_mistake_is_named():
    message = compare_arrays("count", 1156640, np.asarray(1156641))
    assert "expected 1156641, got 1156640" in message and "whole numbers must be exact" in message
    report = check_function(lambda input_dim, units: units * (input_dim + units + 1) + units,
                            lambda input_dim, units: units * (input_dim + units + 1),
                            {"input_dim": 100, "units": 128}, ["number of parameters"],
                            raise_on_failure=False)
    assert "off by +128 = units" in str(report) and "constant factor" not in str(report)
    doubled = compare_arrays("count", 2 * 29312, np.asarray(29312))
    assert "times 2: a constant factor is off" in doubled


def test_swapped_outputs_are_named():
    a, b = E, -2 * E + 1
    report = check_function(lambda x: (b, a), lambda x: (a, b), {"x": E}, ["dh_prev", "dc_prev"],
                            raise_on_failure=False)
    assert "dh_prev and dc_prev are swapped" in str(report)
    assert "0 of 2 checks passed" in str(report)


def test_a_single_value_instead_of_the_pair_is_named():
    inputs = random_inputs(0, x=(2, 3), h_prev=(2, 4), W_x=(3, 4), W_h=(4, 4), b=(4,))
    with pytest.raises(CheckFailed, match="returned a single ndarray, not the 2 values.*"
                                          "return h_next, cache"):
        check_function(lambda *args: rnn_step_forward(*args)[0], rnn_step_forward, inputs,
                       ["h_next"], adapt=lambda result: result[0], title="rnn_step_forward")


def test_a_known_mistake_is_named_when_the_outputs_match_it():
    report = check_function(lambda x: 2 * x, lambda x: x, {"x": E}, ["y"],
                            alternatives={"the input counted twice": lambda x: x + x},
                            raise_on_failure=False)
    assert "the input counted twice (your outputs match that mistake)" in str(report)
    right = check_function(lambda x: x, lambda x: x, {"x": E}, ["y"],
                           alternatives={"never": lambda x: x})
    assert right.passed


def test_a_skipped_time_step_is_named():
    hs = np.arange(1.0, 25.0).reshape(2, 3, 4)
    first_skipped = hs.copy()
    first_skipped[:, 0] = 0
    assert "time step t = 0 is all zeros" in compare_arrays("hs", first_skipped, hs, time_axis=1)
    two_skipped = hs.copy()
    two_skipped[:, 1:] = 0
    assert "time steps t = 1, 2 are all zeros" in compare_arrays("hs", two_skipped, hs,
                                                                 time_axis=1)
    assert "time step" not in compare_arrays("hs", first_skipped, hs)  # no time axis given


def test_an_additive_mistake_of_a_few_times_a_size_is_named():
    report = check_function(lambda input_dim, units: 4 * units * (input_dim + units) + units,
                            lambda input_dim, units: 4 * units * (input_dim + units + 1),
                            {"input_dim": 100, "units": 128}, ["number of parameters"],
                            raise_on_failure=False)
    assert "off by -384 = -3 × units" in str(report), str(report)
    far = check_function(lambda units: 10 * units, lambda units: 0 * units + 1, {"units": 128},
                         ["count"], raise_on_failure=False)
    assert "× units" not in str(far)  # 1279 is no small multiple of 128


def test_a_scalar_zero_is_not_called_a_constant_factor():
    message = compare_arrays("probability", np.float64(0.0), np.asarray(0.25))
    assert "it is zero" in message and "constant factor" not in message, message
    assert compare_arrays("probability", np.float64(0.25), np.asarray(0.25)) is None
