"""Tests for rnnlab.torch_interop: float64 parity with torch.nn (outputs, final states, every
parameter and input gradient) for recurrent layers of every shape and for a whole language
model, exact round trips, and clear rejections of what cannot be represented."""
import importlib
import sys

import numpy as np
import pytest

from rnnlab import layers as rl
from rnnlab.model import LanguageModel

TOL = dict(rtol=1e-10, atol=1e-10)


@pytest.fixture
def ti(torch):
    """The interop module (imported only when torch is there)."""
    return importlib.import_module("rnnlab.torch_interop")


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


# ------------------------------------------------------------------ recurrent layer parity

CASES = [(cell, layers, bidirectional, batch_first)
         for cell in ("RNN", "LSTM", "GRU")
         for layers in (1, 2)
         for bidirectional in (False, True)
         for batch_first in (True, False)]


@pytest.mark.parametrize("cell,num_layers,bidirectional,batch_first", CASES)
def test_recurrent_parity_with_torch(torch, ti, cell, num_layers, bidirectional, batch_first):
    seed = CASES.index((cell, num_layers, bidirectional, batch_first))  # fixed per case
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    N, T, D, H = (int(v) for v in rng.integers(1, 6, size=4))
    module = getattr(torch.nn, cell)(D, H, num_layers=num_layers, bidirectional=bidirectional,
                                     batch_first=batch_first)
    layer = ti.from_torch(module)
    K = num_layers * (2 if bidirectional else 1)

    x_np = rng.standard_normal((N, T, D) if batch_first else (T, N, D))
    hx_np = tuple(rng.standard_normal((K, N, H)) for _ in range(2 if cell == "LSTM" else 1))
    x = torch.tensor(x_np, requires_grad=True)
    hx = tuple(torch.tensor(h, requires_grad=True) for h in hx_np)
    out, h_n = module(x, hx if cell == "LSTM" else hx[0])
    ours, our_h_n = ti.run_like_torch(layer, x_np, hx_np if cell == "LSTM" else hx_np[0],
                                      batch_first=batch_first)
    np.testing.assert_allclose(ours, out.detach().numpy(), **TOL)
    for a, b in zip(_as_tuple(our_h_n), _as_tuple(h_n), strict=True):
        np.testing.assert_allclose(a, b.detach().numpy(), **TOL)

    dout = rng.standard_normal(out.shape)
    out.backward(torch.tensor(dout))
    dxs = layer.backward(dout if batch_first else np.ascontiguousarray(dout.swapaxes(0, 1)))
    np.testing.assert_allclose(dxs if batch_first else dxs.swapaxes(0, 1), x.grad.numpy(), **TOL)
    for ours_d0, h in zip(_as_tuple(ti.initial_state_grads(layer)), hx, strict=True):
        np.testing.assert_allclose(ours_d0, h.grad.numpy(), **TOL)
    grads = ti.torch_named_arrays(layer, grads=True)
    named = dict(module.named_parameters())
    assert set(grads) == set(named)
    for name, p in named.items():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), **TOL, err_msg=name)


def test_parity_test_detects_a_wrong_mapping(torch, ti):
    """Loading torch's weight_ih without the transpose's gate order (here: swapping the i and f
    blocks) must break parity: the comparison above is sharp enough to notice."""
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 4, batch_first=True)
    layer = ti.from_torch(module)
    W = layer.params["W_x"]
    W[...] = np.concatenate([W[:, 4:8], W[:, :4], W[:, 8:]], axis=1)
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    out, _ = module(torch.tensor(x))
    assert np.abs(ti.run_like_torch(layer, x)[0] - out.detach().numpy()).max() > 1e-3


def test_module_without_bias_and_float32(torch, ti):
    torch.manual_seed(1)
    module = torch.nn.GRU(3, 4, bias=False, batch_first=True, dtype=torch.float32)
    layer = ti.from_torch(module)
    assert layer.dtype == np.float32
    np.testing.assert_array_equal(layer.params["b_x"], np.zeros(12, np.float32))
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    out, h_n = module(torch.tensor(x))
    ours, our_h_n = ti.run_like_torch(layer, x)
    np.testing.assert_allclose(ours, out.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(our_h_n, h_n.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_and_linear_parity(torch, ti):
    torch.manual_seed(2)
    rng = np.random.default_rng(2)
    emb, lin = torch.nn.Embedding(9, 4), torch.nn.Linear(4, 3)
    our_emb, our_lin = ti.from_torch(emb), ti.from_torch(lin)
    ids = rng.integers(0, 9, (2, 6))
    out = lin(emb(torch.tensor(ids)))
    ours = our_lin.forward(our_emb.forward(ids))
    np.testing.assert_allclose(ours, out.detach().numpy(), **TOL)
    dout = rng.standard_normal(out.shape)
    out.backward(torch.tensor(dout))
    our_emb.backward(our_lin.backward(dout))
    for layer, module in ((our_emb, emb), (our_lin, lin)):
        grads = ti.torch_named_arrays(layer, grads=True)
        for name, p in module.named_parameters():
            np.testing.assert_allclose(grads[name], p.grad.numpy(), **TOL)


# ------------------------------------------------------------------ language model parity


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("masked", [False, True])
def test_language_model_parity(torch, ti, cell, masked):
    rng = np.random.default_rng(len(cell) + 10 * masked)
    V, E, H, L, N, T = (int(v) for v in (rng.integers(2, 12), *rng.integers(1, 7, size=2),
                                         rng.integers(1, 3), *rng.integers(1, 6, size=2)))
    model = LanguageModel(V, E, H, num_layers=L, cell=cell, seed=int(rng.integers(100)),
                          dtype=np.float64)
    module = ti.language_model_to_torch(model)
    inputs, targets = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    mask = np.ones((N, T), bool)
    if masked:
        mask[:, T // 2:] = False
        mask[0, 0] = True
    loss, grads = model.loss_and_grads(inputs, targets, mask if masked else None)

    logits = module(torch.tensor(inputs))
    nll = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.tensor(targets).reshape(-1),
                                            reduction="none")
    weights = torch.tensor(mask.reshape(-1), dtype=torch.float64)
    torch_loss = (nll * weights).sum() / weights.sum()
    torch_loss.backward()
    assert abs(loss - torch_loss.item()) <= 1e-10 * max(1.0, abs(loss))
    ours = ti.torch_named_arrays(model, grads=True)
    named = dict(module.named_parameters())
    assert set(ours) == set(named)
    for name, p in named.items():
        np.testing.assert_allclose(ours[name], p.grad.numpy(), **TOL, err_msg=name)


def test_language_model_round_trips(torch, ti):
    model = LanguageModel(13, 4, 6, num_layers=2, cell="gru", dropout=0.25, seed=3, dtype=np.float64)
    module = ti.language_model_to_torch(model)
    assert module.rnn.dropout == 0.25 and module.dropout.p == 0.25
    back = ti.language_model_from_torch(module)
    assert back.config == {**model.config, "seed": 0}
    for name, value in model.params.items():
        np.testing.assert_array_equal(back.params[name], value, err_msg=name)
    module.eval()
    ids = np.random.default_rng(0).integers(0, 13, (2, 5))
    np.testing.assert_allclose(back.eval().forward(ids), module(torch.tensor(ids)).detach().numpy(),
                               **TOL)
    single = ti.language_model_to_torch(LanguageModel(5, 2, 3, dropout=0.5, seed=1))
    assert single.rnn.dropout == 0.0 and single.dropout.p == 0.5  # torch: between layers only
    assert ti.language_model_from_torch(single).config["dropout"] == 0.5


# ------------------------------------------------------------------ round trips


def _rnnlab_layers(rng):
    def cell(kind, D, H):
        extra = {"reset_after": True} if kind is rl.GRU else {}
        return kind(D, H, rng=rng, dtype=np.float64, **extra)

    return [
        cell(rl.RNN, 3, 4),
        cell(rl.LSTM, 3, 4),
        rl.Bidirectional(cell(rl.GRU, 3, 4), cell(rl.GRU, 3, 4)),
        rl.Stacked([cell(rl.LSTM, 3, 5), cell(rl.LSTM, 5, 5), cell(rl.LSTM, 5, 5)]),
        rl.Stacked([rl.Bidirectional(cell(rl.RNN, 2, 3), cell(rl.RNN, 2, 3)),
                    rl.Bidirectional(cell(rl.RNN, 6, 3), cell(rl.RNN, 6, 3))], dropout=0.1, rng=rng),
        rl.Embedding(7, 3, rng=rng, dtype=np.float64),
        rl.Linear(3, 2, rng=rng, dtype=np.float64),
    ]


@pytest.mark.parametrize("index", range(7))
def test_rnnlab_torch_rnnlab_round_trip_is_exact(torch, ti, index):
    layer = _rnnlab_layers(np.random.default_rng(index))[index]
    back = ti.from_torch(ti.to_torch(layer, batch_first=index % 2 == 0))
    assert type(back) is type(layer)
    assert set(back.params) == set(layer.params)
    for name, value in layer.params.items():
        np.testing.assert_array_equal(back.params[name], value, err_msg=name)


def test_to_torch_keeps_structure(torch, ti):
    stacked = _rnnlab_layers(np.random.default_rng(0))[4]
    module = ti.to_torch(stacked, batch_first=False)
    assert isinstance(module, torch.nn.RNN)
    assert (module.num_layers, module.bidirectional, module.batch_first) == (2, True, False)
    assert module.dropout == 0.1 and module.weight_ih_l1_reverse.shape == (3, 6)
    np.testing.assert_array_equal(module.bias_hh_l0.detach().numpy(), np.zeros(3))


# ------------------------------------------------------------------ rejections


def test_unsupported_options_are_rejected(torch, ti):
    with pytest.raises(ValueError, match=r"proj_size=2: LSTMs with projections"):
        ti.from_torch(torch.nn.LSTM(3, 4, proj_size=2))
    with pytest.raises(ValueError, match=r"nonlinearity='relu'.*tanh"):
        ti.from_torch(torch.nn.RNN(3, 4, nonlinearity="relu"))
    with pytest.raises(ValueError, match=r"padding_idx or max_norm"):
        ti.from_torch(torch.nn.Embedding(5, 2, padding_idx=0))
    with pytest.raises(TypeError, match=r"expected nn.RNN, .*nn.Linear, got Conv1d"):
        ti.from_torch(torch.nn.Conv1d(2, 2, 3))
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"GRU\(reset_after=False\) has no torch equivalent"):
        ti.to_torch(rl.GRU(3, 4, rng=rng, reset_after=False))
    with pytest.raises(ValueError, match=r"merge='sum'\) has no torch equivalent"):
        ti.to_torch(rl.Bidirectional(rl.RNN(3, 4, rng=rng), rl.RNN(3, 4, rng=rng), merge="sum"))
    with pytest.raises(ValueError, match=r"level 1: torch needs every stacked layer to be a LSTM"):
        ti.to_torch(rl.Stacked([rl.LSTM(3, 4, rng=rng), rl.GRU(4, 4, rng=rng)]))
    with pytest.raises(ValueError, match=r"GRU\(reset_after=False\)"):
        ti.language_model_to_torch(LanguageModel(5, 2, 3, cell="gru", reset_after=False))
    with pytest.raises(TypeError, match=r"expected a language model with parts embed"):
        ti.language_model_from_torch(torch.nn.LSTM(3, 4))


def test_missing_torch_gives_a_clear_import_error(monkeypatch):
    """Without PyTorch the import fails with a message that says how to install it."""
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    monkeypatch.delitem(sys.modules, "rnnlab.torch_interop", raising=False)
    with pytest.raises(ImportError, match=r"needs PyTorch.*pip install torch==2.13.0"):
        importlib.import_module("rnnlab.torch_interop")
