"""Tests of rnnlab.model.LanguageModel: gradients, determinism, state, generation, errors."""
import json

import numpy as np
import pytest

from rnnlab._validate import DTypeError, ShapeError
from rnnlab.gradcheck import check_gradients
from rnnlab.model import LanguageModel

TOL = 1e-6
V, E, H = 7, 4, 3
CELL_KW = {
    "rnn": {"cell": "rnn"},
    "lstm": {"cell": "lstm"},
    "gru": {"cell": "gru"},
    "gru_before": {"cell": "gru", "reset_after": False},
}


def batch(rng, N=2, T=5, vocab=V):
    ids = rng.integers(0, vocab, size=(N, T + 1))
    return ids[:, :-1], ids[:, 1:]


def check_model(model, inputs, targets, mask=None):
    """Gradient check of the loss with respect to every parameter of the model."""

    def forward(**params):
        model.set_params(params)
        return np.array(model.loss(inputs, targets, mask)), None

    def backward(dout, cache):
        return {k: g * float(dout) for k, g in model.backward().items()}

    report = check_gradients(forward, backward, {k: v.copy() for k, v in model.params.items()})
    assert set(report.errors) == set(model.params)
    return report


@pytest.mark.parametrize("kind", CELL_KW)
def test_language_model_gradients(kind, rng):
    model = LanguageModel(V, E, H, num_layers=2, dtype=np.float64, seed=1, **CELL_KW[kind])
    inputs, targets = batch(rng, N=2, T=3)
    mask = np.array([[1, 1, 1], [1, 1, 0]])
    report = check_model(model, inputs, targets, mask)
    assert report.max_error < TOL, report.table()


@pytest.mark.parametrize("N, T", [(1, 1), (1, 4), (3, 1)])
def test_language_model_gradients_small_shapes(N, T, rng):
    model = LanguageModel(V, E, H, cell="lstm", dtype=np.float64)
    report = check_model(model, *batch(rng, N=N, T=T))
    assert report.max_error < TOL, report.table()


def test_language_model_gradients_with_dropout(rng):
    """With the dropout masks fixed (reseeded before every forward), the gradient is exact."""
    model = LanguageModel(V, E, H, num_layers=2, cell="gru", dropout=0.3, dtype=np.float64)
    inputs, targets = batch(rng, T=3)
    original = model.forward

    def forward_with_fixed_masks(ids):
        for i, d in enumerate([*model.layers.dropouts, model.dropout]):
            d.rng = np.random.default_rng(i)
        return original(ids)

    model.forward = forward_with_fixed_masks
    report = check_model(model, inputs, targets)
    assert report.max_error < TOL, report.table()


def test_parameter_names_shapes_and_count():
    model = LanguageModel(11, 5, 6, num_layers=2, cell="lstm")
    expected = {
        "embed.W": (11, 5),
        "layers.0.W_x": (5, 24), "layers.0.W_h": (6, 24), "layers.0.b": (24,),
        "layers.1.W_x": (6, 24), "layers.1.W_h": (6, 24), "layers.1.b": (24,),
        "out.W": (6, 11), "out.b": (11,),
    }
    assert {k: v.shape for k, v in model.params.items()} == expected
    # V*E + 4H(E + H + 1) + 4H(H + H + 1) + H*V + V
    assert model.num_params() == 11 * 5 + 24 * 12 + 24 * 13 + 6 * 11 + 11
    gru = LanguageModel(11, 5, 6, cell="gru")
    assert gru.num_params() == 11 * 5 + 3 * 6 * (5 + 6 + 2) + 6 * 11 + 11  # two GRU biases


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_untrained_loss_is_about_log_v(kind, rng):
    model = LanguageModel(65, 32, 64, cell=kind)
    loss = model.loss(*batch(rng, N=8, T=20, vocab=65))
    assert abs(loss - np.log(65)) < 0.15


def test_same_seed_same_model_and_loss_bit_for_bit(rng):
    inputs, targets = batch(rng)
    a = LanguageModel(V, E, H, cell="gru", dropout=0.2, seed=3)
    b = LanguageModel(V, E, H, cell="gru", dropout=0.2, seed=3)
    for name in a.params:
        assert np.array_equal(a.params[name], b.params[name])
    for _ in range(2):  # the dropout stream is seeded too
        la, ga = a.loss_and_grads(inputs, targets)
        lb, gb = b.loss_and_grads(inputs, targets)
        assert la == lb
        assert all(np.array_equal(ga[k], gb[k]) for k in ga)
    c = LanguageModel(V, E, H, cell="gru", dropout=0.2, seed=4)
    assert not np.array_equal(a.params["out.W"], c.params["out.W"])


def test_dropout_rate_does_not_change_initial_weights():
    a = LanguageModel(V, E, H, dropout=0.0, seed=2)
    b = LanguageModel(V, E, H, dropout=0.5, seed=2)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def test_train_and_eval_modes(rng):
    inputs, targets = batch(rng)
    model = LanguageModel(V, E, H, dropout=0.5)
    assert model.training
    train_losses = {model.loss(inputs, targets) for _ in range(3)}
    assert len(train_losses) == 3  # a new dropout mask each time
    model.eval()
    assert not model.training and not model.layers.layers[0].training
    assert model.loss(inputs, targets) == model.loss(inputs, targets)
    assert model.loss(inputs, targets) == LanguageModel(V, E, H, dropout=0.0).loss(inputs, targets)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype, rng):
    model = LanguageModel(V, E, H, dtype=dtype)
    inputs, targets = batch(rng)
    assert model.forward(inputs).dtype == dtype
    _, grads = model.loss_and_grads(inputs, targets)
    assert all(p.dtype == dtype for p in model.params.values())
    assert all(g.dtype == dtype for g in grads.values())
    assert LanguageModel(V, E, H).dtype == np.float32  # the default: speed


def test_inputs_not_mutated(rng):
    model = LanguageModel(V, E, H)
    inputs, targets = batch(rng)
    mask = np.ones(inputs.shape, bool)
    saved = [a.copy() for a in (inputs, targets, mask)]
    model.loss_and_grads(inputs, targets, mask)
    model.generate(inputs[0], 3, rng=np.random.default_rng(0))
    for before, after in zip(saved, (inputs, targets, mask)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_stateful_model_carries_state_and_resets(kind, rng):
    ids = rng.integers(0, V, size=(2, 8))
    model = LanguageModel(V, E, H, cell=kind, num_layers=2, stateful=True, dtype=np.float64)
    deep_whole = LanguageModel(V, E, H, cell=kind, num_layers=2, dtype=np.float64).forward(ids)
    halves = np.concatenate([model.forward(ids[:, :5]), model.forward(ids[:, 5:])], axis=1)
    np.testing.assert_allclose(halves, deep_whole, rtol=1e-12, atol=1e-14)
    model.reset_state()
    fresh = LanguageModel(V, E, H, cell=kind, num_layers=2, dtype=np.float64)
    np.testing.assert_array_equal(model.forward(ids[:, 5:]), fresh.forward(ids[:, 5:]))
    # The carried state matters: the second half read from zeros gives other logits.
    assert not np.allclose(halves[:, 5:], fresh.forward(ids[:, 5:]))


def test_config_rebuilds_the_model(rng):
    model = LanguageModel(V, E, H, num_layers=2, cell="gru", reset_after=False, dropout=0.1,
                          stateful=True, seed=5, dtype=np.float64)
    config = json.loads(json.dumps(model.config))  # plain JSON types (checkpoints store it)
    rebuilt = LanguageModel(**config)
    assert rebuilt.config == model.config
    assert all(np.array_equal(model.params[k], rebuilt.params[k]) for k in model.params)
    assert rebuilt.dtype == np.float64 and not rebuilt.layers.layers[0].reset_after


def test_set_params_copies_into_the_same_arrays(rng):
    model = LanguageModel(V, E, H)
    other = LanguageModel(V, E, H, seed=9)
    arrays = dict(model.params)
    model.set_params(other.params)
    assert all(model.params[k] is arrays[k] for k in arrays)
    assert all(np.array_equal(model.params[k], other.params[k]) for k in arrays)
    with pytest.raises(KeyError, match=r"missing \['out.b'\]"):
        model.set_params({k: v for k, v in other.params.items() if k != "out.b"})
    with pytest.raises(ShapeError, match=r"params\['out.W'\]: expected shape \(3, 7\), got \(7, 3\)"):
        model.set_params({**other.params, "out.W": np.zeros((7, 3))})


def test_a_few_sgd_steps_lower_the_loss(rng):
    inputs, targets = batch(rng, N=4, T=10)
    model = LanguageModel(V, 8, 16, cell="lstm")
    first = model.loss(inputs, targets)
    for _ in range(50):
        _, grads = model.loss_and_grads(inputs, targets)
        for k, g in grads.items():
            model.params[k] -= 2.0 * g  # in place: the model computes with these arrays
    assert model.loss(inputs, targets) < first / 2


# ----------------------------------------------------------------------------- generation


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_greedy_generation_matches_the_full_forward(kind):
    """Each greedy token is the argmax of forward() run on the prompt plus the tokens so far,
    so the prompt warm-up and the one-step updates compute the same function as training."""
    model = LanguageModel(V, E, 8, cell=kind, num_layers=2, dtype=np.float64, seed=2)
    prompt = [1, 4, 2]
    new = model.generate(prompt, 6, greedy=True)
    assert len(new) == 6
    seq = list(prompt)
    for token in new:
        assert token == int(np.argmax(model.forward(np.array([seq]))[0, -1]))
        seq.append(token)


def test_generation_is_reproducible_for_a_seed():
    model = LanguageModel(V, E, H, seed=1)
    a = model.generate([0, 1], 20, temperature=1.5, top_k=4, rng=np.random.default_rng(7))
    b = model.generate(np.array([0, 1]), 20, temperature=1.5, top_k=4, rng=np.random.default_rng(7))
    c = model.generate([0, 1], 20, temperature=1.5, top_k=4, rng=np.random.default_rng(8))
    assert a == b and a != c
    assert all(isinstance(t, int) and 0 <= t < V for t in a)


def test_generation_stops_at_stop_id():
    model = LanguageModel(V, E, H, seed=1)
    first = model.generate([3], 5, greedy=True)
    assert model.generate([3], 5, greedy=True, stop_id=first[0]) == []
    sampled = model.generate([3], 200, rng=np.random.default_rng(0))
    stop = sampled[10]
    stopped = model.generate([3], 200, rng=np.random.default_rng(0), stop_id=stop)
    assert stopped == sampled[: sampled.index(stop)] and stop not in stopped


def test_generation_leaves_training_untouched(rng):
    """Generating between loss() and backward() changes neither the gradients nor the
    carried state of a stateful model."""
    inputs, targets = batch(rng)
    model = LanguageModel(V, E, H, stateful=True, dropout=0.2)
    reference = LanguageModel(V, E, H, stateful=True, dropout=0.2)
    loss = model.loss(inputs, targets)
    model.generate([1, 2], 5, rng=np.random.default_rng(0))
    grads = model.backward()
    assert loss == reference.loss(inputs, targets)
    ref_grads = reference.backward()
    assert all(np.array_equal(grads[k], ref_grads[k]) for k in grads)
    assert model.loss(inputs, targets) == reference.loss(inputs, targets)  # same carried state
    assert model.training


def test_generation_bad_arguments():
    model = LanguageModel(V, E, H)
    with pytest.raises(TypeError, match=r"rng: sampling needs a numpy Generator.*greedy=True"):
        model.generate([1], 3)
    with pytest.raises(ShapeError, match=r"prompt_ids: expected a non-empty 1-D sequence"):
        model.generate([], 3, greedy=True)
    with pytest.raises(ValueError, match=r"prompt_ids: expected token ids in \[0, V\) with V=7, got 9"):
        model.generate([1, 9], 3, greedy=True)
    with pytest.raises(ValueError, match="n: expected a positive integer, got 0"):
        model.generate([1], 0, greedy=True)
    with pytest.raises(ValueError, match="stop_id: expected token ids.*got 7"):
        model.generate([1], 3, greedy=True, stop_id=7)
    with pytest.raises(ValueError, match="temperature"):
        model.generate([1], 3, temperature=0, rng=np.random.default_rng(0))


# ----------------------------------------------------------------------------- errors


def test_model_bad_input(rng):
    model = LanguageModel(V, E, H)
    inputs, targets = batch(rng)
    with pytest.raises(ValueError, match=r"inputs: expected token ids in \[0, V\) with V=7, got 7"):
        model.loss(np.full((2, 5), 7), targets)
    with pytest.raises(DTypeError, match="ids: expected an integer array"):
        model.forward(inputs.astype(np.float32))
    with pytest.raises(ShapeError, match=r"ids: expected shape \(N, T\).*got \(5,\)"):
        model.forward(inputs[0])
    with pytest.raises(ShapeError, match=r"targets: expected shape \(N, T\) with N=2, T=5, got \(2, 4\)"):
        model.loss(inputs, targets[:, :4])
    with pytest.raises(ValueError, match="mask: expected at least one 1"):
        model.loss(inputs, targets, np.zeros((2, 5)))
    with pytest.raises(RuntimeError, match=r"needs a loss\(\)"):
        LanguageModel(V, E, H).backward()
    model.loss_and_grads(inputs, targets)
    with pytest.raises(RuntimeError, match=r"needs a loss\(\)"):
        model.backward()  # one backward per loss


def test_constructor_bad_arguments():
    with pytest.raises(ValueError, match=r"cell: expected one of \['gru', 'lstm', 'rnn'\], got 'LSTM'"):
        LanguageModel(V, E, H, cell="LSTM")
    with pytest.raises(ValueError, match="vocab_size: expected a positive integer"):
        LanguageModel(0, E, H)
    with pytest.raises(ValueError, match="num_layers: expected a positive integer"):
        LanguageModel(V, E, H, num_layers=0)
    with pytest.raises(ValueError, match=r"dropout: expected a number in \[0, 1\)"):
        LanguageModel(V, E, H, dropout=1.0)
    with pytest.raises(ValueError, match="seed: expected a non-negative integer"):
        LanguageModel(V, E, H, seed=-1)
    with pytest.raises(DTypeError, match="dtype: expected float32 or float64, got float16"):
        LanguageModel(V, E, H, dtype=np.float16)
