"""Vanilla (tanh) RNN: one step and a whole sequence, forward and backward.

    h_next = tanh(x W_x + h_prev W_h + b),   x (N, D), h_prev (N, H), W_x (D, H), W_h (H, H), b (H,)

The sequence functions are the fast path: the input projection of every time step is one
matrix product before the loop, and the weight gradients of every step are one matrix product
after it, so the loop holds only what truly depends on the previous step. Inside, they work on
time-major memory, one contiguous block per step (see ``_common.time_major``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

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
    "RNNStepCache",
    "RNNCache",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
]


class RNNStepCache(NamedTuple):
    """What ``rnn_step_backward`` needs from one forward step.

    Attributes:
        x: (N, D) input.
        h_prev: (N, H) state entering the step.
        W_x: (D, H) input-to-hidden weights.
        W_h: (H, H) hidden-to-hidden weights.
        h_next: (N, H) tanh output, whose derivative is ``1 - h_next**2``.
    """

    x: np.ndarray
    h_prev: np.ndarray
    W_x: np.ndarray
    W_h: np.ndarray
    h_next: np.ndarray


class RNNCache(NamedTuple):
    """What ``rnn_backward`` needs from a whole forward pass.

    Attributes:
        xs: (N, T, D) inputs.
        h0: (N, H) initial state (zeros when none was given).
        W_x: (D, H) input-to-hidden weights.
        W_h: (H, H) hidden-to-hidden weights.
        hs: (N, T, H) every hidden state.
    """

    xs: np.ndarray
    h0: np.ndarray
    W_x: np.ndarray
    W_h: np.ndarray
    hs: np.ndarray


def rnn_step_forward(x, h_prev, W_x, W_h, b):
    """One step of a tanh RNN.

    Args:
        x: (N, D) inputs at this step.
        h_prev: (N, H) previous hidden state.
        W_x: (D, H) input-to-hidden weights.
        W_h: (H, H) hidden-to-hidden weights.
        b: (H,) bias.

    Returns:
        h_next: (N, H) new hidden state.
        cache: ``RNNStepCache`` for ``rnn_step_backward``.
    """
    check_inputs(("x", x, "N, D"), ("W_x", W_x, "D, H"), ("h_prev", h_prev, "N, H"),
                 ("W_h", W_h, "H, H"), ("b", b, "H"))
    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)
    return h_next, RNNStepCache(x, h_prev, W_x, W_h, h_next)


def rnn_step_backward(dh_next, cache: RNNStepCache):
    """Backward pass of ``rnn_step_forward``.

    Args:
        dh_next: (N, H) gradient of the loss with respect to ``h_next``.
        cache: from ``rnn_step_forward``.

    Returns:
        dx (N, D), dh_prev (N, H), dW_x (D, H), dW_h (H, H), db (H,).
    """
    c = check_cache("cache", cache, RNNStepCache, "rnn_step_forward")
    N, H = c.h_next.shape
    check_upstream("dh_next", dh_next, "N, H", {"N": N, "H": H}, c.h_next.dtype)
    da = dh_next * (1 - c.h_next**2)  # through tanh: d tanh(a)/da = 1 - tanh(a)**2
    return da @ c.W_x.T, da @ c.W_h.T, c.x.T @ da, c.h_prev.T @ da, da.sum(axis=0)


def rnn_forward(xs, h0, W_x, W_h, b):
    """A tanh RNN over a whole batch of sequences: a loop of ``rnn_step_forward``, faster.

    Equal (to rounding) to ``h_t, cache_t = rnn_step_forward(xs[:, t], h_{t-1}, ...)`` for
    t = 0..T-1 from ``h_{-1} = h0``.

    Args:
        xs: (N, T, D) inputs, batch first.
        h0: (N, H) initial hidden state, or ``None`` for zeros.
        W_x: (D, H), W_h: (H, H), b: (H,) parameters.

    Returns:
        hs: (N, T, H) the hidden state after every step (``hs[:, -1]`` is the final state),
        a read-only view of the cache's time-major memory (copy it to change it: the backward
        pass reads it).
        cache: ``RNNCache`` for ``rnn_backward``.
    """
    sizes, dtype = check_inputs(("xs", xs, "N, T, D"), ("W_x", W_x, "D, H"), ("h0", h0, "N, H"),
                                ("W_h", W_h, "H, H"), ("b", b, "H"))
    N, T, D, H = sizes["N"], sizes["T"], sizes["D"], sizes["H"]
    h0 = kept_apart(zeros_if_none(h0, (N, H), dtype), h0)
    xs_tm = kept_apart(time_major(xs), xs)  # (T, N, D)
    # The input part of every step at once: one (T*N, D) x (D, H) product.
    hs = (xs_tm.reshape(T * N, D) @ W_x).reshape(T, N, H)
    hs += b
    ah = np.empty((N, H), dtype)  # scratch for h_prev W_h
    h = h0
    for t in range(T):
        h_t = hs[t]  # holds x_t W_x + b; becomes h_t in place
        h_t += np.matmul(h, W_h, out=ah)
        np.tanh(h_t, out=h_t)
        h = h_t
    hs = read_only(batch_major(hs))
    return hs, RNNCache(read_only(batch_major(xs_tm)), read_only(h0), W_x, W_h, hs)


def rnn_backward(dhs, cache: RNNCache):
    """Backpropagation through time for ``rnn_forward``: a loop of ``rnn_step_backward``, faster.

    Equal (to rounding) to running ``rnn_step_backward(dhs[:, t] + dh_{t+1}, cache_t)`` for
    t = T-1..0 (``dh_{t+1}``: the ``dh_prev`` of the step after; zeros after the last), the
    weight gradients summed over the steps.

    Args:
        dhs: (N, T, H) gradient of the loss with respect to every hidden state (zeros at
            steps whose state the loss does not read directly).
        cache: from ``rnn_forward``.

    Returns:
        dxs (N, T, D), dh0 (N, H), dW_x (D, H), dW_h (H, H), db (H,).
        ``dh0`` is returned even when ``h0`` was ``None`` (the gradient at the zero state).
    """
    xs, h0, W_x, W_h, hs = check_cache("cache", cache, RNNCache, "rnn_forward")
    N, T, D = xs.shape
    H = h0.shape[1]
    check_upstream("dhs", dhs, "N, T, H", {"N": N, "T": T, "H": H}, hs.dtype)
    xs, hs, dhs = time_major(xs), time_major(hs), time_major(dhs)  # (T, N, .); no copy for xs, hs
    # tanh'(a) for every step at once; the loop then needs a single multiply per step.
    das = hs * hs
    np.subtract(1, das, out=das)
    W_h_T = np.ascontiguousarray(W_h.T)  # row-major copy: faster per-step products
    dh = np.zeros((N, H), hs.dtype)  # gradient flowing back from step t+1 into h_t
    for t in range(T - 1, -1, -1):
        da = das[t]  # holds tanh'(a_t); becomes dL/da_t in place
        dh += dhs[t]
        da *= dh
        np.matmul(da, W_h_T, out=dh)
    # Weight gradients of all steps as single products over the T*N rows.
    das_2d = das.reshape(T * N, H)
    dxs = (das_2d @ W_x.T).reshape(T, N, D)
    dW_x = xs.reshape(T * N, D).T @ das_2d
    dW_h = states_before(hs, h0).reshape(T * N, H).T @ das_2d
    return batch_major(dxs), dh, dW_x, dW_h, das_2d.sum(axis=0)
