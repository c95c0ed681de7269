"""GRU, gate order r, z, n (as PyTorch), two biases: one step and a whole sequence.

    W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,)
    r = sigmoid(x W_xr + b_xr + h_prev W_hr + b_hr)        reset gate
    z = sigmoid(x W_xz + b_xz + h_prev W_hz + b_hz)        update gate
    reset_after=True  (PyTorch, Keras default):  n = tanh(x W_xn + b_xn + r * (h_prev W_hn + b_hn))
    reset_after=False (Cho et al. 2014, d2l):    n = tanh(x W_xn + b_xn + (r * h_prev) W_hn + b_hn)
    h_next = (1 - z) * n + z * h_prev  =  n + z * (h_prev - n)

With reset_after=True the whole recurrent product ``h_prev W_h`` is one matrix product per step.
With reset_after=False the candidate needs ``r`` first, so each step takes two products:
``h_prev W_h[:, :2H]`` for the gates, then ``(r * h_prev) W_h[:, 2H:]`` for the candidate.
In that variant b_xn and b_hn are simply added, so they receive the same gradient.

Speed: as for the LSTM, input projections before the time loop, weight gradients after it,
time-major memory inside, and the r and z sigmoids from one ``np.exp`` call.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import sigmoid
from ._common import batch_major, check_inputs, check_upstream, states_before, time_major, zeros_if_none

__all__ = [
    "GRUStepCache",
    "GRUCache",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
]


class GRUStepCache(NamedTuple):
    """What ``gru_step_backward`` needs from one forward step; r, z, n are for plotting too.

    Attributes:
        x: (N, D) input.
        h_prev: (N, H) state entering the step.
        W_x: (D, 3H) input weights.
        W_h: (H, 3H) recurrent weights.
        r: (N, H) reset gate.
        z: (N, H) update gate.
        n: (N, H) candidate.
        hn: (N, H) ``h_prev W_hn + b_hn`` when ``reset_after`` is True, else None.
        rh: (N, H) ``r * h_prev`` when ``reset_after`` is False, else None.
        reset_after: the variant used.
    """

    x: np.ndarray
    h_prev: np.ndarray
    W_x: np.ndarray
    W_h: np.ndarray
    r: np.ndarray
    z: np.ndarray
    n: np.ndarray
    hn: np.ndarray | None
    rh: np.ndarray | None
    reset_after: bool


class GRUCache(NamedTuple):
    """What ``gru_backward`` needs from a whole forward pass; ``gates`` is for plotting too.

    Attributes:
        xs: (N, T, D) inputs.
        h0: (N, H) initial state (zeros when none was given).
        W_x: (D, 3H) input weights.
        W_h: (H, 3H) recurrent weights.
        hs: (N, T, H) every hidden state.
        gates: (N, T, 3H) activations r, z, n side by side.
        hn: (N, T, H) ``h_prev W_hn + b_hn`` at every step when ``reset_after`` is True, else None.
        rh: (N, T, H) ``r * h_prev`` at every step when ``reset_after`` is False, else None.
        reset_after: the variant used.
    """

    xs: np.ndarray
    h0: np.ndarray
    W_x: np.ndarray
    W_h: np.ndarray
    hs: np.ndarray
    gates: np.ndarray
    hn: np.ndarray | None
    rh: np.ndarray | None
    reset_after: bool


def _check_gru(x_name, x, x_dims, h_name, h, W_x, W_h, b_x, b_h, reset_after):
    if not isinstance(reset_after, (bool, np.bool_)):
        raise TypeError(f"reset_after: expected True or False, got {reset_after!r}")
    return check_inputs((x_name, x, x_dims), ("W_x", W_x, "D, 3H"), (h_name, h, "N, H"),
                        ("W_h", W_h, "H, 3H"), ("b_x", b_x, "3H"), ("b_h", b_h, "3H"))


def _sigmoid_of_negated(u: np.ndarray) -> np.ndarray:
    """In place on ``u = -a``: ``sigmoid(a) = 1 / (1 + exp(-a))`` (one exp: cheaper than tanh)."""
    with np.errstate(over="ignore"):  # exp(-a) = inf for very negative a: 1 / (1 + inf) = 0
        np.exp(u, out=u)
    u += 1
    return np.divide(1, u, out=u)  # (np.reciprocal is slower)


def _negate_rz(H: int, dtype) -> np.ndarray:
    """(3H,) factors -1 on the r and z columns, 1 on n: folded into copies of the parameters,
    they make the r and z pre-activations arrive negated, ready for ``_sigmoid_of_negated``."""
    k = np.ones(3 * H, dtype)
    k[: 2 * H] = -1
    return k


def _split(gates: np.ndarray):
    """``(..., 3H)`` -> the three ``(..., H)`` views r, z, n."""
    H = gates.shape[-1] // 3
    return gates[..., :H], gates[..., H : 2 * H], gates[..., 2 * H :]


def gru_step_forward(x, h_prev, W_x, W_h, b_x, b_h, reset_after=True):
    """One GRU step.

    Args:
        x: (N, D) inputs; h_prev: (N, H) previous hidden state.
        W_x: (D, 3H), W_h: (H, 3H), b_x: (3H,), b_h: (3H,) stacked parameters, order r, z, n.
        reset_after: where the reset gate acts (see the module docstring).

    Returns:
        h_next: (N, H); cache: ``GRUStepCache`` (exposes r, z, n).
    """
    _check_gru("x", x, "N, D", "h_prev", h_prev, W_x, W_h, b_x, b_h, reset_after)
    H = h_prev.shape[1]
    ax = x @ W_x + b_x
    if reset_after:
        ah = h_prev @ W_h + b_h
        r = sigmoid(ax[:, :H] + ah[:, :H])
        z = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
        hn, rh = ah[:, 2 * H :], None
        n = np.tanh(ax[:, 2 * H :] + r * hn)
    else:
        ah = h_prev @ W_h[:, : 2 * H] + b_h[: 2 * H]
        r = sigmoid(ax[:, :H] + ah[:, :H])
        z = sigmoid(ax[:, H : 2 * H] + ah[:, H:])
        hn, rh = None, r * h_prev
        n = np.tanh(ax[:, 2 * H :] + rh @ W_h[:, 2 * H :] + b_h[2 * H :])
    h_next = n + z * (h_prev - n)
    return h_next, GRUStepCache(x, h_prev, W_x, W_h, r, z, n, hn, rh, bool(reset_after))


def gru_step_backward(dh_next, cache: GRUStepCache):
    """Backward pass of ``gru_step_forward``.

    Args:
        dh_next: (N, H) gradient with respect to ``h_next``.
        cache: from ``gru_step_forward``.

    Returns:
        dx (N, D), dh_prev (N, H), dW_x (D, 3H), dW_h (H, 3H), db_x (3H,), db_h (3H,).
    """
    x, h_prev, W_x, W_h, r, z, n, hn, rh, reset_after = cache
    N, H = h_prev.shape
    check_upstream("dh_next", dh_next, "N, H", {"N": N, "H": H}, x.dtype)
    dan = dh_next * (1 - z) * (1 - n * n)  # through h_next = (1 - z) n + z h_prev, then tanh
    daz = dh_next * (h_prev - n) * z * (1 - z)
    dh_prev = dh_next * z
    if reset_after:
        dar = dan * hn * r * (1 - r)
        dah = np.concatenate([dar, daz, dan * r], axis=1)  # gradient w.r.t. h_prev W_h + b_h
        dW_h = h_prev.T @ dah
        dh_prev += dah @ W_h.T
        db_h = dah.sum(axis=0)
    else:
        drh = dan @ W_h[:, 2 * H :].T
        dar = drh * h_prev * r * (1 - r)
        dah_rz = np.concatenate([dar, daz], axis=1)
        dW_h = np.concatenate([h_prev.T @ dah_rz, rh.T @ dan], axis=1)
        dh_prev += drh * r + dah_rz @ W_h[:, : 2 * H].T
        db_h = np.concatenate([dah_rz.sum(axis=0), dan.sum(axis=0)])
    dax = np.concatenate([dar, daz, dan], axis=1)  # gradient w.r.t. x W_x + b_x
    return dax @ W_x.T, dh_prev, x.T @ dax, dW_h, dax.sum(axis=0), db_h


def gru_forward(xs, h0, W_x, W_h, b_x, b_h, reset_after=True):
    """A GRU over a whole batch of sequences.

    Args:
        xs: (N, T, D) inputs, batch first.
        h0: (N, H) initial hidden state, or ``None`` for zeros.
        W_x: (D, 3H), W_h: (H, 3H), b_x: (3H,), b_h: (3H,) stacked parameters, order r, z, n.
        reset_after: where the reset gate acts (see the module docstring).

    Returns:
        hs: (N, T, H) every hidden state (a view of time-major memory: each step contiguous).
        cache: ``GRUCache``; ``cache.gates`` (N, T, 3H) holds the activations r, z, n.
    """
    sizes, dtype = _check_gru("xs", xs, "N, T, D", "h0", h0, W_x, W_h, b_x, b_h, reset_after)
    N, T, D, H = sizes["N"], sizes["T"], sizes["D"], sizes["H"]
    h0 = zeros_if_none(h0, (N, H), dtype)
    # Negated r and z columns (see _negate_rz), folded once into copies of the parameters.
    k = _negate_rz(H, dtype)
    W_x_k, W_h_k, b_x_k, b_h_k = W_x * k, W_h * k, b_x * k, b_h * k
    # Input projections of all steps in one product. The recurrent biases that are plain
    # additive terms (b_hr, b_hz, and b_hn when reset_after=False) are folded in here as well.
    xs_tm = time_major(xs)  # (T, N, D)
    gates = (xs_tm.reshape(T * N, D) @ W_x_k).reshape(T, N, 3 * H)
    gates += b_x_k
    if reset_after:
        gates[..., : 2 * H] += b_h_k[: 2 * H]
    else:
        gates += b_h_k
    hs = np.empty((T, N, H), dtype)
    recurrent = np.empty((T, N, H), dtype)  # hn or rh, whichever the variant needs
    # Contiguous copies of the two column blocks: the per-step products run faster on them.
    W_hrz_k, W_hn = np.ascontiguousarray(W_h_k[:, : 2 * H]), np.ascontiguousarray(W_h[:, 2 * H :])
    b_hn = b_h[2 * H :]
    ah_rz = np.empty((N, 2 * H), dtype)  # scratch for one step's recurrent products
    ah_n = np.empty((N, H), dtype)
    ah = np.empty((N, 3 * H), dtype)
    h = h0
    for t in range(T):
        a = gates[t]  # input terms of step t (r, z negated); becomes r, z, n in place
        a_rz, a_n = a[:, : 2 * H], a[:, 2 * H :]
        if reset_after:
            np.matmul(h, W_h_k, out=ah)  # all three recurrent products at once
            a_rz += ah[:, : 2 * H]
            r = _sigmoid_of_negated(a_rz)[:, :H]
            hn = np.add(ah[:, 2 * H :], b_hn, out=recurrent[t])
            a_n += np.multiply(r, hn, out=ah_n)
        else:
            a_rz += np.matmul(h, W_hrz_k, out=ah_rz)
            r = _sigmoid_of_negated(a_rz)[:, :H]
            rh = np.multiply(r, h, out=recurrent[t])
            a_n += np.matmul(rh, W_hn, out=ah_n)
        n = np.tanh(a_n, out=a_n)
        z = a[:, H : 2 * H]
        h_t = hs[t]  # h_t = n + z * (h - n)
        np.subtract(h, n, out=h_t)
        h_t *= z
        h_t += n
        h = h_t
    recurrent = batch_major(recurrent)
    hn, rh = (recurrent, None) if reset_after else (None, recurrent)
    cache = GRUCache(batch_major(xs_tm), h0, W_x, W_h, batch_major(hs), batch_major(gates), hn, rh,
                     bool(reset_after))
    return batch_major(hs), cache


def gru_backward(dhs, cache: GRUCache):
    """Backpropagation through time for ``gru_forward``.

    Args:
        dhs: (N, T, H) gradient of the loss with respect to every hidden state.
        cache: from ``gru_forward``.

    Returns:
        dxs (N, T, D), dh0 (N, H), dW_x (D, 3H), dW_h (H, 3H), db_x (3H,), db_h (3H,).
    """
    xs, h0, W_x, W_h, hs, gates, hn, rh, reset_after = cache
    N, T, D = xs.shape
    H = h0.shape[1]
    check_upstream("dhs", dhs, "N, T, H", {"N": N, "T": T, "H": H}, xs.dtype)
    # Time-major (T, N, .) working copies; no copy for the cache's arrays, already time-major.
    xs, hs, gates, dhs = (time_major(a) for a in (xs, hs, gates, dhs))
    hn, rh = (None if a is None else time_major(a) for a in (hn, rh))
    r, z, n = _split(gates)
    hs_prev = states_before(hs, h0)
    # da (T, N, 3H) becomes the gradient with respect to the pre-activations of r, z, n.
    # Each column first holds the factor that does not depend on the recurrence, computed for
    # all steps at once; the loop then multiplies in the gradient arriving at that step.
    da = np.empty((T, N, 3 * H), xs.dtype)
    dar, daz, da_n_cols = _split(da)
    np.subtract(1, r, out=dar)  # sigmoid'(a_r) * (what r multiplies)
    dar *= r
    dar *= hn if reset_after else hs_prev
    np.subtract(1, z, out=daz)  # sigmoid'(a_z) * dh_t/dz_t
    daz *= z
    daz *= hs_prev - n
    # With reset_after=True the n columns of da hold dan * r during the loop (the gradient
    # w.r.t. h_prev W_hn + b_hn); dan itself lives in its own array.
    dan = np.empty((T, N, H), xs.dtype) if reset_after else da_n_cols
    np.multiply(n, n, out=dan)  # tanh'(a_n) * dh_t/dn_t
    np.subtract(1, dan, out=dan)
    dan *= 1 - z
    # Row-major copies of the transposed weights: faster per-step products than transposed views.
    W_h_T = np.ascontiguousarray(W_h.T)  # (3H, H)
    W_hrz_T, W_hn_T = W_h_T[: 2 * H], W_h_T[2 * H :]
    dh = np.zeros((N, H), xs.dtype)  # gradient from step t+1 into h_t
    dh_t = np.empty((N, H), xs.dtype)
    drh = np.empty((N, H), xs.dtype)
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh, out=dh_t)
        dan[t] *= dh_t
        daz[t] *= dh_t
        if reset_after:
            dar[t] *= dan[t]
            np.multiply(dan[t], r[t], out=da_n_cols[t])
            np.matmul(da[t], W_h_T, out=dh)
        else:
            np.matmul(dan[t], W_hn_T, out=drh)  # gradient w.r.t. r * h_prev
            dar[t] *= drh
            np.matmul(da[t, :, : 2 * H], W_hrz_T, out=dh)
            dh += np.multiply(drh, r[t], out=drh)
        dh += np.multiply(dh_t, z[t], out=dh_t)  # the direct path h_t = ... + z * h_prev
    da_2d = da.reshape(T * N, 3 * H)
    hs_prev_2d = hs_prev.reshape(T * N, H)
    if reset_after:
        dW_h, db_h = hs_prev_2d.T @ da_2d, da_2d.sum(axis=0)  # recurrent side: dan * r
        da_n_cols[...] = dan  # the input side of n sees dan itself
        db_x = da_2d.sum(axis=0)
    else:
        dW_h = np.concatenate(
            [hs_prev_2d.T @ da_2d[:, : 2 * H], rh.reshape(T * N, H).T @ da_2d[:, 2 * H :]], axis=1
        )
        db_x = da_2d.sum(axis=0)
        db_h = db_x.copy()  # b_h enters exactly where b_x does
    dxs = (da_2d @ W_x.T).reshape(T, N, D)
    dW_x = xs.reshape(T * N, D).T @ da_2d
    return batch_major(dxs), dh, dW_x, dW_h, db_x, db_h
