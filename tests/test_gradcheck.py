"""Tests of rnnlab.gradcheck: it must find wrong gradients and functions that mutate inputs."""
import math

import numpy as np
import pytest

from rnnlab.functional import rnn_backward, rnn_forward
from rnnlab.gradcheck import (
    GradCheckReport,
    InputMutatedError,
    check_gradients,
    numerical_gradient,
    relative_error,
)


def cube_forward(x, w):
    """out = w * x**3 elementwise; used with its exact gradient below."""
    return w * x**3, (x, w)


def cube_backward(dout, cache):
    x, w = cache
    return dout * 3 * w * x**2, dout * x**3


def rnn_inputs(rng):
    return {
        "xs": rng.standard_normal((2, 3, 2)),
        "h0": rng.standard_normal((2, 3)),
        "W_x": 0.5 * rng.standard_normal((2, 3)),
        "W_h": 0.5 * rng.standard_normal((3, 3)),
        "b": 0.1 * rng.standard_normal(3),
    }


def test_numerical_gradient_of_a_known_function(rng):
    x = rng.standard_normal((3, 2))
    dout = rng.standard_normal((3, 2))
    grad = numerical_gradient(lambda x: x**3, {"x": x}, "x", dout=dout)
    np.testing.assert_allclose(grad, 3 * x**2 * dout, rtol=1e-8, atol=1e-9)
    # Without dout, the gradient of the plain sum.
    np.testing.assert_allclose(numerical_gradient(lambda x: np.sin(x), {"x": x}, "x"), np.cos(x), atol=1e-9)


def test_numerical_gradient_leaves_inputs_alone(rng):
    x = rng.standard_normal(4)
    saved = x.copy()
    numerical_gradient(lambda x: x * x, {"x": x}, "x")
    np.testing.assert_array_equal(x, saved)


def test_relative_error_values():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.ones(4), np.ones(4)) == 0.0
    # ||a - b|| = sqrt(2), ||a|| + ||b|| = 2
    assert math.isclose(relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])), math.sqrt(2) / 2)
    assert math.isclose(relative_error(np.array([2.0]), np.array([-2.0])), 1.0)
    with pytest.raises(ValueError, match=r"b: expected the shape of a, \(2,\), got \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_gradients_passes_a_correct_backward(rng):
    report = check_gradients(cube_forward, cube_backward, {"x": rng.standard_normal(5), "w": rng.standard_normal(5)})
    assert isinstance(report, GradCheckReport)
    assert set(report.errors) == {"x", "w"}
    assert report.max_error < 1e-8


def test_check_gradients_flags_a_sign_flip_in_one_tensor(rng):
    def wrong_rnn_backward(dhs, cache):
        dxs, dh0, dW_x, dW_h, db = rnn_backward(dhs, cache)
        return dxs, dh0, dW_x, -dW_h, db

    report = check_gradients(rnn_forward, wrong_rnn_backward, rnn_inputs(rng))
    assert report.worst == "W_h"
    assert report.errors["W_h"] > 0.5
    assert max(e for k, e in report.errors.items() if k != "W_h") < 1e-6
    assert report.max_error == report.errors["W_h"]


def test_check_gradients_flags_a_missing_factor(rng):
    def wrong_cube_backward(dout, cache):
        x, w = cache
        return dout * w * x**2, dout * x**3  # forgot the 3 of the power rule

    report = check_gradients(cube_forward, wrong_cube_backward, {"x": rng.standard_normal(5), "w": rng.standard_normal(5)})
    assert report.errors["x"] > 0.4 and report.errors["w"] < 1e-8


def test_mutating_forward_is_reported_by_name(rng):
    def forward_that_scales_w_in_place(x, w):
        w *= 2  # the bug: changes the caller's array
        return w * x, (x, w)

    inputs = {"x": rng.standard_normal(3), "w": rng.standard_normal(3)}
    saved = inputs["w"].copy()
    with pytest.raises(InputMutatedError, match="forward_that_scales_w_in_place modified its argument 'w'"):
        check_gradients(forward_that_scales_w_in_place, cube_backward, inputs)
    with pytest.raises(InputMutatedError, match="argument 'w' in place"):
        numerical_gradient(lambda x, w: forward_that_scales_w_in_place(x, w)[0], inputs, "x")
    np.testing.assert_array_equal(inputs["w"], saved)  # the checker worked on copies


def test_mutating_backward_is_reported(rng):
    def backward_that_clips_dout_in_place(dout, cache):
        np.clip(dout, -0.1, 0.1, out=dout)
        return cube_backward(dout, cache)

    with pytest.raises(InputMutatedError, match="backward_that_clips_dout_in_place modified its argument 'dout"):
        check_gradients(cube_forward, backward_that_clips_dout_in_place,
                        {"x": rng.standard_normal(3), "w": rng.standard_normal(3)})


def test_report_table_lists_every_tensor(rng):
    report = check_gradients(rnn_forward, rnn_backward, rnn_inputs(rng), wrt=["W_h", "b"])
    text = str(report)
    assert list(report.errors) == ["W_h", "b"]
    assert "W_h" in text and "(3, 3)" in text and "max relative error" in text
    assert f"{report.max_error:.2e}" in text


def test_none_inputs_and_flags_are_passed_through(rng):
    inputs = dict(rnn_inputs(rng), h0=None)
    report = check_gradients(rnn_forward, rnn_backward, inputs)
    assert "h0" not in report.errors and report.max_error < 1e-6


def test_bad_arguments(rng):
    with pytest.raises(ValueError, match=r"wrt: expected the name of one of the inputs \['x'\], got 'y'"):
        numerical_gradient(lambda x: x, {"x": np.zeros(2)}, "y")
    with pytest.raises(TypeError, match="inputs: expected a dict of argument name -> value.*got list"):
        check_gradients(cube_forward, cube_backward, [np.zeros(2)])
    with pytest.raises(TypeError, match="x: expected a floating-point array to differentiate, got int64"):
        numerical_gradient(lambda x: x, {"x": np.arange(2)}, "x")
    with pytest.raises(ValueError, match="backward returned shape \\(2,\\) for 'x', whose shape is \\(3,\\)"):
        check_gradients(cube_forward, lambda d, c: (d[:2], d), {"x": rng.standard_normal(3), "w": np.ones(3)})
