"""Bad input gets a clear error, never a bare numpy error from deep inside a matrix product.

The issue asks that every public function reject wrong shapes, dtypes, NaN, empty text and
unknown tokens "with a message naming the argument, the expected shape and the one received".
One table drives the sweep: each row calls a public entry point with one bad argument and lists
what the message must contain, e.g. ``["xs:", "(N, T, D)", "(2, 3, 5)"]`` for the argument, the
expected shape in dimension letters and the shape received. Every error must be a
``ValueError`` or ``TypeError`` (``ShapeError``, ``DTypeError`` and ``UnknownTokenError`` are
subclasses); an ``IndexError`` or a numpy broadcasting message fails the row.

Sizes used throughout: N=2 sequences, T=3 steps, D=4 inputs, H=5 hidden units, V=7 tokens.
"""
from __future__ import annotations

import inspect
import sys

import matplotlib

matplotlib.use("Agg")  # plots are drawn off screen

import numpy as np
import pytest

from rnnlab import functional as F
from rnnlab import gradcheck, keras, sampling
from rnnlab.data import (
    CharTokenizer,
    JamoTokenizer,
    SyllableTokenizer,
    Vocab,
    WordTokenizer,
    adding_problem,
    compose_syllable,
    copy_task,
    copy_task_baseline,
    corpus_info,
    decompose_syllable,
    is_hangul_syllable,
    load_lines,
    load_text,
    prefix_samples,
    sentence_batches,
    sliding_windows,
    split_ids,
    tbptt_batches,
)
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
)
from rnnlab.model import LanguageModel
from rnnlab.optim import (
    SGD,
    Adagrad,
    Adam,
    RMSProp,
    clip_by_global_norm,
    clip_by_value,
    global_norm,
)
from rnnlab.train import History, evaluate, load_checkpoint, perplexity, save_checkpoint, train

N, T, D, H, V = 2, 3, 4, 5, 7
F64 = np.float64


def _rand(*shape, dtype=F64):
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(dtype)


def _with_nan(a):
    out = a.copy()
    out.flat[1] = np.nan
    return out


def _ids(*shape, high=V):
    return np.random.default_rng(1).integers(0, high, size=shape)


# Well-formed arguments; each row below spoils exactly one of them.
X, XS, HP, CP = _rand(N, D), _rand(N, T, D), _rand(N, H), _rand(N, H)
W_RNN = (_rand(D, H), _rand(H, H), _rand(H))
W_LSTM = (_rand(D, 4 * H), _rand(H, 4 * H), _rand(4 * H))
W_GRU = (_rand(D, 3 * H), _rand(H, 3 * H), _rand(3 * H), _rand(3 * H))
IDS = _ids(N, T)


def _rnn_layer(cls=RNN):
    return cls(D, H, rng=np.random.default_rng(0), dtype=F64)


def _embedding():
    return Embedding(V, 4, rng=np.random.default_rng(0), dtype=F64)


def _linear():
    return Linear(D, V, rng=np.random.default_rng(0), dtype=F64)


def _bidirectional():
    return Bidirectional(_rnn_layer(), _rnn_layer())


def _xent(*args):
    return SoftmaxCrossEntropy().forward(*args)


def _ran(layer, *args):
    """``layer`` after one forward pass on ``args`` (for backward rows)."""
    layer.forward(*args)
    return layer


def _built(layer, x):
    """A Keras layer built by a first, well-formed call on ``x``."""
    layer(x)
    return layer


def _model():
    return LanguageModel(V, 4, H, cell="gru", seed=0, dtype=F64)


def _step_with(make_grads, optimizer=SGD):
    """One optimizer step with ``make_grads(model.params)`` as the gradients."""
    model = _model()
    optimizer(model.params, lr=0.1).step(make_grads(model.params))


def _train_on(batch, **options):
    model = _model()
    train(model, SGD(model.params, lr=0.1), [batch], epochs=1, **{"progress": False, **options})


def _vocab():
    return Vocab.build(list("abcab"))


def _rnn_step_cache():
    return F.rnn_step_forward(X, HP, *W_RNN)[1]


def _lstm_step_cache():
    return F.lstm_step_forward(X, HP, CP, *W_LSTM)[2]


def _lstm_cache():
    return F.lstm_forward(XS, None, None, *W_LSTM)[2]


def _sentences(sentences):
    return sentence_batches(sentences, 2, bos_id=2, eos_id=3, pad_id=0)


_RNG = np.random.default_rng

# Each row: (id, call, substrings the message must contain).
CASES = [
    # ---------------------------------------------------------------- functional core, gradcheck
    ("sigmoid/int", lambda: F.sigmoid(np.arange(3)), ["x:", "int"]),
    ("rnn_step_forward/x-ndim", lambda: F.rnn_step_forward(XS, HP, *W_RNN),
     ["x:", "(N, D)", "(2, 3, 4)"]),
    ("rnn_step_forward/h_prev-N", lambda: F.rnn_step_forward(X, _rand(3, H), *W_RNN),
     ["h_prev:", "(N, H)", "(3, 5)"]),
    ("rnn_step_forward/int-x", lambda: F.rnn_step_forward(X.astype(int), HP, *W_RNN),
     ["x:", "int"]),
    ("rnn_step_forward/nan-x", lambda: F.rnn_step_forward(_with_nan(X), HP, *W_RNN),
     ["x:", "nan"]),
    ("rnn_step_forward/mixed-dtype",
     lambda: F.rnn_step_forward(X.astype(np.float32), HP, *W_RNN), ["x=float32", "float64"]),
    ("rnn_step_backward/dh_next", lambda: F.rnn_step_backward(_rand(N, H + 1), _rnn_step_cache()),
     ["dh_next:", "(N, H)", "(2, 6)"]),
    ("rnn_forward/xs-ndim", lambda: F.rnn_forward(X, None, *W_RNN),
     ["xs:", "(N, T, D)", "(2, 4)"]),
    ("rnn_forward/W_h", lambda: F.rnn_forward(XS, None, W_RNN[0], _rand(H, H + 1), W_RNN[2]),
     ["W_h:", "(H, H)", "(5, 6)"]),
    ("rnn_forward/empty-T", lambda: F.rnn_forward(_rand(N, 0, D), None, *W_RNN),
     ["xs:", "T >= 1", "(2, 0, 4)"]),
    ("rnn_backward/dhs",
     lambda: F.rnn_backward(_rand(N, T + 1, H), F.rnn_forward(XS, None, *W_RNN)[1]),
     ["dhs:", "(N, T, H)", "(2, 4, 5)"]),
    ("rnn_backward/dhs-dtype",
     lambda: F.rnn_backward(_rand(N, T, H, dtype=np.float32), F.rnn_forward(XS, None, *W_RNN)[1]),
     ["dhs:", "float32"]),
    ("lstm_step_forward/c_prev", lambda: F.lstm_step_forward(X, HP, _rand(N, H + 1), *W_LSTM),
     ["c_prev:", "(N, H)", "(2, 6)"]),
    ("lstm_step_forward/b", lambda: F.lstm_step_forward(X, HP, CP, *W_LSTM[:2], _rand(H)),
     ["b:", "(4H,)", "(5,)"]),
    ("lstm_step_backward/dc_next",
     lambda: F.lstm_step_backward(HP, _rand(N + 1, H), _lstm_step_cache()),
     ["dc_next:", "(N, H)", "(3, 5)"]),
    ("lstm_forward/c0", lambda: F.lstm_forward(XS, None, _rand(N, H + 1), *W_LSTM),
     ["c0:", "(N, H)", "(2, 6)"]),
    ("lstm_forward/nan-W_x",
     lambda: F.lstm_forward(XS, None, None, _with_nan(W_LSTM[0]), *W_LSTM[1:]), ["W_x:", "nan"]),
    ("lstm_backward/dc_last",
     lambda: F.lstm_backward(_rand(N, T, H), _lstm_cache(), _rand(N, 1)),
     ["dc_last:", "(N, H)", "(2, 1)"]),
    ("gru_step_forward/b_h", lambda: F.gru_step_forward(X, HP, *W_GRU[:3], _rand(4 * H)),
     ["b_h:", "(3H,)", "(20,)"]),
    ("gru_forward/int-xs", lambda: F.gru_forward(XS.astype(np.int64), None, *W_GRU),
     ["xs:", "int64"]),
    ("gru_forward/W_x", lambda: F.gru_forward(XS, None, _rand(D, 2 * H), *W_GRU[1:]),
     ["W_x:", "(D, 3H)", "(4, 10)"]),
    ("gru_step_backward/dh_next",
     lambda: F.gru_step_backward(_rand(N, T, H), F.gru_step_forward(X, HP, *W_GRU)[1]),
     ["dh_next:", "(N, H)", "(2, 3, 5)"]),
    ("gru_backward/dhs", lambda: F.gru_backward(_rand(N, H), F.gru_forward(XS, None, *W_GRU)[1]),
     ["dhs:", "(N, T, H)", "(2, 5)"]),
    ("numerical_gradient/wrt", lambda: gradcheck.numerical_gradient(np.tanh, {"x": _rand(2)}, "y"),
     ["wrt:", "'y'"]),
    ("check_gradients/inputs-list",
     lambda: gradcheck.check_gradients(F.rnn_forward, F.rnn_backward, [XS]), ["inputs:", "list"]),
    ("relative_error/shapes", lambda: gradcheck.relative_error(_rand(2), _rand(3)),
     ["b:", "(2,)", "(3,)"]),
    # ---------------------------------------------------------------- layers
    ("Embedding.forward/float-ids", lambda: _embedding().forward(IDS * 1.0),
     ["ids:", "integer", "float64"]),
    ("Embedding.forward/out-of-range", lambda: _embedding().forward(IDS + V),
     ["ids:", "[0, V)", "V=7"]),
    ("Embedding.forward/1-D", lambda: _embedding().forward(IDS[0]), ["ids:", "(N, T)", "(3,)"]),
    ("Embedding.backward/dout", lambda: _ran(_embedding(), IDS).backward(_rand(N, T, 5)),
     ["dout:", "(N, T, E)", "(2, 3, 5)"]),
    ("Linear.forward/D", lambda: _linear().forward(_rand(N, T, D + 1)),
     ["x:", "(N, T, D)", "(2, 3, 5)"]),
    ("Linear.forward/int", lambda: _linear().forward(IDS), ["x:", "int"]),
    ("Linear.forward/nan", lambda: _linear().forward(_with_nan(XS)), ["x:", "nan"]),
    ("Linear.backward/dout", lambda: _ran(_linear(), XS).backward(_rand(N, T, V + 1)),
     ["dout:", "(N, T, M)", "(2, 3, 8)"]),
    ("SoftmaxCrossEntropy/int-logits", lambda: _xent(_ids(N, T, V), IDS), ["logits:", "int"]),
    ("SoftmaxCrossEntropy/targets-shape", lambda: _xent(_rand(N, T, V), _ids(N, T + 1)),
     ["targets:", "(N, T)", "(2, 4)"]),
    ("SoftmaxCrossEntropy/float-targets", lambda: _xent(_rand(N, T, V), IDS * 1.0),
     ["targets:", "float64"]),
    ("SoftmaxCrossEntropy/targets-range", lambda: _xent(_rand(N, T, V), IDS + V),
     ["targets:", "[0, V)"]),
    ("SoftmaxCrossEntropy/mask-shape", lambda: _xent(_rand(N, T, V), IDS, np.ones((N, T + 1))),
     ["mask:", "(N, T)", "(2, 4)"]),
    ("SoftmaxCrossEntropy/empty", lambda: _xent(_rand(0, T, V), _ids(0, T)),
     ["logits:", "N >= 1", "(0, 3, 7)"]),
    ("SoftmaxCrossEntropy/nan-logits", lambda: _xent(_with_nan(_rand(N, T, V)), IDS),
     ["logits:", "nan"]),
    ("SoftmaxCrossEntropy/nan-mask", lambda: _xent(_rand(N, T, V), IDS, np.full((N, T), np.nan)),
     ["mask:", "0 and 1", "nan"]),
    ("SoftmaxCrossEntropy.backward/nan",
     lambda: _ran(SoftmaxCrossEntropy(), _rand(N, T, V), IDS).backward(np.nan), ["dloss:", "nan"]),
    ("SoftmaxCrossEntropy.backward/str",
     lambda: _ran(SoftmaxCrossEntropy(), _rand(N, T, V), IDS).backward("1"), ["dloss:", "'1'"]),
    ("Dropout.forward/int", lambda: Dropout(0.5, rng=_RNG(0)).forward(IDS), ["x:", "int"]),
    ("RNN.forward/D", lambda: _rnn_layer().forward(_rand(N, T, D + 1)),
     ["xs:", "(N, T, D)", "D=4", "(2, 3, 5)"]),
    ("RNN.forward/2-D", lambda: _rnn_layer().forward(X), ["xs:", "(N, T, D)", "(2, 4)"]),
    ("RNN.forward/h0", lambda: _rnn_layer().forward(XS, _rand(N, H + 1)),
     ["h0:", "(N, H)", "(2, 6)"]),
    ("RNN.backward/dhs", lambda: _ran(_rnn_layer(), XS).backward(_rand(N, T, H + 1)),
     ["dhs:", "(N, T, H)", "(2, 3, 6)"]),
    ("LSTM.forward/c0", lambda: _rnn_layer(LSTM).forward(XS, None, _rand(N + 1, H)),
     ["c0:", "(N, H)", "(3, 5)"]),
    ("LSTM.forward/nan", lambda: _rnn_layer(LSTM).forward(_with_nan(XS)), ["xs:", "nan"]),
    ("GRU.forward/int", lambda: _rnn_layer(GRU).forward(XS.astype(np.int32)), ["xs:", "int32"]),
    ("GRU.step/x", lambda: _rnn_layer(GRU).step(XS), ["x:", "(N, D)", "(2, 3, 4)"]),
    ("Stacked.forward/D",
     lambda: Stacked([_rnn_layer(), RNN(H, H, rng=_RNG(1), dtype=F64)]).forward(_rand(N, T, 1)),
     ["xs:", "(N, T, D)", "(2, 3, 1)"]),
    ("Bidirectional.forward/D", lambda: _bidirectional().forward(_rand(N, T, 1)),
     ["xs:", "(N, T, D)", "(2, 3, 1)"]),
    ("Bidirectional.backward/dout", lambda: _ran(_bidirectional(), XS).backward(_rand(N, T, H)),
     ["dout:", "(N, T, 2H)", "(2, 3, 5)"]),
    # ---------------------------------------------------------------- sampling
    ("softmax/list", lambda: sampling.softmax([1.0, 2.0]), ["logits:", "list"]),
    ("softmax/nan", lambda: sampling.softmax(_with_nan(_rand(V))), ["logits:", "nan"]),
    ("softmax/axis", lambda: sampling.softmax(_rand(N, V), axis=2), ["axis:", "(2, 7)", "2"]),
    ("greedy/int", lambda: sampling.greedy(np.arange(V)), ["logits:", "int"]),
    ("greedy/3-D", lambda: sampling.greedy(_rand(N, T, V)), ["logits:", "(N, V)", "(2, 3, 7)"]),
    ("sample/temperature", lambda: sampling.sample(_rand(V), temperature=0.0, rng=_RNG(0)),
     ["temperature:", "0.0"]),
    ("sample/top_k", lambda: sampling.sample(_rand(V), top_k=V + 1, rng=_RNG(0)),
     ["top_k:", "V=7"]),
    # ---------------------------------------------------------------- language model
    ("LanguageModel.forward/float", lambda: _model().forward(IDS * 1.0), ["ids:", "float64"]),
    ("LanguageModel.forward/range", lambda: _model().forward(IDS - V), ["ids:", "[0, V)", "V=7"]),
    ("LanguageModel.forward/empty-T", lambda: _model().forward(_ids(N, 0)),
     ["ids:", "T >= 1", "(2, 0)"]),
    ("LanguageModel.forward/1-D", lambda: _model().forward(IDS[0]), ["ids:", "(N, T)", "(3,)"]),
    ("LanguageModel.loss/float-inputs", lambda: _model().loss(IDS * 1.0, IDS), ["inputs:", "float64"]),
    ("LanguageModel.loss/targets", lambda: _model().loss(IDS, _ids(N, T + 1)),
     ["targets:", "(N, T)", "(2, 4)"]),
    ("LanguageModel.loss/mask", lambda: _model().loss(IDS, IDS, np.ones((N + 1, T))),
     ["mask:", "(N, T)", "(3, 3)"]),
    ("LanguageModel.generate/empty", lambda: _model().generate([], 3, greedy=True),
     ["prompt_ids:", "(T,)", "(0,)"]),
    ("LanguageModel.generate/2-D", lambda: _model().generate(IDS, 3, greedy=True),
     ["prompt_ids:", "(T,)", "(2, 3)"]),
    ("LanguageModel.generate/range", lambda: _model().generate([V], 3, greedy=True),
     ["prompt_ids:", "[0, V)"]),
    ("LanguageModel.generate/float", lambda: _model().generate([0.5], 3, greedy=True),
     ["prompt_ids:", "float64"]),
    # ---------------------------------------------------------------- optimizers and clipping
    ("SGD/int-params", lambda: SGD({"W": np.zeros((2, 2), int)}, lr=0.1), ["params['W']:", "int"]),
    ("SGD.step/shape", lambda: _step_with(lambda p: {**p, "out.b": np.zeros(V + 1)}),
     ["grads['out.b']:", "(7,)", "(8,)"]),
    ("SGD.step/dtype", lambda: _step_with(lambda p: {k: v.astype("f4") for k, v in p.items()}),
     ["grads[", "float32"]),
    ("Adam.step/nan", lambda: _step_with(lambda p: {k: _with_nan(v) for k, v in p.items()}, Adam),
     ["grads[", "NaN"]),
    ("clip_by_value/nan", lambda: clip_by_value({"W": _with_nan(_rand(2, 2))}, 1.0),
     ["grads['W']:", "NaN"]),
    ("clip_by_value/list", lambda: clip_by_value({"W": [1.0, 2.0]}, 1.0), ["grads['W']:", "list"]),
    ("clip_by_global_norm/int", lambda: clip_by_global_norm({"W": np.ones(3, int)}, 1.0),
     ["grads['W']:", "int"]),
    ("clip_by_global_norm/not-dict", lambda: clip_by_global_norm(_rand(3), 1.0),
     ["grads:", "dict"]),
    ("global_norm/int", lambda: global_norm({"W": np.arange(3)}), ["grads['W']:", "int"]),
    ("Adagrad/nan-accumulator",
     lambda: Adagrad(_model().params, lr=0.1, initial_accumulator_value=np.nan),
     ["initial_accumulator_value:", ">= 0", "nan"]),
    # ---------------------------------------------------------------- data
    ("CharTokenizer/bytes", lambda: CharTokenizer().tokenize(b"abc"), ["text:", "bytes"]),
    ("WordTokenizer/None", lambda: WordTokenizer().tokenize(None), ["text:", "NoneType"]),
    ("SyllableTokenizer/int", lambda: SyllableTokenizer().tokenize(3), ["text:", "int"]),
    ("JamoTokenizer.detokenize/str", lambda: JamoTokenizer().detokenize("한"), ["tokens:", "str"]),
    ("Vocab.build/empty-text", lambda: Vocab.build(CharTokenizer().tokenize("")),
     ["tokens:", "empty"]),
    ("Vocab.build/str", lambda: Vocab.build("abc"), ["tokens:", "str"]),
    ("Vocab.encode/unknown", lambda: _vocab().encode(list("abz")),
     ["tokens:", "'z'", "position 2"]),
    ("Vocab.encode/str", lambda: _vocab().encode("ab"), ["tokens:", "str"]),
    ("Vocab.decode/range", lambda: _vocab().decode([0, 99]), ["ids:", "[0, V)", "99"]),
    ("Vocab.decode/float", lambda: _vocab().decode(np.array([0.0, 1.0])), ["ids:", "float64"]),
    ("Vocab.decode/2-D", lambda: _vocab().decode(IDS), ["ids:", "(T,)", "(2, 3)"]),
    ("tbptt_batches/float", lambda: tbptt_batches(np.arange(50.0), 2, 3), ["ids:", "float64"]),
    ("tbptt_batches/2-D", lambda: tbptt_batches(_ids(10, 5), 2, 3), ["ids:", "(L,)", "(10, 5)"]),
    ("tbptt_batches/empty", lambda: tbptt_batches(np.array([], np.int64), 2, 3),
     ["ids:", "L=0"]),
    ("tbptt_batches/negative", lambda: tbptt_batches(np.arange(50) - 60, 2, 3),
     ["ids:", ">= 0", "-60"]),
    ("sentence_batches/float", lambda: _sentences([np.array([1.0, 2.0])]),
     ["sentences[0]:", "float64"]),
    ("sentence_batches/2-D", lambda: _sentences([IDS]), ["sentences[0]:", "(T,)", "(2, 3)"]),
    ("sentence_batches/empty", lambda: _sentences([]), ["sentences:", "empty"]),
    ("prefix_samples/float", lambda: prefix_samples([[1.5, 2.0]], pad_id=0),
     ["sequences[0]:", "float64"]),
    ("sliding_windows/2-D", lambda: sliding_windows(IDS, 2), ["ids:", "(L,)", "(2, 3)"]),
    ("split_ids/float", lambda: split_ids(np.arange(10.0)), ["ids:", "float64"]),
    ("adding_problem/T", lambda: adding_problem(2, 1, rng=_RNG(0)), ["T:", "1"]),
    ("copy_task/n", lambda: copy_task(0, 5, rng=_RNG(0)), ["n:", "0"]),
    ("load_text/unknown", lambda: load_text("ko_shortstories"), ["name:", "ko_short_stories"]),
    ("load_text/empty", lambda: load_text(""), ["name:", "''"]),
    # ---------------------------------------------------------------- keras surface
    ("keras.SimpleRNN/2-D", lambda: keras.SimpleRNN(H)(X), ["inputs", "(N, T, D)", "(2, 4)"]),
    ("keras.LSTM/D", lambda: _built(keras.LSTM(H), XS)(_rand(N, T, D + 1)),
     ["inputs", "(N, T, D)", "(2, 3, 5)"]),
    ("keras.GRU/nan", lambda: keras.GRU(H)(_with_nan(XS)), ["inputs", "nan"]),
    ("keras.GRU/initial_state", lambda: keras.GRU(H)(XS, initial_state=[_rand(N, H + 1)]),
     ["initial_state[0]", "(N, H)", "(2, 6)"]),
    ("keras.Bidirectional/2-D", lambda: keras.Bidirectional(keras.LSTM(H))(X),
     ["inputs", "(N, T, D)", "(2, 4)"]),
    ("keras.Embedding/float", lambda: keras.Embedding(V, 4)(IDS * 1.0), ["inputs:", "float64"]),
    ("keras.Embedding/range", lambda: keras.Embedding(V, 4)(IDS + V), ["inputs:", "[0, V)"]),
    ("keras.Dense/D", lambda: _built(keras.Dense(3), X)(_rand(N, D + 1)),
     ["inputs:", "(N, D)", "(2, 5)"]),
    ("keras.Dense.set_weights/shape",
     lambda: _built(keras.Dense(3), X).set_weights([_rand(D, 4), _rand(3)]),
     ["kernel", "(4, 3)", "(4, 4)"]),
    ("keras.Sequential.predict/list", lambda: keras.Sequential([keras.Dense(3)]).predict([[1.0]]),
     ["x:", "list"]),
    # ---------------------------------------------------------------- training loop
    ("train/float-inputs", lambda: _train_on((IDS * 1.0, IDS)), ["inputs:", "float64"]),
    ("train/targets", lambda: _train_on((IDS, IDS[:, :2])), ["targets:", "(N, T)", "(2, 2)"]),
    # A NaN mask is the data's fault: a ValueError, not TrainingDiverged.
    ("train/nan-mask", lambda: _train_on((IDS, IDS, np.full((N, T), np.nan))),
     ["mask:", "0 and 1", "nan"]),
    ("train/clip_norm-bool", lambda: _train_on((IDS, IDS), clip_norm=True),
     ["clip_norm:", "> 0", "True"]),
    ("train/clip_norm-inf", lambda: _train_on((IDS, IDS), clip_norm=np.inf),
     ["clip_norm:", "finite", "inf"]),
    ("train/clip_norm-str", lambda: _train_on((IDS, IDS), clip_norm="5"), ["clip_norm:", "'5'"]),
    ("train/clip_value-nan", lambda: _train_on((IDS, IDS), clip_value=np.nan),
     ["clip_value:", "nan"]),
    ("save_checkpoint/model", lambda: save_checkpoint("unused.npz", _model().params),
     ["model:", "dict"]),
    ("save_checkpoint/vocab", lambda: save_checkpoint("unused.npz", _model(), vocab=list("abc")),
     ["vocab:", "list"]),
    ("evaluate/range", lambda: evaluate(_model(), [(IDS, IDS + V)]), ["targets:", "[0, V)"]),
    ("evaluate/mask", lambda: evaluate(_model(), [(IDS, IDS, np.ones(T))]),
     ["mask:", "(N, T)", "(3,)"]),
]

# ---------------------------------------------------------------- rows added with the coverage test
def _stacked():
    return Stacked([_rnn_layer(), RNN(H, H, rng=_RNG(1), dtype=F64)])


def _adam():
    return Adam(_model().params, lr=0.1)


def _kbi():
    return keras.Bidirectional(keras.LSTM(H))


def _path(tmp_name, content):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / tmp_name
    path.write_text(content)
    return path


def _lm_to_torch():
    from rnnlab import torch_interop as ti

    return ti.language_model_to_torch(_model())


NEW_CASES = [
    # functional activations
    ("tanh/int", lambda: F.tanh(np.arange(3)), ["x:", "int"]),
    ("sigmoid_grad/int", lambda: F.sigmoid_grad(np.arange(3)), ["int"]),
    ("tanh_grad/int", lambda: F.tanh_grad(np.arange(3)), ["int"]),
    # layers: constructors, flags (never coerced with bool()), dtypes, rng
    ("Embedding/dtype-str", lambda: Embedding(V, 4, rng=_RNG(0), dtype="bogus"),
     ["dtype:", "float32 or float64", "'bogus'"]),
    ("Embedding/dtype-None", lambda: Embedding(V, 4, rng=_RNG(0), dtype=None), ["dtype:", "None"]),
    ("Linear/rng-int", lambda: Linear(D, V, rng=0), ["rng:", "Generator", "int"]),
    ("Dropout/p-str", lambda: Dropout("0.5", rng=_RNG(0)), ["p:", "[0, 1)", "'0.5'"]),
    ("Dropout/p-bool", lambda: Dropout(True, rng=_RNG(0)), ["p:", "[0, 1)", "True"]),
    ("Dropout.backward/shape", lambda: _ran(Dropout(0.5, rng=_RNG(0)), XS).backward(_rand(N, T, 1)),
     ["dout:", "(d0, d1, d2)", "(2, 3, 1)"]),
    ("Dropout.backward/dtype",
     lambda: _ran(Dropout(0.5, rng=_RNG(0)), XS).backward(_rand(N, T, D, dtype=np.float32)),
     ["dout:", "float64", "float32"]),
    ("Dropout.backward/list", lambda: _ran(Dropout(0.5, rng=_RNG(0)), XS).backward([1.0]),
     ["dout:", "list"]),
    ("Linear.backward/nan", lambda: _ran(_linear(), XS).backward(_with_nan(_rand(N, T, V))),
     ["dout:", "nan"]),
    ("RNN/stateful-str", lambda: RNN(D, H, rng=_RNG(0), stateful="no"),
     ["stateful:", "True or False", "'no'"]),
    ("LSTM/stateful-int", lambda: LSTM(D, H, rng=_RNG(0), stateful=1), ["stateful:", "1"]),
    ("GRU/reset_after-str", lambda: GRU(D, H, rng=_RNG(0), reset_after="False"),
     ["reset_after:", "True or False", "'False'"]),
    ("GRU/reset_after-None", lambda: GRU(D, H, rng=_RNG(0), reset_after=None),
     ["reset_after:", "None"]),
    ("Layer.train/str", lambda: _rnn_layer().train("False"), ["mode:", "True or False", "'False'"]),
    ("Layer.named_params/kind", lambda: _rnn_layer().named_params("weights"),
     ["kind:", "'params' or 'grads'", "'weights'"]),
    ("RNN.scan/state-array", lambda: _rnn_layer().scan(XS, _rand(N, H)),
     ["state:", "tuple of 1", "(2, 5)"]),
    ("LSTM.step/state-short", lambda: _rnn_layer(LSTM).step(X, (HP,)),
     ["state:", "tuple of 2", "length 1"]),
    ("RNN.step/state-H", lambda: _rnn_layer().step(X, (_rand(N, H + 1),)),
     ["state[0]:", "(N, H)", "(2, 6)"]),
    ("Stacked/not-a-list", lambda: Stacked(_rnn_layer()), ["layers:", "list", "RNN"]),
    ("Stacked/not-layers", lambda: Stacked([1, 2]), ["layers[0]:", "recurrent layer", "int"]),
    ("Stacked/sizes", lambda: Stacked([_rnn_layer(), _rnn_layer()]),
     ["layers[1]:", "input_size=5", "got 4"]),
    ("Stacked.forward/array-states", lambda: _stacked().forward(XS, [HP, HP]),
     ["states[0]:", "tuple", "(2, 5)"]),
    ("Stacked.forward/str-states", lambda: _stacked().forward(XS, "ab"), ["states:", "str"]),
    ("Stacked.backward/dhs", lambda: _ran(_stacked(), XS).backward(_rand(N, T, H + 1)),
     ["dhs:", "(N, T, H)", "(2, 3, 6)"]),
    ("Stacked.scan/array-states", lambda: _stacked().scan(XS, [HP, HP]),
     ["states[0]:", "tuple", "(2, 5)"]),
    ("Stacked.step/array-states", lambda: _stacked().step(X, [HP, HP]),
     ["states[0]:", "tuple", "(2, 5)"]),
    ("Bidirectional/not-a-layer", lambda: Bidirectional(1, _rnn_layer()),
     ["fwd_layer:", "recurrent layer", "int"]),
    ("Bidirectional/merge", lambda: Bidirectional(_rnn_layer(), _rnn_layer(), merge=1),
     ["merge:", "concat", "1"]),
    ("Bidirectional.forward/fwd_state-array", lambda: _bidirectional().forward(XS, HP),
     ["fwd_state:", "tuple", "(2, 5)"]),
    ("Bidirectional.scan/states", lambda: _bidirectional().scan(XS, HP),
     ["states:", "pair", "(2, 5)"]),
    ("Bidirectional.scan/xs-list", lambda: _bidirectional().scan(XS.tolist()), ["xs:", "list"]),
    ("Bidirectional.backward/pair-shape",
     lambda: _ran(Bidirectional(_rnn_layer(), _rnn_layer(), merge=None), XS).backward(
         (_rand(N, T, H + 1), _rand(N, T, H))), ["dout[0]:", "(N, T, H)", "(2, 3, 6)"]),
    # sampling
    ("softmax/empty", lambda: sampling.softmax(np.zeros(0)), ["logits:", "at least one", "(0,)"]),
    ("softmax/underflowing-temperature",
     lambda: sampling.softmax(_rand(V, dtype=np.float32), temperature=1e-46),
     ["temperature:", "float32", "1e-46"]),
    ("greedy/no-rows", lambda: sampling.greedy(np.zeros((0, V))), ["logits:", "N >= 1", "(0, 7)"]),
    ("sample/rng", lambda: sampling.sample(_rand(V), rng=0), ["rng:", "Generator", "int"]),
    # language model
    ("LanguageModel/cell-list", lambda: LanguageModel(V, 4, H, cell=["lstm"]),
     ["cell:", "'gru'", "['lstm']"]),
    ("LanguageModel/dtype-str", lambda: LanguageModel(V, 4, H, dtype="bogus"),
     ["dtype:", "float32 or float64", "'bogus'"]),
    ("LanguageModel/stateful-str", lambda: LanguageModel(V, 4, H, stateful="no"),
     ["stateful:", "True or False", "'no'"]),
    ("LanguageModel/reset_after-int", lambda: LanguageModel(V, 4, H, reset_after=0),
     ["reset_after:", "True or False", "0"]),
    ("LanguageModel.generate/greedy-str", lambda: _model().generate([1], 2, greedy="no"),
     ["greedy:", "True or False", "'no'"]),
    ("LanguageModel.generate/stop_id", lambda: _model().generate([1], 2, greedy=True, stop_id=2**70),
     ["stop_id:", "[0, V)", str(2**70)]),
    ("LanguageModel.set_params/nan",
     lambda: _model().set_params({k: _with_nan(v) for k, v in _model().params.items()}),
     ["params['embed.W']:", "finite", "nan"]),
    ("LanguageModel.set_params/complex",
     lambda: _model().set_params({k: v.astype(complex) for k, v in _model().params.items()}),
     ["params['embed.W']:", "real", "complex128"]),
    ("LanguageModel.set_params/list", lambda: _model().set_params([1]), ["params:", "dict", "list"]),
    ("LanguageModel.set_params/names", lambda: _model().set_params({"W": _rand(2)}),
     ["params:", "missing", "'W'"]),
    # optimizers
    ("Adam/betas", lambda: Adam(_model().params, betas=0.9), ["betas:", "pair", "0.9"]),
    ("RMSProp/alpha", lambda: RMSProp(_model().params, alpha=1.0), ["alpha:", "[0, 1)", "1.0"]),
    ("SGD/momentum-bool", lambda: SGD(_model().params, momentum=True), ["momentum:", "True"]),
    ("Optimizer.load_state_dict/empty", lambda: _adam().load_state_dict({}),
     ["state_dict:", "missing", "got []"]),
    ("Optimizer.load_state_dict/None", lambda: _adam().load_state_dict(None),
     ["state_dict:", "dict", "NoneType"]),
    ("Optimizer.load_state_dict/lr",
     lambda: _adam().load_state_dict({**_adam().state_dict(),
                                      "hyperparams": {"lr": -1.0, "betas": [0.9, 0.999], "eps": 1e-8}}),
     ["lr:", "> 0", "-1.0"]),
    ("Optimizer.load_state_dict/num_updates",
     lambda: _adam().load_state_dict({**_adam().state_dict(), "num_updates": "x"}),
     ["state_dict['num_updates']:", "non-negative integer", "'x'"]),
    # data
    ("Vocab/tokens-int", lambda: Vocab(5), ["tokens:", "list", "int"]),
    ("Vocab.build/None", lambda: Vocab.build(None), ["tokens:", "list", "NoneType"]),
    ("Vocab.encode/None", lambda: _vocab().encode(None), ["tokens:", "NoneType"]),
    ("Vocab.encode/allow_unk-str", lambda: _vocab().encode(["a"], allow_unk="no"),
     ["allow_unk:", "True or False", "'no'"]),
    ("Vocab.decode/skip_specials-int", lambda: _vocab().decode([0], skip_specials=1),
     ["skip_specials:", "True or False", "1"]),
    ("Vocab.from_dict/tokens", lambda: Vocab.from_dict({"tokens": 5, "specials": []}),
     ["data['tokens']:", "list", "int"]),
    ("CharTokenizer.detokenize/None", lambda: CharTokenizer().detokenize(None),
     ["tokens:", "NoneType"]),
    ("WordTokenizer/keep", lambda: WordTokenizer(keep="some"), ["keep:", "'some'"]),
    ("WordTokenizer.detokenize/str", lambda: WordTokenizer().detokenize("ab"), ["tokens:", "str"]),
    ("SyllableTokenizer.detokenize/int", lambda: SyllableTokenizer().detokenize(5), ["tokens:", "int"]),
    ("JamoTokenizer.tokenize/None", lambda: JamoTokenizer().tokenize(None), ["text:", "NoneType"]),
    ("is_hangul_syllable/None", lambda: is_hangul_syllable(None), ["ch:", "str", "NoneType"]),
    ("decompose_syllable/two", lambda: decompose_syllable("ab"), ["ch:", "Hangul", "'ab'"]),
    ("compose_syllable/int", lambda: compose_syllable(1, "ㅏ"), ["lead:", "str", "int"]),
    ("sentence_batches/negative", lambda: _sentences([np.array([1, -2])]),
     ["sentences[0]:", ">= 0", "-2"]),
    ("sentence_batches/shuffle_rng", lambda: sentence_batches([[1]], 2, bos_id=2, eos_id=3, pad_id=0,
                                                              shuffle_rng=0),
     ["shuffle_rng:", "Generator", "int"]),
    ("sentence_batches/huge-bos", lambda: sentence_batches([[1]], 2, bos_id=2**70, eos_id=3, pad_id=0),
     ["bos_id:", "int64", str(2**70)]),
    ("prefix_samples/negative", lambda: prefix_samples([[1, -2, 3]], pad_id=0),
     ["sequences[0]:", ">= 0", "-2"]),
    ("sliding_windows/many_to_many-str", lambda: sliding_windows(np.arange(10), 3, many_to_many="no"),
     ["many_to_many:", "True or False", "'no'"]),
    ("split_ids/nan", lambda: split_ids(np.arange(10), np.nan), ["val_fraction:", "[0, 1)", "nan"]),
    ("adding_problem/dtype", lambda: adding_problem(2, 5, rng=_RNG(0), dtype="bogus"),
     ["dtype:", "float", "'bogus'"]),
    ("adding_problem/dtype-None", lambda: adding_problem(2, 5, rng=_RNG(0), dtype=None),
     ["dtype:", "None"]),
    ("copy_task_baseline/T", lambda: copy_task_baseline("5"), ["T:", "'5'"]),
    ("corpus_info/None", lambda: corpus_info(None), ["name:", "None"]),
    ("load_lines/int", lambda: load_lines(3), ["name:", "int"]),
    # training loop, history, checkpoints
    ("perplexity/nan", lambda: perplexity(np.nan), ["loss:", "real number", "nan"]),
    ("perplexity/str", lambda: perplexity("x"), ["loss:", "'x'"]),
    ("train/progress-str", lambda: _train_on((IDS, IDS), progress="no"),
     ["progress:", "True or False", "'no'"]),
    ("History.from_dict/None", lambda: History.from_dict(None), ["d:", "dict", "NoneType"]),
    ("History.save/None", lambda: History().save(None), ["path:", "NoneType"]),
    ("History.load/None", lambda: History.load(None), ["path:", "NoneType"]),
    ("load_checkpoint/not-npz", lambda: load_checkpoint(_path("x.npz", "not a zip")),
     ["path:", ".npz checkpoint", "x.npz"]),
    ("load_checkpoint/None", lambda: load_checkpoint(None), ["path:", "NoneType"]),
    ("save_checkpoint/path", lambda: save_checkpoint(None, _model()), ["path:", "NoneType"]),
    # keras surface
    ("keras.SimpleRNN/return_sequences", lambda: keras.SimpleRNN(H, return_sequences="no"),
     ["return_sequences:", "True or False", "'no'"]),
    ("keras.LSTM/unit_forget_bias", lambda: keras.LSTM(H, unit_forget_bias=1),
     ["unit_forget_bias:", "True or False", "1"]),
    ("keras.GRU/reset_after", lambda: keras.GRU(H, reset_after="False"),
     ["reset_after:", "True or False", "'False'"]),
    ("keras.GRU/dtype", lambda: keras.GRU(H, dtype="bogus"), ["dtype:", "float", "'bogus'"]),
    ("keras.LSTM/declared-input_shape", lambda: keras.LSTM(H, input_shape=(T, D + 1))(XS),
     ["inputs:", "(None, 3, 5)", "(2, 3, 4)"]),
    ("keras.LSTM/empty-T", lambda: keras.LSTM(H)(_rand(N, 0, D)), ["inputs:", "empty", "(2, 0, 4)"]),
    ("keras.LSTM.compute_output_shape/2-D", lambda: keras.LSTM(H).compute_output_shape((None, D)),
     ["input_shape:", "(N, T, D)", "(None, 4)"]),
    ("keras.LSTM.build/input_shape", lambda: keras.LSTM(H).build("x"), ["input_shape:", "'x'"]),
    ("keras.Bidirectional/merge_mode", lambda: keras.Bidirectional(keras.LSTM(H), merge_mode="x"),
     ["merge_mode", "'x'"]),
    ("keras.Bidirectional.build/input_shape", lambda: _kbi().build("x"), ["input_shape:", "'x'"]),
    ("keras.Bidirectional.call/initial_state", lambda: _built(_kbi(), XS)(XS, initial_state=[HP]),
     ["initial_state", "got 1"]),
    ("keras.Bidirectional.compute_output_shape/2-D",
     lambda: _kbi().compute_output_shape((None, D)), ["input_shape:", "(N, T, D)", "(None, 4)"]),
    ("keras.Bidirectional.set_weights/count", lambda: _built(_kbi(), XS).set_weights([]),
     ["set_weights", "got 0"]),
    ("keras.Dense/use_bias", lambda: keras.Dense(3, use_bias="no"), ["use_bias:", "'no'"]),
    ("keras.Dense.set_weights/complex",
     lambda: _built(keras.Dense(3), X).set_weights([_rand(D, 3).astype(complex), _rand(3)]),
     ["weights[0]:", "real", "complex128"]),
    ("keras.Dense.compute_output_shape/str", lambda: keras.Dense(3).compute_output_shape("x"),
     ["input_shape:", "'x'"]),
    ("keras.Dense.call/int", lambda: _built(keras.Dense(3), X).call(IDS), ["inputs:", "int"]),
    ("keras.Embedding/output_dim", lambda: keras.Embedding(V, 0), ["output_dim:", "0"]),
    ("keras.Embedding.compute_output_shape/str", lambda: keras.Embedding(V, 4).compute_output_shape(3),
     ["input_shape:", "3"]),
    ("keras.Constant/value", lambda: keras.Constant("x"), ["value", "'x'"]),
    ("keras.RandomUniform/minval", lambda: keras.RandomUniform(minval="x"), ["minval:", "'x'"]),
    ("keras.RandomNormal/seed", lambda: keras.RandomNormal(seed="x"), ["seed:", "'x'"]),
    ("keras.GlorotUniform/seed", lambda: keras.GlorotUniform(seed=1.5), ["seed:", "1.5"]),
    ("keras.Orthogonal/gain", lambda: keras.Orthogonal(gain="x"), ["gain:", "'x'"]),
    ("keras.Initializer.__call__/shape", lambda: keras.Zeros()("x"), ["shape:", "'x'"]),
    ("keras.Input/shape", lambda: keras.Input((0, D)), ["shape:", "(0, 4)"]),
    ("keras.Input/dtype", lambda: keras.Input((D,), dtype="bogus"), ["dtype:", "'bogus'"]),
    ("keras.Sequential/layers", lambda: keras.Sequential(5), ["layers:", "list", "int"]),
    ("keras.Sequential.add/int", lambda: keras.Sequential().add(5), ["layer:", "int"]),
    ("keras.Sequential.build/input_shape", lambda: keras.Sequential([keras.Dense(3)]).build("x"),
     ["input_shape:", "'x'"]),
    ("keras.Sequential.__call__/list", lambda: keras.Sequential([keras.Dense(3)])([[1.0]]),
     ["list"]),
    ("keras.Sequential.predict/2-D-into-LSTM", lambda: keras.Sequential([keras.LSTM(H)]).predict(X),
     ["x:", "(N, T, D)", "(2, 4)"]),
    ("keras.Sequential.__call__/declared", lambda: keras.Sequential([keras.Dense(3, input_shape=(D,))])(
        _rand(N, D + 1)), ["inputs:", "(N, D)", "(2, 5)"]),
    ("Stacked/generator-still-works", lambda: Stacked(_rnn_layer() for _ in range(1)).forward(X),
     ["xs:", "(N, T, D)", "(2, 4)"]),
    ("keras.Sequential.set_weights/count",
     lambda: keras.Sequential([keras.Input((D,)), keras.Dense(3)]).set_weights([]), ["got 0"]),
    ("keras.gru_weights_from_keras/list", lambda: keras.gru_weights_from_keras([1], _rand(H, 3 * H)),
     ["kernel:", "list"]),
    ("keras.gru_weights_from_keras/reset_after",
     lambda: keras.gru_weights_from_keras(_rand(D, 3 * H), _rand(H, 3 * H), _rand(2, 3 * H),
                                          reset_after="no"), ["reset_after:", "'no'"]),
    ("keras.gru_weights_to_keras/W_h", lambda: keras.gru_weights_to_keras(*W_GRU[:1], _rand(H, H), *W_GRU[2:]),
     ["W_h:", "(H, 3H)", "(5, 5)"]),
]

CASES += NEW_CASES

# ------------------------------------------------------------------------------- rnnlab.checks
# The arguments of the learner-facing checks themselves (an exercise author's slip). What the
# learner's function returns is judged, not rejected: tests/exercises/test_checks.py.
from rnnlab import checks  # noqa: E402

_E = np.arange(6.0).reshape(2, 3)


def _same(a):
    return a


def _check(**options):
    return checks.check_function(_same, _same, {"a": _E}, ["a"], **options)


def _check_backward(**changes):
    args = dict(student_forward=_same, student_backward=_same, reference_forward=_same,
                reference_backward=_same, inputs={"a": _E}, upstream={"d": _E},
                grad_names=["da"], forward_names=["out"])
    return checks.check_backward(**{**args, **changes})


CHECKS_CASES = [
    ("checks.time_limit/seconds", lambda: checks.time_limit(0, "f(...)"), ["seconds:", "0"]),
    ("checks.time_limit/what", lambda: checks.time_limit(1.0, None), ["what:", "str", "NoneType"]),
    ("checks.compare_arrays/name", lambda: checks.compare_arrays(3, _E, _E), ["name:", "str", "int"]),
    ("checks.compare_arrays/expected", lambda: checks.compare_arrays("a", _E, None),
     ["expected:", "numbers", "NoneType"]),
    ("checks.compare_arrays/rtol", lambda: checks.compare_arrays("a", _E, _E, rtol=-1.0),
     ["rtol:", ">= 0", "-1.0"]),
    ("checks.compare_arrays/atol-nan", lambda: checks.compare_arrays("a", _E, _E, atol=float("nan")),
     ["atol:", "nan"]),
    ("checks.compare_arrays/time_axis", lambda: checks.compare_arrays("a", _E, _E, time_axis="1"),
     ["time_axis:", "int", "'1'"]),
    ("checks.compare_arrays/blocks", lambda: checks.compare_arrays("a", _E, _E, blocks=(1, "ifgo")),
     ["blocks labels:", "names", "'ifgo'"]),
    ("checks.compare_arrays/sizes", lambda: checks.compare_arrays("a", _E, _E, sizes=[3]),
     ["sizes:", "dict", "list"]),
    ("checks.check_outputs/names", lambda: checks.check_outputs("t", "ab", (_E, _E), (_E, _E)),
     ["names:", "list of names", "'ab'"]),
    ("checks.check_outputs/expected", lambda: checks.check_outputs("t", ["a", "b"], (_E, _E), (_E,)),
     ["expected:", "2 reference values", "1 values"]),
    ("checks.check_outputs/title", lambda: checks.check_outputs(None, ["a"], (_E,), (_E,)),
     ["title:", "str", "NoneType"]),
    ("checks.check_function/reference", lambda: checks.check_function(_same, None, {"a": _E}, ["a"]),
     ["reference:", "function", "NoneType"]),
    ("checks.check_function/inputs", lambda: checks.check_function(_same, _same, [_E], ["a"]),
     ["inputs:", "dict", "list"]),
    ("checks.check_function/output_names", lambda: checks.check_function(_same, _same, {"a": _E}, []),
     ["output_names:", "non-empty", "[]"]),
    ("checks.check_function/seconds", lambda: _check(seconds=-1), ["seconds:", "> 0", "-1"]),
    ("checks.check_function/positional", lambda: _check(positional="no"), ["positional:", "'no'"]),
    ("checks.check_function/raise_on_failure", lambda: _check(raise_on_failure=0),
     ["raise_on_failure:", "True or False", "0"]),
    ("checks.check_function/adapt", lambda: _check(adapt="list"), ["adapt:", "function", "str"]),
    ("checks.check_function/time_axes", lambda: _check(time_axes={"a": 1.5}),
     ["time_axes['a']:", "int", "1.5"]),
    ("checks.check_function/blocks", lambda: _check(blocks={"a": 1}), ["blocks['a']:", "(axis, labels)", "1"]),
    ("checks.check_function/alternatives", lambda: _check(alternatives={"i and f swapped": 3}),
     ["alternatives['i and f swapped']:", "function", "int"]),
    ("checks.check_backward/reference_backward", lambda: _check_backward(reference_backward=None),
     ["reference_backward:", "function", "NoneType"]),
    ("checks.check_backward/upstream", lambda: _check_backward(upstream=[_E]), ["upstream:", "dict", "list"]),
    ("checks.check_backward/grad_names", lambda: _check_backward(grad_names="da"),
     ["grad_names:", "list of names", "'da'"]),
    ("checks.check_backward/rtol", lambda: _check_backward(rtol="tight"), ["rtol:", "'tight'"]),
    ("checks.numerical_reference/forward", lambda: checks.numerical_reference(None, ["d", "a"], ["a"]),
     ["forward:", "function", "NoneType"]),
    ("checks.numerical_reference/wrt", lambda: checks.numerical_reference(_same, ["d", "a"], ["b"]),
     ["wrt:", "['a']", "['b']"]),
    ("checks.numerical_reference/eps", lambda: checks.numerical_reference(_same, ["d", "a"], ["a"], eps=0),
     ["eps:", "> 0", "0"]),
    ("checks.check_param_dict/shapes", lambda: checks.check_param_dict({}, {"W": 3}),
     ["shapes['W']:", "tuple of ints", "3"]),
    ("checks.check_param_dict/dtype", lambda: checks.check_param_dict({}, {"W": (2,)}, dtype="int64"),
     ["dtype:", "float", "int64"]),
    ("checks.check_param_dict/zero", lambda: checks.check_param_dict({}, {"W": (2,)}, zero="b"),
     ["zero:", "['W']", "'b'"]),
    ("checks.check_param_dict/bound", lambda: checks.check_param_dict({}, {"W": (2,)}, bound={"W": -1}),
     ["bound['W']:", "> 0", "-1"]),
    ("checks.random_inputs/seed", lambda: checks.random_inputs(-1, x=(2,)), ["seed:", "-1"]),
    ("checks.random_inputs/scale", lambda: checks.random_inputs(0, "big", x=(2,)), ["scale:", "'big'"]),
    ("checks.random_inputs/shape", lambda: checks.random_inputs(0, x=3), ["x:", "shape", "3"]),
]

CASES += CHECKS_CASES


def _plot_cases():
    """Rows for rnnlab.plots (imported here: matplotlib is slow to import)."""
    from rnnlab import plots

    gates = plots.plot_gate_activations
    return [
        ("plot_gate_activations/1-D", lambda: gates(_rand(T), list("abc")),
         ["gates:", "(T, H)", "(3,)"]),
        ("plot_gate_activations/tokens", lambda: gates(_rand(T, H), list("ab")),
         ["tokens:", "T=3", "2"]),
        ("plot_gate_activations/nan", lambda: gates(_with_nan(_rand(T, H)), list("abc")),
         ["gates:", "nan"]),
        ("plot_history/list", lambda: plots.plot_history([2.0, 1.0]), ["history:", "list"]),
        ("plot_gradient_norms/2-D", lambda: plots.plot_gradient_norms(_rand(T, H)),
         ["norms:", "(T,)", "(3, 5)"]),
        ("draw_unrolled_rnn/T", lambda: plots.draw_unrolled_rnn(T=2.5),
         ["T:", "positive integer", "2.5"]),
        ("draw_unrolled_rnn/T-wide", lambda: plots.draw_unrolled_rnn(T=40), ["T:", "at most 6", "40"]),
        ("draw_lstm_cell/ax", lambda: plots.draw_lstm_cell(ax="left"), ["ax:", "Axes", "str"]),
        ("draw_gru_cell/reset_after", lambda: plots.draw_gru_cell(reset_after="no"),
         ["reset_after:", "True or False", "'no'"]),
    ]


def _assert_clear_error(call, needles: list[str]) -> None:
    """``call()`` raises a ValueError/TypeError whose message contains every needle."""
    with pytest.raises(Exception) as info:
        call()
    err = info.value
    assert isinstance(err, (ValueError, TypeError)), f"{type(err).__name__}: {err}"
    message = str(err)
    missing = [n for n in needles if n.lower() not in message.lower()]
    assert not missing, f"message lacks {missing}: {type(err).__name__}: {message}"


@pytest.mark.parametrize("call, needles", [pytest.param(c, n, id=i) for i, c, n in CASES])
def test_bad_input_is_rejected_clearly(call, needles):
    _assert_clear_error(call, needles)


def test_bad_input_to_plots_is_rejected_clearly():
    import matplotlib.pyplot as plt

    try:
        for _, call, needles in _plot_cases():
            _assert_clear_error(call, needles)
    finally:
        plt.close("all")


def _torch_cases():
    """Rows for rnnlab.torch_interop (needs PyTorch)."""
    import torch

    from rnnlab import torch_interop as ti

    def gru():
        return ti.from_torch(torch.nn.GRU(D, H, batch_first=True))

    return [
        ("run_like_torch/2-D", lambda: ti.run_like_torch(gru(), X), ["inputs:", "(N, T, D)", "(2, 4)"]),
        ("run_like_torch/hx", lambda: ti.run_like_torch(gru(), XS, _rand(2, N, H)),
         ["hx", "(K, N, H)", "(2, 2, 5)"]),
        ("from_torch/ndarray", lambda: ti.from_torch(np.zeros(3)), ["module:", "ndarray"]),
        ("run_like_torch/batch_first", lambda: ti.run_like_torch(gru(), XS, batch_first="no"),
         ["batch_first:", "True or False", "'no'"]),
        ("to_torch/layer", lambda: ti.to_torch(Dropout(0.5, rng=_RNG(0))),
         ["layer:", "RNN, LSTM, GRU", "Dropout"]),
        ("to_torch/batch_first", lambda: ti.to_torch(gru(), batch_first=0), ["batch_first:", "0"]),
        ("torch_named_arrays/grads", lambda: ti.torch_named_arrays(gru(), grads="no"),
         ["grads:", "True or False", "'no'"]),
        ("torch_named_arrays/obj", lambda: ti.torch_named_arrays(np.zeros(3)), ["obj:", "ndarray"]),
        ("initial_state_grads/layer", lambda: ti.initial_state_grads(np.zeros(3)),
         ["layer:", "ndarray"]),
        ("language_model_to_torch/model", lambda: ti.language_model_to_torch(gru()),
         ["model:", "LanguageModel", "GRU"]),
        ("language_model_from_torch/module", lambda: ti.language_model_from_torch(np.zeros(3)),
         ["module:", "ndarray"]),
        ("language_model_from_torch/dtype",
         lambda: ti.language_model_from_torch(ti.TorchLanguageModel(V, 4, H), dtype="bogus"),
         ["dtype:", "float32 or float64", "'bogus'"]),
        ("TorchLanguageModel/cell", lambda: ti.TorchLanguageModel(V, 4, H, cell=["gru"]),
         ["cell:", "['gru']"]),
    ]


def test_bad_input_to_torch_interop_is_rejected_clearly(torch):
    for _, call, needles in _torch_cases():
        _assert_clear_error(call, needles)


def test_the_sweep_can_fail():
    """A numpy error from inside a product, or a message without the shapes, fails a row."""
    with pytest.raises(AssertionError, match="IndexError"):
        _assert_clear_error(lambda: np.zeros(3)[5], ["x:"])
    with pytest.raises(AssertionError, match="lacks"):
        _assert_clear_error(lambda: np.ones((2, 3)) @ np.ones((4, 5)), ["x:", "(N, D)"])
    with pytest.raises(AssertionError, match="lacks"):
        _assert_clear_error(lambda: F.rnn_forward(X, None, *W_RNN), ["xs:", "(N, T, D)", "(9, 9)"])


def test_inputs_are_not_modified_by_rejected_calls():
    """A call that fails on bad input leaves its arguments as they were."""
    bad = _with_nan(XS)
    before = bad.copy()
    with pytest.raises(ValueError):
        _rnn_layer().forward(bad)
    np.testing.assert_array_equal(bad, before)


# ------------------------------------------------------------------------------------- coverage
# Every public callable of every rnnlab module must be exercised by a row above: a rejection
# (ValueError/TypeError) raised in it or passing through it. A new public function or method
# without such a row fails test_every_public_callable_has_a_rejecting_row.

COVERED_MODULES = [
    "rnnlab.functional", "rnnlab.gradcheck", "rnnlab.layers", "rnnlab.sampling", "rnnlab.model",
    "rnnlab.optim", "rnnlab.data", "rnnlab.train", "rnnlab.keras", "rnnlab.plots",
    "rnnlab.torch_interop",
]

# Callables with no argument to spoil (or none a caller passes), by qualified name.
NO_ARGUMENTS = {
    # properties and methods without arguments: nothing a caller passes can be wrong
    "layers.Layer.eval", "layers.Layer.num_params", "layers.Layer.children",
    "layers.Layer.named_children", "layers.Layer.__init__", "layers.SoftmaxCrossEntropy.__init__",
    "layers.Stacked.children", "layers.Stacked.named_children", "layers.Stacked.reset_state",
    "layers.Stacked.state", "layers.Bidirectional.children", "layers.Bidirectional.named_children",
    "layers.Bidirectional.reset_state", "layers.Bidirectional.state",
    "layers._Recurrent.reset_state",
    "model.LanguageModel.children", "model.LanguageModel.named_children",
    "model.LanguageModel.reset_state", "model.LanguageModel.vocab_size", "model.LanguageModel.dtype",
    "model.LanguageModel.stateful",
    # takes no argument; called before loss() it raises RuntimeError (call order, not bad input)
    "model.LanguageModel.backward",
    "optim.Optimizer.lr", "optim.Optimizer.hyperparams", "optim.Optimizer.state_dict",
    "optim.SGD.hyperparams", "optim.Adagrad.hyperparams", "optim.RMSProp.hyperparams",
    "optim.Adam.hyperparams", "optim.Adam.betas",
    "vocab.Vocab.tokens", "vocab.Vocab.pad_id", "vocab.Vocab.unk_id", "vocab.Vocab.bos_id",
    "vocab.Vocab.eos_id", "vocab.Vocab.to_dict", "corpora.list_corpora",
    "gradcheck.GradCheckReport.max_error", "gradcheck.GradCheckReport.worst",
    "gradcheck.GradCheckReport.table",
    "train.History.perplexities", "train.History.val_perplexities", "train.History.to_dict",
    "keras.Layer.weight_names", "keras.Layer.get_weights", "keras.Layer.count_params",
    "keras.Layer.get_config", "keras.Bidirectional.get_weights", "keras.Bidirectional.weight_names",
    "keras.Bidirectional.count_params", "keras._Recurrent.rnnlab_params", "keras.GRU.rnnlab_params",
    "keras.Sequential.built", "keras.Sequential.count_params", "keras.Sequential.get_weights",
    "keras.Sequential.output_shape", "keras.Sequential.summary", "keras.Zeros.__init__",
    "keras.Ones.__init__",
    # abstract methods: every subclass's own method has rows
    "keras.Layer.call", "keras.Layer.compute_output_shape",
    # records and exceptions the library builds itself (dataclass __init__, raised errors)
    "batching.Batches.__init__", "gradcheck.GradCheckReport.__init__", "train.Checkpoint.__init__",
    "train.History.__init__", "train.TrainingDiverged.__init__",
    # a torch.nn.Module: torch checks its own tensors
    "torch_interop.TorchLanguageModel.forward",
}

# rnnlab.checks (its rows: CHECKS_CASES); the report is a record the checks build themselves.
COVERED_MODULES += ["rnnlab.checks"]
NO_ARGUMENTS |= {"checks.CheckReport.__init__", "checks.CheckReport.passed",
                 "checks.CheckReport.raise_if_failed",
                 # an exception: its arguments are the report's text, like any exception's
                 "checks.CheckFailed.__init__"}


def _public_callables(module) -> dict:
    """code object -> qualified name, for every public function, method and property whose
    code lives in rnnlab (inherited ones counted once, where they are defined)."""
    found = {}

    def add(fn, qualname):
        fn = getattr(fn, "__func__", fn)
        code = getattr(fn, "__code__", None)
        where = getattr(fn, "__module__", None) or ""
        if code is not None and where.startswith("rnnlab"):
            found.setdefault(code, f"{where.rsplit('.', 1)[-1]}.{qualname}")

    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj):
            add(obj, name)
        elif inspect.isclass(obj) and obj.__module__.startswith("rnnlab"):
            for klass in obj.__mro__:
                if not klass.__module__.startswith("rnnlab"):
                    continue
                for attr, value in vars(klass).items():
                    if attr.startswith("_") and attr not in ("__init__", "__call__"):
                        continue
                    if isinstance(value, property):
                        for part in (value.fget, value.fset):
                            if part is not None:
                                add(part, f"{klass.__qualname__}.{attr}")
                    elif isinstance(value, (staticmethod, classmethod)) or inspect.isfunction(value):
                        add(value, f"{klass.__qualname__}.{attr}")
    return found


def _exercised(rows) -> set:
    """Code objects a rejection was raised in or passed through, over all ``rows``."""
    seen = set()

    def tracer(frame, event, arg):
        if event == "exception":
            seen.add(frame.f_code)
        return tracer

    for _, call, _ in rows:
        sys.settrace(tracer)
        try:
            call()
        except Exception:  # noqa: BLE001 - the row's own test reports a wrong error type
            pass
        finally:
            sys.settrace(None)
    return seen


def test_every_public_callable_has_a_rejecting_row():
    import importlib

    rows = list(CASES) + _plot_cases()
    modules = list(COVERED_MODULES)
    if importlib.util.find_spec("torch") is None:
        modules.remove("rnnlab.torch_interop")  # its rows need torch (see TORCH_CASES)
    else:
        rows += _torch_cases()
    required = {}
    for name in modules:
        required.update(_public_callables(importlib.import_module(name)))
    try:
        seen = _exercised(rows)
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
    missing = sorted({q for code, q in required.items() if code not in seen} - NO_ARGUMENTS)
    assert not missing, f"public callables with no row in CASES that they reject: {missing}"
    stale = sorted(NO_ARGUMENTS - set(required.values()))
    assert not stale, f"NO_ARGUMENTS names no public callable: {stale}"


def test_the_coverage_check_can_fail():
    """A public function no row rejects is found missing; one a row rejects is not."""
    import types

    def checked(x):
        if not isinstance(x, int):
            raise TypeError(f"x: expected an int, got {type(x).__name__}")

    def unchecked(x):
        return x

    fake = types.ModuleType("rnnlab.fake")
    for fn in (checked, unchecked):
        fn.__module__ = "rnnlab.fake"
        setattr(fake, fn.__name__, fn)
    fake.__all__ = ["checked", "unchecked"]
    required = _public_callables(fake)
    seen = _exercised([("checked/str", lambda: checked("1"), ["x:"]),
                       ("unchecked/str", lambda: unchecked("1"), ["x:"])])
    assert sorted(q for code, q in required.items() if code not in seen) == ["fake.unchecked"]
