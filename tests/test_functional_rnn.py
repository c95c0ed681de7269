"""Tests of rnnlab.functional.rnn: gradients, PyTorch parity, hand values, bad input, purity."""
import math

import numpy as np
import pytest
from torch_reference import assert_matches, torch_run, torch_weights

from rnnlab._validate import DTypeError, ShapeError
from rnnlab.functional import (
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
)
from rnnlab.gradcheck import check_gradients


def make_inputs(rng, N, T, D, H, dtype=np.float64, with_h0=True):
    """Random sequence inputs and parameters (scaled so tanh is not saturated)."""
    return {
        "xs": rng.standard_normal((N, T, D)).astype(dtype),
        "h0": rng.standard_normal((N, H)).astype(dtype) if with_h0 else None,
        "W_x": (0.5 * rng.standard_normal((D, H))).astype(dtype),
        "W_h": (0.5 * rng.standard_normal((H, H))).astype(dtype),
        "b": (0.1 * rng.standard_normal(H)).astype(dtype),
    }


def read_only(*arrays):
    """Make arrays read-only, so that any in-place write into them raises."""
    for a in arrays:
        a.flags.writeable = False


def step_inputs(seq):
    """One-step inputs taken from sequence inputs (first time step)."""
    return {"x": seq["xs"][:, 0], "h_prev": seq["h0"], "W_x": seq["W_x"], "W_h": seq["W_h"], "b": seq["b"]}


# ---------------------------------------------------------------- activations


def test_sigmoid_matches_definition_and_is_stable():
    x = np.array([-800.0, -3.0, 0.0, 2.0, 800.0])
    with np.errstate(over="raise"):
        y = sigmoid(x)
    expected = np.array([0.0, 1 / (1 + math.exp(3.0)), 0.5, 1 / (1 + math.exp(-2.0)), 1.0])
    np.testing.assert_allclose(y, expected, rtol=1e-14, atol=1e-300)
    assert sigmoid(x.astype(np.float32)).dtype == np.float32


def test_activation_derivatives_match_central_differences():
    x = np.linspace(-3, 3, 13)
    eps = 1e-6
    np.testing.assert_allclose(sigmoid_grad(sigmoid(x)), (sigmoid(x + eps) - sigmoid(x - eps)) / (2 * eps), atol=1e-9)
    np.testing.assert_allclose(tanh_grad(tanh(x)), (tanh(x + eps) - tanh(x - eps)) / (2 * eps), atol=1e-9)


def test_activations_reject_integers():
    with pytest.raises(DTypeError, match="x: expected a floating-point"):
        sigmoid(np.arange(3))


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("N, T", [(3, 4), (1, 5), (2, 1)])
@pytest.mark.parametrize("with_h0", [True, False])
def test_rnn_sequence_gradients(rng, N, T, with_h0):
    inputs = make_inputs(rng, N, T, D=3, H=4, with_h0=with_h0)
    report = check_gradients(rnn_forward, rnn_backward, inputs)
    assert set(report.errors) == {"xs", "W_x", "W_h", "b"} | ({"h0"} if with_h0 else set())
    assert report.max_error < 1e-6, str(report)


@pytest.mark.parametrize("N", [1, 3])
def test_rnn_step_gradients(rng, N):
    inputs = step_inputs(make_inputs(rng, N, 1, D=3, H=4))
    report = check_gradients(rnn_step_forward, rnn_step_backward, inputs)
    assert report.max_error < 1e-6, str(report)


def test_dh0_is_the_gradient_at_the_zero_state(rng):
    inputs = make_inputs(rng, 2, 3, 3, 4, with_h0=False)
    hs, cache = rnn_forward(**inputs)
    dhs = rng.standard_normal(hs.shape)
    dh0 = rnn_backward(dhs, cache)[1]
    zeros = dict(inputs, h0=np.zeros((2, 4)))
    _, cache0 = rnn_forward(**zeros)
    np.testing.assert_array_equal(dh0, rnn_backward(dhs, cache0)[1])


def test_sequence_equals_repeated_steps(rng):
    inputs = make_inputs(rng, 2, 5, 3, 4)
    hs, cache = rnn_forward(**inputs)
    dhs = rng.standard_normal(hs.shape)
    h, caches = inputs["h0"], []
    for t in range(5):
        h, c = rnn_step_forward(inputs["xs"][:, t], h, inputs["W_x"], inputs["W_h"], inputs["b"])
        np.testing.assert_allclose(hs[:, t], h, atol=1e-14)
        caches.append(c)
    grads = rnn_backward(dhs, cache)
    dh, dxs, dW = np.zeros((2, 4)), [], [np.zeros_like(inputs[k]) for k in ("W_x", "W_h", "b")]
    for t in reversed(range(5)):
        dx, dh, *dparams = rnn_step_backward(dhs[:, t] + dh, caches[t])
        dxs.insert(0, dx)
        dW = [a + b for a, b in zip(dW, dparams)]
    for got, want in zip(grads, [np.stack(dxs, axis=1), dh, *dW]):
        np.testing.assert_allclose(got, want, atol=1e-12)


# ---------------------------------------------------------------- hand-computed values


def test_one_step_by_hand():
    # a = x W_x + h_prev W_h + b = (1*0.5 + 2*(-0.25)) + 0.5*2 + 0.1 = 0 + 1 + 0.1 = 1.1
    x = np.array([[1.0, 2.0]])
    h_prev = np.array([[0.5]])
    W_x, W_h, b = np.array([[0.5], [-0.25]]), np.array([[2.0]]), np.array([0.1])
    h_next, _ = rnn_step_forward(x, h_prev, W_x, W_h, b)
    np.testing.assert_allclose(h_next, [[math.tanh(1.1)]], rtol=1e-14)
    # dL/da = 1 - tanh(1.1)**2 for dh_next = 1; dx = da * W_x^T, dh_prev = da * 2, dW_h = 0.5 da
    da = 1 - math.tanh(1.1) ** 2
    dx, dh_prev, dW_x, dW_h, db = rnn_step_backward(np.ones((1, 1)), _)
    np.testing.assert_allclose(dx, [[0.5 * da, -0.25 * da]], rtol=1e-14)
    np.testing.assert_allclose(dh_prev, [[2 * da]], rtol=1e-14)
    np.testing.assert_allclose(dW_x, [[da], [2 * da]], rtol=1e-14)
    np.testing.assert_allclose(dW_h, [[0.5 * da]], rtol=1e-14)
    np.testing.assert_allclose(db, [da], rtol=1e-14)


# ---------------------------------------------------------------- PyTorch parity


@pytest.mark.torch
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rnn_matches_torch(torch, seed):
    rng = np.random.default_rng(seed)
    N, T, D, H = (int(v) for v in rng.integers(1, 7, size=4))
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    ref = torch.nn.RNN(D, H, batch_first=True, dtype=torch.float64)
    W_x, W_h, b_ih, b_hh = torch_weights(ref)
    hs, cache = rnn_forward(xs, h0, W_x, W_h, b_ih + b_hh)  # torch's two biases only add
    dhs = rng.standard_normal(hs.shape)
    dxs, dh0, dW_x, dW_h, db = rnn_backward(dhs, cache)
    assert_matches(dict(hs=hs, h_last=hs[:, -1], dxs=dxs, dh0=dh0, dW_x=dW_x, dW_h=dW_h,
                        db_ih=db), torch_run(torch, ref, xs, (h0,), dhs))


# ---------------------------------------------------------------- bad input


def test_wrong_shapes_name_the_argument(rng):
    good = make_inputs(rng, 2, 3, 4, 5)
    with pytest.raises(ShapeError, match=r"W_h: expected shape \(H, H\) with H=5, got \(4, 5\)"):
        rnn_forward(**dict(good, W_h=good["W_h"][:4]))
    with pytest.raises(ShapeError, match=r"xs: expected shape \(N, T, D\).*got \(2, 4\)"):
        rnn_forward(**dict(good, xs=good["xs"][:, 0]))
    with pytest.raises(ShapeError, match=r"h0: expected shape \(N, H\) with N=2, H=5, got \(3, 5\)"):
        rnn_forward(**dict(good, h0=np.zeros((3, 5))))
    with pytest.raises(ShapeError, match=r"b: expected shape \(H,\) with H=5, got \(4,\)"):
        rnn_forward(**dict(good, b=np.zeros(4)))
    with pytest.raises(ShapeError, match=r"W_x: expected shape \(D, H\) with D=4"):
        rnn_step_forward(good["xs"][:, 0], good["h0"], good["W_x"][:3], good["W_h"], good["b"])
    with pytest.raises(ShapeError, match=r"xs: expected T >= 1 .*T time steps.*got shape \(2, 0, 4\)"):
        rnn_forward(**dict(good, xs=good["xs"][:, :0]))


def test_bad_dtypes_and_nan(rng):
    good = make_inputs(rng, 2, 3, 4, 5)
    with pytest.raises(DTypeError, match="xs: expected a floating-point array"):
        rnn_forward(**dict(good, xs=np.ones((2, 3, 4), dtype=np.int64)))
    with pytest.raises(DTypeError, match="share one dtype, got xs=float64, W_x=float32, h0=float64"):
        rnn_forward(**dict(good, W_x=good["W_x"].astype(np.float32)))
    bad = good["W_h"].copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"W_h: expected finite values, got nan at index \(1, 2\)"):
        rnn_forward(**dict(good, W_h=bad))
    with pytest.raises(DTypeError, match="xs: expected a numpy array"):
        rnn_forward(**dict(good, xs=None))


def test_bad_upstream_gradient(rng):
    hs, cache = rnn_forward(**make_inputs(rng, 2, 3, 4, 5))
    with pytest.raises(ShapeError, match=r"dhs: expected shape \(N, T, H\) with N=2, T=3, H=5 \(3 dimensions\), got \(2, 5\)"):
        rnn_backward(hs[:, 0], cache)
    with pytest.raises(DTypeError, match="dhs: expected dtype float64"):
        rnn_backward(hs.astype(np.float32), cache)
    with pytest.raises(ValueError, match="dh_next: expected finite values"):
        rnn_step_backward(np.full((2, 5), np.inf), rnn_step_forward(**step_inputs(make_inputs(rng, 2, 1, 4, 5)))[1])


# ---------------------------------------------------------------- purity and dtype


def test_inputs_and_upstream_gradient_unchanged(rng):
    inputs = make_inputs(rng, 2, 3, 4, 5)
    saved = {k: v.copy() for k, v in inputs.items()}
    read_only(*inputs.values())  # any write into an input now raises
    hs, cache = rnn_forward(**inputs)
    dhs = rng.standard_normal(hs.shape)
    dhs_saved = dhs.copy()
    read_only(dhs)
    rnn_backward(dhs, cache)
    rnn_step_backward(dhs[:, 0], rnn_step_forward(**step_inputs(inputs))[1])
    for k, v in saved.items():
        np.testing.assert_array_equal(inputs[k], v, err_msg=k)
    np.testing.assert_array_equal(dhs, dhs_saved)


def test_float32_in_float32_out(rng):
    inputs = make_inputs(rng, 2, 3, 4, 5, dtype=np.float32, with_h0=False)
    hs, cache = rnn_forward(**inputs)
    assert hs.dtype == np.float32
    grads = rnn_backward(np.ones_like(hs), cache)
    assert all(g.dtype == np.float32 for g in grads)
    assert all(g.dtype == np.float32 for g in rnn_step_backward(hs[:, 0], rnn_step_forward(
        inputs["xs"][:, 0], hs[:, 0], inputs["W_x"], inputs["W_h"], inputs["b"])[1]))
