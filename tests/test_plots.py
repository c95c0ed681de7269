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


# ------------------------------------------------------------------------------ cell diagrams
from rnnlab import functional as F  # noqa: E402
from rnnlab.plots import draw_gru_cell, draw_lstm_cell, draw_unrolled_rnn  # noqa: E402


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _arrows(ax, gid):
    """The ``source->target`` labels of the arrows with this gid, in drawing order."""
    return [p.get_label() for p in ax.patches if p.get_gid() == gid]


def _chain(labels):
    """Node names along a chain of ``a->b`` arrows, checking that each starts where the last ended."""
    pairs = [label.split("->") for label in labels]
    for (_, end), (start, _) in zip(pairs, pairs[1:]):
        assert end == start, labels
    return [pairs[0][0]] + [b for _, b in pairs]


def test_unrolled_rnn_has_one_box_per_step_and_a_highlighted_recurrence(draw):
    ax = draw_unrolled_rnn(T=4)
    draw(ax)
    texts = _texts(ax)
    for t in range(1, 5):
        assert f"$x_{{{t}}}$" in texts and f"$h_{{{t}}}$" in texts
    assert "$h_0$" in texts and texts.count(r"$\tanh$") == 4
    assert texts.count("$W_h$") == 4 and texts.count("$W_x$") == 4
    assert _chain(_arrows(ax, "path")) == ["h_0", "cell_1", "cell_2", "cell_3", "cell_4"]


def test_lstm_cell_state_path_passes_only_the_forget_product_and_the_sum(draw):
    ax = draw_lstm_cell()
    draw(ax)
    assert _chain(_arrows(ax, "path")) == ["c_prev", "forget_mul", "add", "c_branch", "c_next"]
    wires = _arrows(ax, "wire")
    assert {"f->forget_mul", "i->input_mul", "g->input_mul", "input_mul->add",
            "o->output_mul", "tanh_c->output_mul"} <= set(wires)
    texts = _texts(ax)
    for name in F.LSTM_GATES:
        assert f"${name}$" in texts
    assert texts.count(r"$\sigma$") == 3 and r"$\odot$" in texts


def test_lstm_cell_labels_each_gate_with_its_columns_in_the_library_order():
    ax = draw_lstm_cell()
    gate_x = {t.get_gid(): t.get_position()[0] for t in ax.texts if t.get_gid() in F.LSTM_GATES}
    blocks = {t.get_text(): t.get_position()[0] for t in ax.texts if "{:}" in t.get_text()}
    below = {min(gate_x, key=lambda g: abs(gate_x[g] - x)): text for text, x in blocks.items()}
    assert below == {"i": "$0{:}H$", "f": "$H{:}2H$", "g": "$2H{:}3H$", "o": "$3H{:}4H$"}
    # ... which is the order lstm_step_forward slices its pre-activation in
    rng = np.random.default_rng(0)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    W_x, W_h, b = rng.standard_normal((3, 16)), rng.standard_normal((4, 16)), rng.standard_normal(16)
    _, _, cache = F.lstm_step_forward(x, h, c, W_x, W_h, b)
    a = x @ W_x + h @ W_h + b
    k = F.LSTM_GATES.index("f")
    np.testing.assert_allclose(cache.f, F.sigmoid(a[:, 4 * k:4 * k + 4]), rtol=1e-12)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_cell_state_path_passes_only_the_z_product_and_the_sum(draw, reset_after):
    ax = draw_gru_cell(reset_after=reset_after)
    draw(ax)
    assert _chain(_arrows(ax, "path")) == ["h_prev", "h_branch", "keep_mul", "add", "h_next"]
    wires = set(_arrows(ax, "wire"))
    assert {"z_branch->keep_mul", "z_branch->one_minus", "one_minus->mix_mul", "n->mix_mul",
            "mix_mul->add", "r->reset_mul", "reset_mul->n"} <= wires
    texts = _texts(ax)
    assert all(f"${name}$" in texts for name in F.GRU_GATES)
    # the variant shows what r multiplies: a^h_n (after the product) or h_{t-1} (before it)
    assert ("$a^h_n$" in texts) == reset_after and ("$W_{hn}$" in texts) == (not reset_after)


def test_gru_cell_labels_each_gate_with_its_columns_in_the_library_order():
    ax = draw_gru_cell()
    gate_x = {t.get_gid(): t.get_position()[0] for t in ax.texts if t.get_gid() in F.GRU_GATES}
    blocks = {t.get_text(): t.get_position()[0] for t in ax.texts if "{:}" in t.get_text()}
    below = {min(gate_x, key=lambda g: abs(gate_x[g] - x)): text for text, x in blocks.items()}
    assert below == {"r": "$0{:}H$", "z": "$H{:}2H$", "n": "$2H{:}3H$"}
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    W_x, W_h = rng.standard_normal((3, 12)), rng.standard_normal((4, 12))
    b_x, b_h = rng.standard_normal(12), rng.standard_normal(12)
    _, cache = F.gru_step_forward(x, h, W_x, W_h, b_x, b_h)
    k = F.GRU_GATES.index("z")
    a = (x @ W_x + b_x + h @ W_h + b_h)[:, 4 * k:4 * k + 4]
    np.testing.assert_allclose(cache.z, F.sigmoid(a), rtol=1e-12)


def test_cell_diagrams_draw_on_a_given_axes():
    fig, axes = plt.subplots(1, 3)
    assert draw_unrolled_rnn(2, ax=axes[0]) is axes[0]
    assert draw_lstm_cell(ax=axes[1]) is axes[1]
    assert draw_gru_cell(False, ax=axes[2]) is axes[2]


def test_cell_diagrams_bad_input():
    with pytest.raises(ValueError, match="T: expected a positive integer, got 0"):
        draw_unrolled_rnn(0)
    with pytest.raises(ValueError, match="T: expected at most 6"):
        draw_unrolled_rnn(7)
    with pytest.raises(TypeError, match="reset_after: expected True or False, got 'no'"):
        draw_gru_cell("no")
