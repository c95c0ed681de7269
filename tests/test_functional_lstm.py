"""Tests of rnnlab.functional.lstm: gradients (dc_last too), PyTorch parity, gates, bad input."""
import math

import numpy as np
import pytest
from torch_reference import assert_matches, torch_run, torch_weights

from rnnlab._validate import DTypeError, ShapeError
from rnnlab.functional import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from rnnlab.gradcheck import check_gradients


def make_inputs(rng, N, T, D, H, dtype=np.float64, with_state=True):
    """Random sequence inputs and parameters for an LSTM."""
    return {
        "xs": rng.standard_normal((N, T, D)).astype(dtype),
        "h0": rng.standard_normal((N, H)).astype(dtype) if with_state else None,
        "c0": rng.standard_normal((N, H)).astype(dtype) if with_state else None,
        "W_x": (0.5 * rng.standard_normal((D, 4 * H))).astype(dtype),
        "W_h": (0.5 * rng.standard_normal((H, 4 * H))).astype(dtype),
        "b": (0.1 * rng.standard_normal(4 * H)).astype(dtype),
    }


def read_only(*arrays):
    """Make arrays read-only, so that any in-place write into them raises."""
    for a in arrays:
        a.flags.writeable = False


def step_inputs(seq):
    return {"x": seq["xs"][:, 0], "h_prev": seq["h0"], "c_prev": seq["c0"],
            "W_x": seq["W_x"], "W_h": seq["W_h"], "b": seq["b"]}


def forward_hs_and_c_last(**inputs):
    """lstm_forward with outputs (hs, final cell state), so dc_last is checked too."""
    hs, cs, cache = lstm_forward(**inputs)
    return (hs, cs[:, -1]), cache


def backward_hs_and_c_last(douts, cache):
    dhs, dc_last = douts
    return lstm_backward(dhs, cache, dc_last=dc_last)


def step_forward(**inputs):
    h_next, c_next, cache = lstm_step_forward(**inputs)
    return (h_next, c_next), cache


def step_backward(douts, cache):
    return lstm_step_backward(douts[0], douts[1], cache)


@pytest.mark.parametrize("N, T", [(2, 3), (1, 3), (2, 1)])
@pytest.mark.parametrize("with_state", [True, False])
def test_lstm_sequence_gradients_with_dc_last(rng, N, T, with_state):
    inputs = make_inputs(rng, N, T, D=2, H=3, with_state=with_state)
    report = check_gradients(forward_hs_and_c_last, backward_hs_and_c_last, inputs)
    assert len(report.errors) == (6 if with_state else 4)
    assert report.max_error < 1e-6, str(report)


def test_lstm_gradients_without_dc_last(rng):
    inputs = make_inputs(rng, 2, 3, D=3, H=4)
    forward = lambda **kw: (lambda hs, cs, cache: (hs, cache))(*lstm_forward(**kw))  # noqa: E731
    report = check_gradients(forward, lstm_backward, inputs)
    assert report.max_error < 1e-6, str(report)


@pytest.mark.parametrize("N", [1, 3])
def test_lstm_step_gradients(rng, N):
    report = check_gradients(step_forward, step_backward, step_inputs(make_inputs(rng, N, 1, 3, 4)))
    assert report.max_error < 1e-6, str(report)


def test_sequence_equals_repeated_steps_and_exposes_gates(rng):
    inputs = make_inputs(rng, 2, 4, 3, 5)
    hs, cs, cache = lstm_forward(**inputs)
    dhs, dc_last = rng.standard_normal(hs.shape), rng.standard_normal((2, 5))
    h, c, caches = inputs["h0"], inputs["c0"], []
    for t in range(4):
        h, c, sc = lstm_step_forward(inputs["xs"][:, t], h, c, inputs["W_x"], inputs["W_h"], inputs["b"])
        np.testing.assert_allclose(hs[:, t], h, atol=1e-14)
        np.testing.assert_allclose(cs[:, t], c, atol=1e-14)
        np.testing.assert_allclose(cache.gates[:, t], np.concatenate([sc.i, sc.f, sc.g, sc.o], axis=1), atol=1e-14)
        caches.append(sc)
    i, f, g, o = np.split(cache.gates, 4, axis=-1)
    assert (i > 0).all() and (i < 1).all() and (f > 0).all() and (o < 1).all() and (g < 0).any()
    grads = lstm_backward(dhs, cache, dc_last=dc_last)
    dh, dc, dxs = np.zeros((2, 5)), dc_last, []
    dW = [np.zeros_like(inputs[k]) for k in ("W_x", "W_h", "b")]
    for t in reversed(range(4)):
        dx, dh, dc, *dparams = lstm_step_backward(dhs[:, t] + dh, dc, caches[t])
        dxs.insert(0, dx)
        dW = [a + b for a, b in zip(dW, dparams)]
    for got, want in zip(grads, [np.stack(dxs, axis=1), dh, dc, *dW]):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_one_step_by_hand():
    # H = 1, D = 1, x = 1, h_prev = 0, c_prev = 2, W_x = [0, ln 3, 0.5, -ln 3], W_h unused (h_prev = 0)
    # a = (0, ln 3, 0.5, -ln 3): i = 1/2, f = 3/4, g = tanh(0.5), o = 1/4
    ln3 = math.log(3)
    x, h_prev, c_prev = np.array([[1.0]]), np.array([[0.0]]), np.array([[2.0]])
    W_x, W_h, b = np.array([[0.0, ln3, 0.5, -ln3]]), np.ones((1, 4)), np.zeros(4)
    h_next, c_next, cache = lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b)
    c_hand = 0.75 * 2 + 0.5 * math.tanh(0.5)
    np.testing.assert_allclose([cache.i[0, 0], cache.f[0, 0], cache.o[0, 0]], [0.5, 0.75, 0.25], rtol=1e-14)
    np.testing.assert_allclose(c_next, [[c_hand]], rtol=1e-14)
    np.testing.assert_allclose(h_next, [[0.25 * math.tanh(c_hand)]], rtol=1e-14)
    # With dh_next = 0 and dc_next = 1: dc_prev = f, da_f = c_prev * f (1 - f) = 2 * 3/16
    dx, dh_prev, dc_prev, dW_x, dW_h, db = lstm_step_backward(np.zeros((1, 1)), np.ones((1, 1)), cache)
    np.testing.assert_allclose(dc_prev, [[0.75]], rtol=1e-14)
    np.testing.assert_allclose(db[1], 2 * 3 / 16, rtol=1e-14)
    np.testing.assert_allclose(db[3], 0.0, atol=0)  # the output gate does not reach c_next


@pytest.mark.torch
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lstm_matches_torch(torch, seed):
    rng = np.random.default_rng(seed)
    N, T, D, H = (int(v) for v in rng.integers(1, 7, size=4))
    xs, h0, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    ref = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
    W_x, W_h, b_ih, b_hh = torch_weights(ref)  # torch (4H, D) -> ours (D, 4H), same gate order
    hs, cs, cache = lstm_forward(xs, h0, c0, W_x, W_h, b_ih + b_hh)
    dhs, dc_last = rng.standard_normal(hs.shape), rng.standard_normal((N, H))
    dxs, dh0, dc0, dW_x, dW_h, db = lstm_backward(dhs, cache, dc_last=dc_last)
    assert_matches(dict(hs=hs, h_last=hs[:, -1], c_last=cs[:, -1], dxs=dxs, dh0=dh0, dc0=dc0,
                        dW_x=dW_x, dW_h=dW_h, db_ih=db),
                   torch_run(torch, ref, xs, (h0, c0), dhs, dc_last))


def test_bad_input_names_the_argument(rng):
    good = make_inputs(rng, 2, 3, 4, 5)
    with pytest.raises(ShapeError, match=r"W_h: expected shape \(H, 4H\) with H=5, got \(5, 15\)"):
        lstm_forward(**dict(good, W_h=good["W_h"][:, :15]))
    with pytest.raises(ShapeError, match=r"W_x: expected shape \(D, 4H\) with D=4, got \(4, 18\)"):
        lstm_forward(**dict(good, W_x=np.zeros((4, 18))))
    with pytest.raises(ShapeError, match=r"c0: expected shape \(N, H\) with N=2, H=5, got \(2, 4\)"):
        lstm_forward(**dict(good, c0=np.zeros((2, 4))))
    with pytest.raises(ShapeError, match=r"c_prev: expected shape \(N, H\) with N=2, H=5"):
        lstm_step_forward(**dict(step_inputs(good), c_prev=np.zeros((2, 6))))
    with pytest.raises(DTypeError, match="b: expected a floating-point array"):
        lstm_forward(**dict(good, b=np.zeros(20, dtype=np.int32)))
    with pytest.raises(DTypeError, match="c0=float32"):
        lstm_forward(**dict(good, c0=good["c0"].astype(np.float32)))
    bad = good["xs"].copy()
    bad[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match=r"xs: expected finite values, got nan at index \(1, 2, 3\)"):
        lstm_forward(**dict(good, xs=bad))
    hs, cs, cache = lstm_forward(**good)
    with pytest.raises(ShapeError, match=r"dc_last: expected shape \(N, H\) with N=2.*H=5"):
        lstm_backward(hs, cache, dc_last=np.zeros((2, 3)))
    with pytest.raises(DTypeError, match="dhs: expected dtype float64"):
        lstm_backward(hs.astype(np.float32), cache)


def test_inputs_and_upstream_gradients_unchanged(rng):
    inputs = make_inputs(rng, 2, 3, 4, 5)
    saved = {k: v.copy() for k, v in inputs.items()}
    read_only(*inputs.values())  # any write into an input now raises
    hs, cs, cache = lstm_forward(**inputs)
    dhs, dc_last = rng.standard_normal(hs.shape), rng.standard_normal((2, 5))
    d_saved = (dhs.copy(), dc_last.copy())
    read_only(dhs, dc_last)
    lstm_backward(dhs, cache, dc_last=dc_last)
    _, _, step_cache = lstm_step_forward(**step_inputs(inputs))
    lstm_step_backward(dhs[:, 0], dc_last, step_cache)
    for k, v in saved.items():
        np.testing.assert_array_equal(inputs[k], v, err_msg=k)
    np.testing.assert_array_equal(dhs, d_saved[0])
    np.testing.assert_array_equal(dc_last, d_saved[1])


def test_float32_in_float32_out(rng):
    inputs = make_inputs(rng, 2, 3, 4, 5, dtype=np.float32, with_state=False)
    hs, cs, cache = lstm_forward(**inputs)
    assert hs.dtype == cs.dtype == cache.gates.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_backward(np.ones_like(hs), cache))
    h, c, step_cache = lstm_step_forward(inputs["xs"][:, 0], hs[:, 0], cs[:, 0], inputs["W_x"], inputs["W_h"], inputs["b"])
    assert h.dtype == c.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_step_backward(h, c, step_cache))
