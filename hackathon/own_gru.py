"""Your own GRU trains: the step functions you wrote in exercise 4, in the hackathon's training.

In a notebook (the live loss plot and 5 samples every 10 iterations)::

    from own_gru import live_display, to_language_model, train_own_gru
    params, history = train_own_gru(gru_step_forward, gru_step_backward, train_sentences, vocab,
                                    rng, callback=live_display())

and on the code track (``submissions/my_gru.py`` is the template): return
``to_language_model(params, vocab)`` from ``train``.

Your functions have exercise 4's signatures::

    gru_step_forward(x, h_prev, W_x, W_h, b_x, b_h, W_y, b_y)
        -> a_r, a_z, ah_n, a_n, r, z, one_minus_z, n, h_next, logits, p
    gru_step_backward(dh_next, x, h_prev, W_x, W_h, b_x, b_h)
        -> dx, dh_prev, dW_x, dW_h, db_x, db_h

``check_step_functions`` compares them with the library's on random inputs first (the checks of
exercise 4, ``rnnlab.checks``), so a wrong gradient is named before any training. The model is
the source notebook's: one-hot characters in (D = V), a GRU of H units, a softmax over V; the
loss is the mean NLL per predicted character of the padded batch (``<eos>`` included, padding
masked); the hidden-state gradient is clipped to [-5, 5] at every step; Adagrad (lr 0.1).
``to_language_model`` turns the result into an ``rnnlab`` ``LanguageModel`` that computes the
same function: the one-hot input becomes an identity embedding (V x V), so on the leaderboard it
costs V^2 = 3,721 parameters more than the dict of exercise 4.
"""
from __future__ import annotations

import math

import numpy as np

from hackdata import batches
from rnnlab.model import LanguageModel
from rnnlab.optim import Adagrad

STEP_OUTPUTS = ["a_r", "a_z", "ah_n", "a_n", "r", "z", "one_minus_z", "n", "h_next", "logits", "p"]
GRAD_NAMES = ["dx", "dh_prev", "dW_x", "dW_h", "db_x", "db_h"]
SAMPLE_EVERY, NUM_SAMPLES, MAX_SAMPLE_CHARS = 10, 5, 150
DH_CLIP = 5.0


def init_params(V: int, H: int, rng) -> dict[str, np.ndarray]:
    """Exercise 4's initialization (uniform in +-1/sqrt(H), zero biases, float64) with D = V."""
    bound = 1 / np.sqrt(H)
    return {"W_x": rng.uniform(-bound, bound, (V, 3 * H)), "W_h": rng.uniform(-bound, bound, (H, 3 * H)),
            "b_x": np.zeros(3 * H), "b_h": np.zeros(3 * H), "W_y": rng.uniform(-bound, bound, (H, V)),
            "b_y": np.zeros(V)}


def check_step_functions(step_forward, step_backward) -> None:
    """Raise ``rnnlab.checks.CheckFailed`` naming the first wrong output or gradient."""
    from rnnlab.checks import check_function, random_inputs
    from rnnlab.functional import gru_step_backward as ref_backward
    from rnnlab.functional import gru_step_forward as ref_forward
    from rnnlab.sampling import softmax

    def forward(x, h_prev, W_x, W_h, b_x, b_h, W_y, b_y):
        h_next, c = ref_forward(x, h_prev, W_x, W_h, b_x, b_h)
        logits = h_next @ W_y + b_y
        logit = lambda q: np.log(q) - np.log1p(-q)  # noqa: E731 - the inverse of the sigmoid
        return (logit(c.r), logit(c.z), c.ah_n, np.arctanh(c.n), c.r, c.z, 1 - c.z, c.n, h_next,
                logits, softmax(logits))

    check_function(step_forward, forward, random_inputs(1, 0.5, x=(3, 4), h_prev=(3, 5), W_x=(4, 15),
                   W_h=(5, 15), b_x=(15,), b_h=(15,), W_y=(5, 6), b_y=(6,)), STEP_OUTPUTS,
                   title="your gru_step_forward")
    check_function(step_backward, lambda dh_next, *step: ref_backward(dh_next, ref_forward(*step)[1]),
                   random_inputs(8, 0.5, dh_next=(3, 5), x=(3, 4), h_prev=(3, 5), W_x=(4, 15),
                                 W_h=(5, 15), b_x=(15,), b_h=(15,)), GRAD_NAMES,
                   title="your gru_step_backward")


def loss_and_grads(step_forward, step_backward, params, inputs, targets, mask):
    """Mean NLL per unmasked target of a padded batch ``(N, T)`` and the gradient of every parameter."""
    P = params
    N, T = inputs.shape
    V, H = P["W_x"].shape[0], P["W_h"].shape[0]
    eye = np.eye(V)
    count = mask.sum()
    h = np.zeros((N, H))
    hs, ps = [h], []
    for t in range(T):
        out = step_forward(eye[inputs[:, t]], h, P["W_x"], P["W_h"], P["b_x"], P["b_h"], P["W_y"], P["b_y"])
        h, p = out[8], out[10]
        hs.append(h)
        ps.append(p)
    rows = np.arange(N)
    nll = -sum(np.log(ps[t][rows, targets[:, t]])[mask[:, t]].sum() for t in range(T))
    grads = {k: np.zeros_like(v) for k, v in P.items()}
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dlogits = ps[t].copy()
        dlogits[rows, targets[:, t]] -= 1
        dlogits *= mask[:, t, None] / count
        grads["W_y"] += hs[t + 1].T @ dlogits
        grads["b_y"] += dlogits.sum(axis=0)
        dh = np.clip(dlogits @ P["W_y"].T + dh_next, -DH_CLIP, DH_CLIP)
        _, dh_next, dW_x, dW_h, db_x, db_h = step_backward(dh, eye[inputs[:, t]], hs[t], P["W_x"],
                                                           P["W_h"], P["b_x"], P["b_h"])
        for name, g in (("W_x", dW_x), ("W_h", dW_h), ("b_x", db_x), ("b_h", db_h)):
            grads[name] += g
    return float(nll / count), grads


def sample(step_forward, params, vocab, rng, max_chars: int = MAX_SAMPLE_CHARS) -> str:
    """One sentence drawn from the model: from ``<bos>`` until ``<eos>`` or ``max_chars`` draws
    (a drawn ``<pad>``, ``<bos>`` or ``<unk>`` prints nothing but counts as a draw)."""
    P = params
    V, H = P["W_x"].shape[0], P["W_h"].shape[0]
    eye, h, token, chars = np.eye(V), np.zeros((1, H)), vocab.bos_id, []
    while len(chars) < max_chars:
        out = step_forward(eye[[token]], h, P["W_x"], P["W_h"], P["b_x"], P["b_h"], P["W_y"], P["b_y"])
        h, p = out[8], out[10][0]
        token = int(rng.choice(V, p=p / p.sum()))
        if token == vocab.eos_id:
            break
        chars.append("".join(vocab.decode([token], skip_specials=True)))  # <pad> <bos> <unk>: nothing
    return "".join(chars)


def train_own_gru(step_forward, step_backward, train_sentences, vocab, rng, *, hidden_size: int = 100,
                  iterations: int = 1000, lr: float = 0.1, batch_size: int = 32, callback=None,
                  check: bool = True):
    """Train with your step functions; returns ``(params, history)``.

    Every ``SAMPLE_EVERY`` iterations ``callback(history)`` is called (when given), after the
    history got the mean loss of those iterations and ``NUM_SAMPLES`` sampled sentences.
    ``history`` is ``{"iterations": [...], "losses": [...], "samples": [[str]...]}``.
    """
    if check:
        check_step_functions(step_forward, step_backward)
    params = init_params(len(vocab), hidden_size, rng)
    optimizer = Adagrad(params, lr=lr)
    source = batches(train_sentences, vocab, batch_size, shuffle_rng=rng)
    history, window = {"iterations": [], "losses": [], "samples": []}, []
    while optimizer.num_updates < iterations:
        for inputs, targets, mask in source:
            loss, grads = loss_and_grads(step_forward, step_backward, params, inputs, targets, mask)
            if not math.isfinite(loss):
                raise FloatingPointError(f"the loss is {loss} at iteration {optimizer.num_updates + 1}")
            optimizer.step(grads)
            window.append(loss)
            if optimizer.num_updates % SAMPLE_EVERY == 0:
                history["iterations"].append(optimizer.num_updates)
                history["losses"].append(sum(window) / len(window))
                window = []
                if callback is not None:
                    history["samples"].append([sample(step_forward, params, vocab, rng)
                                               for _ in range(NUM_SAMPLES)])
                    callback(history)
            if optimizer.num_updates == iterations:
                break
    return params, history


def live_display():
    """A callback for notebooks: redraws the loss curve and prints the latest samples."""
    import matplotlib.pyplot as plt
    from IPython.display import clear_output, display

    def show(history) -> None:
        clear_output(wait=True)
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.plot(history["iterations"], history["losses"])
        ax.set_xlabel("iteration")
        ax.set_ylabel("training loss (nats/char)")
        display(fig)
        plt.close(fig)
        print(f"iteration {history['iterations'][-1]}: loss {history['losses'][-1]:.3f}")
        for text in history["samples"][-1]:
            print(repr(text))
    return show


def to_language_model(params, vocab) -> LanguageModel:
    """The same function as an ``rnnlab`` ``LanguageModel`` (float64, identity embedding)."""
    V, H = params["W_x"].shape[0], params["W_h"].shape[0]
    if V != len(vocab):
        raise ValueError(f"params: W_x has {V} rows, the vocabulary {len(vocab)} ids")
    model = LanguageModel(V, V, H, cell="gru", reset_after=True, dtype=np.float64)
    model.set_params({"embed.W": np.eye(V), "layers.0.W_x": params["W_x"], "layers.0.W_h": params["W_h"],
                      "layers.0.b_x": params["b_x"], "layers.0.b_h": params["b_h"],
                      "out.W": params["W_y"], "out.b": params["b_y"]})
    return model
