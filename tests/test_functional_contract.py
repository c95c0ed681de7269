"""What every functional cell promises beyond its numbers: named caches checked by type, no
empty dimension, and caches that nothing the caller does afterwards can change.

Sizes: N=2 sequences, T=3 steps, D=4 inputs, H=5 hidden units.
"""
import numpy as np
import pytest

from rnnlab import functional as F

N, T, D, H = 2, 3, 4, 5
rng = np.random.default_rng(0)


def _params(gates: int, biases: int = 1):
    return ([0.5 * rng.standard_normal((D, gates * H)), 0.5 * rng.standard_normal((H, gates * H))]
            + [0.1 * rng.standard_normal(gates * H) for _ in range(biases)])


P_RNN, P_LSTM, P_GRU = _params(1), _params(4), _params(3, biases=2)
XS, H0, C0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))


def run_rnn(xs=XS, h0=H0):
    hs, cache = F.rnn_forward(xs, h0, *P_RNN)
    return (hs,), cache, lambda dhs, c: F.rnn_backward(dhs, c)


def run_lstm(xs=XS, h0=H0):
    hs, cs, cache = F.lstm_forward(xs, h0, C0, *P_LSTM)
    return (hs, cs), cache, lambda dhs, c: F.lstm_backward(dhs, c)


def run_gru(xs=XS, h0=H0):
    hs, cache = F.gru_forward(xs, h0, *P_GRU)
    return (hs,), cache, lambda dhs, c: F.gru_backward(dhs, c)


RUNS = {"rnn": run_rnn, "lstm": run_lstm, "gru": run_gru}
STEPS = {
    "rnn": (lambda: F.rnn_step_forward(XS[:, 0], H0, *P_RNN)[-1],
            lambda c: F.rnn_step_backward(H0, c), "RNNStepCache", "rnn_step_forward"),
    "lstm": (lambda: F.lstm_step_forward(XS[:, 0], H0, C0, *P_LSTM)[-1],
             lambda c: F.lstm_step_backward(H0, C0, c), "LSTMStepCache", "lstm_step_forward"),
    "gru": (lambda: F.gru_step_forward(XS[:, 0], H0, *P_GRU)[-1],
            lambda c: F.gru_step_backward(H0, c), "GRUStepCache", "gru_step_forward"),
}
SEQUENCE_CACHES = {"rnn": ("RNNCache", "rnn_forward"), "lstm": ("LSTMCache", "lstm_forward"),
                   "gru": ("GRUCache", "gru_forward")}


def _wrong_caches(right, other):
    """A plain tuple of the right fields, another cell's cache, and None."""
    return {"tuple of its fields": (tuple(right), "tuple"),
            "another cell's cache": (other, type(other).__name__), "None": (None, "NoneType")}


@pytest.mark.parametrize("cell", STEPS)
def test_step_backward_names_a_wrong_cache(cell):
    make, backward, kind, producer = STEPS[cell]
    other = STEPS["gru" if cell != "gru" else "rnn"][0]()
    for what, (bad, got) in _wrong_caches(make(), other).items():
        with pytest.raises(TypeError, match=rf"^cache: expected the {kind} returned by {producer}, got {got}$"):
            backward(bad)


@pytest.mark.parametrize("cell", RUNS)
def test_sequence_backward_names_a_wrong_cache(cell):
    (hs, *_), cache, backward = RUNS[cell]()
    kind, producer = SEQUENCE_CACHES[cell]
    step_cache = STEPS[cell][0]()  # the step's cache is the most likely mix-up
    for what, (bad, got) in {**_wrong_caches(cache, step_cache)}.items():
        with pytest.raises(TypeError, match=rf"^cache: expected the {kind} returned by {producer}, got {got}$"):
            backward(np.ones_like(hs), bad)


@pytest.mark.parametrize("cell", RUNS)
@pytest.mark.parametrize("empty", ["N", "T", "D"])
def test_an_empty_dimension_is_refused_by_name(cell, empty):
    xs = {"N": XS[:0], "T": XS[:, :0], "D": XS[..., :0]}[empty]
    h0 = H0[:0] if empty == "N" else H0
    with pytest.raises(ValueError, match=rf"^xs: expected {empty} >= 1 .*got shape {xs.shape}".replace("(", r"\(").replace(")", r"\)")):
        RUNS[cell](xs, h0)


@pytest.mark.parametrize("step", ["rnn", "gru"])
def test_zero_hidden_units_are_refused(step):
    W_x, W_h = np.zeros((D, 0)), np.zeros((0, 0))
    with pytest.raises(ValueError, match=r"expected H >= 1"):
        if step == "rnn":
            F.rnn_forward(XS, None, W_x, W_h, np.zeros(0))
        else:
            F.gru_forward(XS, None, W_x, W_h, np.zeros(0), np.zeros(0))


@pytest.mark.parametrize("cell", RUNS)
def test_returned_states_cannot_be_written_into_the_cache(cell):
    outputs, cache, backward = RUNS[cell]()
    before = backward(np.ones_like(outputs[0]), cache)
    for out in outputs:
        with pytest.raises(ValueError, match="read-only"):
            out *= 0
    for got, want in zip(backward(np.ones_like(outputs[0]), cache), before):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("cell", RUNS)
def test_the_cache_keeps_no_reference_to_the_callers_arrays(cell):
    """A time-major view passed as xs (what one layer hands the next), and h0, are copied."""
    xs_memory = np.ascontiguousarray(XS.transpose(1, 0, 2))  # (T, N, D), as layers produce
    xs, h0 = xs_memory.transpose(1, 0, 2), H0.copy()
    outputs, cache, backward = RUNS[cell](xs, h0)
    before = backward(np.ones_like(outputs[0]), cache)
    xs_memory[...] = 0
    h0[...] = 0
    for got, want in zip(backward(np.ones_like(outputs[0]), cache), before):
        np.testing.assert_array_equal(got, want)
