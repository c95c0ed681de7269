"""GRU, gate order r, z, n (as PyTorch), two biases: one step and a whole sequence.

    W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,)
    ax = x W_x + b_x  and  ah = h_prev W_h + b_h, each split into blocks r, z, n
    r = sigmoid(ax_r + ah_r)                                reset gate
    z = sigmoid(ax_z + ah_z)                                update gate
    reset_after=True  (PyTorch, Keras default):  a_n = ax_n + r * ah_n
    reset_after=False (Cho et al. 2014, d2l):    a_n = ax_n + rh W_hn + b_hn,  rh = r * h_prev
    n = tanh(a_n)                                           candidate
    h_next = (1 - z) * n + z * h_prev

The names are the book's (the table on the notation page): ``ah_n`` is the page's a^h_n, ``rh``
its rho = r * h_prev, and a leading ``d`` means the gradient of the loss.

The step functions are the reference: ``gru_step_backward`` is the five phases of the book's
page "The GRU backward pass in five phases", line for line. The sequence functions compute the
same thing faster (tests prove they equal a loop of step functions): the input parts ``ax`` of
every step come from one matrix product before the loop, every weight gradient from one matrix
product after it, and the loop works on time-major memory (see ``_common.time_major``).

With reset_after=True the whole recurrent product ``h_prev W_h`` is one matrix product per step.
With reset_after=False the candidate needs ``r`` first, so each step takes two products:
``h_prev W_h[:, :2H]`` for the gates, then ``rh W_h[:, 2H:]`` for the candidate. In that variant
b_xn and b_hn are simply added, so they receive the same gradient.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_bool
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
    "GRU_GATES",
    "GRUStepCache",
    "GRUCache",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
]

#: The three blocks in the order they are stacked in ``W_x (D, 3H)``, ``W_h (H, 3H)``,
#: ``b_x (3H,)``, ``b_h (3H,)`` and a cache's ``gates (N, T, 3H)``: block ``k`` is columns
#: ``k*H:(k+1)*H``.
GRU_GATES = ("r", "z", "n")


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
        ah_n: (N, H) ``h_prev W_hn + b_hn`` when ``reset_after`` is True, else None.
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
    ah_n: np.ndarray | None
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
        ah_n: (N, T, H) ``h_prev W_hn + b_hn`` at every step when ``reset_after`` is True, else None.
        rh: (N, T, H) ``r * h_prev`` at every step when ``reset_after`` is False, else None.
        reset_after: the variant used.
    """

    xs: np.ndarray
    h0: np.ndarray
    W_x: np.ndarray
    W_h: np.ndarray
    hs: np.ndarray
    gates: np.ndarray
    ah_n: np.ndarray | None
    rh: np.ndarray | None
    reset_after: bool


def _check_gru(x_name, x, x_dims, h_name, h, W_x, W_h, b_x, b_h, reset_after):
    check_bool("reset_after", reset_after)
    return check_inputs((x_name, x, x_dims), ("W_x", W_x, "D, 3H"), (h_name, h, "N, H"),
                        ("W_h", W_h, "H, 3H"), ("b_x", b_x, "3H"), ("b_h", b_h, "3H"))


def _split(a: np.ndarray):
    """``(..., 3H)`` -> the three ``(..., H)`` views of blocks r, z, n."""
    H = a.shape[-1] // 3
    return a[..., :H], a[..., H : 2 * H], a[..., 2 * H :]


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
    ax_r, ax_z, ax_n = _split(x @ W_x + b_x)
    if reset_after:
        ah_r, ah_z, ah_n = _split(h_prev @ W_h + b_h)
    else:  # the candidate's recurrent product waits for r
        ah_rz = h_prev @ W_h[:, : 2 * H] + b_h[: 2 * H]
        ah_r, ah_z = ah_rz[:, :H], ah_rz[:, H:]
    r = sigmoid(ax_r + ah_r)
    z = sigmoid(ax_z + ah_z)
    if reset_after:
        rh = None
        a_n = ax_n + r * ah_n
    else:
        ah_n, rh = None, r * h_prev
        a_n = ax_n + rh @ W_h[:, 2 * H :] + b_h[2 * H :]
    n = np.tanh(a_n)
    h_next = (1 - z) * n + z * h_prev
    return h_next, GRUStepCache(x, h_prev, W_x, W_h, r, z, n, ah_n, rh, bool(reset_after))


def gru_step_backward(dh_next, cache: GRUStepCache):
    """Backward pass of ``gru_step_forward``, in the book's five phases.

    Args:
        dh_next: (N, H) gradient with respect to ``h_next``.
        cache: from ``gru_step_forward``.

    Returns:
        dx (N, D), dh_prev (N, H), dW_x (D, 3H), dW_h (H, 3H), db_x (3H,), db_h (3H,).
    """
    c = check_cache("cache", cache, GRUStepCache, "gru_step_forward")
    N, H = c.h_prev.shape
    check_upstream("dh_next", dh_next, "N, H", {"N": N, "H": H}, c.x.dtype)
    # phase 1, mix: h_next = (1 - z) n + z h_prev
    dn = dh_next * (1 - c.z)
    dz = dh_next * (c.h_prev - c.n)
    dh_prev = dh_next * c.z  # the direct path; phases 3 and 5 add the others
    # phase 2, candidate: n = tanh(a_n)
    da_n = dn * (1 - c.n**2)
    # phase 3, reset
    if c.reset_after:  # a_n = ax_n + r * ah_n
        dr = da_n * c.ah_n
        dah_n = da_n * c.r
    else:  # a_n = ax_n + rh W_hn + b_hn, with rh = r * h_prev
        drh = da_n @ c.W_h[:, 2 * H :].T
        dr = drh * c.h_prev
        dh_prev += drh * c.r
        dW_hn = c.rh.T @ da_n
    # phase 4, gates: r = sigmoid(a_r), z = sigmoid(a_z)
    da_r = dr * c.r * (1 - c.r)
    da_z = dz * c.z * (1 - c.z)
    # phase 5, matmul: ax = x W_x + b_x and ah = h_prev W_h + b_h
    dax = np.concatenate([da_r, da_z, da_n], axis=1)  # (N, 3H)
    dx, dW_x, db_x = dax @ c.W_x.T, c.x.T @ dax, dax.sum(axis=0)
    if c.reset_after:
        dah = np.concatenate([da_r, da_z, dah_n], axis=1)  # (N, 3H)
        dW_h, db_h = c.h_prev.T @ dah, dah.sum(axis=0)
        dh_prev += dah @ c.W_h.T
    else:
        dah_rz = dax[:, : 2 * H]  # (N, 2H): r and z enter through h_prev W_h[:, :2H]
        dW_h = np.concatenate([c.h_prev.T @ dah_rz, dW_hn], axis=1)
        db_h = db_x.copy()  # b_h enters exactly where b_x does
        dh_prev += dah_rz @ c.W_h[:, : 2 * H].T
    return dx, dh_prev, dW_x, dW_h, db_x, db_h


def _sigmoid_in_place(a: np.ndarray) -> np.ndarray:
    """``a <- sigmoid(a) = 1 / (1 + exp(-a))`` without temporaries (the per-step r, z gates)."""
    np.negative(a, out=a)
    with np.errstate(over="ignore"):  # exp(-a) = inf for very negative a: 1 / (1 + inf) = 0
        np.exp(a, out=a)
    a += 1
    return np.divide(1, a, out=a)  # (np.reciprocal is slower)


def gru_forward(xs, h0, W_x, W_h, b_x, b_h, reset_after=True):
    """A GRU over a whole batch of sequences: a loop of ``gru_step_forward``, computed faster.

    Equal (to rounding) to ``h_t, cache_t = gru_step_forward(xs[:, t], h_{t-1}, ...)`` for
    t = 0..T-1 from ``h_{-1} = h0``; read the step function for the maths.

    Args:
        xs: (N, T, D) inputs, batch first.
        h0: (N, H) initial hidden state, or ``None`` for zeros.
        W_x: (D, 3H), W_h: (H, 3H), b_x: (3H,), b_h: (3H,) stacked parameters, order r, z, n.
        reset_after: where the reset gate acts (see the module docstring).

    Returns:
        hs: (N, T, H) every hidden state, a read-only view of the cache's time-major memory
        (copy it to change it: the backward pass reads it).
        cache: ``GRUCache``; ``cache.gates`` (N, T, 3H) holds the activations r, z, n.
    """
    sizes, dtype = _check_gru("xs", xs, "N, T, D", "h0", h0, W_x, W_h, b_x, b_h, reset_after)
    N, T, D, H = sizes["N"], sizes["T"], sizes["D"], sizes["H"]
    h0 = kept_apart(zeros_if_none(h0, (N, H), dtype), h0)
    xs_tm = kept_apart(time_major(xs), xs)  # (T, N, D)
    # The input parts ax of every step in one product, plus the recurrent biases that are plain
    # additive terms (b_hr, b_hz; and b_hn when reset_after=False). Step t then adds its
    # recurrent part and applies the activations in place: ``gates[t]`` goes ax_t -> a_t ->
    # (r, z, n). In place because a second (T, N, 3H) array costs about 10 % of the forward
    # pass here (fresh memory is slow to touch the first time).
    gates = (xs_tm.reshape(T * N, D) @ W_x).reshape(T, N, 3 * H)  # (T, N, 3H)
    gates += b_x
    gates[..., : 2 * H] += b_h[: 2 * H]
    if not reset_after:
        gates[..., 2 * H :] += b_h[2 * H :]
    hs = np.empty((T, N, H), dtype)
    recurrent = np.empty((T, N, H), dtype)  # ah_n (reset after) or rh (reset before)
    # Contiguous copies of the two column blocks: the per-step products run faster on them.
    W_h_rz, W_h_n = np.ascontiguousarray(W_h[:, : 2 * H]), np.ascontiguousarray(W_h[:, 2 * H :])
    b_h_n = b_h[2 * H :]
    # Scratch for one step's recurrent products, contiguous (faster products): reset after
    # h W_h (N, 3H); reset before h W_h[:, :2H] (N, 2H), then rh W_h[:, 2H:] (N, H).
    ah = np.empty((N, 3 * H), dtype) if reset_after else np.empty((N, 2 * H), dtype)
    rh_W_h_n = np.empty((N, H), dtype)
    h = h0
    for t in range(T):
        rz, n = gates[t, :, : 2 * H], gates[t, :, 2 * H :]  # hold ax_t until overwritten
        r, z = rz[:, :H], rz[:, H:]
        if reset_after:
            np.matmul(h, W_h, out=ah)  # all three recurrent products at once
            rz += ah[:, : 2 * H]
            _sigmoid_in_place(rz)
            ah_n = np.add(ah[:, 2 * H :], b_h_n, out=recurrent[t])
            n += np.multiply(r, ah_n, out=rh_W_h_n)  # a_n = ax_n + r * ah_n
        else:
            rz += np.matmul(h, W_h_rz, out=ah)
            _sigmoid_in_place(rz)
            rh = np.multiply(r, h, out=recurrent[t])
            n += np.matmul(rh, W_h_n, out=rh_W_h_n)  # a_n = ax_n + rh W_hn + b_hn
        np.tanh(n, out=n)
        # h_t = (1 - z) n + z h_prev, written n + z (h_prev - n): one product fewer.
        h_t = np.subtract(h, n, out=hs[t])
        h_t *= z
        h_t += n
        h = h_t
    recurrent = read_only(batch_major(recurrent))
    ah_n, rh = (recurrent, None) if reset_after else (None, recurrent)
    hs = read_only(batch_major(hs))
    cache = GRUCache(read_only(batch_major(xs_tm)), read_only(h0), W_x, W_h, hs,
                     read_only(batch_major(gates)), ah_n, rh, bool(reset_after))
    return hs, cache


def gru_backward(dhs, cache: GRUCache):
    """Backpropagation through time for ``gru_forward``: a loop of ``gru_step_backward``, faster.

    Equal (to rounding) to running ``gru_step_backward(dhs[:, t] + dh_{t+1}, cache_t)`` for
    t = T-1..0, where ``dh_{t+1}`` is the ``dh_prev`` of the step after (zeros after the last)
    and the weight gradients are summed over the steps. Each step runs phases 1 to 4 and the
    recurrent product of phase 5 as the step function does; the rest of phase 5 (every weight
    and input gradient) is one product over all steps after the loop. The local derivatives
    of a step are computed inside the loop, in small scratch arrays: precomputing them for all
    steps at once measured about 10 % slower here (fresh (T, N, H) arrays are slow to touch).

    Args:
        dhs: (N, T, H) gradient of the loss with respect to every hidden state.
        cache: from ``gru_forward``.

    Returns:
        dxs (N, T, D), dh0 (N, H), dW_x (D, 3H), dW_h (H, 3H), db_x (3H,), db_h (3H,).
    """
    c = check_cache("cache", cache, GRUCache, "gru_forward")
    N, T, D = c.xs.shape
    H = c.h0.shape[1]
    dtype = c.xs.dtype
    check_upstream("dhs", dhs, "N, T, H", {"N": N, "T": T, "H": H}, dtype)
    # Time-major (T, N, .) working arrays; no copy for the cache's arrays, already time-major.
    xs, hs, gates, dhs = (time_major(a) for a in (c.xs, c.hs, c.gates, dhs))
    r, z, n = _split(gates)
    hs_prev = states_before(hs, c.h0)  # (T, N, H) the state entering each step
    what_r_multiplies = time_major(c.ah_n) if c.reset_after else hs_prev  # (T, N, H)
    # The gradients w.r.t. the pre-activations, kept where phase 5 reads them:
    # reset after, dah (T, N, 3H) = [da_r | da_z | dah_n] is the gradient w.r.t. ah (the r and z
    # blocks equal those of ax), and da_n (T, N, H) has its own array;
    # reset before, dah_rz = [da_r | da_z] and da_n are the two blocks of one (T, N, 3H) array.
    if c.reset_after:
        dah = np.empty((T, N, 3 * H), dtype)
        da_rz, dah_n, da_n = dah[..., : 2 * H], dah[..., 2 * H :], np.empty((T, N, H), dtype)
    else:
        dax = np.empty((T, N, 3 * H), dtype)
        da_rz, da_n = dax[..., : 2 * H], dax[..., 2 * H :]
    da_r, da_z = da_rz[..., :H], da_rz[..., H:]
    # Row-major copies of the transposed weights: faster per-step products than transposed views.
    W_h_T = np.ascontiguousarray(c.W_h.T)  # (3H, H)
    W_h_rz_T, W_h_n_T = W_h_T[: 2 * H], W_h_T[2 * H :]
    dh_next = np.zeros((N, H), dtype)  # dh_prev of step t+1: the gradient into h_t from later
    dh_t = np.empty((N, H), dtype)  # everything arriving at h_t
    drh = np.empty((N, H), dtype)
    # Scratch for the local derivatives of step t, (N, H) each (small: they stay in cache).
    one_minus_z, local = np.empty((N, H), dtype), np.empty((N, H), dtype)
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh_next, out=dh_t)
        np.subtract(1, z[t], out=one_minus_z)
        # phases 1 and 2: da_n = dh_t (1 - z) (1 - n^2)
        np.multiply(n[t], n[t], out=local)
        np.subtract(1, local, out=local)
        local *= one_minus_z
        np.multiply(dh_t, local, out=da_n[t])
        # phases 1 and 4: da_z = dh_t (h_prev - n) z (1 - z)
        np.subtract(hs_prev[t], n[t], out=local)
        local *= z[t]
        local *= one_minus_z
        np.multiply(dh_t, local, out=da_z[t])
        # phases 3 and 4: da_r = (gradient w.r.t. r) r (1 - r); r multiplies ah_n or h_prev
        np.subtract(1, r[t], out=local)
        local *= r[t]
        local *= what_r_multiplies[t]
        if c.reset_after:
            np.multiply(da_n[t], local, out=da_r[t])
            np.multiply(da_n[t], r[t], out=dah_n[t])
            np.matmul(dah[t], W_h_T, out=dh_next)
        else:
            np.matmul(da_n[t], W_h_n_T, out=drh)
            np.multiply(drh, local, out=da_r[t])
            np.matmul(da_rz[t], W_h_rz_T, out=dh_next)
            dh_next += np.multiply(drh, r[t], out=drh)
        dh_next += np.multiply(dh_t, z[t], out=dh_t)  # the direct path of phase 1
    # Phase 5 for all steps at once, block by block (ax = x W_x + b_x gets [da_rz | da_n]).
    da_rz_2d, da_n_2d = da_rz.reshape(T * N, 2 * H), da_n.reshape(T * N, H)
    xs_2d, hs_prev_2d = xs.reshape(T * N, D), hs_prev.reshape(T * N, H)
    dxs = (da_rz_2d @ c.W_x[:, : 2 * H].T + da_n_2d @ c.W_x[:, 2 * H :].T).reshape(T, N, D)
    dW_x = np.concatenate([xs_2d.T @ da_rz_2d, xs_2d.T @ da_n_2d], axis=1)
    db_x = np.concatenate([da_rz_2d.sum(axis=0), da_n_2d.sum(axis=0)])
    if c.reset_after:
        dah_2d = dah.reshape(T * N, 3 * H)
        dW_h, db_h = hs_prev_2d.T @ dah_2d, dah_2d.sum(axis=0)
    else:
        rhs_2d = time_major(c.rh).reshape(T * N, H)
        dW_h = np.concatenate([hs_prev_2d.T @ da_rz_2d, rhs_2d.T @ da_n_2d], axis=1)
        db_h = db_x.copy()  # b_h enters exactly where b_x does
    return batch_major(dxs), dh_next, dW_x, dW_h, db_x, db_h
