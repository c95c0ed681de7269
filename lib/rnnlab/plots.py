"""Figures: training curves, gate activations over a text, gradient norms across time.

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
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, StrMethodFormatter

with warnings.catch_warnings():
    # koreanize_matplotlib 0.1.1 compares versions with distutils' deprecated LooseVersion.
    warnings.simplefilter("ignore", DeprecationWarning)
    import koreanize_matplotlib  # noqa: F401  (imported for its effect: a Hangul-capable font)

# NanumGothic has Hangul but lacks some symbols (the minus sign U+2212, arrows such as the
# "↵" that marks a newline token): DejaVu Sans, shipped with matplotlib, fills those gaps.
plt.rcParams["font.family"] = ["NanumGothic", "DejaVu Sans"]

from ._validate import ShapeError, check_array
from .train import History

__all__ = ["plot_history", "plot_gate_activations", "plot_gradient_norms"]

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
