"""The naive baseline: a tutorial-style language model step, one sequence at a time.

This is how many tutorials write an RNN: column vectors (``h`` is ``(H, 1)``), weights that
multiply from the left (``W @ x``), a Python loop over sequences *and* over time steps, and
a matrix-vector product per step. It computes exactly the same loss and gradients as
``rnnlab.model.LanguageModel`` (``bench/run.py`` checks that in float64 before timing), so the
benchmark compares speed only. Bench code, not library code: it is deliberately plain.
"""
from __future__ import annotations

import numpy as np


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _column_params(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """LanguageModel's row-vector parameters -> tutorial column form (weights transposed)."""
    p = {"E": params["embed.W"], "Wy": params["out.W"].T.copy(), "by": params["out.b"][:, None]}
    p["Wx"] = params["layers.0.W_x"].T.copy()
    p["Wh"] = params["layers.0.W_h"].T.copy()
    for name in ("b", "b_x", "b_h"):
        if f"layers.0.{name}" in params:
            p[name] = params[f"layers.0.{name}"][:, None]
    return p


def _forward_step(cell, p, x, h, c):
    """One time step on column vectors; returns the new state and what backward needs."""
    H = h.shape[0]
    if cell == "rnn":
        h_new = np.tanh(p["Wx"] @ x + p["Wh"] @ h + p["b"])
        return h_new, None, {"h": h_new}
    if cell == "lstm":
        a = p["Wx"] @ x + p["Wh"] @ h + p["b"]
        i, f = _sigmoid(a[:H]), _sigmoid(a[H : 2 * H])
        g, o = np.tanh(a[2 * H : 3 * H]), _sigmoid(a[3 * H :])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        return h_new, c_new, {"i": i, "f": f, "g": g, "o": o, "c": c_new, "c_prev": c}
    ax = p["Wx"] @ x + p["b_x"]  # GRU, reset gate after the recurrent product
    ah = p["Wh"] @ h + p["b_h"]
    r = _sigmoid(ax[:H] + ah[:H])
    z = _sigmoid(ax[H : 2 * H] + ah[H : 2 * H])
    n = np.tanh(ax[2 * H :] + r * ah[2 * H :])
    h_new = (1 - z) * n + z * h
    return h_new, None, {"r": r, "z": z, "n": n, "ah_n": ah[2 * H :]}


def _backward_step(cell, p, g, dh, dc, x, h_prev, s):
    """Gradients of one time step; accumulates into ``g``; returns (dx, dh_prev, dc_prev)."""
    if cell == "rnn":
        da = dh * (1 - s["h"] ** 2)
        g["Wx"] += da @ x.T
        g["Wh"] += da @ h_prev.T
        g["b"] += da
        return p["Wx"].T @ da, p["Wh"].T @ da, None
    if cell == "lstm":
        tanh_c = np.tanh(s["c"])
        dc = dc + dh * s["o"] * (1 - tanh_c**2)
        da = np.vstack([
            dc * s["g"] * s["i"] * (1 - s["i"]),
            dc * s["c_prev"] * s["f"] * (1 - s["f"]),
            dc * s["i"] * (1 - s["g"] ** 2),
            dh * tanh_c * s["o"] * (1 - s["o"]),
        ])
        g["Wx"] += da @ x.T
        g["Wh"] += da @ h_prev.T
        g["b"] += da
        return p["Wx"].T @ da, p["Wh"].T @ da, dc * s["f"]
    r, z, n = s["r"], s["z"], s["n"]
    dan = dh * (1 - z) * (1 - n**2)
    dar = dan * s["ah_n"] * r * (1 - r)
    daz = dh * (h_prev - n) * z * (1 - z)
    dax = np.vstack([dar, daz, dan])
    dah = np.vstack([dar, daz, dan * r])
    g["Wx"] += dax @ x.T
    g["b_x"] += dax
    g["Wh"] += dah @ h_prev.T
    g["b_h"] += dah
    return p["Wx"].T @ dax, dh * z + p["Wh"].T @ dah, None


def loss_and_grads(params: dict[str, np.ndarray], cell: str, inputs: np.ndarray, targets: np.ndarray):
    """Mean cross-entropy per token and its gradients, keyed like ``LanguageModel.params``.

    Args:
        params: ``LanguageModel.params`` of a one-layer model (read only).
        cell: "rnn", "lstm" or "gru" (reset_after=True).
        inputs, targets: (N, T) token ids; processed one sequence at a time.
    """
    p = _column_params(params)
    g = {k: np.zeros_like(v) for k, v in p.items()}
    H = p["Wh"].shape[1]
    count = inputs.size
    total = 0.0
    for seq, tgt in zip(inputs, targets):
        h = np.zeros((H, 1), p["Wh"].dtype)
        c = np.zeros_like(h)
        xs, hs, states, probs = [], [h], [], []
        for token, target in zip(seq, tgt):  # forward, one step at a time
            x = p["E"][token][:, None]
            h, c, s = _forward_step(cell, p, x, h, c)
            y = p["Wy"] @ h + p["by"]
            e = np.exp(y - y.max())
            prob = e / e.sum()
            total -= np.log(prob[target, 0])
            xs.append(x), hs.append(h), states.append(s), probs.append(prob)
        dh_next, dc_next = np.zeros_like(h), np.zeros_like(h)
        for t in reversed(range(len(seq))):  # backpropagation through time
            dy = probs[t].copy()
            dy[tgt[t]] -= 1
            dy /= count
            g["Wy"] += dy @ hs[t + 1].T
            g["by"] += dy
            dh = p["Wy"].T @ dy + dh_next
            dx, dh_next, dc_next = _backward_step(cell, p, g, dh, dc_next, xs[t], hs[t], states[t])
            g["E"][seq[t]] += dx[:, 0]
    grads = {"embed.W": g["E"], "out.W": g["Wy"].T, "out.b": g["by"][:, 0],
             "layers.0.W_x": g["Wx"].T, "layers.0.W_h": g["Wh"].T}
    for name in ("b", "b_x", "b_h"):
        if name in g:
            grads[f"layers.0.{name}"] = g[name][:, 0]
    return total / count, grads
