"""Figures: training curves, gate activations over a text, gradient norms across time, and
diagrams of the cells (the unrolled RNN, the LSTM cell, the GRU cell).

Every function draws on ``ax`` when given (so figures can be composed with subplots) or on a
new figure otherwise, and returns the Axes (its figure is ``ax.figure``). Importing this module
imports ``koreanize_matplotlib``, which selects a font with Hangul glyphs, so Korean tokens
and samples render instead of showing empty boxes. Plotting lives only here: no other module
of the library imports matplotlib.
"""
from __future__ import annotations

import warnings
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, StrMethodFormatter

with warnings.catch_warnings():
    # koreanize_matplotlib 0.1.1 compares versions with distutils' deprecated LooseVersion.
    warnings.simplefilter("ignore", DeprecationWarning)
    import koreanize_matplotlib  # noqa: F401  (imported for its effect: a Hangul-capable font)

# NanumGothic has Hangul but lacks some symbols (the minus sign U+2212, arrows such as the
# "↵" that marks a newline token): DejaVu Sans, shipped with matplotlib, fills those gaps.
plt.rcParams["font.family"] = ["NanumGothic", "DejaVu Sans"]

from ._validate import ShapeError, check_array, check_bool, check_positive_int
from .train import History

__all__ = [
    "plot_history",
    "plot_gate_activations",
    "plot_gradient_norms",
    "draw_unrolled_rnn",
    "draw_lstm_cell",
    "draw_gru_cell",
]

# Perplexity axis: exp and its inverse, kept finite for matplotlib's tick search.
_TO_PERPLEXITY = (lambda x: np.exp(np.clip(x, -50.0, 700.0)),
                  lambda y: np.log(np.clip(y, 1e-300, None)))


def _axes(ax, figsize):
    """The given Axes, or the Axes of a new figure."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_history(history: History | dict, ax=None, *, title: str | None = None):
    """Loss curves against parameter updates, with perplexity on the right-hand axis.

    Draws the loss of every update (thin), the mean loss of each epoch and the validation
    loss. The right axis reads the same curves as perplexity, ``exp(loss)``.

    Args:
        history: a ``rnnlab.train.History`` or its ``to_dict()`` (e.g. loaded from JSON).
        ax: Axes to draw on; a new figure when None.
        title: optional title.

    Returns:
        The Axes.
    """
    if isinstance(history, dict):
        history = History.from_dict(history)
    if not isinstance(history, History):
        raise TypeError(
            f"history: expected a History or its to_dict(), got {type(history).__name__}"
        )
    if not history.losses and not history.val_losses:
        raise ValueError("history: has no training or validation losses to plot")
    ax = _axes(ax, (7, 4))
    first = history.num_updates - len(history.losses) + 1
    updates = np.arange(first, first + len(history.losses))
    ax.plot(updates, history.losses, lw=0.8, alpha=0.4, color="C0", label="train (each update)")
    if history.epoch_losses:
        ax.plot(history.epoch_steps, history.epoch_losses, "o-", color="C0",
                label="train (epoch mean)")
    if history.val_losses:
        ax.plot(history.val_steps, history.val_losses, "s-", color="C1", label="validation")
    ax.set_xlabel("parameter updates")
    ax.set_ylabel("loss (nats per token)")
    right = ax.secondary_yaxis("right", functions=_TO_PERPLEXITY)
    # exp() makes perplexity a logarithmic axis next to the loss: ticks at 1, 2, 5, 10, 20...
    right.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    right.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    right.set_ylabel("perplexity")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def _token_label(token: str) -> str:
    """Make whitespace tokens visible as tick labels."""
    return {" ": "·", "\n": "↵", "\t": "→"}.get(token, token)


def plot_gate_activations(
    gates: np.ndarray,
    tokens: Sequence[str],
    ax=None,
    *,
    title: str | None = None,
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
):
    """Heatmap of gate values over a text: one column per token, one row per hidden unit.

    Args:
        gates: (T, H) gate values at each time step, e.g. one gate sliced from an LSTM cache's
            ``gates (N, T, 4H)`` for one sequence.
        tokens: T labels (the input token at each step; Hangul is fine).
        ax: Axes to draw on; a new figure when None.
        title: optional title (e.g. "forget gate f").
        cmap: matplotlib colormap.
        vmin, vmax: colour range; by default [0, 1] for sigmoid gates, [-1, 1] when some value
            is negative (the tanh candidate g or n).

    Returns:
        The Axes (a colourbar is added next to it).
    """
    sizes = check_array("gates", gates, "T, H")
    tokens = list(tokens)
    if len(tokens) != sizes["T"] or not all(isinstance(t, str) for t in tokens):
        raise ShapeError(
            f"tokens: expected T={sizes['T']} strings (one per row of gates (T, H)), "
            f"got {len(tokens)} items"
        )
    if vmin is None and vmax is None:
        vmin, vmax = (-1.0, 1.0) if gates.min() < 0 else (0.0, 1.0)
    ax = _axes(ax, (max(4.0, 0.35 * sizes["T"] + 2), max(2.5, 0.12 * sizes["H"] + 1.5)))
    image = ax.imshow(gates.T, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                      interpolation="nearest")
    ax.set_xticks(np.arange(sizes["T"]), [_token_label(t) for t in tokens],
                  rotation=90 if max(map(len, tokens), default=0) > 2 else 0)
    ax.set_xlabel("input token")
    ax.set_ylabel("hidden unit")
    ax.figure.colorbar(image, ax=ax, label="gate value")
    if title:
        ax.set_title(title)
    return ax


class _LogFormatter(LogFormatterSciNotation):
    """matplotlib's log-axis labels (``10^{-3}``) drawn in mathtext's own font.

    The default labels use ``\\mathdefault``, i.e. the text font, and the Hangul font chosen by
    koreanize_matplotlib has no minus sign (U+2212): negative exponents would lose their sign.
    """

    def __call__(self, x, pos=None):
        return super().__call__(x, pos).replace(r"\mathdefault", "")


def plot_gradient_norms(norms: np.ndarray, ax=None, *, label: str | None = None,
                        title: str | None = None):
    """Norm of dL/dh_t at each time step on a log scale: vanishing or exploding gradients.

    Call it several times on one Axes with different ``label`` to compare cells
    (e.g. a tanh RNN's norms fall off exponentially while an LSTM's do not).

    Args:
        norms: (T,) non-negative norms, ``norms[t] = ||dL/dh_t||`` (e.g. summed over the batch).
        ax: Axes to draw on; a new figure when None.
        label: legend entry for this curve.
        title: optional title.

    Returns:
        The Axes.
    """
    check_array("norms", norms, "T")
    if (norms < 0).any():
        raise ValueError(f"norms: expected values >= 0, got {norms.min()}")
    ax = _axes(ax, (6, 3.5))
    ax.semilogy(np.arange(norms.shape[0]), norms, marker=".", label=label)
    ax.yaxis.set_major_formatter(_LogFormatter())
    ax.yaxis.set_minor_formatter(_LogFormatter(labelOnlyBase=False))
    ax.set_xlabel("time step t")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    ax.grid(alpha=0.3, which="both")
    if label is not None:
        ax.legend()
    if title:
        ax.set_title(title)
    return ax


# ------------------------------------------------------------------------------ cell diagrams
# The unrolled RNN, the LSTM cell and the GRU cell, drawn from boxes (a non-linearity), circles
# (an element-wise operation) and straight arrows, in the notation page's symbols. Every box,
# circle and label is named (its matplotlib ``gid``), every arrow is labelled "source->target"
# with gid "path" (the highlighted path) or "wire", so a test or a page can check what is drawn.

_INK, _PATH_COLOR = "0.2", "#c0392b"
_GATE_FILL, _TANH_FILL = "#fdebd0", "#d6eaf8"


class _Diagram:
    """Named nodes and straight arrows between them on one Axes (data coordinates)."""

    def __init__(self, ax, xlim, ylim):
        self.ax, self.nodes = ax, {}
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal")
        ax.axis("off")

    def _add(self, name, xy, artist):
        artist.set_gid(name)
        self.nodes[name] = (tuple(xy), artist)

    def box(self, name, xy, text, *, fill=_GATE_FILL, width=0.8, size=13):
        """A non-linearity (sigma, tanh): a rounded box with its symbol."""
        t = self.ax.text(*xy, text, ha="center", va="center", fontsize=size, zorder=3,
                         bbox=dict(boxstyle="round,pad=0.3", fc=fill, ec=_INK, lw=1.2))
        t.set_gid(name)
        self.nodes[name] = (tuple(xy), t)
        return t

    def op(self, name, xy, text):
        """An element-wise operation (the product, the sum, 1 minus): a small circle."""
        t = self.ax.text(*xy, text, ha="center", va="center", fontsize=14, zorder=3,
                         bbox=dict(boxstyle="circle,pad=0.12", fc="white", ec=_INK, lw=1.2))
        self._add(name, xy, t)
        return t

    def label(self, name, xy, text, *, size=14, **kw):
        """A named quantity where a wire starts or ends (x_t, h_{t-1}, c_t)."""
        t = self.ax.text(*xy, text, ha=kw.pop("ha", "center"), va=kw.pop("va", "center"),
                         fontsize=size, zorder=3,
                         bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"), **kw)
        self._add(name, xy, t)
        return t

    def point(self, name, xy):
        """A junction where a wire branches (not drawn)."""
        self.nodes[name] = (tuple(xy), None)

    def note(self, xy, text, *, size=10, **kw):
        """A small annotation (a weight name, a block of columns)."""
        return self.ax.text(*xy, text, fontsize=size, color=kw.pop("color", "0.3"), zorder=4,
                            ha=kw.pop("ha", "center"), va=kw.pop("va", "center"), **kw)

    def wire(self, source, target, *, path=False, head=True):
        """A straight arrow from node ``source`` to node ``target`` (no head into a junction)."""
        (a, patch_a), (b, patch_b) = self.nodes[source], self.nodes[target]
        head = head and patch_b is not None
        arrow = FancyArrowPatch(
            a, b, arrowstyle="-|>" if head else "-", mutation_scale=13,
            patchA=patch_a.get_bbox_patch() if patch_a is not None else None,
            patchB=patch_b.get_bbox_patch() if patch_b is not None else None,
            shrinkA=1, shrinkB=1, lw=3.2 if path else 1.3,
            color=_PATH_COLOR if path else _INK, zorder=2 if path else 1,
            capstyle="round", joinstyle="round",
        )
        arrow.set_gid("path" if path else "wire")
        arrow.set_label(f"{source}->{target}")
        self.ax.add_patch(arrow)
        return arrow

    def chain(self, *names, path=False):
        """Wires along ``names`` in order."""
        for source, target in zip(names, names[1:]):
            self.wire(source, target, path=path)


def _diagram_axes(ax, figsize):
    """The given Axes, or the Axes of a new figure sized for the diagram."""
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _block(k: int) -> str:
    """The columns of block k of a stacked matrix, as the page writes them: ``H:2H``."""
    def bound(j):
        return "0" if j == 0 else ("H" if j == 1 else f"{j}H")
    return rf"${bound(k)}{{:}}{bound(k + 1)}$"


def draw_unrolled_rnn(T: int = 3, ax=None):
    """The tanh RNN unrolled over ``T`` steps: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)``.

    One box per step, inputs ``x_1 .. x_T`` below, states ``h_1 .. h_T`` above and the
    recurrent wires ``h_{t-1} -> h_t`` between the boxes, highlighted: that chain, through
    ``W_h`` at every step, is the path a gradient takes back in time. The same ``W_x``, ``W_h``
    and ``b`` appear at every step.

    Args:
        T: number of steps drawn, 1 to 6.
        ax: Axes to draw on; a new figure when None.

    Returns:
        The Axes. Nodes are named (matplotlib gid) ``x_t``, ``cell_t``, ``h_t`` for
        t = 1..T and ``h_0``; arrows are labelled ``"source->target"``, gid ``"path"`` for
        the recurrent chain and ``"wire"`` for the rest.
    """
    T = check_positive_int("T", T)
    if T > 6:
        raise ValueError(f"T: expected at most 6 steps (a wider figure is unreadable), got {T}")
    step = 2.0
    ax = _diagram_axes(ax, (0.8 + 1.3 * T, 3.0))
    d = _Diagram(ax, (-0.2, step * T + 0.6), (-0.6, 3.7))
    d.label("h_0", (0.3, 1.5), "$h_0$")
    for t in range(1, T + 1):
        x = step * t
        d.label(f"x_{t}", (x, 0.0), f"$x_{{{t}}}$")
        d.box(f"cell_{t}", (x, 1.5), r"$\tanh$", fill=_TANH_FILL)
        d.label(f"h_{t}", (x, 3.1), f"$h_{{{t}}}$")
        d.wire(f"x_{t}", f"cell_{t}")
        d.note((x + 0.12, 0.72), "$W_x$", ha="left")
        d.wire(f"cell_{t}", f"h_{t}")
        previous = "h_0" if t == 1 else f"cell_{t - 1}"
        d.wire(previous, f"cell_{t}", path=True)
        d.note((x - step / 2 + (0.15 if t == 1 else 0.0), 1.8), "$W_h$")
    ax.text(step * (T + 1) / 2, -0.5, r"the same $W_x$, $W_h$, $b$ at every step",
            ha="center", va="center", fontsize=11, color="0.3")
    return ax


def draw_lstm_cell(ax=None):
    """One LSTM step, gate order i, f, g, o: ``c_t = f c_{t-1} + i g``, ``h_t = o tanh(c_t)``.

    The cell-state path ``c_{t-1} -> (times f) -> (plus i g) -> c_t`` runs along the top and
    is highlighted: a gradient along it is multiplied by ``f`` only. The four gate boxes read
    ``a = x_t W_x + h_{t-1} W_h + b (N, 4H)``; each is labelled with its gate and with the
    columns of ``a`` it takes, in the library's order ``rnnlab.functional.LSTM_GATES``.

    Args:
        ax: Axes to draw on; a new figure when None.

    Returns:
        The Axes. Nodes are named (matplotlib gid) ``c_prev``, ``c_next``, ``h_prev``,
        ``h_next``, ``x``, the gates ``i``, ``f``, ``g``, ``o``, and the operations
        ``forget_mul``, ``input_mul``, ``add``, ``tanh_c``, ``output_mul``; arrows are
        labelled ``"source->target"``, gid ``"path"`` on the cell-state path.
    """
    from .functional import LSTM_GATES

    ax = _diagram_axes(ax, (5.6, 3.9))
    d = _Diagram(ax, (-0.45, 7.6), (-0.75, 4.1))
    top, mid, gates_y, bus = 3.6, 2.65, 1.6, 0.5
    columns = {"f": 1.6, "i": 2.6, "g": 4.2, "o": 5.3}
    d.label("c_prev", (0.0, top), "$c_{t-1}$")
    d.label("c_next", (7.2, top), "$c_t$")
    d.label("h_prev", (0.0, bus), "$h_{t-1}$")
    d.label("h_next", (7.2, bus), "$h_t$")
    d.label("x", (0.9, -0.45), "$x_t$")
    d.op("forget_mul", (1.6, top), r"$\odot$")
    d.op("add", (3.4, top), "$+$")
    d.op("input_mul", (3.4, mid), r"$\odot$")
    d.point("c_branch", (6.2, top))
    d.box("tanh_c", (6.2, mid), r"$\tanh$", fill=_TANH_FILL, size=11)
    d.op("output_mul", (6.2, gates_y), r"$\odot$")
    d.point("h_branch", (6.2, bus))
    d.chain("c_prev", "forget_mul", "add", "c_branch", "c_next", path=True)
    d.chain("c_branch", "tanh_c", "output_mul", "h_branch", "h_next")
    # the gates, read from one stacked pre-activation a (N, 4H)
    d.point("bus_start", (0.9, bus))
    d.wire("h_prev", "bus_start", head=False)
    d.wire("x", "bus_start", head=False)
    previous = "bus_start"
    for name in ("f", "i", "g", "o"):
        x = columns[name]
        d.box(name, (x, gates_y), r"$\tanh$" if name == "g" else r"$\sigma$",
              fill=_TANH_FILL if name == "g" else _GATE_FILL, size=12)
        d.point(f"bus_{name}", (x, bus))
        d.wire(previous, f"bus_{name}", head=False)
        d.wire(f"bus_{name}", name)
        d.note((x + 0.08, 1.0), _block(LSTM_GATES.index(name)), ha="left", size=10)
        previous = f"bus_{name}"
    d.wire("f", "forget_mul")
    d.wire("i", "input_mul")
    d.wire("g", "input_mul")
    d.wire("input_mul", "add")
    d.wire("o", "output_mul")
    for name, xy in {"f": (1.75, 2.65), "i": (2.72, 2.35), "g": (4.05, 2.35),
                     "o": (5.72, 1.88)}.items():
        d.note(xy, f"${name}$", size=13, color=_INK, ha="left" if name == "f" else "center")
    d.note((3.1, 0.12), r"$a = x_t W_x + h_{t-1} W_h + b$", size=11)
    return ax


def draw_gru_cell(reset_after: bool = True, ax=None):
    """One GRU step, gate order r, z, n: ``h_t = (1 - z) n + z h_{t-1}``.

    The state path ``h_{t-1} -> (times z) -> (plus (1 - z) n) -> h_t`` runs along the top and
    is highlighted: a gradient along it is multiplied by ``z`` at every step. The reset gate
    ``r`` multiplies ``a^h_n = h_{t-1} W_hn + b_hn`` (``reset_after=True``, PyTorch) or
    ``h_{t-1}`` before its product with ``W_hn`` (``reset_after=False``, Cho et al. 2014).
    Each gate is labelled with the columns of ``W_x (D, 3H)`` and ``W_h (H, 3H)`` it uses, in
    the library's order ``rnnlab.functional.GRU_GATES``.

    Args:
        reset_after: the variant drawn (True or False).
        ax: Axes to draw on; a new figure when None.

    Returns:
        The Axes. Nodes are named (matplotlib gid) ``h_prev``, ``h_next``, ``x``, the gates
        ``r``, ``z``, ``n`` and the operations ``keep_mul``, ``one_minus``, ``mix_mul``,
        ``add``, ``reset_mul``; arrows are labelled ``"source->target"``, gid ``"path"`` on
        the state path.
    """
    from .functional import GRU_GATES

    reset_after = check_bool("reset_after", reset_after)
    ax = _diagram_axes(ax, (5.6, 3.7))
    d = _Diagram(ax, (-0.45, 7.6), (-0.75, 4.0))
    top, mid, gates_y, bus = 3.6, 2.6, 1.6, 0.5
    d.label("h_prev", (0.0, top), "$h_{t-1}$")
    d.label("h_next", (7.2, top), "$h_t$")
    d.label("x", (1.25, -0.45), "$x_t$")
    d.point("h_branch", (0.7, top))
    d.op("keep_mul", (1.9, top), r"$\odot$")
    d.op("add", (5.4, top), "$+$")
    d.chain("h_prev", "h_branch", "keep_mul", "add", "h_next", path=True)
    # h_{t-1} and x_t meet on the bus that feeds the gates
    d.point("bus_start", (0.7, bus))
    d.point("bus_x", (1.25, bus))
    d.wire("h_branch", "bus_start", head=False)
    d.wire("x", "bus_x", head=False)
    d.wire("bus_start", "bus_x", head=False)
    columns = {"z": 1.9, "r": 3.1, "n": 5.4}
    previous = "bus_x"
    for name in ("z", "r", "reset_in", "n"):
        x = 4.25 if name == "reset_in" else columns[name]
        d.point(f"bus_{name}", (x, bus))
        d.wire(previous, f"bus_{name}", head=False)
        previous = f"bus_{name}"
        if name == "reset_in":
            continue
        d.box(name, (x, gates_y), r"$\tanh$" if name == "n" else r"$\sigma$",
              fill=_TANH_FILL if name == "n" else _GATE_FILL, size=12)
        d.wire(f"bus_{name}", name)
        d.note((x + 0.08, 1.0), _block(GRU_GATES.index(name)), ha="left", size=10)
    # z keeps the old state and, as 1 - z, weighs the candidate
    d.point("z_branch", (1.9, mid))
    d.op("one_minus", (3.1, mid), r"$1{-}$")
    d.op("mix_mul", (5.4, mid), r"$\odot$")
    d.chain("z", "z_branch", "keep_mul")
    d.chain("z_branch", "one_minus", "mix_mul", "add")
    # the reset gate inside the candidate
    d.op("reset_mul", (4.25, gates_y), r"$\odot$")
    d.chain("r", "reset_mul", "n", "mix_mul")
    d.wire("bus_reset_in", "reset_mul")
    if reset_after:
        d.note((4.33, 1.0), "$a^h_n$", ha="left", size=11)
        formula = r"$n = \tanh(a^x_n + r \odot a^h_n)$"
    else:
        d.note((4.33, 1.0), "$h_{t-1}$", ha="left", size=11)
        d.note((4.82, 1.36), "$W_{hn}$", size=10)
        formula = r"$n = \tanh(a^x_n + (r \odot h_{t-1}) W_{hn} + b_{hn})$"
    for name, xy in {"z": (1.75, 2.1), "r": (3.62, 1.85), "n": (5.55, 2.1)}.items():
        d.note(xy, f"${name}$", size=13, color=_INK, ha="right" if name == "z" else "left")
    d.note((3.5, 0.12), r"$a^x = x_t W_x + b_x,\; a^h = h_{t-1} W_h + b_h$", size=11)
    ax.set_title(formula, fontsize=11, color="0.3")
    return ax
