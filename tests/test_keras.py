"""Tests for rnnlab.keras: Keras's return tuples, shapes, weight layouts, parameter counts,
hand-computed outputs with constant initializers, and independent Keras-formula references.

Keras is not installed (and must not be): the expected values come from Keras's documented
formulas, written out here in a few lines of numpy per cell, or computed by hand.
"""
import math

import numpy as np
import pytest

from rnnlab import keras
from rnnlab import layers as rl
from rnnlab._validate import DTypeError, ShapeError

RECURRENT = [keras.SimpleRNN, keras.LSTM, keras.GRU]
NUM_STATES = {keras.SimpleRNN: 1, keras.LSTM: 2, keras.GRU: 1}


def _xs(rng, N=3, T=5, D=4):
    return rng.standard_normal((N, T, D))


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


# ------------------------------------------------------------------ independent Keras references


def keras_reference(layer, xs):
    """Every hidden state (N, T, H) of a Keras recurrent layer, from Keras's cell formulas and
    Keras's weight layout (kernel gates: LSTM i, f, c, o; GRU z, r, h), one step at a time."""
    w = dict(zip(layer.weight_names, layer.get_weights()))
    K, U = w["kernel"], w["recurrent_kernel"]
    H = layer.units
    h = np.zeros((xs.shape[0], H))
    c = np.zeros_like(h)
    out = []
    for t in range(xs.shape[1]):
        x = xs[:, t]
        if isinstance(layer, keras.SimpleRNN):
            h = np.tanh(x @ K + h @ U + w["bias"])
        elif isinstance(layer, keras.LSTM):
            a = x @ K + h @ U + w["bias"]
            i, f, g, o = (a[:, k * H:(k + 1) * H] for k in range(4))
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
        else:
            b = w["bias"]
            b_in, b_rec = (b[0], b[1]) if layer.reset_after else (b, np.zeros_like(b))
            gx = x @ K + b_in
            z = _sigmoid(gx[:, :H] + h @ U[:, :H] + b_rec[:H])
            r = _sigmoid(gx[:, H:2 * H] + h @ U[:, H:2 * H] + b_rec[H:2 * H])
            if layer.reset_after:
                hh = np.tanh(gx[:, 2 * H:] + r * (h @ U[:, 2 * H:] + b_rec[2 * H:]))
            else:
                hh = np.tanh(gx[:, 2 * H:] + (r * h) @ U[:, 2 * H:])
            h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out, axis=1)


def randomize(layer, rng, scale=0.5):
    """Give a built layer random weights (biases included) so every entry matters."""
    layer.set_weights([scale * rng.standard_normal(w.shape) for w in layer.get_weights()])


@pytest.mark.parametrize("cls,extra", [(keras.SimpleRNN, {}), (keras.LSTM, {}),
                                       (keras.GRU, {}), (keras.GRU, {"reset_after": False})])
def test_outputs_match_keras_formulas(cls, extra, rng):
    layer = cls(6, return_sequences=True, dtype="float64", **extra)
    xs = _xs(rng)
    layer(xs)
    randomize(layer, rng)
    np.testing.assert_allclose(layer(xs), keras_reference(layer, xs), rtol=0, atol=1e-12)


def test_reference_catches_swapped_gru_gates(rng):
    """The GRU reference is sensitive to the gate order: swapping Keras's z and r blocks in the
    kernel changes the output, so the parity above really checks the reordering."""
    layer = keras.GRU(5, return_sequences=True, dtype="float64")
    xs = _xs(rng)
    layer(xs)
    randomize(layer, rng)
    kernel, recurrent, bias = layer.get_weights()
    H = 5
    swapped = [np.concatenate([w[..., H:2 * H], w[..., :H], w[..., 2 * H:]], axis=-1)
               for w in (kernel, recurrent, bias)]
    layer.set_weights(swapped)
    assert np.abs(layer(xs) - keras_reference(layer, xs)).max() < 1e-12
    wrong = keras_reference(layer, xs)
    layer.set_weights([kernel, recurrent, bias])
    assert np.abs(layer(xs) - wrong).max() > 1e-3


def test_gru_matches_rnnlab_gru_after_reordering(rng):
    """A Keras GRU and an rnnlab GRU given the reordered weights compute the same states."""
    for reset_after in (True, False):
        layer = keras.GRU(4, return_sequences=True, reset_after=reset_after, dtype="float64")
        xs = _xs(rng, D=3)
        layer(xs)
        randomize(layer, rng)
        ours = rl.GRU(3, 4, rng=np.random.default_rng(1), dtype=np.float64, reset_after=reset_after)
        params = keras.gru_weights_from_keras(*layer.get_weights(), reset_after=reset_after)
        for k, v in params.items():
            ours.params[k][...] = v
        np.testing.assert_allclose(ours.forward(xs), layer(xs), rtol=0, atol=1e-13)
        # rnnlab keeps PyTorch's order r, z, n: the first gate block of W_x is Keras's second.
        np.testing.assert_array_equal(params["W_x"][:, :4], layer.get_weights()[0][:, 4:8])
        back = keras.gru_weights_to_keras(**params, reset_after=reset_after)
        for a, b in zip(back, layer.get_weights()):
            np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ return tuples and shapes


@pytest.mark.parametrize("cls", RECURRENT)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
def test_return_tuples_and_shapes(cls, return_sequences, return_state, rng):
    N, T, D, H = 3, 5, 4, 6
    layer = cls(H, return_sequences=return_sequences, return_state=return_state)
    xs = _xs(rng, N, T, D).astype(np.float32)
    result = layer(xs)
    out_shape = (N, T, H) if return_sequences else (N, H)
    if not return_state:
        assert isinstance(result, np.ndarray) and result.shape == out_shape
        assert layer.compute_output_shape((None, T, D)) == (None, *out_shape[1:])
        return
    assert isinstance(result, list) and len(result) == 1 + NUM_STATES[cls]
    output, *states = result
    assert output.shape == out_shape and all(s.shape == (N, H) for s in states)
    assert all(a.dtype == np.float32 for a in result)
    last = output[:, -1] if return_sequences else output
    np.testing.assert_array_equal(last, states[0])  # the output at the last step is h
    if cls is keras.LSTM:
        assert not np.allclose(states[1], states[0])  # c is the cell state, not h again
    shapes = layer.compute_output_shape((None, T, D))
    assert shapes == [(None, *out_shape[1:])] + [(None, H)] * NUM_STATES[cls]


MERGES = ["concat", "sum", "mul", "ave", None]


@pytest.mark.parametrize("cls", RECURRENT)
@pytest.mark.parametrize("merge_mode", MERGES)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
def test_bidirectional_return_tuples(cls, merge_mode, return_sequences, return_state, rng):
    N, T, D, H = 2, 4, 3, 5
    bi = keras.Bidirectional(cls(H, return_sequences=return_sequences, return_state=return_state),
                             merge_mode=merge_mode)
    xs = _xs(rng, N, T, D)
    result = bi(xs)
    base = (N, T) if return_sequences else (N,)
    merged = (*base, 2 * H if merge_mode == "concat" else H)
    n_out = 2 if merge_mode is None else 1
    n_states = 2 * NUM_STATES[cls] if return_state else 0
    if n_out == 1 and n_states == 0:
        assert isinstance(result, np.ndarray) and result.shape == merged
        return
    assert isinstance(result, list) and len(result) == n_out + n_states
    expected = [merged] * n_out + [(N, H)] * n_states
    assert [r.shape for r in result] == expected
    assert bi.compute_output_shape((None, T, D)) == [(None, *s[1:]) for s in expected]


@pytest.mark.parametrize("cls", RECURRENT)
def test_bidirectional_values_and_merge_modes(cls, rng):
    """Forward half = the forward layer; backward half = the backward layer's states flipped back
    to forward time; every merge mode combines the same two arrays; states come fwd then bwd."""
    N, T, D, H = 2, 5, 3, 4
    xs = _xs(rng, N, T, D)
    results = {}
    for merge in MERGES:
        bi = keras.Bidirectional(cls(H, return_sequences=True, return_state=True, seed=7),
                                 merge_mode=merge, seed=3, input_shape=(T, D))
        bi.build((None, T, D), np.float64)
        randomize(bi, np.random.default_rng(11))  # the same weights for every merge mode
        results[merge] = bi(xs)
    fwd_layer, bwd_layer = bi.forward_layer, bi.backward_layer
    fwd_seq = keras_reference(fwd_layer, xs)
    bwd_seq = keras_reference(bwd_layer, xs[:, ::-1])[:, ::-1]
    f, b = results[None][0], results[None][1]
    np.testing.assert_allclose(f, fwd_seq, atol=1e-12)
    np.testing.assert_allclose(b, bwd_seq, atol=1e-12)
    np.testing.assert_allclose(results["concat"][0], np.concatenate([f, b], axis=-1), atol=1e-15)
    np.testing.assert_allclose(results["sum"][0], f + b, atol=1e-15)
    np.testing.assert_allclose(results["mul"][0], f * b, atol=1e-15)
    np.testing.assert_allclose(results["ave"][0], (f + b) / 2, atol=1e-15)
    k = NUM_STATES[cls]
    fwd_states, bwd_states = results["concat"][1:1 + k], results["concat"][1 + k:]
    np.testing.assert_allclose(fwd_states[0], f[:, -1], atol=1e-15)  # read x_0 ... x_{T-1}
    np.testing.assert_allclose(bwd_states[0], b[:, 0], atol=1e-15)  # read x_{T-1} ... x_0


def test_bidirectional_last_output_without_sequences(rng):
    """Without return_sequences the backward half is the backward layer's final state, the one
    it reaches after reading x_0 (as Keras: no flip, it is already a single step)."""
    xs = _xs(rng)
    bi = keras.Bidirectional(keras.LSTM(3, seed=1), merge_mode=None)
    fwd_last, bwd_last = bi(xs)
    np.testing.assert_allclose(fwd_last, keras_reference(bi.forward_layer, xs)[:, -1], atol=1e-6)
    np.testing.assert_allclose(bwd_last, keras_reference(bi.backward_layer, xs[:, ::-1])[:, -1],
                               atol=1e-6)


def test_go_backwards_reads_reversed_and_returns_reversed_order(rng):
    xs = _xs(rng)
    back = keras.GRU(4, return_sequences=True, go_backwards=True, seed=2, dtype="float64")
    fwd = keras.GRU(4, return_sequences=True, seed=2, dtype="float64")
    np.testing.assert_array_equal(back(xs), fwd(np.ascontiguousarray(xs[:, ::-1])))


def test_initial_state_is_used(rng):
    xs = _xs(rng)
    layer = keras.LSTM(3, return_state=True, dtype="float64", seed=0)
    zero = [np.zeros((3, 3)), np.zeros((3, 3))]
    np.testing.assert_array_equal(layer(xs)[0], layer(xs, initial_state=zero)[0])
    h0, c0 = rng.standard_normal((2, 3, 3))
    ours = rl.LSTM(4, 3, rng=np.random.default_rng(0), dtype=np.float64)
    for name, w in zip(("W_x", "W_h", "b"), layer.get_weights()):
        ours.params[name][...] = w  # LSTM: Keras's layout is rnnlab's
    for name, w in layer.rnnlab_params().items():
        np.testing.assert_array_equal(w, ours.params[name])
    out, h, c = layer(xs, initial_state=[h0, c0])
    np.testing.assert_allclose(out, ours.forward(xs, h0, c0)[:, -1], atol=1e-14)
    np.testing.assert_allclose(c, ours.state[1], atol=1e-14)
    with pytest.raises(ValueError, match=r"initial_state: LSTM expects 2 array"):
        layer(xs, initial_state=[h0])
    with pytest.raises(ShapeError, match=r"initial_state\[1\] \(c0\): expected shape \(N, H\)"):
        layer(xs, initial_state=[h0, np.zeros((3, 5))])


# ------------------------------------------------------------------ constant initializers, by hand


def test_simple_rnn_constant_weights_by_hand():
    """All weights 0.1, x = [[1, 2], [3, 4]] (T=2, D=2), 3 units:
    h1 = tanh(0.1*(1+2) + 0.1) = tanh(0.4) in every unit;
    h2 = tanh(0.1*(3+4) + 0.1*3*h1 + 0.1) = tanh(0.8 + 0.3*tanh(0.4))."""
    layer = keras.SimpleRNN(3, kernel_initializer=keras.Constant(0.1), recurrent_initializer=0.1,
                            bias_initializer=0.1, return_sequences=True)
    out = layer(np.array([[[1.0, 2.0], [3.0, 4.0]]]))
    h1 = math.tanh(0.4)
    h2 = math.tanh(0.8 + 0.3 * h1)
    np.testing.assert_allclose(out[0], [[h1] * 3, [h2] * 3], rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("unit_forget_bias", [False, True])
def test_lstm_constant_weights_by_hand(unit_forget_bias):
    """All weights 0.1, x = [1, 2] (T=1), 2 units, zero initial state: every gate's
    pre-activation is 0.1*(1+2) + 0.1 = 0.4 (the forget gate's bias is 1 with unit_forget_bias,
    but c_prev = 0 so f does not matter at the first step):
    c = sigmoid(0.4)*tanh(0.4), h = sigmoid(0.4)*tanh(c). At a second step x = [0, 0]:
    a = 0.1*2*h + 0.1 (+0.9 for f with unit_forget_bias), c2 = f c + i g, h2 = o tanh(c2)."""
    layer = keras.LSTM(2, kernel_initializer=0.1, recurrent_initializer=0.1,
                       bias_initializer=keras.initializers.Constant(0.1),
                       unit_forget_bias=unit_forget_bias, return_state=True)
    out, h, c = layer(np.array([[[1.0, 2.0], [0.0, 0.0]]]))
    s = 1 / (1 + math.exp(-0.4))
    c1 = s * math.tanh(0.4)
    h1 = s * math.tanh(c1)
    a = 0.1 * 2 * h1 + 0.1
    a_f = 0.1 * 2 * h1 + (1.0 if unit_forget_bias else 0.1)
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    c2 = sig(a_f) * c1 + sig(a) * math.tanh(a)
    h2 = sig(a) * math.tanh(c2)
    np.testing.assert_allclose(c[0], [c2, c2], rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(h[0], [h2, h2], rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(out, h)
    bias = layer.get_weights()[2]
    expected_bias = [0.1] * 2 + ([1.0] * 2 if unit_forget_bias else [0.1] * 2) + [0.1] * 4
    np.testing.assert_array_equal(bias, expected_bias)


def test_gru_constant_weights_by_hand():
    """All weights 0.1, reset_after=True (bias rows 0.1 and 0.1), x = [1, 2], h_prev = 0:
    z = r = sigmoid(0.1*3 + 0.1 + 0.1) = sigmoid(0.5); hh = tanh(0.4 + r*0.1);
    h = z*0 + (1-z)*hh."""
    layer = keras.GRU(2, kernel_initializer=0.1, recurrent_initializer=0.1, bias_initializer=0.1)
    h = layer(np.array([[[1.0, 2.0]]]))
    z = r = 1 / (1 + math.exp(-0.5))
    expected = (1 - z) * math.tanh(0.4 + r * 0.1)
    np.testing.assert_allclose(h[0], [expected, expected], rtol=1e-13, atol=1e-14)
    assert layer.get_weights()[2].shape == (2, 6)


def test_callable_initializer_gets_shape_and_dtype():
    seen = []

    def init(shape, dtype=None):
        seen.append((shape, np.dtype(dtype)))
        return np.arange(math.prod(shape), dtype=dtype).reshape(shape) / 100

    layer = keras.LSTM(2, kernel_initializer=init, dtype="float64")
    layer.build((None, 3, 5))
    assert seen == [((5, 8), np.dtype("float64"))]
    np.testing.assert_array_equal(layer.get_weights()[0], np.arange(40).reshape(5, 8) / 100)

    def wrong(shape, dtype=None):
        return np.zeros((1, 1))

    with pytest.raises(ShapeError, match=r"initializer returned shape \(1, 1\), expected \(5, 8\)"):
        keras.LSTM(2, kernel_initializer=wrong).build((None, 3, 5))


# ------------------------------------------------------------------ default initializers


def test_default_initializers_follow_keras():
    layer = keras.LSTM(16, seed=5)
    layer.build((None, None, 32))
    kernel, recurrent, bias = layer.get_weights()
    limit = math.sqrt(6 / (32 + 64))  # glorot_uniform with fan_out = 4H
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(16), atol=1e-5)  # orthonormal rows
    np.testing.assert_array_equal(bias, np.r_[np.zeros(16), np.ones(16), np.zeros(32)])
    emb = keras.Embedding(50, 8)
    emb.build((None, None))
    w = emb.get_weights()[0]
    assert w.shape == (50, 8) and np.abs(w).max() <= 0.05 and w.dtype == np.float32


def test_orthogonal_tall_matrix_has_orthonormal_columns():
    q = keras.Orthogonal(gain=2.0, seed=0)((7, 3), "float64")
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(3), atol=1e-12)


def test_seeds_make_weights_reproducible_and_distinct():
    def make(seed):
        return keras.Sequential([keras.Input((6, 3)),
                                 keras.Bidirectional(keras.GRU(4, return_sequences=True)),
                                 keras.SimpleRNN(4)], seed=seed)

    a, b, c = make(0).get_weights(), make(0).get_weights(), make(1).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert not np.array_equal(a[0], a[3])  # forward and backward directions differ
    seeded = keras.Bidirectional(keras.LSTM(3, seed=4))
    seeded.build((None, 2, 2))
    again = keras.Bidirectional(keras.LSTM(3, seed=4))
    again.build((None, 2, 2))
    w, w2 = seeded.get_weights(), again.get_weights()
    assert not np.array_equal(w[0], w[3])
    assert all(np.array_equal(x, y) for x, y in zip(w, w2))


# ------------------------------------------------------------------ parameter counts, summary


def rnn_count(D, H):
    return H * (D + H) + H


def lstm_count(D, H):
    return 4 * (H * (D + H) + H)


def gru_count(D, H, reset_after=True):
    return 3 * (H * (D + H) + (2 if reset_after else 1) * H)


def test_tutorial_quiz_model_count_and_summary():
    model = keras.Sequential([keras.Embedding(5000, 100), keras.SimpleRNN(128),
                              keras.Dense(1, activation="sigmoid")], name="quiz")
    assert [layer.count_params() for layer in model.layers] == [500000, 29312, 129]
    assert model.count_params() == 529441
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert lines[0] == 'Model: "quiz"'
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    rows = [line.split() for line in lines if "(None" in line]
    assert [row[-1] for row in rows] == ["500000", "29312", "129"]
    assert "(None, None, 100)" in text and "(None, 128)" in text and "(None, 1)" in text
    assert "Total params: 529,441" in text and "Non-trainable params: 0" in text


@pytest.mark.parametrize("D,H", [(1, 1), (7, 3), (12, 20), (33, 16)])
def test_counts_follow_keras_formulas(D, H):
    def built(layer):
        layer.build((None, 10, D))
        return layer.count_params()

    assert built(keras.SimpleRNN(H)) == rnn_count(D, H)
    assert built(keras.LSTM(H)) == lstm_count(D, H)
    assert built(keras.GRU(H)) == gru_count(D, H, True)
    assert built(keras.GRU(H, reset_after=False)) == gru_count(D, H, False)
    assert built(keras.Bidirectional(keras.LSTM(H))) == 2 * lstm_count(D, H)
    assert built(keras.Bidirectional(keras.GRU(H, reset_after=False))) == 2 * gru_count(D, H, False)
    assert built(keras.SimpleRNN(H, use_bias=False)) == rnn_count(D, H) - H


def test_stacked_bidirectional_model_count():
    model = keras.Sequential([
        keras.Embedding(1000, 32),
        keras.Bidirectional(keras.LSTM(64, return_sequences=True)),
        keras.Bidirectional(keras.GRU(16)),
        keras.Dense(10, activation="softmax"),
    ])
    expected = 1000 * 32 + 2 * lstm_count(32, 64) + 2 * gru_count(128, 16) + 32 * 10 + 10
    assert model.count_params() == expected
    assert sum(w.size for w in model.get_weights()) == expected
    assert model.output_shape == (None, 10)
    probs = model(np.random.default_rng(0).integers(0, 1000, (4, 9)))
    assert probs.shape == (4, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-6)


# ------------------------------------------------------------------ weights, models


def test_get_set_weights_round_trip_and_copies(rng):
    layer = keras.GRU(3, dtype="float64")
    xs = _xs(rng, D=2)
    before = layer(xs)
    new = [rng.standard_normal(w.shape) for w in layer.get_weights()]
    kept = [w.copy() for w in new]
    layer.set_weights(new)
    new[0][...] = 0  # the layer holds copies: changing the caller's arrays changes nothing
    for got, want in zip(layer.get_weights(), kept):
        np.testing.assert_array_equal(got, want)
    layer.get_weights()[1][...] = 0  # get_weights returns copies too
    np.testing.assert_array_equal(layer.get_weights()[1], kept[1])
    assert not np.allclose(layer(xs), before)
    assert layer.weight_names == ["kernel", "recurrent_kernel", "bias"]


def test_sequential_weights_round_trip_between_models(rng):
    def make(seed):
        return keras.Sequential([keras.Input((5, 3)), keras.LSTM(4, return_sequences=True),
                                 keras.Bidirectional(keras.SimpleRNN(2)), keras.Dense(1)], seed=seed)

    a, b = make(0), make(1)
    xs = _xs(rng, D=3).astype(np.float32)
    assert not np.allclose(a(xs), b(xs))
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a(xs), b(xs))


def test_predict_matches_call_in_batches(rng):
    model = keras.Sequential([keras.Embedding(20, 4), keras.GRU(3), keras.Dense(2)])
    ids = rng.integers(0, 20, (70, 6))
    np.testing.assert_allclose(model.predict(ids, batch_size=32), model(ids), atol=1e-6)


def test_sequential_builds_from_first_call_and_input_shape(rng):
    model = keras.Sequential([keras.SimpleRNN(3), keras.Dense(2)])
    assert not model.built
    out = model(_xs(rng, D=4))
    assert model.built and out.shape == (3, 2) and out.dtype == np.float64
    assert model.count_params() == rnn_count(4, 3) + 3 * 2 + 2
    with_shape = keras.Sequential([keras.LSTM(5, input_shape=(None, 6)), keras.Dense(1)])
    assert with_shape.built and with_shape.output_shape == (None, 1)
    ids_model = keras.Sequential([keras.Input((10,), dtype="int32"), keras.Embedding(30, 4),
                                  keras.LSTM(2)])
    assert ids_model.output_shape == (None, 2) and ids_model.layers[1].dtype == np.float32
    assert ids_model(rng.integers(0, 30, (2, 10)).astype(np.int32)).dtype == np.float32


def test_dense_activations(rng):
    x = rng.standard_normal((4, 3))
    for activation, fn in [(None, lambda a: a), ("relu", lambda a: np.maximum(a, 0)),
                           ("tanh", np.tanh), ("sigmoid", _sigmoid),
                           ("softmax", lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True))]:
        dense = keras.Dense(5, activation=activation, bias_initializer=0.3, dtype="float64")
        out = dense(x)
        kernel, bias = dense.get_weights()
        np.testing.assert_allclose(out, fn(x @ kernel + bias), atol=1e-14)


# ------------------------------------------------------------------ errors


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"activation='relu' is not supported.*tanh"):
        keras.SimpleRNN(3, activation="relu")
    with pytest.raises(ValueError, match=r"recurrent_activation='hard_sigmoid'"):
        keras.LSTM(3, recurrent_activation="hard_sigmoid")
    with pytest.raises(ValueError, match=r"units: expected a positive integer, got 0"):
        keras.GRU(0)
    with pytest.raises(ValueError, match=r"kernel_initializer: expected an initializer name"):
        keras.LSTM(3, kernel_initializer="he_magic")
    with pytest.raises(ValueError, match=r"merge_mode must be one of"):
        keras.Bidirectional(keras.LSTM(3), merge_mode="max")
    with pytest.raises(TypeError, match=r"layer must be a SimpleRNN, LSTM or GRU, got Dense"):
        keras.Bidirectional(keras.Dense(3))
    with pytest.raises(ValueError, match=r"activation must be one of"):
        keras.Dense(3, activation="gelu")


def test_bad_inputs_are_reported(rng):
    layer = keras.LSTM(3)
    layer(_xs(rng, D=4))
    with pytest.raises(ShapeError, match=r"inputs: expected shape \(N, T, D\) with .*D=4, got \(3, 5, 7\)"):
        layer(_xs(rng, D=7))
    with pytest.raises(ShapeError, match=r"inputs: expected shape \(N, T, D\)"):
        layer(np.zeros((3, 4)))
    with pytest.raises(DTypeError, match=r"inputs: expected a floating-point array"):
        layer(np.zeros((3, 5, 4), dtype=np.int64))
    with pytest.raises(ValueError, match=r"inputs: expected finite values"):
        layer(np.full((1, 2, 4), np.nan))
    emb = keras.Embedding(10, 2)
    with pytest.raises(DTypeError, match=r"integer array of token ids"):
        emb(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"token ids in \[0, V\) with V=10, got 10"):
        emb(np.array([[1, 10]]))


def test_weight_and_model_errors(rng):
    layer = keras.SimpleRNN(3)
    with pytest.raises(ValueError, match=r"count_params: layer 'simple_rnn\S*' is not built yet"):
        layer.count_params()
    layer.build((None, None, 2))
    with pytest.raises(ValueError, match=r"expects 3 arrays \(kernel, recurrent_kernel, bias\), got 2"):
        layer.set_weights(layer.get_weights()[:2])
    with pytest.raises(ShapeError, match=r"recurrent_kernel expected shape \(3, 3\), got \(3, 4\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(3)])
    with pytest.raises(ValueError, match=r"summary: model 'unbuilt' is not built yet"):
        keras.Sequential([keras.LSTM(2)], name="unbuilt").summary()
    with pytest.raises(ValueError, match=r"must return one array"):
        keras.Sequential([keras.LSTM(2, return_state=True)])
    with pytest.raises(ValueError, match=r"must return one array"):
        keras.Sequential([keras.Bidirectional(keras.LSTM(2), merge_mode=None)])
    with pytest.raises(ValueError, match=r"different go_backwards"):
        keras.Bidirectional(keras.LSTM(2), backward_layer=keras.LSTM(2))


def test_get_config_holds_every_constructor_argument_and_rebuilds_the_layer():
    layers = [keras.SimpleRNN(3, return_sequences=True), keras.LSTM(4, unit_forget_bias=False),
              keras.GRU(2, reset_after=False, seed=5),
              keras.Bidirectional(keras.LSTM(3), merge_mode="sum"),
              keras.Embedding(10, 4, input_length=6), keras.Dense(3, activation="relu")]
    for layer in layers:
        config = layer.get_config()
        assert "self" not in config and config["name"] is None
        assert type(layer)(**config).get_config() == config
    lstm = layers[1].get_config()
    assert lstm["unit_forget_bias"] is False and lstm["recurrent_activation"] == "sigmoid"
    assert "recurrent_activation" not in layers[0].get_config()  # not a SimpleRNN argument
    assert layers[1].unit_forget_bias is False and layers[2].reset_after is False


@pytest.mark.parametrize("make", [lambda: keras.LSTM(3, dropout=0.2),
                                  lambda: keras.SimpleRNN(3, recurrent_activation="sigmoid"),
                                  lambda: keras.GRU(3, unit_forget_bias=True)])
def test_an_argument_the_layer_does_not_have_is_a_type_error(make):
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        make()
