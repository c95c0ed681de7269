"""Tests of rnnlab.functional.gru, both variants: gradients, PyTorch parity, references, bad input."""
import math

import numpy as np
import pytest
from torch_reference import assert_matches, torch_run, torch_weights

from rnnlab._validate import DTypeError, ShapeError
from rnnlab.functional import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from rnnlab.gradcheck import check_gradients

VARIANTS = pytest.mark.parametrize("reset_after", [True, False], ids=["reset_after", "reset_before"])


def make_inputs(rng, N, T, D, H, dtype=np.float64, with_h0=True, reset_after=True):
    """Random sequence inputs and parameters for a GRU (two biases)."""
    return {
        "xs": rng.standard_normal((N, T, D)).astype(dtype),
        "h0": rng.standard_normal((N, H)).astype(dtype) if with_h0 else None,
        "W_x": (0.5 * rng.standard_normal((D, 3 * H))).astype(dtype),
        "W_h": (0.5 * rng.standard_normal((H, 3 * H))).astype(dtype),
        "b_x": (0.1 * rng.standard_normal(3 * H)).astype(dtype),
        "b_h": (0.1 * rng.standard_normal(3 * H)).astype(dtype),
        "reset_after": reset_after,
    }


def read_only(*arrays):
    """Make arrays read-only, so that any in-place write into them raises."""
    for a in arrays:
        a.flags.writeable = False


def step_inputs(seq):
    """One-step inputs in the order of gru_step_forward's arguments (first time step)."""
    rest = {k: v for k, v in seq.items() if k not in ("xs", "h0")}
    return {"x": seq["xs"][:, 0], "h_prev": seq["h0"], **rest}


def reference_forward(xs, h0, W_x, W_h, b_x, b_h, reset_after, backend=np):
    """The GRU equations written out gate by gate, one step at a time (no shared code).

    ``backend`` is numpy, or torch for a version that torch autograd can differentiate.
    """
    H = h0.shape[1]
    W_xr, W_xz, W_xn = W_x[:, :H], W_x[:, H : 2 * H], W_x[:, 2 * H :]
    W_hr, W_hz, W_hn = W_h[:, :H], W_h[:, H : 2 * H], W_h[:, 2 * H :]
    h, hs = h0, []
    for t in range(xs.shape[1]):
        x = xs[:, t]
        r = 1 / (1 + backend.exp(-(x @ W_xr + b_x[:H] + h @ W_hr + b_h[:H])))
        z = 1 / (1 + backend.exp(-(x @ W_xz + b_x[H : 2 * H] + h @ W_hz + b_h[H : 2 * H])))
        if reset_after:
            n = backend.tanh(x @ W_xn + b_x[2 * H :] + r * (h @ W_hn + b_h[2 * H :]))
        else:
            n = backend.tanh(x @ W_xn + b_x[2 * H :] + (r * h) @ W_hn + b_h[2 * H :])
        h = (1 - z) * n + z * h
        hs.append(h)
    return backend.stack(hs, 1)


@VARIANTS
@pytest.mark.parametrize("N, T", [(2, 3), (1, 3), (2, 1)])
@pytest.mark.parametrize("with_h0", [True, False])
def test_gru_sequence_gradients(rng, reset_after, N, T, with_h0):
    inputs = make_inputs(rng, N, T, 2, 3, with_h0=with_h0, reset_after=reset_after)
    report = check_gradients(gru_forward, gru_backward, inputs)
    assert len(report.errors) == (6 if with_h0 else 5)
    assert report.max_error < 1e-6, str(report)


@VARIANTS
@pytest.mark.parametrize("N", [1, 3])
def test_gru_step_gradients(rng, reset_after, N):
    inputs = step_inputs(make_inputs(rng, N, 1, 2, 3, reset_after=reset_after))
    report = check_gradients(gru_step_forward, gru_step_backward, inputs)
    assert report.max_error < 1e-6, str(report)


@VARIANTS
def test_sequence_equals_steps_and_reference(rng, reset_after):
    inputs = make_inputs(rng, 2, 4, 3, 5, reset_after=reset_after)
    hs, cache = gru_forward(**inputs)
    np.testing.assert_allclose(hs, reference_forward(**inputs), atol=1e-14)
    dhs = rng.standard_normal(hs.shape)
    params = {k: inputs[k] for k in ("W_x", "W_h", "b_x", "b_h")}
    h, caches = inputs["h0"], []
    for t in range(4):
        h, sc = gru_step_forward(inputs["xs"][:, t], h, **params, reset_after=reset_after)
        np.testing.assert_allclose(cache.gates[:, t], np.concatenate([sc.r, sc.z, sc.n], axis=1), atol=1e-14)
        caches.append(sc)
    grads = gru_backward(dhs, cache)
    dh, dxs, dW = np.zeros((2, 5)), [], [np.zeros_like(v) for v in params.values()]
    for t in reversed(range(4)):
        dx, dh, *dparams = gru_step_backward(dhs[:, t] + dh, caches[t])
        dxs.insert(0, dx)
        dW = [a + b for a, b in zip(dW, dparams)]
    for got, want in zip(grads, [np.stack(dxs, axis=1), dh, *dW]):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_variants_differ(rng):
    after = make_inputs(rng, 2, 3, 3, 4, reset_after=True)
    hs_after, _ = gru_forward(**after)
    hs_before, _ = gru_forward(**dict(after, reset_after=False))
    assert np.abs(hs_after - hs_before).max() > 1e-3


@VARIANTS
def test_one_step_by_hand(reset_after):
    # H = D = 1, x = 1, h_prev = 1, all biases 0; W_x = [0, 0, 1], W_h = [0, ln 3, 2]
    # r = sigmoid(0) = 1/2, z = sigmoid(ln 3) = 3/4;
    # reset_after: n = tanh(1 + 1/2 * (1 * 2)) = tanh(2); reset_before: n = tanh(1 + (1/2 * 1) * 2) = tanh(2)
    # h_next = (1 - 3/4) tanh(2) + 3/4 * 1
    x, h_prev = np.array([[1.0]]), np.array([[1.0]])
    W_x, W_h = np.array([[0.0, 0.0, 1.0]]), np.array([[0.0, math.log(3), 2.0]])
    h_next, cache = gru_step_forward(x, h_prev, W_x, W_h, np.zeros(3), np.zeros(3), reset_after=reset_after)
    np.testing.assert_allclose([cache.r[0, 0], cache.z[0, 0]], [0.5, 0.75], rtol=1e-14)
    np.testing.assert_allclose(h_next, [[0.25 * math.tanh(2.0) + 0.75]], rtol=1e-14)
    # dh_prev from the direct path z plus the paths through r, z and n (checked by gradcheck);
    # here only the bias of n, whose gradient is (1 - z) (1 - n^2): identical in both variants.
    db_x = gru_step_backward(np.ones((1, 1)), cache)[4]
    np.testing.assert_allclose(db_x[2], 0.25 * (1 - math.tanh(2.0) ** 2), rtol=1e-14)


@pytest.mark.torch
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gru_matches_torch(torch, seed):
    rng = np.random.default_rng(seed)
    N, T, D, H = (int(v) for v in rng.integers(1, 7, size=4))
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    ref = torch.nn.GRU(D, H, batch_first=True, dtype=torch.float64)
    W_x, W_h, b_x, b_h = torch_weights(ref)  # torch (3H, D) -> ours (D, 3H), order r, z, n
    hs, cache = gru_forward(xs, h0, W_x, W_h, b_x, b_h)
    dhs = rng.standard_normal(hs.shape)
    dxs, dh0, dW_x, dW_h, db_x, db_h = gru_backward(dhs, cache)
    assert_matches(dict(hs=hs, h_last=hs[:, -1], dxs=dxs, dh0=dh0, dW_x=dW_x, dW_h=dW_h,
                        db_ih=db_x, db_hh=db_h), torch_run(torch, ref, xs, (h0,), dhs))


@pytest.mark.torch
@pytest.mark.parametrize("seed", [1, 2])
def test_reset_before_matches_autograd_of_reference(torch, seed):
    """torch.nn.GRU has no reset-before variant: differentiate the written-out equations instead."""
    rng = np.random.default_rng(seed)
    N, T, D, H = (int(v) for v in rng.integers(1, 7, size=4))
    inputs = make_inputs(rng, N, T, D, H, reset_after=False)
    hs, cache = gru_forward(**inputs)
    dhs = rng.standard_normal(hs.shape)
    grads = gru_backward(dhs, cache)
    names = ["xs", "h0", "W_x", "W_h", "b_x", "b_h"]
    tensors = {k: torch.tensor(inputs[k], requires_grad=True) for k in names}
    out = reference_forward(**tensors, reset_after=False, backend=torch)
    (out * torch.tensor(dhs)).sum().backward()
    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=1e-10, atol=1e-10)
    for name, got in zip(names, grads):
        np.testing.assert_allclose(got, tensors[name].grad.numpy(), rtol=1e-10, atol=1e-10, err_msg=name)


def test_bad_input_names_the_argument(rng):
    good = make_inputs(rng, 2, 3, 4, 5)
    with pytest.raises(ShapeError, match=r"W_h: expected shape \(H, 3H\) with H=5, got \(5, 20\)"):
        gru_forward(**dict(good, W_h=np.zeros((5, 20))))
    with pytest.raises(ShapeError, match=r"b_h: expected shape \(3H,\) with H=5, got \(10,\)"):
        gru_forward(**dict(good, b_h=np.zeros(10)))
    with pytest.raises(ShapeError, match=r"h_prev: expected shape \(N, H\) with N=2, H=5, got \(1, 5\)"):
        gru_step_forward(**dict(step_inputs(good), h_prev=np.zeros((1, 5))))
    with pytest.raises(DTypeError, match="W_x: expected a floating-point array"):
        gru_forward(**dict(good, W_x=np.zeros((4, 15), dtype=np.int64)))
    with pytest.raises(DTypeError, match="b_x=float32"):
        gru_forward(**dict(good, b_x=good["b_x"].astype(np.float32)))
    with pytest.raises(TypeError, match="reset_after: expected True or False, got 'yes'"):
        gru_forward(**dict(good, reset_after="yes"))
    bad = good["h0"].copy()
    bad[0, 1] = np.inf
    with pytest.raises(ValueError, match=r"h0: expected finite values, got inf at index \(0, 1\)"):
        gru_forward(**dict(good, h0=bad))
    hs, cache = gru_forward(**good)
    with pytest.raises(ShapeError, match=r"dhs: expected shape \(N, T, H\) with N=2, T=3, H=5, got \(2, 3, 4\)"):
        gru_backward(hs[..., :4], cache)


@VARIANTS
def test_inputs_and_upstream_gradient_unchanged(rng, reset_after):
    inputs = make_inputs(rng, 2, 3, 4, 5, reset_after=reset_after)
    saved = {k: v.copy() for k, v in inputs.items() if isinstance(v, np.ndarray)}
    read_only(*(v for v in inputs.values() if isinstance(v, np.ndarray)))  # writes now raise
    hs, cache = gru_forward(**inputs)
    dhs = rng.standard_normal(hs.shape)
    dhs_saved = dhs.copy()
    read_only(dhs)
    gru_backward(dhs, cache)
    gru_step_backward(dhs[:, 0], gru_step_forward(**step_inputs(inputs))[1])
    for k, v in saved.items():
        np.testing.assert_array_equal(inputs[k], v, err_msg=k)
    np.testing.assert_array_equal(dhs, dhs_saved)


@VARIANTS
def test_float32_in_float32_out(rng, reset_after):
    inputs = make_inputs(rng, 2, 3, 4, 5, dtype=np.float32, with_h0=False, reset_after=reset_after)
    hs, cache = gru_forward(**inputs)
    assert hs.dtype == cache.gates.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru_backward(np.ones_like(hs), cache))
    h, step_cache = gru_step_forward(**step_inputs(dict(inputs, h0=hs[:, 0])))
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru_step_backward(h, step_cache))
