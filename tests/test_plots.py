"""Tests for rnnlab.plots: every figure draws (Agg backend), returns its Axes, renders Hangul."""
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnlab._validate import ShapeError  # noqa: E402
from rnnlab.model import LanguageModel  # noqa: E402
from rnnlab.plots import plot_gate_activations, plot_gradient_norms, plot_history  # noqa: E402
from rnnlab.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def draw(caplog):
    """Render a figure; fail if a glyph is missing from its fonts (Hangul, or the minus sign).

    matplotlib reports a missing text glyph as a warning and a missing mathtext glyph (the
    minus of a log-axis label) as a log message: both are checked.
    """

    def draw_without_missing_glyphs(ax):
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
            ax.figure.canvas.draw()
        missing = [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()]
        assert not missing, missing

    return draw_without_missing_glyphs


def a_history():
    losses = list(np.linspace(4.0, 1.0, 12))
    return History(losses=losses, grad_norms=[1.0] * 12, epoch_losses=[3.0, 1.5],
                   epoch_steps=[6, 12], val_losses=[3.2, 1.8], val_steps=[6, 12],
                   num_updates=12, samples=[{"step": 12, "text": "한글"}])


def test_plot_history_draws_train_and_validation_curves(draw):
    ax = plot_history(a_history(), title="학습 곡선")
    draw(ax)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["train (each update)", "train (epoch mean)", "validation"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(1, 13))
    np.testing.assert_array_equal(ax.get_lines()[2].get_xdata(), [6, 12])
    assert ax.get_ylabel().startswith("loss")


def test_plot_history_accepts_a_dict_and_an_axes():
    fig, axes = plt.subplots(1, 2)
    ax = plot_history(a_history().to_dict(), ax=axes[1])
    assert ax is axes[1] and len(axes[1].get_lines()) == 3 and not axes[0].get_lines()


def test_plot_history_places_continued_updates_at_their_step():
    history = History(losses=[2.0, 1.0], num_updates=10)  # a history continued after update 8
    ax = plot_history(history)
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [9, 10])


def test_plot_history_rejects_an_empty_history():
    with pytest.raises(ValueError, match="history: has no"):
        plot_history(History())


def test_plot_gate_activations_with_hangul_tokens(rng, draw):
    tokens = list("나랏말싸미 듕귁에")
    gates = rng.random((len(tokens), 6))
    ax = plot_gate_activations(gates, tokens, title="망각 게이트 f")
    draw(ax)
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), gates.T)  # units down, time across
    assert image.get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == [t if t != " " else "·" for t in tokens]


def test_plot_gate_activations_signed_values_get_a_symmetric_range(rng):
    ax = plot_gate_activations(rng.uniform(-1, 1, (4, 3)), ["a", "b", "c", "d"])
    assert ax.get_images()[0].get_clim() == (-1.0, 1.0)


def test_plot_gate_activations_bad_input(rng):
    with pytest.raises(ShapeError, match=r"tokens: expected T=3 strings"):
        plot_gate_activations(rng.random((3, 2)), ["a", "b"])
    with pytest.raises(ShapeError, match=r"gates: expected shape \(T, H\)"):
        plot_gate_activations(rng.random(3), ["a", "b", "c"])


def test_plot_gradient_norms_uses_a_log_scale(draw):
    norms = 10.0 ** -np.arange(8.0)  # vanishing: a straight line on a log axis
    fig, ax = plt.subplots()
    out = plot_gradient_norms(norms, ax=ax, label="tanh RNN")
    plot_gradient_norms(np.ones(8), ax=ax, label="LSTM")
    assert out is ax and ax.get_yscale() == "log"
    draw(ax)
    assert [line.get_label() for line in ax.get_lines()] == ["tanh RNN", "LSTM"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), norms)


def test_plot_gradient_norms_bad_input():
    with pytest.raises(ValueError, match="norms: expected values >= 0"):
        plot_gradient_norms(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="norms: expected finite values"):
        plot_gradient_norms(np.array([1.0, np.nan]))
    with pytest.raises(ShapeError, match=r"norms: expected shape \(T,\)"):
        plot_gradient_norms(np.ones((2, 2)))


def test_plot_gate_activations_of_a_real_lstm(draw):
    tokens = list("나랏말싸미")
    model = LanguageModel(len(tokens), 4, 3, cell="lstm", seed=0, dtype=np.float64)
    model.forward(np.arange(len(tokens))[None])
    gates = model.layers.layers[0].cache.gates[0]  # (T, 4H), order i, f, g, o
    forget = gates[:, 3:6]
    ax = plot_gate_activations(forget, tokens, title="forget gate f")
    draw(ax)
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), forget.T)
