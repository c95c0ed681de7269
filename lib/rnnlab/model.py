"""A recurrent language model: embedding -> 1..L recurrent layers -> linear -> softmax.

Given token ids ``inputs (N, T)``, the model predicts at every position the next token:

    x = Embedding(inputs)            (N, T, E)
    h = RNN/LSTM/GRU layers (x)      (N, T, H)   L layers, dropout between and after them
    logits = h W_out + b_out         (N, T, V)   one matrix product over all N*T positions
    loss = mean cross-entropy of targets (N, T) under softmax(logits), optionally masked

``loss`` then ``backward`` (or ``loss_and_grads``) give gradients for every parameter in one flat
dict whose names say where each array lives: ``"embed.W"``, ``"layers.0.W_x"``, ...,
``"out.W"``, ``"out.b"``. ``generate`` continues a prompt, one token at a time.

An untrained model predicts nearly uniform probabilities, so its first loss is about
``log V`` nats per token: a quick sanity check.
"""
from __future__ import annotations

import numbers

import numpy as np

from rnnlab import sampling
from rnnlab._validate import (
    DTypeError,
    KeyMismatchError,
    NonFiniteError,
    ShapeError,
    check_bool,
    check_float_dtype,
    check_id,
    check_ids,
    check_positive_int,
    check_probability,
    check_rng,
)
from rnnlab.layers import GRU, LSTM, RNN, Dropout, Embedding, Layer, Linear, SoftmaxCrossEntropy, Stacked

__all__ = ["LanguageModel"]

_CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class LanguageModel(Layer):
    """Embedding -> ``num_layers`` recurrent layers (``cell``) -> linear, trained with
    softmax cross-entropy.

    Args:
        vocab_size: V, the number of token ids.
        embed_size: E, the size of a token vector.
        hidden_size: H, the hidden size of every recurrent layer.
        num_layers: L, the number of stacked recurrent layers.
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"`` (tanh).
        dropout: probability of inverted dropout on the output of every recurrent layer
            (between layers and before the output projection); active only in training mode.
        reset_after: GRU variant (True: PyTorch/Keras; False: Cho et al. 2014/d2l).
        stateful: carry the final states of one batch into the next (truncated BPTT with
            contiguous batches such as ``rnnlab.data.tbptt_batches``); ``reset_state()`` forgets.
        seed: seed of the initialization and of dropout (same seed: same model, bit for bit).
        dtype: float32 (speed, default) or float64 (gradient checks).

    Attributes:
        params: flat dict of every trainable array (updated in place by optimizers).
        grads: same keys, filled by ``backward``.
        config: the constructor arguments; ``LanguageModel(**model.config)`` rebuilds the model.
        embed, layers, dropout, out: the parts (``Embedding``, ``Stacked``, ``Dropout``,
            ``Linear``); ``layers.layers[l].cache`` holds layer l's gates after a forward.
            Every dropout draws from one generator, ``dropout.rng`` (a checkpoint saves its
            state to resume the same run).
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, *, num_layers: int = 1,
                 cell: str = "lstm", dropout: float = 0.0, reset_after: bool = True,
                 stateful: bool = False, seed: int = 0, dtype=np.float32):
        super().__init__()
        V = check_positive_int("vocab_size", vocab_size)
        E = check_positive_int("embed_size", embed_size)
        H = check_positive_int("hidden_size", hidden_size)
        L = check_positive_int("num_layers", num_layers)
        if not isinstance(cell, str) or cell not in _CELLS:
            raise ValueError(f"cell: expected one of {sorted(_CELLS)}, got {cell!r}")
        p = check_probability("dropout", dropout)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
        dt = check_float_dtype("dtype", dtype)
        reset_after = check_bool("reset_after", reset_after)
        stateful = check_bool("stateful", stateful)
        self.config = dict(vocab_size=V, embed_size=E, hidden_size=H, num_layers=L, cell=cell,
                           dropout=p, reset_after=reset_after, stateful=stateful,
                           seed=int(seed), dtype=dt.name)
        # Two independent streams: changing the dropout rate never changes the initial weights.
        init_rng, dropout_rng = np.random.default_rng(seed).spawn(2)
        extra = {"reset_after": reset_after} if cell == "gru" else {}
        self.embed = Embedding(V, E, rng=init_rng, dtype=dt)
        self.layers = Stacked(
            [_CELLS[cell](E if l == 0 else H, H, rng=init_rng, dtype=dt, stateful=stateful, **extra)
             for l in range(L)],
            dropout=p, rng=dropout_rng,
        )
        self.dropout = Dropout(p, rng=dropout_rng)
        self.out = Linear(H, V, rng=init_rng, dtype=dt)
        self.criterion = SoftmaxCrossEntropy()
        self.params = self.named_params("params")
        self.grads = self.named_params("grads")
        self._has_loss = False

    # ------------------------------------------------------------------ bookkeeping

    def children(self) -> list[Layer]:
        return [self.embed, self.layers, self.dropout, self.out]

    def named_children(self) -> list[tuple[str, Layer]]:
        return [("embed", self.embed), ("layers", self.layers), ("out", self.out)]

    @property
    def vocab_size(self) -> int:
        """V, the number of token ids."""
        return self.config["vocab_size"]

    @property
    def dtype(self) -> np.dtype:
        """The float dtype of every parameter (float32 or float64)."""
        return np.dtype(self.config["dtype"])

    @property
    def stateful(self) -> bool:
        """True when the final states of one batch are carried into the next."""
        return self.config["stateful"]

    def reset_state(self) -> None:
        """Forget the states carried between batches (stateful mode): call at each epoch start."""
        self.layers.reset_state()

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        """Copy values into the model's arrays (same names, shapes; cast to the model's dtype).

        The arrays stay the same objects, so optimizers holding them keep working.
        """
        if not isinstance(params, dict):
            raise TypeError(f"params: expected a dict name -> array (like model.params), "
                            f"got {type(params).__name__}")
        unknown = sorted(map(repr, set(params) - set(self.params)))
        missing = sorted(set(self.params) - set(params))
        if unknown or missing:
            raise KeyMismatchError(f"params: names differ from the model's; unknown [{', '.join(unknown)}], "
                                   f"missing {missing}")
        # Every value is checked before any is copied, so a rejected call changes nothing.
        for name, value in params.items():
            target, where = self.params[name], f"params[{name!r}]"
            if not isinstance(value, np.ndarray):
                raise TypeError(f"{where}: expected a numpy array of shape {target.shape}, "
                                f"got {type(value).__name__}")
            if value.shape != target.shape:
                raise ShapeError(f"{where}: expected shape {target.shape}, got {value.shape}")
            if value.dtype.kind not in "fiu":
                raise DTypeError(f"{where}: expected a real (float or integer) array, got dtype {value.dtype}")
            if value.dtype.kind == "f" and not np.isfinite(value).all():
                raise NonFiniteError(f"{where}: expected finite values, got NaN or inf")
        for name, value in params.items():
            np.copyto(self.params[name], value, casting="same_kind")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"LanguageModel({args})  # {self.num_params():,} parameters"

    # ------------------------------------------------------------------ training

    def forward(self, ids: np.ndarray) -> np.ndarray:
        """ids (N, T) integers in [0, V) -> logits (N, T, V) for the next token at each position.

        In stateful mode the recurrent layers start from the states left by the previous call.
        """
        self._check_ids("ids", ids)
        xs = self.embed.forward(ids)
        hs = self.dropout.forward(self.layers.forward(xs))
        return self.out.forward(hs)

    def loss(self, inputs: np.ndarray, targets: np.ndarray, mask: np.ndarray | None = None) -> float:
        """Mean cross-entropy in nats per scored token.

        Args:
            inputs: (N, T) ids fed to the model.
            targets: (N, T) ids to predict (usually ``inputs`` shifted by one).
            mask: (N, T) 0/1 or bool, or None; positions with 0 (padding) are not scored.

        Returns:
            The loss as a Python float; ``backward()`` then computes its gradients.
        """
        self._check_ids("inputs", inputs)  # so that the message names inputs, not forward's ids
        logits = self.forward(inputs)
        value = self.criterion.forward(logits, targets, mask)
        self._has_loss = True
        return value

    def backward(self) -> dict[str, np.ndarray]:
        """Gradients of the last ``loss`` for every parameter: fills and returns ``grads``."""
        if not self._has_loss:
            raise RuntimeError("LanguageModel.backward() needs a loss(): call loss() first")
        self._has_loss = False  # the loss buffer becomes the gradient; one backward per loss
        dhs = self.dropout.backward(self.out.backward(self.criterion.backward()))
        self.embed.backward(self.layers.backward(dhs))
        self.grads = self.named_params("grads")
        return self.grads

    def loss_and_grads(self, inputs: np.ndarray, targets: np.ndarray, mask: np.ndarray | None = None):
        """``(loss, grads)`` for one batch: ``loss(...)`` followed by ``backward()``."""
        value = self.loss(inputs, targets, mask)
        return value, self.backward()

    # ------------------------------------------------------------------ generation

    def generate(self, prompt_ids, n: int, *, temperature: float = 1.0, top_k: int | None = None,
                 greedy: bool = False, rng: np.random.Generator | None = None,
                 stop_id: int | None = None) -> list[int]:
        """Continue a prompt by ``n`` tokens, each drawn from the model's next-token distribution.

        The prompt is read in one sequence pass (starting from zero states); then each new token
        costs one step of every layer. Training caches, carried states and dropout are not
        touched, so generation can happen between training steps.

        Args:
            prompt_ids: (T,) ids in [0, V), T >= 1 (an int array or a list of ints).
            n: the maximum number of new tokens.
            temperature: > 0; lower is more conservative (see ``rnnlab.sampling.sample``).
            top_k: None, or sample only among the ``top_k`` most likely tokens.
            greedy: always take the most likely token (then ``rng`` is not needed).
            rng: ``np.random.default_rng(seed)``; required unless ``greedy``.
            stop_id: stop as soon as this id is produced; it is not included in the result.

        Returns:
            The new ids (without the prompt), at most ``n`` of them.
        """
        prompt = self._check_prompt(prompt_ids)
        n = check_positive_int("n", n)
        greedy = check_bool("greedy", greedy)
        if stop_id is not None:
            check_id("stop_id", stop_id, self.vocab_size)
        if greedy:
            check_rng("rng", rng, optional=True)
        elif not isinstance(rng, np.random.Generator):
            raise TypeError("rng: sampling needs a numpy Generator such as np.random.default_rng(0) "
                            f"(or pass greedy=True), got {type(rng).__name__}")
        W_embed, W_out, b_out = self.embed.params["W"], self.out.params["W"], self.out.params["b"]
        hs, states = self.layers.scan(W_embed[prompt][None])  # (1, T, H) for the whole prompt
        h = hs[:, -1]
        new_ids: list[int] = []
        for _ in range(n):
            logits = h @ W_out + b_out  # (1, V)
            if greedy:
                next_id = sampling.greedy(logits[0])
            else:
                next_id = sampling.sample(logits[0], temperature=temperature, top_k=top_k, rng=rng)
            if next_id == stop_id:
                break
            new_ids.append(next_id)
            if len(new_ids) == n:
                break  # no step for a token that nothing will read
            states = self.layers._step_from(W_embed[next_id][None], states)  # states are ours
            h = states[-1][0]
        return new_ids

    def _check_ids(self, name: str, ids) -> None:
        """(N, T) ids in [0, V), N, T >= 1 (checked here so that an empty batch is blamed on the
        ids, not on the layers' xs)."""
        check_ids(name, ids, "N, T", self.vocab_size)
        if ids.size == 0:
            raise ShapeError(f"{name}: expected at least one sequence and one time step "
                             f"(N >= 1, T >= 1), got shape {ids.shape}")

    def _check_prompt(self, prompt_ids) -> np.ndarray:
        if not isinstance(prompt_ids, (np.ndarray, list, tuple)):
            raise TypeError(f"prompt_ids: expected a (T,) array or list of ids, got {type(prompt_ids).__name__}")
        prompt = np.asarray(prompt_ids)
        if prompt.ndim != 1 or prompt.size == 0:
            raise ShapeError(f"prompt_ids: expected a non-empty 1-D sequence of ids (T,), "
                             f"got shape {prompt.shape}")
        check_ids("prompt_ids", prompt, "T", self.vocab_size)
        return prompt
