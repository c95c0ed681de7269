"""Tests of rnnlab.layers: gradient checks of every layer, stateful mode, wrappers, errors."""
import numpy as np
import pytest

from rnnlab._validate import DTypeError, NonFiniteError, ShapeError
from rnnlab.gradcheck import check_gradients
from rnnlab.layers import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    Dropout,
    Embedding,
    Linear,
    SoftmaxCrossEntropy,
    Stacked,
    _sum_rows_by_id,
)

TOL = 1e-6  # per-tensor relative error of a float64 gradient check

# (class, constructor extras, names of the initial states its forward takes)
CELLS = {
    "rnn": (RNN, {}, ("h0",)),
    "lstm": (LSTM, {}, ("h0", "c0")),
    "gru": (GRU, {"reset_after": True}, ("h0",)),
    "gru_before": (GRU, {"reset_after": False}, ("h0",)),
}


def make_cell(kind, D, H, seed=0, dtype=np.float64, **kw):
    cls, extra, _ = CELLS[kind]
    return cls(D, H, rng=np.random.default_rng(seed), dtype=dtype, **extra, **kw)


def param_inputs(layer):
    """Copies of a layer's params, as keyword inputs of a gradient check."""
    return {k: v.copy() for k, v in layer.params.items()}


def load(layer, params):
    """Write the perturbed values of a gradient check into the layer's own arrays."""
    for k, v in params.items():
        np.copyto(layer.params[k], v)


def check_layer(layer, xs, states=(), **forward_kw):
    """Gradient check of ``layer`` w.r.t. ``xs``, every param and the given initial states."""
    state_names = [name for name, _ in states]

    def forward(xs, **kw):
        given = [kw.pop(name) for name in state_names]
        load(layer, kw)
        return layer.forward(xs, *given, **forward_kw), None

    def backward(dout, cache):
        grads = {"xs": layer.backward(dout), **layer.grads}
        grads.update({name: getattr(layer, "d" + name) for name in state_names})
        return grads

    report = check_gradients(forward, backward, {"xs": xs, **dict(states), **param_inputs(layer)})
    assert set(report.errors) == {"xs", *state_names, *layer.params}
    return report


# ----------------------------------------------------------------------------- recurrent


@pytest.mark.parametrize("kind", CELLS)
@pytest.mark.parametrize("N, T", [(3, 4), (1, 5), (2, 1), (1, 1)])
def test_recurrent_gradients_with_initial_state(kind, N, T, rng):
    layer = make_cell(kind, 3, 4)
    states = [(name, rng.standard_normal((N, 4))) for name in CELLS[kind][2]]
    report = check_layer(layer, rng.standard_normal((N, T, 3)), states)
    assert report.max_error < TOL, report.table()


@pytest.mark.parametrize("kind", CELLS)
def test_recurrent_gradients_from_zero_state(kind, rng):
    report = check_layer(make_cell(kind, 2, 3), rng.standard_normal((2, 3, 2)))
    assert report.max_error < TOL, report.table()


def test_gradient_check_catches_a_wrong_backward(rng):
    """The check above can fail: a layer whose backward drops the W_h gradient is caught."""
    layer = make_cell("rnn", 3, 4)

    def forward(xs, **kw):
        load(layer, kw)
        return layer.forward(xs), None

    def backward(dout, cache):
        dxs = layer.backward(dout)
        return {"xs": dxs, **layer.grads, "W_h": np.zeros_like(layer.grads["W_h"])}

    report = check_gradients(forward, backward, {"xs": rng.standard_normal((2, 3, 3)), **param_inputs(layer)})
    assert report.worst == "W_h" and report.max_error > 0.5


@pytest.mark.parametrize("kind", CELLS)
def test_initialization_is_seeded_and_bounded(kind):
    a, b, c = make_cell(kind, 5, 16, seed=1), make_cell(kind, 5, 16, seed=1), make_cell(kind, 5, 16, seed=2)
    for name, value in a.params.items():
        assert np.array_equal(value, b.params[name])  # bit for bit
        assert not np.array_equal(value, c.params[name])
        assert np.abs(value).max() <= 1 / np.sqrt(16)  # uniform(-1/sqrt(H), 1/sqrt(H))
        assert np.abs(value).max() > 0.8 / np.sqrt(16)


@pytest.mark.parametrize("kind", CELLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_recurrent_dtype_preserved(kind, dtype, rng):
    layer = make_cell(kind, 3, 4, dtype=dtype)
    xs = rng.standard_normal((2, 5, 3)).astype(dtype)
    hs = layer.forward(xs)
    dxs = layer.backward(np.ones_like(hs))
    assert hs.dtype == dxs.dtype == dtype
    assert all(g.dtype == dtype for g in layer.grads.values())
    assert all(s.dtype == dtype for s in layer.state)


@pytest.mark.parametrize("kind", CELLS)
def test_stateful_carries_state_and_reset_forgets(kind, rng):
    xs = rng.standard_normal((2, 6, 3))
    whole = make_cell(kind, 3, 4).forward(xs)
    layer = make_cell(kind, 3, 4, stateful=True)
    first, second = layer.forward(xs[:, :4]), layer.forward(xs[:, 4:])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-12, atol=1e-14)
    layer.reset_state()
    np.testing.assert_array_equal(layer.forward(xs[:, 4:]), make_cell(kind, 3, 4).forward(xs[:, 4:]))


@pytest.mark.parametrize("kind", CELLS)
def test_stateful_backward_stops_at_the_call_boundary(kind, rng):
    """Truncated BPTT: the second call's gradients equal those of a fresh layer started from
    the carried state given as a constant initial state."""
    xs = rng.standard_normal((2, 6, 3))
    dhs = rng.standard_normal((2, 2, 4))
    layer = make_cell(kind, 3, 4, stateful=True)
    layer.forward(xs[:, :4])
    carried = layer.state
    layer.forward(xs[:, 4:])
    dxs = layer.backward(dhs)
    fresh = make_cell(kind, 3, 4)
    fresh.forward(xs[:, 4:], *carried)
    np.testing.assert_array_equal(dxs, fresh.backward(dhs))
    for name in layer.grads:
        np.testing.assert_array_equal(layer.grads[name], fresh.grads[name])


def test_stateful_batch_size_change_needs_reset(rng):
    layer = make_cell("lstm", 3, 4, stateful=True)
    layer.forward(rng.standard_normal((2, 3, 3)))
    with pytest.raises(ShapeError, match=r"xs: expected batch size N=2.*got N=5.*reset_state"):
        layer.forward(rng.standard_normal((5, 3, 3)))
    layer.reset_state()
    assert layer.forward(rng.standard_normal((5, 3, 3))).shape == (5, 3, 4)


def test_non_stateful_layer_ignores_previous_state(rng):
    layer = make_cell("gru", 3, 4)
    xs = rng.standard_normal((2, 3, 3))
    first = layer.forward(xs)
    np.testing.assert_array_equal(layer.forward(xs), first)


@pytest.mark.parametrize("kind", CELLS)
def test_scan_and_step_agree_with_forward(kind, rng):
    layer = make_cell(kind, 3, 4)
    xs = rng.standard_normal((2, 5, 3))
    hs = layer.forward(xs)
    scanned, final = layer.scan(xs)
    np.testing.assert_array_equal(scanned, hs)
    state = None
    for t in range(5):
        state = layer.step(xs[:, t], state)
        np.testing.assert_allclose(state[0], hs[:, t], rtol=1e-12, atol=1e-14)
    for a, b in zip(state, final):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", CELLS)
def test_recurrent_does_not_mutate_inputs(kind, rng):
    layer = make_cell(kind, 3, 4)
    xs = rng.standard_normal((2, 5, 3))
    states = [rng.standard_normal((2, 4)) for _ in CELLS[kind][2]]
    dhs = rng.standard_normal((2, 5, 4))
    copies = [a.copy() for a in (xs, dhs, *states)]
    layer.forward(xs, *states)
    layer.backward(dhs)
    for before, after in zip(copies, (xs, dhs, *states)):
        np.testing.assert_array_equal(before, after)


def test_recurrent_bad_input_messages(rng):
    layer = make_cell("lstm", 3, 4)
    with pytest.raises(ShapeError, match=r"xs: expected shape \(N, T, D\).*got \(2, 3\)"):
        layer.forward(rng.standard_normal((2, 3)))
    with pytest.raises(ShapeError, match=r"xs: .*D=3.*got \(2, 5, 7\)"):
        layer.forward(rng.standard_normal((2, 5, 7)))
    with pytest.raises(ShapeError, match=r"h0: expected shape \(N, H\).*got \(3, 4\)"):
        layer.forward(rng.standard_normal((2, 5, 3)), rng.standard_normal((3, 4)))
    with pytest.raises(DTypeError, match="float32"):
        layer.forward(rng.standard_normal((2, 5, 3)).astype(np.float32))
    with pytest.raises(DTypeError, match="xs: expected a floating-point array"):
        layer.forward(np.ones((2, 5, 3), dtype=np.int64))
    bad = rng.standard_normal((2, 5, 3))
    bad[1, 2, 0] = np.nan
    with pytest.raises(NonFiniteError, match=r"xs: expected finite values, got nan at index \(1, 2, 0\)"):
        layer.forward(bad)
    with pytest.raises(RuntimeError, match="backward.*before.*forward"):
        make_cell("rnn", 3, 4).backward(np.zeros((1, 1, 4)))
    with pytest.raises(ValueError, match="hidden_size: expected a positive integer, got 0"):
        RNN(3, 0, rng=rng)
    with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
        RNN(3, 4, rng=0)
    with pytest.raises(DTypeError, match="dtype: expected float32 or float64"):
        RNN(3, 4, rng=rng, dtype=np.int32)


# ----------------------------------------------------------------------------- wrappers


def fixed_dropout_seed(stacked, seed=7):
    """Reseed every dropout before each forward, so that numerical differences see one mask."""
    for d in stacked.dropouts:
        d.rng = np.random.default_rng(seed)


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_stacked_gradients(dropout, rng):
    layers = [make_cell("lstm", 3, 3, seed=1), make_cell("gru", 3, 2, seed=2), make_cell("rnn", 2, 3, seed=3)]
    stacked = Stacked(layers, dropout=dropout, rng=np.random.default_rng(0))
    assert set(stacked.params) == {f"{l}.{k}" for l, layer in enumerate(layers) for k in layer.params}
    original = stacked.forward

    def forward_with_fixed_mask(xs):
        fixed_dropout_seed(stacked)
        return original(xs)

    stacked.forward = forward_with_fixed_mask
    report = check_layer(stacked, rng.standard_normal((2, 3, 3)))
    assert report.max_error < TOL, report.table()


def test_stacked_dropout_only_between_layers_and_only_in_training(rng):
    layers = [make_cell("rnn", 3, 4, seed=1), make_cell("rnn", 4, 4, seed=2)]
    stacked = Stacked(layers, dropout=0.5, rng=np.random.default_rng(0))
    assert len(stacked.dropouts) == 1
    xs = rng.standard_normal((2, 3, 3))
    train_out = stacked.forward(xs)
    stacked.eval()
    assert not layers[0].training and not stacked.dropouts[0].training
    eval_out = stacked.forward(xs)
    np.testing.assert_array_equal(eval_out, layers[1].forward(layers[0].forward(xs)))
    assert not np.allclose(train_out, eval_out)


def test_stacked_state_scan_step_and_reset(rng):
    layers = [make_cell("lstm", 3, 4, seed=1, stateful=True), make_cell("gru", 4, 4, seed=2, stateful=True)]
    stacked = Stacked(layers)
    xs = rng.standard_normal((2, 5, 3))
    hs = stacked.forward(xs)
    scanned, finals = stacked.scan(xs)
    np.testing.assert_array_equal(scanned, hs)
    states = None
    for t in range(5):
        states = stacked.step(xs[:, t], states)
    np.testing.assert_allclose(states[-1][0], hs[:, -1], rtol=1e-12, atol=1e-14)
    for got, want in zip(stacked.state, finals):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
    stacked.reset_state()
    assert stacked.state == [None, None]


def test_stacked_bad_arguments(rng):
    with pytest.raises(ValueError, match="layers: expected at least one"):
        Stacked([])
    with pytest.raises(TypeError, match="rng: dropout > 0 needs"):
        Stacked([make_cell("rnn", 3, 4)], dropout=0.3)
    with pytest.raises(ValueError, match=r"states: expected one entry per layer \(L=1\), got 2"):
        Stacked([make_cell("rnn", 3, 4)]).forward(rng.standard_normal((1, 2, 3)), [None, None])


def make_bidirectional(merge, kind="lstm", H=4, H_bwd=None):
    fwd = make_cell(kind, 3, H, seed=1)
    bwd = make_cell(kind, 3, H if H_bwd is None else H_bwd, seed=2)
    return Bidirectional(fwd, bwd, merge=merge)


# Every merge mode with the cheap cell; the gated cells with one merge mode each (their
# directions are the layers checked above, so these cases check the wiring once more).
@pytest.mark.parametrize("kind, merge", [("rnn", "concat"), ("rnn", "sum"), ("rnn", "mul"), ("rnn", "ave"),
                                         ("rnn", None), ("lstm", "mul"), ("gru", None)])
def test_bidirectional_gradients(kind, merge, rng):
    bi = make_bidirectional(merge, kind, H=3)
    report = check_layer(bi, rng.standard_normal((2, 4, 3)))
    assert report.max_error < TOL, report.table()


def test_bidirectional_gradients_single_step_single_sequence(rng):
    report = check_layer(make_bidirectional("concat", "gru", H=3, H_bwd=2), rng.standard_normal((1, 1, 3)))
    assert report.max_error < TOL, report.table()


@pytest.mark.parametrize("merge", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_outputs_and_final_states(merge, rng):
    xs = rng.standard_normal((2, 5, 3))
    bi = make_bidirectional(merge)
    out = bi.forward(xs)
    hs_f = make_cell("lstm", 3, 4, seed=1).forward(xs)
    reversed_run = make_cell("lstm", 3, 4, seed=2)
    hs_b = reversed_run.forward(xs[:, ::-1].copy())[:, ::-1]  # aligned with time again
    expected = {
        "concat": np.concatenate([hs_f, hs_b], axis=2),
        "sum": hs_f + hs_b,
        "mul": hs_f * hs_b,
        "ave": (hs_f + hs_b) / 2,
    }
    if merge is None:
        np.testing.assert_allclose(out[0], hs_f, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(out[1], hs_b, rtol=1e-12, atol=1e-14)
    else:
        np.testing.assert_allclose(out, expected[merge], rtol=1e-12, atol=1e-14)
    (h_f, c_f), (h_b, c_b) = bi.state
    np.testing.assert_allclose(h_f, hs_f[:, -1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_b, hs_b[:, 0], rtol=1e-12, atol=1e-14)  # the reverse pass ends at t = 0
    np.testing.assert_allclose(c_b, reversed_run.state[1], rtol=1e-12, atol=1e-14)
    merged, finals = bi.scan(xs)
    if merge is not None:
        np.testing.assert_array_equal(merged, out)
    np.testing.assert_array_equal(finals[1][0], h_b)


def test_bidirectional_bad_arguments(rng):
    with pytest.raises(ValueError, match="merge: expected one of"):
        make_bidirectional("max")
    with pytest.raises(ValueError, match="merge='sum' needs hidden_size=4.*got 5"):
        make_bidirectional("sum", H=4, H_bwd=5)
    with pytest.raises(ValueError, match="stateful=True is not supported"):
        Bidirectional(make_cell("rnn", 3, 4, stateful=True), make_cell("rnn", 3, 4))
    bi = make_bidirectional("concat")
    bi.forward(rng.standard_normal((2, 5, 3)))
    with pytest.raises(ShapeError, match=r"dout: expected shape \(2, 5, 8\)"):
        bi.backward(np.zeros((2, 5, 4)))
    with pytest.raises(ShapeError, match=r"xs: expected shape \(N, T, D\)"):
        bi.forward(rng.standard_normal((5, 3)))


def test_stacked_bidirectional_layers(rng):
    """A Bidirectional layer is a layer: it stacks (deep bidirectional RNN, as in Keras)."""
    first = make_bidirectional("concat", "rnn", H=2)
    second = Bidirectional(make_cell("gru", 4, 2, seed=3), make_cell("gru", 4, 2, seed=4), merge="sum")
    report = check_layer(Stacked([first, second]), rng.standard_normal((2, 3, 3)))
    assert report.max_error < TOL, report.table()


# ----------------------------------------------------------------------------- embedding, linear


def test_embedding_forward_and_gradient_with_repeated_ids(rng):
    emb = Embedding(6, 3, rng=np.random.default_rng(0), dtype=np.float64)
    ids = np.array([[0, 2, 2, 5], [2, 0, 1, 1]])
    np.testing.assert_array_equal(emb.forward(ids)[1, 2], emb.params["W"][1])

    def forward(ids, W):
        np.copyto(emb.params["W"], W)
        return emb.forward(ids), None

    def backward(dout, cache):
        emb.backward(dout)
        return {"W": emb.grads["W"]}

    report = check_gradients(forward, backward, {"ids": ids, "W": emb.params["W"].copy()})
    assert report.max_error < TOL, report.table()
    assert np.all(emb.grads["W"][[3, 4]] == 0)  # ids never seen get no gradient


@pytest.mark.parametrize("V", [5, 128, 129, 3000])
def test_embedding_scatter_add_both_strategies(V, rng):
    """The one-hot product (small V) and the sorted segment sum (large V) both equal np.add.at."""
    ids = rng.integers(0, min(V, 50), size=400)  # many repeats, many unused rows
    rows = rng.standard_normal((400, 7)).astype(np.float32)
    expected = np.zeros((V, 7), np.float32)
    np.add.at(expected, ids, rows)
    got = _sum_rows_by_id(ids, rows, V)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_embedding_bad_ids_and_no_mutation(rng):
    emb = Embedding(6, 3, rng=rng)
    with pytest.raises(ValueError, match=r"ids: expected token ids in \[0, V\) with V=6, got 6"):
        emb.forward(np.array([[1, 6]]))
    with pytest.raises(ValueError, match="got -1"):
        emb.forward(np.array([[-1, 2]]))
    with pytest.raises(DTypeError, match="ids: expected an integer array"):
        emb.forward(np.array([[1.0, 2.0]]))
    with pytest.raises(ShapeError, match=r"ids: expected shape \(N, T\)"):
        emb.forward(np.array([1, 2]))
    ids = np.array([[1, 2], [3, 3]])
    out = emb.forward(ids)
    ids[0, 0] = 5  # the caller reuses its buffer: backward still uses the ids of the forward
    emb.backward(np.ones_like(out))
    assert emb.grads["W"][3].tolist() == [2.0, 2.0, 2.0] and emb.grads["W"][5].tolist() == [0.0] * 3
    assert out.dtype == emb.grads["W"].dtype == np.float32


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (1, 1, 3)])
def test_linear_gradients(shape, rng):
    lin = Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float64)
    report = check_layer(lin, rng.standard_normal(shape))
    assert report.max_error < TOL, report.table()


def test_linear_init_dtype_and_errors(rng):
    lin = Linear(16, 3, rng=np.random.default_rng(0))
    assert np.abs(lin.params["W"]).max() <= 0.25 and lin.params["b"].dtype == np.float32
    out = lin.forward(rng.standard_normal((2, 4, 16)).astype(np.float32))
    assert out.shape == (2, 4, 3) and out.dtype == np.float32
    with pytest.raises(ShapeError, match=r"x: expected shape \(N, T, D\) with .*D=16, got \(2, 4, 5\)"):
        lin.forward(rng.standard_normal((2, 4, 5)).astype(np.float32))
    with pytest.raises(DTypeError, match="x: expected dtype float32"):
        lin.forward(rng.standard_normal((2, 16)))
    with pytest.raises(ShapeError, match="dout: expected 8 positions of M=3"):
        lin.backward(np.ones((2, 4, 5), np.float32))


def test_linear_backward_uses_the_x_given_to_forward(rng):
    """Overwriting the caller's buffer between forward and backward changes nothing."""
    x, dout = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 4, 2))
    reference = Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float64)
    reference.forward(x.copy())
    reference.backward(dout)
    lin = Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float64)
    buffer = x.copy()
    lin.forward(buffer)
    buffer[...] = 0.0  # e.g. the caller reuses its buffer for the next batch
    lin.backward(dout)
    np.testing.assert_array_equal(lin.grads["W"], reference.grads["W"])
    assert np.abs(lin.grads["W"]).max() > 0  # so the equality above is not between zeros


# ----------------------------------------------------------------------------- cross-entropy


def reference_loss(logits, targets, mask=None):
    """Plain float64 definition: mean over scored positions of -log softmax[target]."""
    z = logits.astype(np.float64)
    logp = z - np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)) - z.max(-1, keepdims=True)
    nll = -np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    w = np.ones_like(nll) if mask is None else mask.astype(np.float64)
    return (nll * w).sum() / w.sum()


def check_cross_entropy(logits, targets, mask):
    ce = SoftmaxCrossEntropy()

    def forward(logits):
        return np.array(ce.forward(logits, targets, mask)), None

    def backward(dout, cache):
        return {"logits": ce.backward(float(dout))}

    return check_gradients(forward, backward, {"logits": logits})


@pytest.mark.parametrize("mask_kind", [None, "bool", "float", "int"])
@pytest.mark.parametrize("N, T", [(3, 4), (1, 1)])
def test_cross_entropy_value_and_gradient(mask_kind, N, T, rng):
    logits = rng.standard_normal((N, T, 5))
    targets = rng.integers(0, 5, (N, T))
    mask = None
    if mask_kind is not None:
        keep = rng.random((N, T)) < 0.6
        keep.flat[0] = True
        mask = keep if mask_kind == "bool" else keep.astype(np.float64 if mask_kind == "float" else np.int64)
    assert SoftmaxCrossEntropy().forward(logits, targets, mask) == pytest.approx(
        reference_loss(logits, targets, mask), rel=1e-12)
    report = check_cross_entropy(logits, targets, mask)
    assert report.max_error < TOL, report.table()


def test_cross_entropy_per_sequence_form(rng):
    logits, targets = rng.standard_normal((4, 6)), rng.integers(0, 6, 4)
    assert SoftmaxCrossEntropy().forward(logits, targets) == pytest.approx(
        reference_loss(logits, targets), rel=1e-12)
    assert check_cross_entropy(logits, targets, np.array([1, 0, 1, 1])).max_error < TOL


def test_cross_entropy_masked_positions_do_not_count(rng):
    logits = rng.standard_normal((2, 3, 4))
    targets = rng.integers(0, 4, (2, 3))
    mask = np.array([[1, 1, 0], [1, 0, 0]])
    ce = SoftmaxCrossEntropy()
    before = ce.forward(logits, targets, mask)
    changed = logits.copy()
    changed[0, 2] += 100.0
    assert ce.forward(changed, targets, mask) == before
    assert np.all(ce.backward()[mask == 0] == 0)


def test_cross_entropy_stable_with_huge_logits_and_float32():
    logits = np.array([[[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]]], dtype=np.float32)
    ce = SoftmaxCrossEntropy()
    loss = ce.forward(logits, np.array([[1, 2]]))
    assert np.isfinite(loss) and loss == pytest.approx((1e4 + np.log(3)) / 2, rel=1e-6)
    dlogits = ce.backward()
    assert dlogits.dtype == np.float32 and np.all(np.isfinite(dlogits))


def test_cross_entropy_does_not_mutate_and_backward_once(rng):
    logits = rng.standard_normal((2, 3, 4))
    saved = logits.copy()
    ce = SoftmaxCrossEntropy()
    ce.forward(logits, rng.integers(0, 4, (2, 3)))
    ce.backward()
    np.testing.assert_array_equal(logits, saved)
    with pytest.raises(RuntimeError, match="backward.*before.*forward"):
        ce.backward()


def test_cross_entropy_bad_input(rng):
    ce = SoftmaxCrossEntropy()
    logits, targets = rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3))
    with pytest.raises(ValueError, match="mask: expected at least one 1.*all zeros"):
        ce.forward(logits, targets, np.zeros((2, 3), bool))
    with pytest.raises(ValueError, match="mask: expected only 0 and 1"):
        ce.forward(logits, targets, np.full((2, 3), 2))
    # NaN in a mask is bad input, not a NonFiniteError (which the training loop reads as
    # divergence).
    with pytest.raises(ValueError, match="mask: expected only 0 and 1.*nan") as info:
        ce.forward(logits, targets, np.full((2, 3), np.nan))
    assert not isinstance(info.value, NonFiniteError)
    with pytest.raises(ShapeError, match=r"mask: expected shape \(N, T\) with N=2, T=3, got \(3, 2\)"):
        ce.forward(logits, targets, np.ones((3, 2)))
    with pytest.raises(ShapeError, match=r"targets: expected shape \(N, T\) with N=2, T=3, got \(2, 4\)"):
        ce.forward(logits, rng.integers(0, 4, (2, 4)))
    with pytest.raises(ValueError, match=r"targets: expected token ids in \[0, V\) with V=4, got 4"):
        ce.forward(logits, np.full((2, 3), 4))
    bad = logits.copy()
    bad[0, 0, 0] = np.inf
    with pytest.raises(NonFiniteError, match="logits: expected finite values"):
        ce.forward(bad, targets)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "1.0", True, None])
def test_cross_entropy_backward_rejects_a_bad_dloss_and_stays_usable(bad, rng):
    logits, targets = rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3))
    ce = SoftmaxCrossEntropy()
    ce.forward(logits, targets)
    with pytest.raises(ValueError, match=f"dloss: expected a finite real number, got {bad!r}"):
        ce.backward(bad)
    reference = SoftmaxCrossEntropy()
    reference.forward(logits, targets)
    np.testing.assert_allclose(ce.backward(2.0), 2.0 * reference.backward(), rtol=1e-12)


# ----------------------------------------------------------------------------- dropout


def test_dropout_scales_kept_values_and_is_identity_in_eval(rng):
    x = np.ones((200, 300))
    drop = Dropout(0.25, rng=np.random.default_rng(0))
    out = drop.forward(x)
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_array_equal(out[kept], 1 / 0.75)
    dout = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(drop.backward(dout), dout * out)  # same mask, same scale
    drop.eval()
    assert drop.forward(x) is x and drop.backward(dout) is dout


def test_dropout_seeded_and_validated():
    x = np.ones((5, 6), np.float32)
    a = Dropout(0.5, rng=np.random.default_rng(3)).forward(x)
    b = Dropout(0.5, rng=np.random.default_rng(3)).forward(x)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    with pytest.raises(ValueError, match=r"p: expected a number in \[0, 1\), got 1"):
        Dropout(1, rng=np.random.default_rng(0))
