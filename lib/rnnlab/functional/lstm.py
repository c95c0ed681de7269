"""LSTM, gate order i, f, g, o (as PyTorch): one step and a whole sequence, forward and backward.

    a = x W_x + h_prev W_h + b              W_x (D, 4H), W_h (H, 4H), b (4H,)
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);   g = tanh(a_g)
    c_next = f * c_prev + i * g
    h_next = o * tanh(c_next)

The step functions are the reference: ``lstm_step_backward`` is the four phases of the book's
page "The LSTM backward pass" (output line, cell line, non-linearities, matrix products), in its
names. The sequence functions compute the same thing faster (tests prove they equal a loop of
step functions): the input projection of every step before the loop, every weight gradient
after it, time-major memory inside (see ``_common.time_major``), and the three sigmoids and the
tanh of a step from one ``np.tanh`` call (see ``_tanh_factors``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import sigmoid
from ._common import (
    batch_major,
    check_cache,
    check_inputs,
    check_upstream,
    kept_apart,
    read_only,
    states_before,
    time_major,
    zeros_if_none,
)

__all__ = [
    "LSTM_GATES",
    "LSTMStepCache",
    "LSTMCache",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
]

#: The four gate blocks in the order they are stacked in ``W_x (D, 4H)``, ``W_h (H, 4H)``,
#: ``b (4H,)`` and a cache's ``gates (N, T, 4H)``: block ``k`` is columns ``k*H:(k+1)*H``.
LSTM_GATES = ("i", "f", "g", "o")


class LSTMStepCache(NamedTuple):
    """What ``lstm_step_backward`` needs from one forward step; the gates are for plotting too.

    Attributes:
        x: (N, D) input.
        h_prev: (N, H) hidden state entering the step.
        c_prev: (N, H) cell state entering the step.
        W_x: (D, 4H) input weights.
        W_h: (H, 4H) recurrent weights.
        i: (N, H) input gate.
        f: (N, H) forget gate.
        g: (N, H) candidate.
        o: (N, H) output gate.
        c_next: (N, H) new cell state.
        tanh_c: (N, H) ``tanh(c_next)``.
    """

    x: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    W_x: np.ndarray
    W_h: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c_next: np.ndarray
    tanh_c: np.ndarray


class LSTMCache(NamedTuple):
    """What ``lstm_backward`` needs from a whole forward pass; ``gates`` is for plotting too.

    Attributes:
        xs: (N, T, D) inputs.
        h0: (N, H) initial hidden state (zeros when none was given).
        c0: (N, H) initial cell state (zeros when none was given).
        W_x: (D, 4H) input weights.
        W_h: (H, 4H) recurrent weights.
        hs: (N, T, H) every hidden state.
        cs: (N, T, H) every cell state.
        gates: (N, T, 4H) activations i, f, g, o side by side.
        tanh_cs: (N, T, H) tanh of every cell state.
    """

    xs: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    W_x: np.ndarray
    W_h: np.ndarray
    hs: np.ndarray
    cs: np.ndarray
    gates: np.ndarray
    tanh_cs: np.ndarray


def _tanh_factors(H: int, dtype) -> np.ndarray:
    """(4H,) factors ``k`` such that every gate is ``k * tanh(k * a) + (1 - k)``.

    ``sigmoid(a) = 0.5 * tanh(0.5 * a) + 0.5``, so k = 0.5 on i, f, o; and k = 1 on g (plain
    tanh). Folding ``k`` into copies of the parameters makes one ``np.tanh`` over the whole
    contiguous (N, 4H) block give all four gates (faster than ``np.exp``, and it cannot
    overflow). Scaling by 0.5 is exact.
    """
    k = np.full(4 * H, 0.5, dtype)
    k[2 * H : 3 * H] = 1
    return k


def _activate(u: np.ndarray, k: np.ndarray, one_minus_k: np.ndarray) -> np.ndarray:
    """In place on ``u (..., 4H) = k * a`` (see ``_tanh_factors``): the activations i, f, g, o."""
    np.tanh(u, out=u)
    u *= k
    u += one_minus_k
    return u


def _split(gates: np.ndarray):
    """``(..., 4H)`` -> the four ``(..., H)`` views i, f, g, o."""
    H = gates.shape[-1] // 4
    return (gates[..., :H], gates[..., H : 2 * H], gates[..., 2 * H : 3 * H], gates[..., 3 * H :])


def lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b):
    """One LSTM step.

    Args:
        x: (N, D) inputs; h_prev: (N, H) and c_prev: (N, H) previous hidden and cell state.
        W_x: (D, 4H), W_h: (H, 4H), b: (4H,) stacked parameters, gate order i, f, g, o.

    Returns:
        h_next: (N, H), c_next: (N, H), cache: ``LSTMStepCache`` (exposes i, f, g, o).
    """
    check_inputs(("x", x, "N, D"), ("W_x", W_x, "D, 4H"), ("h_prev", h_prev, "N, H"),
                 ("c_prev", c_prev, "N, H"), ("W_h", W_h, "H, 4H"), ("b", b, "4H"))
    a = x @ W_x + h_prev @ W_h + b
    a_i, a_f, a_g, a_o = _split(a)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    return h_next, c_next, LSTMStepCache(x, h_prev, c_prev, W_x, W_h, i, f, g, o, c_next, tanh_c)


def _derivative_offsets(H: int, dtype) -> np.ndarray:
    """(4H,) offsets ``m`` such that ``(1 - y) * (y + m)`` is each gate's derivative from its
    activation ``y``: sigmoid' = (1 - y) y on i, f, o (m = 0); tanh' = (1 - y)(1 + y) on g
    (m = 1). One formula over the contiguous (N, 4H) block, no per-gate slices."""
    m = np.zeros(4 * H, dtype)
    m[2 * H : 3 * H] = 1
    return m


def lstm_step_backward(dh_next, dc_next, cache: LSTMStepCache):
    """Backward pass of ``lstm_step_forward``.

    Args:
        dh_next: (N, H) and dc_next: (N, H) gradients with respect to ``h_next`` and ``c_next``.
        cache: from ``lstm_step_forward``.

    Returns:
        dx (N, D), dh_prev (N, H), dc_prev (N, H), dW_x (D, 4H), dW_h (H, 4H), db (4H,).
    """
    c = check_cache("cache", cache, LSTMStepCache, "lstm_step_forward")
    sizes = {"N": c.h_prev.shape[0], "H": c.h_prev.shape[1]}
    check_upstream("dh_next", dh_next, "N, H", sizes, c.x.dtype)
    check_upstream("dc_next", dc_next, "N, H", sizes, c.x.dtype)
    tau = c.tanh_c
    # phase 1, output line: h_next = o * tanh(c_next); c_next also feeds h_next in this step
    do = dh_next * tau
    dc = dc_next + dh_next * c.o * (1 - tau**2)
    # phase 2, cell line: c_next = f * c_prev + i * g
    df, di, dg = dc * c.c_prev, dc * c.g, dc * c.i
    dc_prev = dc * c.f  # the cell-state path: only the forget gate
    # phase 3, non-linearities, from the stored outputs
    da_i, da_f = di * c.i * (1 - c.i), df * c.f * (1 - c.f)
    da_g, da_o = dg * (1 - c.g**2), do * c.o * (1 - c.o)
    # phase 4, matrix products: a = x W_x + h_prev W_h + b
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)  # (N, 4H)
    return (da @ c.W_x.T, da @ c.W_h.T, dc_prev, c.x.T @ da, c.h_prev.T @ da,
            da.sum(axis=0))


def lstm_forward(xs, h0, c0, W_x, W_h, b):
    """An LSTM over a whole batch of sequences: a loop of ``lstm_step_forward``, computed faster.

    Equal (to rounding) to ``h_t, c_t, cache_t = lstm_step_forward(xs[:, t], h_{t-1}, c_{t-1},
    ...)`` for t = 0..T-1 from ``(h0, c0)``; read the step function for the maths.

    Args:
        xs: (N, T, D) inputs, batch first.
        h0: (N, H) initial hidden state, or ``None`` for zeros.
        c0: (N, H) initial cell state, or ``None`` for zeros.
        W_x: (D, 4H), W_h: (H, 4H), b: (4H,) stacked parameters, gate order i, f, g, o.

    Returns:
        hs: (N, T, H) every hidden state; cs: (N, T, H) every cell state (read-only views of
        the cache's time-major memory; copy them to change them: the backward pass reads them).
        cache: ``LSTMCache``; ``cache.gates`` (N, T, 4H) holds the activations i, f, g, o.
    """
    sizes, dtype = check_inputs(("xs", xs, "N, T, D"), ("W_x", W_x, "D, 4H"), ("h0", h0, "N, H"),
                                ("c0", c0, "N, H"), ("W_h", W_h, "H, 4H"), ("b", b, "4H"))
    N, T, D, H = sizes["N"], sizes["T"], sizes["D"], sizes["H"]
    h0 = kept_apart(zeros_if_none(h0, (N, H), dtype), h0)
    c0 = kept_apart(zeros_if_none(c0, (N, H), dtype), c0)
    # The factors of _activate, folded once into copies of the parameters.
    k = _tanh_factors(H, dtype)
    one_minus_k = 1 - k
    W_x_k, W_h_k, b_k = W_x * k, W_h * k, b * k
    xs_tm = kept_apart(time_major(xs), xs)  # (T, N, D)
    # Input projections of all steps in one product; the recurrent product is added per step.
    gates = (xs_tm.reshape(T * N, D) @ W_x_k).reshape(T, N, 4 * H)
    gates += b_k
    hs = np.empty((T, N, H), dtype)
    cs = np.empty((T, N, H), dtype)
    tanh_cs = np.empty((T, N, H), dtype)
    ah = np.empty((N, 4 * H), dtype)  # scratch for h_prev W_h
    ig = np.empty((N, H), dtype)  # scratch for i * g
    h, c = h0, c0
    for t in range(T):
        a = gates[t]  # holds k * (x_t W_x + b); becomes the activations in place
        a += np.matmul(h, W_h_k, out=ah)
        i, f, g, o = _split(_activate(a, k, one_minus_k))
        np.multiply(f, c, out=cs[t])
        cs[t] += np.multiply(i, g, out=ig)
        np.tanh(cs[t], out=tanh_cs[t])
        np.multiply(o, tanh_cs[t], out=hs[t])
        h, c = hs[t], cs[t]
    hs, cs = read_only(batch_major(hs)), read_only(batch_major(cs))
    cache = LSTMCache(read_only(batch_major(xs_tm)), read_only(h0), read_only(c0), W_x, W_h, hs, cs,
                      read_only(batch_major(gates)), read_only(batch_major(tanh_cs)))
    return hs, cs, cache


def lstm_backward(dhs, cache: LSTMCache, dc_last=None):
    """Backpropagation through time for ``lstm_forward``: a loop of ``lstm_step_backward``, faster.

    Equal (to rounding) to running ``lstm_step_backward(dhs[:, t] + dh_{t+1}, dc_{t+1}, cache_t)``
    for t = T-1..0, where ``dh_{t+1}, dc_{t+1}`` are the ``dh_prev, dc_prev`` of the step after
    (zeros, and ``dc_last``, after the last) and the weight gradients are summed over the steps.

    Args:
        dhs: (N, T, H) gradient of the loss with respect to every hidden state.
        cache: from ``lstm_forward``.
        dc_last: (N, H) gradient with respect to the final cell state ``cs[:, -1]``, when the
            loss reads it (e.g. a state passed on to a decoder); ``None`` means zeros.

    Returns:
        dxs (N, T, D), dh0 (N, H), dc0 (N, H), dW_x (D, 4H), dW_h (H, 4H), db (4H,).
    """
    cache = check_cache("cache", cache, LSTMCache, "lstm_forward")
    N, T, D = cache.xs.shape
    H = cache.h0.shape[1]
    dtype = cache.xs.dtype
    sizes = {"N": N, "T": T, "H": H}
    check_upstream("dhs", dhs, "N, T, H", sizes, dtype)
    if dc_last is not None:
        check_upstream("dc_last", dc_last, "N, H", sizes, dtype)
    # Time-major (T, N, .) working copies; no copy for the cache's arrays, already time-major.
    xs, hs, cs, gates, tanh_cs, dhs = (
        time_major(a) for a in (cache.xs, cache.hs, cache.cs, cache.gates, cache.tanh_cs, dhs)
    )
    i, f, g, o = _split(gates)
    m = _derivative_offsets(H, dtype)
    W_h_T = np.ascontiguousarray(cache.W_h.T)  # (4H, H); row-major: faster per-step products
    das = np.empty((T, N, 4 * H), dtype)  # dL/da of every step, for the products after the loop
    dh = np.zeros((N, H), dtype)  # gradient from step t+1 into h_t
    dc = np.zeros((N, H), dtype) if dc_last is None else dc_last.copy()
    dh_t = np.empty((N, H), dtype)  # dL/dh_t: from the loss at t and from step t+1
    dc_h = np.empty((N, H), dtype)  # the part of dL/dc_t that comes through h_t
    dgates = np.empty((N, 4 * H), dtype)  # dL/d(i, f, g, o) at step t
    di, df, dg, do = _split(dgates)
    y_m = np.empty((N, 4 * H), dtype)  # y + m, see _derivative_offsets
    # The loop runs the phases of lstm_step_backward, in its order, on preallocated arrays.
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh, out=dh_t)
        # phase 1, output line: h_t = o * tanh(c_t)
        np.multiply(dh_t, tanh_cs[t], out=do)
        np.multiply(tanh_cs[t], tanh_cs[t], out=dc_h)
        np.subtract(1, dc_h, out=dc_h)
        dc_h *= o[t]
        dc_h *= dh_t
        dc += dc_h
        # phase 2, cell line: c_t = f * c_{t-1} + i * g
        np.multiply(dc, cs[t - 1] if t > 0 else cache.c0, out=df)
        np.multiply(dc, g[t], out=di)
        np.multiply(dc, i[t], out=dg)
        dc *= f[t]  # now dL/dc_{t-1}
        # phase 3, non-linearities: da = dgates * (1 - y)(y + m)
        np.subtract(1, gates[t], out=das[t])
        das[t] *= dgates
        das[t] *= np.add(gates[t], m, out=y_m)
        # phase 4, matrix products: the recurrent one now; those of W_x and W_h after the loop
        np.matmul(das[t], W_h_T, out=dh)
    das_2d = das.reshape(T * N, 4 * H)
    dxs = (das_2d @ cache.W_x.T).reshape(T, N, D)
    dW_x = xs.reshape(T * N, D).T @ das_2d
    dW_h = states_before(hs, cache.h0).reshape(T * N, H).T @ das_2d
    return batch_major(dxs), dh, dc, dW_x, dW_h, das_2d.sum(axis=0)
