"""Realistic wrong answers, applied as source patches to the solution notebooks.

Each mutant replaces one snippet of a solution (which must occur exactly once) and names the
question that must lose marks and the words its message must contain (the wrong quantity,
and the diagnosis where the check gives one).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    id: str
    exercise: str
    question: str
    what: str
    old: str
    new: str
    expect: tuple[str, ...]


def apply_mutant(nb: dict, mutant: Mutant) -> dict:
    """A copy of ``nb`` with ``mutant.old`` replaced by ``mutant.new`` in its only code cell."""
    nb = copy.deepcopy(nb)
    # The Colab install cell is setup, never an answer: a snippet it holds is not the answer's.
    hits = [c for c in nb["cells"] if c["cell_type"] == "code" and mutant.old in "".join(c["source"])
            and not "".join(c["source"]).startswith("# Colab only")]
    total = sum("".join(c["source"]).count(mutant.old) for c in hits)
    if total != 1:
        raise AssertionError(f"{mutant.id}: the snippet occurs {total} times, expected once")
    cell = hits[0]
    cell["source"] = "".join(cell["source"]).replace(mutant.old, mutant.new).splitlines(keepends=True)
    return nb


M = Mutant
MUTANTS = [
    # Exercise 1: vanilla RNN.
    M("rnn-sign", "ex01-rnn", "q1", "sign flip in the recurrent term",
      "x @ W_x + h_prev @ W_h + b", "x @ W_x - h_prev @ W_h + b", ("h_next",)),
    M("rnn-no-tanh-grad", "ex01-rnn", "q2", "missing tanh derivative",
      "da = dh_next * (1 - h_next**2)", "da = dh_next", ("dW_x", "dh_prev")),
    M("rnn-untransposed", "ex01-rnn", "q2", "W_h not transposed in dh_prev",
      "dh_prev = da @ W_h.T", "dh_prev = da @ W_h", ("dh_prev",)),
    M("rnn-db-not-summed", "ex01-rnn", "q2", "bias gradient not summed over the batch",
      "db = da.sum(axis=0)", "db = da", ("db: expected shape (5,)",)),
    M("rnn-mutates-upstream", "ex01-rnn", "q2", "in-place change of the upstream gradient",
      "da = dh_next * (1 - h_next**2)", "dh_next *= 1 - h_next**2\n    da = dh_next",
      ("dh_next was modified in place",)),
    M("rnn-off-by-one", "ex01-rnn", "q3", "state stored before the step (off-by-one in time)",
      "        h, step_cache = rnn_step_forward(xs[:, t], h, W_x, W_h, b)\n        hs[:, t] = h",
      "        hs[:, t] = h\n        h, step_cache = rnn_step_forward(xs[:, t], h, W_x, W_h, b)",
      ("hs", "off-by-one in time")),
    M("rnn-no-carried-grad", "ex01-rnn", "q4", "carried gradient not added",
      "rnn_step_backward(dhs[:, t] + dh_carried,", "rnn_step_backward(dhs[:, t],",
      ("dh0", "dW_h")),
    M("rnn-no-weight-sum", "ex01-rnn", "q4", "weight gradient overwritten, not summed over time",
      "dW_x = dW_x + dW_x_t", "dW_x = dW_x_t", ("dW_x",)),
    M("rnn-forward-in-time", "ex01-rnn", "q4", "BPTT loop runs forward in time",
      "for t in reversed(range(T)):", "for t in range(T):", ("dxs",)),
    M("rnn-infinite-loop", "ex01-rnn", "q1", "an infinite loop",
      "    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)",
      "    while True:\n        pass\n    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)",
      ("did not finish within",)),
    # Exercise 3: LSTM.
    M("lstm-swapped-gates", "ex03-lstm", "q1", "input and forget gates swapped",
      "i = sigmoid(a[:, :H])\n    f = sigmoid(a[:, H:2 * H])",
      "i = sigmoid(a[:, H:2 * H])\n    f = sigmoid(a[:, :H])",
      ("c_next", "the i and f gates are swapped")),
    M("lstm-float32", "ex03-lstm", "q1", "dtype not preserved",
      "h_next = o * np.tanh(c_next)", "h_next = (o * np.tanh(c_next)).astype(np.float32)",
      ("h_next", "dtype")),
    M("lstm-no-dh-into-dc", "ex03-lstm", "q2", "cell gradient misses the path through h_next",
      "dc = dc_next + dh_next * o * (1 - tanh_c**2)", "dc = dc_next", ("dc_prev",)),
    M("lstm-no-dc-next", "ex03-lstm", "q2", "carried cell gradient forgotten",
      "dc = dc_next + dh_next * o * (1 - tanh_c**2)", "dc = dh_next * o * (1 - tanh_c**2)",
      ("dc_prev",)),
    M("lstm-g-as-sigmoid", "ex03-lstm", "q2", "sigmoid derivative used for the tanh gate g",
      "dg * (1 - g**2)", "dg * g * (1 - g)", ("dW_x", "wrong in g; right in i, f, o")),
    M("lstm-gate-order", "ex03-lstm", "q2", "i and f blocks swapped in the stacked gradient",
      "[di * i * (1 - i), df * f * (1 - f),", "[df * f * (1 - f), di * i * (1 - i),",
      ("wrong in i, f; right in g, o",)),
    M("lstm-mutates-upstream", "ex03-lstm", "q2", "in-place change of the upstream gradient",
      "do = dh_next * tanh_c", "dh_next *= 1.0\n    dc_next += 0.0\n    dc_next *= 2.0\n    do = dh_next * tanh_c",
      ("dc_next was modified in place",)),
    # Exercise 4: GRU.
    M("gru-init-scale", "ex04-gru", "q1", "standard normal instead of the uniform bound",
      "W_y = rng.uniform(-bound, bound, (H, V))", "W_y = rng.standard_normal((H, V))",
      ("W_y", "values must lie in")),
    M("gru-init-global-rng", "ex04-gru", "q1", "global numpy random state instead of rng",
      "W_x = rng.uniform(-bound, bound, (D, 3 * H))",
      "W_x = np.random.uniform(-bound, bound, (D, 3 * H))", ("same seed",)),
    M("gru-no-one-minus-z", "ex04-gru", "q2", "the (1 - z) factor of the candidate is missing",
      "h_next = one_minus_z * n + z * h_prev", "h_next = n + z * h_prev", ("h_next",)),
    M("gru-reset-missing", "ex04-gru", "q2", "reset gate not applied to the candidate",
      "a_n = ax[:, 2 * H:] + r * ah_n", "a_n = ax[:, 2 * H:] + ah_n", ("a_n", "n (candidate)")),
    M("gru-swapped-gates", "ex04-gru", "q2", "reset and update gate blocks swapped",
      "a_r = ax[:, :H] + ah[:, :H]\n    a_z = ax[:, H:2 * H] + ah[:, H:2 * H]",
      "a_z = ax[:, :H] + ah[:, :H]\n    a_r = ax[:, H:2 * H] + ah[:, H:2 * H]",
      ("a_r", "r (reset gate)")),
    M("gru-phase1-no-one-minus-z", "ex04-gru", "q3", "phase 1 misses the (1 - z) path",
      "dn = dh_next * (1 - z)", "dn = dh_next", ("phase 1 (mix)", "dn")),
    M("gru-phase1-sign", "ex04-gru", "q3", "phase 1 sign flip in dz",
      "dz = dh_next * (h_prev - n)", "dz = dh_next * (n - h_prev)",
      ("phase 1 (mix)", "dz", "sign is flipped")),
    M("gru-phase1-mutates", "ex04-gru", "q3", "phase 1 changes the upstream gradient in place",
      "dn = dh_next * (1 - z)", "dh_next *= 1 - z\n    dn = dh_next",
      ("dh_next was modified in place",)),
    M("gru-phase2-tanh-grad", "ex04-gru", "q4", "phase 2 wrong tanh derivative",
      "da_n = dn * (1 - n**2)", "da_n = dn * (1 - n)", ("phase 2 (candidate)", "da_n")),
    M("gru-phase3-swapped", "ex04-gru", "q5", "phase 3 uses r instead of ah_n",
      "dr = da_n * ah_n", "dr = da_n * r", ("phase 3 (reset)", "dr")),
    M("gru-phase4-swapped-gate", "ex04-gru", "q6", "phase 4 uses the reset gate for da_z",
      "da_z = dz * z * (1 - z)", "da_z = dz * r * (1 - r)", ("phase 4 (gates)", "da_z")),
    M("gru-phase5-no-direct", "ex04-gru", "q7", "phase 5 forgets the direct dh_prev of phase 1",
      "dh_prev = dh_prev_mix + dah @ W_h.T", "dh_prev = dah @ W_h.T",
      ("phase 5 (matmul)", "dh_prev")),
    M("gru-phase5-block", "ex04-gru", "q7", "phase 5 uses da_n instead of dah_n for W_h",
      "dah = np.concatenate([da_r, da_z, dah_n], axis=1)",
      "dah = np.concatenate([da_r, da_z, da_n], axis=1)", ("dW_h", "wrong in n; right in r, z")),
    M("gru-phase5-transpose", "ex04-gru", "q7", "phase 5 computes dW_x transposed",
      "dW_x = x.T @ dax", "dW_x = dax.T @ x", ("dW_x", "transpose")),
    M("gru-step-order", "ex04-gru", "q8", "phases chained with the gates swapped",
      "da_z, da_r = gru_backward_gates(dz, dr, z, r)",
      "da_r, da_z = gru_backward_gates(dz, dr, z, r)", ("gru_step_backward", "wrong in r, z")),
    # Exercise 2: embedding backward, masked cross-entropy, perplexity.
    M("emb-no-accumulate", "ex02-embedding-loss", "q1", "repeated ids overwrite instead of adding",
      "np.add.at(dW, ids, dout)", "dW[ids] += dout", ("dW",)),
    M("ce-mask-ignored", "ex02-embedding-loss", "q2", "the mask is ignored in the loss",
      "loss = (nll * mask).sum() / mask.sum()", "loss = nll.mean()", ("loss",)),
    M("ce-no-max-shift", "ex02-embedding-loss", "q2", "no max-shift before exp (overflow)",
      "shifted = logits - logits.max(axis=2, keepdims=True)", "shifted = logits",
      ("loss", "expected finite values")),
    M("ce-grad-no-mask", "ex02-embedding-loss", "q2", "the mask is ignored in the gradient",
      "dlogits *= (mask / mask.sum())[..., None]", "dlogits /= mask.sum()", ("dlogits",)),
    M("ce-grad-no-onehot", "ex02-embedding-loss", "q2", "one-hot of the targets not subtracted",
      "    dlogits[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1\n", "",
      ("dlogits",)),
    M("ppl-base-2", "ex02-embedding-loss", "q3", "perplexity in base 2 of a loss in nats",
      "return np.exp(softmax_cross_entropy(logits, targets, mask)[0])",
      "return 2 ** softmax_cross_entropy(logits, targets, mask)[0]", ("perplexity",)),
    # Exercise 5: sampling.
    M("temp-multiplied", "ex05-sampling", "q1", "logits multiplied by the temperature",
      "scaled = logits / temperature", "scaled = logits * temperature",
      ("softmax_temperature(τ=0.5)", "probabilities")),
    M("softmax-no-shift", "ex05-sampling", "q1", "no max-shift before exp (overflow)",
      "e = np.exp(scaled - scaled.max(axis=1, keepdims=True))", "e = np.exp(scaled)",
      ("probabilities", "expected finite values")),
    M("topk-off-by-one", "ex05-sampling", "q2", "keeps k + 1 tokens",
      "np.sort(logits, axis=1)[:, -k]", "np.sort(logits, axis=1)[:, -k - 1]",
      ("top_k_probabilities(k=1", "probabilities")),
    M("topk-no-renormalize", "ex05-sampling", "q2", "kept probabilities not renormalized",
      "return kept / kept.sum(axis=1, keepdims=True)", "return kept", ("probabilities",)),
    M("gen-no-feedback", "ex05-sampling", "q3", "the sampled token is not fed back",
      "        new_ids.append(token)\n        logits, h = step(token, h)",
      "        new_ids.append(token)", ("generated ids",)),
    M("gen-prompt-short", "ex05-sampling", "q3", "the last prompt token is not fed",
      "for token in prompt:", "for token in prompt[:-1]:", ("generated ids",)),
    M("gen-global-rng", "ex05-sampling", "q3", "numpy's global random state instead of rng",
      "token = int(rng.choice(len(p), p=p))", "token = int(np.random.choice(len(p), p=p))",
      ("generate(k=4", "generated ids")),
    # Exercise 6: truncated BPTT batches, clipping by global norm.
    M("tbptt-targets-not-shifted", "ex06-tbptt", "q1", "targets equal the inputs",
      "ids[positions + 1]", "ids[positions]", ("targets of every batch", "off-by-one in time")),
    M("tbptt-overlapping-rows", "ex06-tbptt", "q1", "rows start T apart instead of L // N",
      "offsets = np.arange(N) * L // N", "offsets = np.arange(N) * T",
      ("inputs of every batch",)),
    M("tbptt-restarts", "ex06-tbptt", "q1", "every batch restarts at the row offsets",
      "offsets[:, None] + b * T + np.arange(T)[None, :]", "offsets[:, None] + np.arange(T)[None, :]",
      ("inputs of every batch",)),
    M("clip-per-tensor", "ex06-tbptt", "q2", "each gradient clipped by its own norm",
      "return {name: g * scale for name, g in grads.items()}, norm",
      "return {name: g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6))\n"
      "            for name, g in grads.items()}, norm", ("clipped W_x",)),
    M("clip-in-place", "ex06-tbptt", "q2", "gradients scaled in place",
      "return {name: g * scale for name, g in grads.items()}, norm",
      "for g in grads.values():\n        g *= scale\n    return dict(grads), norm",
      ("grads was modified in place",)),
    M("clip-squared-norm", "ex06-tbptt", "q2", "squared norm instead of the norm",
      "norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))",
      "norm = sum(np.sum(g**2) for g in grads.values())", ("norm",)),
    # Exercise 7: counting parameters.
    M("count-rnn-no-bias", "ex07-parameters", "q1", "bias forgotten",
      "return units * (input_dim + units + 1)", "return units * (input_dim + units)",
      ("count_simple_rnn", "number of parameters")),
    M("count-lstm-three-gates", "ex07-parameters", "q2", "three blocks instead of four",
      "4 * units * (input_dim + units + 1)", "3 * units * (input_dim + units + 1)",
      ("count_lstm",)),
    M("count-gru-one-bias", "ex07-parameters", "q3", "one bias vector with reset_after=True",
      "biases = 2 if reset_after else 1", "biases = 1", ("reset_after=True",)),
    M("count-classifier-no-dense-bias", "ex07-parameters", "q4", "Dense bias forgotten",
      "count_simple_rnn(embed_dim, units) + units + 1", "count_simple_rnn(embed_dim, units) + units",
      ("count_classifier", "expected 529441, got 529440", "off by -1")),
    # The cases of issue 14 (feedback defects), one mutant each.
    M("rnn-swallowed-time-limit", "ex01-rnn", "q1", "infinite loop that swallows exceptions",
      "    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)",
      "    while True:\n        try:\n            pass\n        except Exception:\n"
      "            continue\n    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)",
      ("did not finish within",)),
    M("rnn-system-exit", "ex01-rnn", "q1", "SystemExit raised inside the function",
      "    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)",
      "    raise SystemExit('stop')\n    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)",
      ("raised SystemExit: stop", "raise SystemExit('stop')")),
    M("rnn-no-cache", "ex01-rnn", "q1", "h_next returned without the cache",
      "    return h_next, cache", "    return h_next",
      ("not the 2 values", "return h_next, cache")),
    M("lstm-g-sigmoid-forward", "ex03-lstm", "q1", "sigmoid for the candidate g",
      "g = np.tanh(a[:, 2 * H:3 * H])", "g = sigmoid(a[:, 2 * H:3 * H])",
      ("g uses a sigmoid",)),
    M("lstm-swapped-outputs", "ex03-lstm", "q2", "dh_prev and dc_prev returned swapped",
      "return dx, dh_prev, dc_prev, dW_x, dW_h, db", "return dx, dc_prev, dh_prev, dW_x, dW_h, db",
      ("dh_prev and dc_prev are swapped",)),
    M("gru-reset-swapped-outputs", "ex04-gru", "q5", "dr and dah_n returned swapped",
      "    return dr, dah_n", "    return dah_n, dr", ("dr and dah_n are swapped",)),
    M("gru-reset-swapped-then-step", "ex04-gru", "q8", "a wrong phase 3 seen from question 8",
      "    return dr, dah_n", "    return dah_n, dr",
      ("gru_backward_reset (question 5) is not right yet",)),
    M("sampling-starts-from-zeros", "ex05-sampling", "q3", "generation starts from zeros, not h0",
      "    h = h0\n", "    h = np.zeros_like(h0)\n", ("generated ids",)),
    M("count-rnn-extra-bias", "ex07-parameters", "q1", "one bias too many",
      "return units * (input_dim + units + 1)", "return units * (input_dim + units + 1) + units",
      ("off by +128 = units", "whole numbers must be exact")),
    M("clip-iterates-keys", "ex06-tbptt", "q2", "sums over the dict's keys (raises)",
      "norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))",
      "norm = np.sqrt(sum(np.sum(g**2) for g in grads))",
      ("raised TypeError", "called with grads={W_x: (3, 4) float64", "line 3 of")),
]

# Correct answers written differently: they must keep full marks on every question.
VARIANTS = [
    M("rnn-float32-intermediate", "ex01-rnn", "", "float32 intermediate in the backward step",
      "da = dh_next * (1 - h_next**2)",
      "da = (dh_next * (1 - h_next**2)).astype(np.float32).astype(dh_next.dtype)", ()),
    M("rnn-float32-matmul", "ex01-rnn", "", "float32 products in the backward step",
      "dx = da @ W_x.T",
      "dx = (da.astype(np.float32) @ W_x.T.astype(np.float32)).astype(da.dtype)", ()),
]
