"""Layer objects: parameters, gradients, forward and backward in one place.

The protocol every layer follows (Deep Learning from Scratch 2 style):

* ``layer.params``: ``dict[str, ndarray]`` of trainable arrays. Optimizers update them in place,
  so the dict always holds the very arrays the layer computes with.
* ``layer.grads``: a dict with the same keys. ``backward`` *overwrites* it (it does not
  accumulate): after ``forward`` then ``backward``, ``grads[k]`` is dLoss/d``params[k]``.
* ``layer.forward(...)`` computes the output and keeps what ``backward`` needs;
  ``layer.backward(dout)`` returns the gradient with respect to the layer's input.
* ``layer.training`` (set with ``train()`` / ``eval()``) switches dropout on and off.

The recurrent layers (:class:`RNN`, :class:`LSTM`, :class:`GRU`) wrap the pure functions of
:mod:`rnnlab.functional`; this module adds parameters, initialization and the *stateful* mode
of truncated backpropagation through time (BPTT): with ``stateful=True`` the last state of one
``forward`` becomes the initial state of the next, as a constant (no gradient flows from one
call into the previous one), until ``reset_state()``.

Initialization follows PyTorch so that untrained models behave alike: every weight and bias of
a recurrent layer or of :class:`Linear` is drawn from ``uniform(-1/sqrt(K), 1/sqrt(K))`` with
``K`` the hidden size (recurrent) or the number of input features (linear); embeddings from
``normal(0, 1)``. All draws come from the ``rng`` argument (``np.random.default_rng(seed)``).

Dimension letters: N batch, T time, D input features, E embedding size, H hidden size,
V vocabulary size, M output features.
"""
from __future__ import annotations

import numpy as np

from rnnlab import functional as F
from rnnlab._validate import (
    DTypeError,
    ShapeError,
    check_array,
    check_bool,
    check_finite_real,
    check_float_dtype,
    check_ids,
    check_positive_int,
    check_probability,
    check_rng,
)

__all__ = [
    "Layer",
    "Embedding",
    "Linear",
    "SoftmaxCrossEntropy",
    "Dropout",
    "RNN",
    "LSTM",
    "GRU",
    "Stacked",
    "Bidirectional",
]

# Below this vocabulary size, the embedding gradient is fastest as one (V, N*T) x (N*T, E)
# one-hot product; above it, as a sorted segment sum (measured on N*T = 2048, E = 256).
_ONE_HOT_MAX_VOCAB = 128


# ----------------------------------------------------------------------------- shared helpers


def _uniform(rng: np.random.Generator, bound: float, shape, dtype: np.dtype) -> np.ndarray:
    """Draws from uniform(-bound, bound), made in float64 so both dtypes see the same values."""
    return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def _check_state(name: str, state, layer, N: int | None) -> tuple | None:
    """``state`` is None or a tuple/list of one ``(N, H)`` array per state of ``layer``
    (``(h,)``, ``(h, c)`` for LSTM; a pair of such tuples for a Bidirectional layer)."""
    if state is None:
        return None
    names = getattr(layer, "_state_names", None)
    if names is None and isinstance(layer, Bidirectional):
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise TypeError(f"{name}: expected None or the pair (fwd state, bwd state), "
                            f"got {_describe_value(state)}")
        return (_check_state(f"{name}[0]", state[0], layer.fwd, N),
                _check_state(f"{name}[1]", state[1], layer.bwd, N))
    if names is None:  # a layer of another kind checks its own state
        return tuple(state) if isinstance(state, (tuple, list)) else state
    letters = ", ".join(f"{n}0" for n in names)
    if not isinstance(state, (tuple, list)) or len(state) != len(names):
        raise TypeError(f"{name}: expected None or a tuple of {len(names)} array(s) ({letters}), "
                        f"each (N, H), got {_describe_value(state)}")
    sizes = {"H": layer.hidden_size} if N is None else {"N": N, "H": layer.hidden_size}
    for i, a in enumerate(state):
        if a is not None:
            check_array(f"{name}[{i}]", a, "N, H", sizes)
    return tuple(state)


def _describe_value(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    return type(value).__name__


def _require(cache, layer: str):
    """The forward cache, or a clear error when backward comes before forward."""
    if cache is None:
        raise RuntimeError(f"{layer}.backward() called before {layer}.forward()")
    return cache


class Layer:
    """Base class: ``params``, ``grads`` (same keys), ``training`` flag and child layers."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True

    def children(self) -> list["Layer"]:
        """Layers held by this one (their ``training`` flag follows this one's)."""
        return []

    def named_children(self) -> list[tuple[str, "Layer"]]:
        """``(prefix, layer)`` for each child whose parameters this layer holds as
        ``"<prefix>.<name>"``; empty for a layer that owns its parameters itself."""
        return []

    def named_params(self, kind: str = "params") -> dict[str, np.ndarray]:
        """Every parameter (``kind="params"``) or gradient (``kind="grads"``) of this layer and
        its children, in one flat dict whose names carry the children's prefixes
        (``"0.W_x"``, ``"fwd.b"``, ``"layers.1.W_h"``). The arrays are the layers' own, not copies."""
        if kind not in ("params", "grads"):
            raise ValueError(f"kind: expected 'params' or 'grads', got {kind!r}")
        named = self.named_children()
        if not named:
            return dict(getattr(self, kind))
        return {f"{prefix}.{k}": v for prefix, child in named for k, v in child.named_params(kind).items()}

    def train(self, mode: bool = True) -> "Layer":
        """Switch training behaviour (dropout) on, or off with ``mode=False``; returns self."""
        self.training = check_bool("mode", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> "Layer":
        """Switch to inference behaviour (no dropout); returns self."""
        return self.train(False)

    def num_params(self) -> int:
        """Number of trainable scalars."""
        return sum(p.size for p in self.params.values())

    def _set_grads(self, **grads: np.ndarray) -> None:
        # A new dict each time: backward overwrites, never accumulates.
        self.grads = grads


# ----------------------------------------------------------------------------- feed-forward


def _sum_rows_by_id(ids: np.ndarray, rows: np.ndarray, num_ids: int) -> np.ndarray:
    """``out[v] = sum of rows[i] over i with ids[i] == v``: the scatter-add of an embedding.

    Args:
        ids: (K,) integer ids in ``[0, num_ids)``; repeats are summed.
        rows: (K, E) values to add.
        num_ids: V, the number of output rows.

    Returns:
        (V, E) array of ``rows.dtype``.
    """
    if num_ids <= _ONE_HOT_MAX_VOCAB:
        one_hot = np.zeros((num_ids, ids.size), rows.dtype)
        one_hot[ids, np.arange(ids.size)] = 1
        return one_hot @ rows
    out = np.zeros((num_ids, rows.shape[1]), rows.dtype)
    if ids.size == 0:
        return out
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    out[sorted_ids[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


class Embedding(Layer):
    """Token ids to vectors: ``out[n, t] = W[ids[n, t]]``.

    Params: ``W (V, E)`` initialized from ``normal(0, 1)`` (as ``torch.nn.Embedding``).
    """

    def __init__(self, vocab_size: int, embed_size: int, *, rng, dtype=np.float32):
        super().__init__()
        V = check_positive_int("vocab_size", vocab_size)
        E = check_positive_int("embed_size", embed_size)
        dt = check_float_dtype("dtype", dtype)
        self.params["W"] = check_rng("rng", rng).standard_normal((V, E)).astype(dt, copy=False)
        self.grads["W"] = np.zeros_like(self.params["W"])
        self._ids = None

    def forward(self, ids: np.ndarray) -> np.ndarray:
        """ids (N, T) integers in [0, V) -> vectors (N, T, E)."""
        W = self.params["W"]
        check_ids("ids", ids, "N, T", W.shape[0])
        self._ids = ids.copy()  # a copy: the caller may reuse its id buffer before backward
        return np.take(W, ids, axis=0)

    def backward(self, dout: np.ndarray) -> None:
        """dout (N, T, E) -> fills ``grads["W"] (V, E)``; returns None (ids have no gradient).

        A token that appears several times receives the sum of its rows' gradients.
        """
        ids = _require(self._ids, "Embedding")
        W = self.params["W"]
        check_array("dout", dout, "N, T, E", {"N": ids.shape[0], "T": ids.shape[1], "E": W.shape[1]})
        _check_same(dout, W, "dout")
        rows = dout.reshape(-1, W.shape[1])
        self._set_grads(W=_sum_rows_by_id(ids.reshape(-1), rows, W.shape[0]))
        return None


class Linear(Layer):
    """Affine map applied at every position: ``out = x @ W + b``.

    Params: ``W (D, M)``, ``b (M,)``, both from ``uniform(-1/sqrt(D), 1/sqrt(D))`` (as
    ``torch.nn.Linear``). Input ``(N, D)`` or ``(N, T, D)``; all positions go through one
    matrix product.
    """

    def __init__(self, in_features: int, out_features: int, *, rng, dtype=np.float32):
        super().__init__()
        D = check_positive_int("in_features", in_features)
        M = check_positive_int("out_features", out_features)
        dt = check_float_dtype("dtype", dtype)
        rng = check_rng("rng", rng)
        bound = 1.0 / np.sqrt(D)
        self.params["W"] = _uniform(rng, bound, (D, M), dt)
        self.params["b"] = _uniform(rng, bound, (M,), dt)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x2d = None
        self._out_shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, D) or (N, T, D) -> (N, M) or (N, T, M).

        ``backward`` uses a private copy of this ``x``, so the caller may reuse or modify its
        buffer between ``forward`` and ``backward``.
        """
        W, b = self.params["W"], self.params["b"]
        dims = "N, D" if getattr(x, "ndim", 0) == 2 else "N, T, D"
        check_array("x", x, dims, {"D": W.shape[0]})
        _check_same(x, W)
        # Copy rather than keep a view of the caller's array: one pass over x costs little next
        # to the product's M multiply-adds per value, and a caller that overwrites its buffer
        # before backward would otherwise get silently wrong weight gradients (as Embedding
        # copies its ids for the same reason).
        self._x2d = np.array(x, order="C").reshape(-1, W.shape[0])
        self._out_shape = (*x.shape[:-1], W.shape[1])
        out = self._x2d @ W
        out += b
        return out.reshape(*x.shape[:-1], W.shape[1])

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., M) -> dx (..., D); fills ``grads["W"] (D, M)`` and ``grads["b"] (M,)``."""
        x2d = _require(self._x2d, "Linear")
        W = self.params["W"]
        letters = "(N, M)" if len(self._out_shape) == 2 else "(N, T, M)"
        if not isinstance(dout, np.ndarray) or dout.shape != self._out_shape:
            raise ShapeError(
                f"dout: expected {x2d.shape[0]} positions of M={W.shape[1]} values, shape "
                f"{letters} = {self._out_shape} (the forward output's), "
                f"got {getattr(dout, 'shape', type(dout).__name__)}"
            )
        _check_same(dout, W, "dout")
        check_array("dout", dout, letters[1:-1])  # finite (a NaN gradient means divergence)
        dout2d = dout.reshape(-1, W.shape[1])
        self._set_grads(W=x2d.T @ dout2d, b=dout2d.sum(axis=0))
        return (dout2d @ W.T).reshape(*dout.shape[:-1], W.shape[0])


def _check_same(x: np.ndarray, W: np.ndarray, name: str = "x") -> None:
    """Inputs must have the parameters' dtype (mixing float32 and float64 is an error)."""
    if x.dtype != W.dtype:
        raise DTypeError(f"{name}: expected dtype {W.dtype} (the layer's dtype), got {x.dtype}")


def _mask_weights(mask, dims: str, sizes: dict[str, int], dtype: np.dtype) -> np.ndarray:
    """A 0/1 (or bool) mask of shape ``dims`` (the targets') as float weights of ``dtype``;
    rejects an all-zero mask."""
    if not isinstance(mask, np.ndarray):
        raise DTypeError(f"mask: expected a numpy array of shape ({dims}) of 0/1 or bool, "
                         f"got {type(mask).__name__}")
    if not (mask.dtype == bool or np.issubdtype(mask.dtype, np.number)):
        raise DTypeError(f"mask: expected bool or 0/1 numbers, got dtype {mask.dtype}")
    weights = mask.astype(dtype)
    # NaN/inf are let through to the 0/1 check below: a mask holding NaN is bad input ("expected
    # only 0 and 1"), not a NonFiniteError, which the training loop reads as divergence.
    check_array("mask", weights, dims, dict(sizes), allow_nan=True)
    if not np.all((weights == 0) | (weights == 1)):
        bad = weights[(weights != 0) & (weights != 1)].flat[0]
        raise ValueError(f"mask: expected only 0 and 1 (or bool), got {bad}")
    if not weights.any():
        raise ValueError("mask: expected at least one 1 (a token to score), got all zeros")
    return weights


class SoftmaxCrossEntropy(Layer):
    """Mean negative log-likelihood (nats per scored token) of targets under softmax(logits).

    ``loss = sum_{n,t} mask[n,t] * -log softmax(logits[n,t])[targets[n,t]] / sum(mask)``;
    without a mask every position counts. The log-softmax subtracts each row's maximum first,
    so large logits cannot overflow. No parameters.
    """

    def __init__(self):
        super().__init__()
        self._probs = None

    def forward(self, logits: np.ndarray, targets: np.ndarray, mask: np.ndarray | None = None) -> float:
        """logits (N, T, V) float, targets (N, T) ids in [0, V), mask (N, T) 0/1 or None -> loss.

        One prediction per sequence also works: logits (N, V), targets (N,), mask (N,).

        Returns:
            The loss as a Python float (nats per unmasked token).
        """
        per_sequence = getattr(logits, "ndim", 3) == 2
        target_dims = "N" if per_sequence else "N, T"
        sizes = check_array("logits", logits, "N, V" if per_sequence else "N, T, V")
        check_ids("targets", targets, target_dims, sizes["V"], sizes)
        if targets.size == 0:  # a mean over no positions is undefined
            raise ShapeError(f"logits: expected at least one position to score (N >= 1"
                             f"{'' if per_sequence else ', T >= 1'}), got shape {logits.shape}")
        weights = None if mask is None else _mask_weights(mask, target_dims, sizes, logits.dtype)
        V = sizes["V"]
        rows = np.arange(targets.size)
        flat_targets = targets.reshape(-1)
        # One private (N*T, V) buffer goes shifted logits -> exp -> probabilities, in place.
        buf = logits.reshape(-1, V) - logits.reshape(-1, V).max(axis=1, keepdims=True)
        picked = buf[rows, flat_targets]  # the target's shifted logit
        np.exp(buf, out=buf)
        totals = buf.sum(axis=1)
        nll = np.log(totals) - picked  # (N*T,) = log sum exp - logit of the target
        buf /= totals[:, None]
        if weights is None:
            count = nll.size
            loss = nll.sum() / count
            self._scale = logits.dtype.type(1.0 / count)
        else:
            w = weights.reshape(-1)
            count = w.sum()
            loss = (nll * w).sum() / count
            self._scale = (w / count)[:, None]
        self._probs, self._targets, self._shape = buf, flat_targets, logits.shape
        return float(loss)

    def backward(self, dloss: float = 1.0) -> np.ndarray:
        """-> dlogits (N, T, V) (or (N, V)) = dloss * (softmax - one_hot(targets)) * mask / sum(mask).

        Args:
            dloss: dLoss/dloss, a finite real number (1.0 when the loss is the final output).

        The returned array reuses the forward's private buffer, so backward may be called once
        per forward.
        """
        probs = _require(self._probs, "SoftmaxCrossEntropy")
        # Checked before the buffer is consumed, so a rejected call leaves backward usable.
        check_finite_real("dloss", dloss)
        self._probs = None  # consumed: the buffer becomes the gradient
        probs[np.arange(probs.shape[0]), self._targets] -= 1
        probs *= self._scale
        if dloss != 1.0:
            probs *= probs.dtype.type(dloss)
        return probs.reshape(self._shape)


class Dropout(Layer):
    """Inverted dropout: in training, zero each value with probability ``p`` and scale the
    rest by ``1 / (1 - p)``, so inference (``eval()``) is the identity.
    """

    def __init__(self, p: float, *, rng):
        super().__init__()
        self.p = check_probability("p", p)
        self.rng = check_rng("rng", rng)
        self._mask = None
        self._input = None  # (shape, dtype) of the last forward input, for backward's checks

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (any shape, float) -> same shape; ``x`` itself when dropout is inactive (eval mode
        or ``p == 0``), else a new array."""
        check_array("x", x, ", ".join(f"d{i}" for i in range(getattr(x, "ndim", 0))))
        self._input = (x.shape, x.dtype)
        if not self.training or self.p == 0.0:
            self._mask = None
            return x
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p
        self._mask = keep * x.dtype.type(1.0 / (1.0 - self.p))
        return x * self._mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (same shape and dtype as the forward input) -> dx."""
        shape, dtype = _require(self._input, "Dropout")
        check_array("dout", dout, ", ".join(f"d{i}" for i in range(len(shape))),
                    {f"d{i}": n for i, n in enumerate(shape)})
        if dout.dtype != dtype:
            raise DTypeError(f"dout: expected dtype {dtype} (the forward input's), got {dout.dtype}")
        return dout if self._mask is None else dout * self._mask


# ----------------------------------------------------------------------------- recurrent


class _Recurrent(Layer):
    """Bookkeeping shared by RNN, LSTM and GRU: initial/final states, stateful mode, backward.

    Subclasses define ``_state_names`` (``("h",)`` or ``("h", "c")``), ``_run`` (functional
    sequence forward), ``_run_backward`` and ``_step`` (functional one-step forward).
    """

    _state_names: tuple[str, ...] = ("h",)

    def __init__(self, input_size, hidden_size, *, rng, dtype, stateful):
        super().__init__()
        D = check_positive_int("input_size", input_size)
        H = check_positive_int("hidden_size", hidden_size)
        self.input_size, self.hidden_size = D, H
        self.dtype = check_float_dtype("dtype", dtype)
        self.stateful = check_bool("stateful", stateful)
        self.state: tuple[np.ndarray, ...] | None = None  # final state of the last forward
        self.cache = None  # functional cache of the last forward (its gates, for plots)
        check_rng("rng", rng)

    def _init_params(self, rng: np.random.Generator, names_shapes) -> None:
        """Draw each parameter from uniform(-1/sqrt(H), 1/sqrt(H)) in the given order."""
        bound = 1.0 / np.sqrt(self.hidden_size)
        for name, shape in names_shapes:
            self.params[name] = _uniform(rng, bound, shape, self.dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def reset_state(self) -> None:
        """Forget the carried state: the next forward starts from zeros (stateful mode)."""
        self.state = None

    def _initial(self, xs, given: tuple) -> tuple:
        """The initial state for a forward: the given arrays, else the carried state when
        stateful, else Nones (the functional core then starts from zeros)."""
        if any(s is not None for s in given) or not self.stateful or self.state is None:
            return given
        N = xs.shape[0]
        if self.state[0].shape[0] != N:
            raise ShapeError(
                f"xs: expected batch size N={self.state[0].shape[0]} (the carried state's), got "
                f"N={N}; call reset_state() before changing the batch size of a stateful layer"
            )
        return self.state

    def _check_input(self, name: str, x, dims: str) -> None:
        # Checked here so that a wrong D is blamed on the input, not on the layer's W_x.
        check_array(name, x, dims, {"D": self.input_size})

    def _forward(self, xs, given: tuple) -> np.ndarray:
        self._check_input("xs", xs, "N, T, D")
        hs, final, self.cache = self._run(xs, self._initial(xs, given))
        # Copies: the carried state must not alias hs, which the caller owns.
        self.state = tuple(s.copy() for s in final)
        return hs

    def backward(self, dhs: np.ndarray) -> np.ndarray:
        """dhs (N, T, H) -> dxs (N, T, D); fills ``grads`` and the initial-state gradients
        (``dh0``, and ``dc0`` for LSTM). In stateful mode those are not passed to the previous
        call: truncated BPTT stops at the start of each forward."""
        cache = _require(self.cache, type(self).__name__)
        dxs, dstate0, grads = self._run_backward(dhs, cache)
        for name, d in zip(self._state_names, dstate0):
            setattr(self, f"d{name}0", d)
        self._set_grads(**grads)
        return dxs

    def scan(self, xs: np.ndarray, state: tuple | None = None):
        """Inference over a sequence without touching the cache or the carried state.

        Args:
            xs: (N, T, D) inputs.
            state: initial state tuple ``(h0,)`` (``(h0, c0)`` for LSTM) or None for zeros.

        Returns:
            hs (N, T, H) and the final state tuple.
        """
        self._check_input("xs", xs, "N, T, D")
        state = _check_state("state", state, self, xs.shape[0])
        initial = (None,) * len(self._state_names) if state is None else state
        hs, final, _ = self._run(xs, initial)
        return hs, final

    def step(self, x: np.ndarray, state: tuple | None = None) -> tuple:
        """One time step for inference (generation).

        Args:
            x: (N, D) inputs at this step.
            state: state tuple ``(h_prev,)`` (``(h_prev, c_prev)`` for LSTM), None for zeros.

        Returns:
            The next state tuple; its first entry is ``h_next (N, H)``.
        """
        self._check_input("x", x, "N, D")
        state = _check_state("state", state, self, x.shape[0])
        if state is None:
            state = tuple(np.zeros((x.shape[0], self.hidden_size), self.dtype) for _ in self._state_names)
        return self._step(x, state)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"dtype={self.dtype}, stateful={self.stateful})")


class RNN(_Recurrent):
    """Tanh RNN over a batch of sequences: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)``.

    Params: ``W_x (D, H)``, ``W_h (H, H)``, ``b (H,)``. After ``forward``: ``state = (h_T,)``;
    after ``backward``: ``dh0 (N, H)``.
    """

    def __init__(self, input_size: int, hidden_size: int, *, rng, dtype=np.float32, stateful: bool = False):
        super().__init__(input_size, hidden_size, rng=rng, dtype=dtype, stateful=stateful)
        D, H = self.input_size, self.hidden_size
        self._init_params(rng, [("W_x", (D, H)), ("W_h", (H, H)), ("b", (H,))])

    def forward(self, xs: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        """xs (N, T, D), h0 (N, H) or None -> hs (N, T, H)."""
        return self._forward(xs, (h0,))

    def _run(self, xs, initial):
        p = self.params
        hs, cache = F.rnn_forward(xs, initial[0], p["W_x"], p["W_h"], p["b"])
        return hs, (hs[:, -1],), cache

    def _run_backward(self, dhs, cache):
        dxs, dh0, dW_x, dW_h, db = F.rnn_backward(dhs, cache)
        return dxs, (dh0,), dict(W_x=dW_x, W_h=dW_h, b=db)

    def _step(self, x, state):
        p = self.params
        h_next, _ = F.rnn_step_forward(x, state[0], p["W_x"], p["W_h"], p["b"])
        return (h_next,)


class LSTM(_Recurrent):
    """LSTM over a batch of sequences, gate order i, f, g, o (as PyTorch).

    Params: ``W_x (D, 4H)``, ``W_h (H, 4H)``, ``b (4H,)``. After ``forward``:
    ``state = (h_T, c_T)``; after ``backward``: ``dh0``, ``dc0 (N, H)``.
    """

    _state_names = ("h", "c")

    def __init__(self, input_size: int, hidden_size: int, *, rng, dtype=np.float32, stateful: bool = False):
        super().__init__(input_size, hidden_size, rng=rng, dtype=dtype, stateful=stateful)
        D, H = self.input_size, self.hidden_size
        self._init_params(rng, [("W_x", (D, 4 * H)), ("W_h", (H, 4 * H)), ("b", (4 * H,))])

    def forward(self, xs: np.ndarray, h0: np.ndarray | None = None,
                c0: np.ndarray | None = None) -> np.ndarray:
        """xs (N, T, D), h0 (N, H) or None, c0 (N, H) or None -> hs (N, T, H)."""
        return self._forward(xs, (h0, c0))

    def _run(self, xs, initial):
        p = self.params
        hs, cs, cache = F.lstm_forward(xs, initial[0], initial[1], p["W_x"], p["W_h"], p["b"])
        return hs, (hs[:, -1], cs[:, -1]), cache

    def _run_backward(self, dhs, cache):
        dxs, dh0, dc0, dW_x, dW_h, db = F.lstm_backward(dhs, cache)
        return dxs, (dh0, dc0), dict(W_x=dW_x, W_h=dW_h, b=db)

    def _step(self, x, state):
        p = self.params
        h_next, c_next, _ = F.lstm_step_forward(x, state[0], state[1], p["W_x"], p["W_h"], p["b"])
        return (h_next, c_next)


class GRU(_Recurrent):
    """GRU over a batch of sequences, gate order r, z, n, ``h_t = (1 - z) n + z h_{t-1}``.

    ``reset_after=True`` (PyTorch, Keras default) applies the reset gate after the recurrent
    product; ``reset_after=False`` (Cho et al. 2014, d2l) before it.
    Params: ``W_x (D, 3H)``, ``W_h (H, 3H)``, ``b_x (3H,)``, ``b_h (3H,)``. After ``forward``:
    ``state = (h_T,)``; after ``backward``: ``dh0 (N, H)``.
    """

    def __init__(self, input_size: int, hidden_size: int, *, rng, dtype=np.float32,
                 stateful: bool = False, reset_after: bool = True):
        super().__init__(input_size, hidden_size, rng=rng, dtype=dtype, stateful=stateful)
        self.reset_after = check_bool("reset_after", reset_after)
        D, H = self.input_size, self.hidden_size
        self._init_params(rng, [("W_x", (D, 3 * H)), ("W_h", (H, 3 * H)),
                                ("b_x", (3 * H,)), ("b_h", (3 * H,))])

    def forward(self, xs: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        """xs (N, T, D), h0 (N, H) or None -> hs (N, T, H)."""
        return self._forward(xs, (h0,))

    def _run(self, xs, initial):
        p = self.params
        hs, cache = F.gru_forward(xs, initial[0], p["W_x"], p["W_h"], p["b_x"], p["b_h"],
                                  reset_after=self.reset_after)
        return hs, (hs[:, -1],), cache

    def _run_backward(self, dhs, cache):
        dxs, dh0, dW_x, dW_h, db_x, db_h = F.gru_backward(dhs, cache)
        return dxs, (dh0,), dict(W_x=dW_x, W_h=dW_h, b_x=db_x, b_h=db_h)

    def _step(self, x, state):
        p = self.params
        h_next, _ = F.gru_step_forward(x, state[0], p["W_x"], p["W_h"], p["b_x"], p["b_h"],
                                       reset_after=self.reset_after)
        return (h_next,)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", reset_after={self.reset_after})"


# ----------------------------------------------------------------------------- wrappers


class Stacked(Layer):
    """Recurrent layers applied one after the other (a deep RNN): layer l reads the hidden
    states of layer l-1. With ``dropout > 0``, inverted dropout is applied between layers
    (not after the last one), as ``torch.nn.LSTM(dropout=...)``.

    Params are the layers' params under ``"<l>.<name>"`` (``"0.W_x"``, ``"1.W_h"``...).
    """

    def __init__(self, layers, dropout: float = 0.0, *, rng=None):
        super().__init__()
        if isinstance(layers, (Layer, str, np.ndarray)) or not hasattr(layers, "__iter__"):
            raise TypeError(f"layers: expected a list of recurrent layers, got {type(layers).__name__}")
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("layers: expected at least one recurrent layer, got none")
        for l, layer in enumerate(self.layers):
            if not isinstance(layer, Layer) or not hasattr(layer, "hidden_size"):
                raise TypeError(f"layers[{l}]: expected a recurrent layer (RNN, LSTM, GRU, "
                                f"Bidirectional), got {type(layer).__name__}")
            if l and layer.input_size != self.layers[l - 1].hidden_size:
                raise ValueError(f"layers[{l}]: expected input_size={self.layers[l - 1].hidden_size} "
                                 f"(layer {l - 1}'s hidden_size), got {layer.input_size}")
        p = check_probability("dropout", dropout)
        if p > 0 and rng is None:
            raise TypeError("rng: dropout > 0 needs a numpy Generator such as np.random.default_rng(0)")
        self.dropouts = [Dropout(p, rng=rng) for _ in self.layers[:-1]] if p > 0 else []
        self.input_size, self.hidden_size = self.layers[0].input_size, self.layers[-1].hidden_size
        self.params = self.named_params("params")
        self._collect_grads()

    def children(self) -> list[Layer]:
        return self.layers + self.dropouts

    def named_children(self) -> list[tuple[str, Layer]]:
        return [(str(l), layer) for l, layer in enumerate(self.layers)]

    def _collect_grads(self) -> None:
        self.grads = self.named_params("grads")

    @property
    def state(self) -> list:
        """The final state tuple of every layer after the last forward."""
        return [layer.state for layer in self.layers]

    def reset_state(self) -> None:
        """Reset the carried state of every layer."""
        for layer in self.layers:
            layer.reset_state()

    def forward(self, xs: np.ndarray, states: list | None = None) -> np.ndarray:
        """xs (N, T, D) -> hs (N, T, H) of the last layer.

        Args:
            xs: (N, T, D) inputs of the first layer.
            states: None, or one entry per layer: None or the tuple of initial states passed to
                that layer's forward (``(h0,)``, ``(h0, c0)``).
        """
        states = self._check_states(states, xs)
        out = xs
        for l, layer in enumerate(self.layers):
            out = layer.forward(out, *(states[l] or ()))
            if l < len(self.dropouts):
                out = self.dropouts[l].forward(out)
        return out

    def backward(self, dhs: np.ndarray) -> np.ndarray:
        """dhs (N, T, H) of the last layer -> dxs (N, T, D); fills ``grads``."""
        d = dhs
        for l in range(len(self.layers) - 1, -1, -1):
            if l < len(self.dropouts):
                d = self.dropouts[l].backward(d)
            d = self.layers[l].backward(d)
        self._collect_grads()
        return d

    def scan(self, xs: np.ndarray, states: list | None = None):
        """Inference (no dropout, no cache): -> hs (N, T, H) of the last layer and the list of
        final state tuples."""
        states = self._check_states(states, xs)
        finals = []
        out = xs
        for layer, state in zip(self.layers, states):
            out, final = layer.scan(out, state)
            finals.append(final)
        return out, finals

    def step(self, x: np.ndarray, states: list | None = None) -> list:
        """One step for inference: x (N, D) -> list of next state tuples (the last layer's
        ``h_next`` is ``result[-1][0]``)."""
        states = self._check_states(states, x)
        for layer in self.layers:
            if not hasattr(layer, "step"):
                raise TypeError(f"{type(layer).__name__} cannot run one step at a time (it reads "
                                "the whole sequence); use forward or scan")
        out, finals = x, []
        for layer, state in zip(self.layers, states):
            final = layer.step(out, state)
            finals.append(final)
            out = final[0]
        return finals

    def _step_from(self, x: np.ndarray, states: list) -> list:
        """``step`` for states that ``scan``/``step`` returned (generation): the state checks
        are skipped, since the library made those states (the functional step still checks)."""
        finals = []
        for layer, state in zip(self.layers, states):
            final = layer._step(x, tuple(state))
            finals.append(final)
            x = final[0]
        return finals

    def _check_states(self, states, xs) -> list:
        """None, or one entry per layer: None or that layer's state tuple."""
        L = len(self.layers)
        if states is None:
            return [None] * L
        if not isinstance(states, (list, tuple)):
            raise TypeError(f"states: expected None or a list of one state tuple (or None) per "
                            f"layer (L={L}), got {_describe_value(states)}")
        if len(states) != L:
            raise ValueError(f"states: expected one entry per layer (L={L}), got {len(states)}")
        N = xs.shape[0] if isinstance(xs, np.ndarray) and xs.ndim else None
        return [_check_state(f"states[{l}]", s, layer, N) for l, (s, layer) in enumerate(zip(states, self.layers))]


_MERGES = ("concat", "sum", "mul", "ave", None)


def _merge_directions(merge: str | None, hs_f: np.ndarray, hs_b: np.ndarray):
    """The one merge table (also rnnlab.keras.Bidirectional's): forward and backward outputs
    of the same shape (..., H) -> (..., 2H) for "concat", (..., H) for "sum"/"mul"/"ave", the
    pair itself for None."""
    if merge == "concat":
        return np.concatenate([hs_f, hs_b], axis=-1)
    if merge == "sum":
        return hs_f + hs_b
    if merge == "mul":
        return hs_f * hs_b
    if merge == "ave":
        out = hs_f + hs_b
        out *= out.dtype.type(0.5)
        return out
    return hs_f, hs_b


class Bidirectional(Layer):
    """Runs ``fwd_layer`` on the sequence and ``bwd_layer`` on the time-reversed sequence, then
    aligns the backward outputs with time again and merges both.

    ``merge``: ``"concat"`` -> (N, T, 2H) (forward half first), ``"sum"``, ``"mul"``, ``"ave"``
    -> (N, T, H), ``None`` -> the pair ``(hs_fwd, hs_bwd)``. ``state`` after forward is
    ``(fwd final state, bwd final state)``; the backward direction's final state is the one
    after reading ``xs[:, 0]``, as in PyTorch and Keras.
    Params: ``"fwd.<name>"`` and ``"bwd.<name>"``.
    """

    def __init__(self, fwd_layer, bwd_layer, merge: str | None = "concat"):
        super().__init__()
        if not any(merge is m or (isinstance(merge, str) and merge == m) for m in _MERGES):
            raise ValueError(f"merge: expected one of {_MERGES}, got {merge!r}")
        for name, layer in (("fwd_layer", fwd_layer), ("bwd_layer", bwd_layer)):
            if not isinstance(layer, _Recurrent):
                raise TypeError(f"{name}: expected a recurrent layer (RNN, LSTM or GRU), "
                                f"got {type(layer).__name__}")
            if getattr(layer, "stateful", False):
                raise ValueError(f"{name}: a bidirectional layer reads whole sequences; "
                                 "stateful=True is not supported")
        if fwd_layer.input_size != bwd_layer.input_size:
            raise ValueError(f"bwd_layer: expected input_size={fwd_layer.input_size} "
                             f"(the fwd_layer's), got {bwd_layer.input_size}")
        if merge in ("sum", "mul", "ave") and fwd_layer.hidden_size != bwd_layer.hidden_size:
            raise ValueError(f"bwd_layer: merge={merge!r} needs hidden_size={fwd_layer.hidden_size} "
                             f"(the fwd_layer's), got {bwd_layer.hidden_size}")
        self.fwd, self.bwd, self.merge = fwd_layer, bwd_layer, merge
        self.input_size = fwd_layer.input_size
        self.hidden_size = fwd_layer.hidden_size + (bwd_layer.hidden_size if merge == "concat" else 0)
        self.params = self.named_params("params")
        self._collect_grads()
        self._outputs = None

    def children(self) -> list[Layer]:
        return [self.fwd, self.bwd]

    def named_children(self) -> list[tuple[str, Layer]]:
        return [("fwd", self.fwd), ("bwd", self.bwd)]

    def _collect_grads(self) -> None:
        self.grads = self.named_params("grads")

    @property
    def state(self):
        """``(fwd final state tuple, bwd final state tuple)`` after the last forward."""
        return (self.fwd.state, self.bwd.state)

    def reset_state(self) -> None:
        """Reset the carried state of both directions."""
        self.fwd.reset_state()
        self.bwd.reset_state()

    def forward(self, xs: np.ndarray, fwd_state: tuple | None = None, bwd_state: tuple | None = None):
        """xs (N, T, D) -> merged outputs (see the class docstring).

        Args:
            xs: (N, T, D) inputs.
            fwd_state, bwd_state: None or the initial state tuple of each direction.
        """
        check_array("xs", xs, "N, T, D", {"D": self.input_size})
        fwd_state = _check_state("fwd_state", fwd_state, self.fwd, xs.shape[0])
        bwd_state = _check_state("bwd_state", bwd_state, self.bwd, xs.shape[0])
        hs_f = self.fwd.forward(xs, *(fwd_state or ()))
        # A contiguous reversed copy: the input projection reshapes it without another copy.
        hs_b = self.bwd.forward(np.ascontiguousarray(xs[:, ::-1]), *(bwd_state or ()))[:, ::-1]
        self._outputs = (hs_f, hs_b)
        return self._merge(hs_f, hs_b)

    def scan(self, xs: np.ndarray, states: tuple | None = None):
        """Inference without caches: xs (N, T, D) -> (merged outputs, (fwd final state, bwd final
        state)); ``states`` is None or that pair of initial state tuples."""
        check_array("xs", xs, "N, T, D", {"D": self.input_size})
        fwd_state, bwd_state = _check_state("states", states, self, xs.shape[0]) or (None, None)
        hs_f, final_f = self.fwd.scan(xs, fwd_state)
        hs_b, final_b = self.bwd.scan(xs[:, ::-1], bwd_state)
        return self._merge(hs_f, hs_b[:, ::-1]), (final_f, final_b)

    def _merge(self, hs_f, hs_b):
        return _merge_directions(self.merge, hs_f, hs_b)

    def backward(self, dout):
        """Gradient of the merged output -> dxs (N, T, D); fills ``grads``.

        ``dout`` has the forward output's shape; for ``merge=None`` it is the pair
        ``(dhs_fwd, dhs_bwd)``.
        """
        hs_f, hs_b = _require(self._outputs, "Bidirectional")
        d_f, d_b = self._split_gradient(dout, hs_f, hs_b)
        dxs = self.fwd.backward(d_f)
        dxs = dxs + self.bwd.backward(d_b[:, ::-1])[:, ::-1]
        self._collect_grads()
        return dxs

    def _split_gradient(self, dout, hs_f, hs_b):
        """The gradient of the merged output -> gradients of (hs_fwd, hs_bwd), both (N, T, H)."""
        if self.merge is None:
            if not (isinstance(dout, tuple) and len(dout) == 2):
                raise TypeError("dout: merge=None expects the pair (dhs_fwd, dhs_bwd), "
                                f"got {_describe_value(dout)}")
            for i, (d, hs) in enumerate(zip(dout, (hs_f, hs_b))):
                N, T, H = hs.shape
                check_array(f"dout[{i}]", d, "N, T, H", {"N": N, "T": T, "H": H})
                _check_same(d, hs, f"dout[{i}]")
            return dout
        H_f, H_b = hs_f.shape[2], hs_b.shape[2]
        if self.merge == "concat":
            expected = (*hs_f.shape[:2], H_f + H_b)
            letters = "(N, T, 2H)" if H_f == H_b else "(N, T, H_fwd + H_bwd)"
        else:
            expected, letters = hs_f.shape, "(N, T, H)"
        if not isinstance(dout, np.ndarray) or dout.shape != expected:
            raise ShapeError(f"dout: expected shape {expected}, i.e. {letters} (the forward "
                             f"output's), got {getattr(dout, 'shape', type(dout).__name__)}")
        check_array("dout", dout, "N, T, M")
        _check_same(dout, hs_f, "dout")
        if self.merge == "concat":
            return dout[:, :, :H_f], dout[:, :, H_f:]
        if self.merge == "sum":
            return dout, dout
        if self.merge == "mul":
            return dout * hs_b, dout * hs_f
        half = dout * dout.dtype.type(0.5)  # "ave"
        return half, half
