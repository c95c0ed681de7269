"""Move weights between rnnlab and PyTorch, so that any model can be checked against torch.nn.

PyTorch is optional: importing this module without it raises an ImportError that says how to
install it. Nothing else in rnnlab imports this module.

The mapping (rnnlab's conventions were chosen so that it is one to one; G = 1 for the RNN,
4 for the LSTM, 3 for the GRU, and both libraries order the gates i, f, g, o and r, z, n):

============================  ==================================  ==================================
torch                         rnnlab                              note
============================  ==================================  ==================================
``weight_ih_l{k}``            ``W_x = weight_ih.T`` (D, G*H)
``weight_hh_l{k}``            ``W_h = weight_hh.T`` (H, G*H)
``bias_ih + bias_hh``         ``b`` (G*H,), RNN and LSTM          exported as ``bias_ih = b``,
                                                                  ``bias_hh = 0``
``bias_ih``, ``bias_hh``      ``b_x``, ``b_h`` (3H,), GRU         both kept: r multiplies ``b_hn``
``*_reverse``                 the ``bwd`` layer of a
                              ``Bidirectional``
``num_layers = L``            ``Stacked`` of L layers             ``dropout`` kept
``Embedding.weight``          ``Embedding`` ``W`` (V, E)
``Linear.weight``, ``.bias``  ``Linear`` ``W = weight.T``, ``b``
============================  ==================================  ==================================

rnnlab layers are batch first. ``batch_first`` only changes how torch reads its input, not its
weights: :func:`from_torch` accepts both, :func:`to_torch` takes it as an argument, and
:func:`run_like_torch` runs an rnnlab layer with torch's calling convention (including
``batch_first=False`` and the ``h_n`` / ``(h_n, c_n)`` state layout) for side-by-side checks;
:func:`torch_named_arrays` gives an rnnlab object's parameters or gradients under torch's names.
A whole :class:`rnnlab.model.LanguageModel` converts with :func:`language_model_to_torch` /
:func:`language_model_from_torch` to and from :class:`TorchLanguageModel` (embedding, recurrent
module, dropout, linear).

Not representable, rejected with a message: ``proj_size > 0``, ``nonlinearity="relu"``, an
embedding with ``padding_idx`` or ``max_norm`` (they change the gradient or the forward), and in
the other direction a GRU with ``reset_after=False`` (torch's GRU applies the reset gate after
the recurrent product) or a ``Bidirectional`` whose merge is not ``"concat"``. A torch module
without biases loads with rnnlab biases at zero (the same function).
"""
from __future__ import annotations

import numpy as np

try:
    import torch
    from torch import nn
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "rnnlab.torch_interop needs PyTorch, which is optional for rnnlab and not installed here. "
        "Install it with `pip install torch==2.13.0` (a CPU build is enough)."
    ) from err

from rnnlab import layers as L
from rnnlab._validate import ShapeError, check_array, check_bool, check_float_dtype
from rnnlab.model import LanguageModel

__all__ = [
    "from_torch",
    "to_torch",
    "torch_named_arrays",
    "run_like_torch",
    "initial_state_grads",
    "TorchLanguageModel",
    "language_model_to_torch",
    "language_model_from_torch",
]

_CELLS = {nn.RNN: L.RNN, nn.LSTM: L.LSTM, nn.GRU: L.GRU}
_TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def _numpy(t: "torch.Tensor", dtype) -> np.ndarray:
    """A detached tensor as a new numpy array of ``dtype``."""
    return t.detach().cpu().numpy().astype(dtype, copy=True)


def _dtype_of(module: "nn.Module", dtype) -> np.dtype:
    """The requested dtype, else the module's parameter dtype (float32 or float64)."""
    if dtype is None:
        dtype = next(module.parameters()).detach().cpu().numpy().dtype
    return check_float_dtype("dtype", dtype)


def _set_params(layer: "L.Layer", values: dict[str, np.ndarray]) -> None:
    """Copy ``values`` into the layer's parameter arrays in place (wrappers hold the same arrays)."""
    for name, value in values.items():
        target = layer.params[name]
        if target.shape != value.shape:
            raise ShapeError(f"{name}: expected shape {target.shape}, got {value.shape}")
        target[...] = value


# --------------------------------------------------------------------------------------------
# torch -> rnnlab
# --------------------------------------------------------------------------------------------


def _check_recurrent_options(module) -> None:
    """Reject the torch options that rnnlab's recurrent layers cannot represent."""
    if getattr(module, "proj_size", 0):
        raise ValueError(
            f"proj_size={module.proj_size}: LSTMs with projections have no rnnlab equivalent; "
            "use proj_size=0"
        )
    if isinstance(module, nn.RNN) and module.nonlinearity != "tanh":
        raise ValueError(
            f"nonlinearity={module.nonlinearity!r}: rnnlab's RNN computes tanh; "
            "use nn.RNN(..., nonlinearity='tanh')"
        )


def _cell_from_torch(module, layer: int, suffix: str, input_size: int, dt, rng) -> "L.Layer":
    """One direction of one layer of a torch recurrent module as an rnnlab RNN/LSTM/GRU."""
    H = module.hidden_size
    cell = _CELLS[type(module)](input_size, H, rng=rng, dtype=dt)
    name = f"l{layer}{suffix}"
    w_ih = _numpy(getattr(module, f"weight_ih_{name}"), dt)
    w_hh = _numpy(getattr(module, f"weight_hh_{name}"), dt)
    if module.bias:
        b_ih = _numpy(getattr(module, f"bias_ih_{name}"), dt)
        b_hh = _numpy(getattr(module, f"bias_hh_{name}"), dt)
    else:  # no biases in torch: rnnlab's stay at zero, which computes the same function
        b_ih = b_hh = np.zeros(w_ih.shape[0], dt)
    values = {"W_x": w_ih.T, "W_h": w_hh.T}
    if isinstance(module, nn.GRU):
        values.update(b_x=b_ih, b_h=b_hh)  # kept apart: the reset gate multiplies b_hn only
    else:
        values["b"] = b_ih + b_hh  # both are added to the same pre-activation
    _set_params(cell, values)
    return cell


def _recurrent_from_torch(module, dt, rng) -> "L.Layer":
    """nn.RNN / nn.LSTM / nn.GRU -> a layer, a Bidirectional, or a Stacked of either."""
    _check_recurrent_options(module)
    per_layer = []
    input_size = module.input_size
    for k in range(module.num_layers):
        fwd = _cell_from_torch(module, k, "", input_size, dt, rng)
        if module.bidirectional:
            bwd = _cell_from_torch(module, k, "_reverse", input_size, dt, rng)
            per_layer.append(L.Bidirectional(fwd, bwd, merge="concat"))
            input_size = 2 * module.hidden_size
        else:
            per_layer.append(fwd)
            input_size = module.hidden_size
    if module.num_layers == 1:
        return per_layer[0]
    return L.Stacked(per_layer, dropout=module.dropout, rng=rng)


def from_torch(module: "nn.Module", *, dtype=None, rng: np.random.Generator | None = None):
    """An rnnlab layer holding a copy of a torch module's weights.

    Args:
        module: ``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` (any ``num_layers``, ``bidirectional``,
            ``batch_first``, ``bias``), ``nn.Embedding`` or ``nn.Linear``.
        dtype: float32 or float64; default: the module's parameter dtype.
        rng: generator for the dropout between stacked layers (``dropout > 0``); default
            ``np.random.default_rng(0)``. The loaded weights never depend on it.

    Returns:
        ``RNN`` / ``LSTM`` / ``GRU`` for one unidirectional layer, ``Bidirectional(...,
        merge="concat")`` for one bidirectional layer, ``Stacked`` of those for ``num_layers >
        1``; ``Embedding``; ``Linear``. The rnnlab layer is batch first whatever the module's
        ``batch_first``.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module: expected a torch.nn.Module, got {type(module).__name__}")
    rng = np.random.default_rng(0) if rng is None else rng
    if type(module) in _CELLS:
        return _recurrent_from_torch(module, _dtype_of(module, dtype), rng)
    if isinstance(module, nn.Embedding):
        if module.padding_idx is not None or module.max_norm is not None:
            raise ValueError(
                "nn.Embedding with padding_idx or max_norm has no rnnlab equivalent (they change "
                "the gradient or the forward); build it with padding_idx=None, max_norm=None"
            )
        dt = _dtype_of(module, dtype)
        layer = L.Embedding(module.num_embeddings, module.embedding_dim, rng=rng, dtype=dt)
        _set_params(layer, {"W": _numpy(module.weight, dt)})
        return layer
    if isinstance(module, nn.Linear):
        dt = _dtype_of(module, dtype)
        layer = L.Linear(module.in_features, module.out_features, rng=rng, dtype=dt)
        bias = (_numpy(module.bias, dt) if module.bias is not None
                else np.zeros(module.out_features, dt))
        _set_params(layer, {"W": _numpy(module.weight, dt).T, "b": bias})
        return layer
    raise TypeError(
        f"module: expected nn.RNN, nn.LSTM, nn.GRU, nn.Embedding or nn.Linear, "
        f"got {type(module).__name__}"
    )


# --------------------------------------------------------------------------------------------
# rnnlab -> torch
# --------------------------------------------------------------------------------------------

_TORCH_CELLS = {L.RNN: nn.RNN, L.LSTM: nn.LSTM, L.GRU: nn.GRU}


def _directions(layer, name: str = "layer") -> list:
    """One stacked level as its list of cells: ``[cell]`` or ``[fwd, bwd]``."""
    if isinstance(layer, L.Bidirectional):
        if layer.merge != "concat":
            raise ValueError(
                f"Bidirectional(merge={layer.merge!r}) has no torch equivalent: torch "
                "concatenates the two directions; use merge='concat'"
            )
        return [layer.fwd, layer.bwd]
    if type(layer) in _TORCH_CELLS:
        return [layer]
    raise TypeError(
        f"{name}: expected an rnnlab RNN, LSTM, GRU or Bidirectional of them, got {type(layer).__name__}"
    )


def _cells_by_level(layer, name: str = "layer") -> list[list]:
    """``[[cells of level 0], [cells of level 1], ...]`` for a layer, Bidirectional or Stacked."""
    if isinstance(layer, L.Stacked):
        return [_directions(level, f"{name}.layers[{l}]") for l, level in enumerate(layer.layers)]
    return [_directions(layer, name)]


def _check_uniform(levels: list[list]) -> tuple[type, int, int]:
    """torch needs one cell type, one hidden size and one direction count for all levels."""
    first = levels[0][0]
    kind, H, dirs = type(first), first.hidden_size, len(levels[0])
    for k, cells in enumerate(levels):
        for cell in cells:
            if type(cell) is not kind or cell.hidden_size != H or len(cells) != dirs:
                raise ValueError(
                    f"level {k}: torch needs every stacked layer to be a {kind.__name__} with "
                    f"hidden_size={H} and {dirs} direction(s), got {type(cell).__name__} with "
                    f"hidden_size={cell.hidden_size} and {len(cells)} direction(s)"
                )
            if getattr(cell, "reset_after", True) is False:
                raise ValueError(
                    "GRU(reset_after=False) has no torch equivalent: nn.GRU applies the reset "
                    "gate after the recurrent product (reset_after=True)"
                )
    return kind, H, dirs


def _recurrent_named(levels: list[list], grads: bool, prefix: str = "") -> dict[str, np.ndarray]:
    """torch-named arrays of a recurrent stack: ``weight_ih_l0``, ..., ``bias_hh_l1_reverse``."""
    out = {}
    for k, cells in enumerate(levels):
        for cell, suffix in zip(cells, ["", "_reverse"]):
            src = cell.grads if grads else cell.params
            if isinstance(cell, L.GRU):
                b_ih, b_hh = src["b_x"], src["b_h"]
            elif grads:  # b enters as b_ih + b_hh, so each receives the whole of db
                b_ih, b_hh = src["b"], src["b"]
            else:  # all of b goes to bias_ih, so that b_ih + b_hh == b exactly
                b_ih, b_hh = src["b"], np.zeros_like(src["b"])
            for tname, value in (("weight_ih", src["W_x"].T), ("weight_hh", src["W_h"].T),
                                 ("bias_ih", b_ih), ("bias_hh", b_hh)):
                out[f"{prefix}{tname}_l{k}{suffix}"] = np.ascontiguousarray(value)
    return out


def torch_named_arrays(obj, *, grads: bool = False) -> dict[str, np.ndarray]:
    """An rnnlab object's parameters (or gradients) under the names and layouts torch uses.

    Args:
        obj: an ``Embedding`` (``weight``), ``Linear`` (``weight`` (M, D), ``bias``), a
            recurrent layer / ``Bidirectional`` / ``Stacked`` (``weight_ih_l0``, ...,
            ``bias_hh_l{k}_reverse``) or a ``LanguageModel`` (the names of
            :class:`TorchLanguageModel`: ``embed.weight``, ``rnn.weight_ih_l0``, ...,
            ``out.bias``).
        grads: return the gradients of the last ``backward`` instead of the parameters. An RNN
            or LSTM bias ``b`` feeds both ``bias_ih`` and ``bias_hh``, so both get ``db``.

    Returns:
        ``{torch_name: array}``; compare with ``dict(module.named_parameters())`` (values or
        ``.grad``), or load with ``module.load_state_dict``.
    """
    grads = check_bool("grads", grads)
    if isinstance(obj, LanguageModel):
        named = {f"embed.{k}": v for k, v in torch_named_arrays(obj.embed, grads=grads).items()}
        named.update(_recurrent_named(_cells_by_level(obj.layers), grads, prefix="rnn."))
        named.update({f"out.{k}": v for k, v in torch_named_arrays(obj.out, grads=grads).items()})
        return named
    if isinstance(obj, (L.Embedding, L.Linear)):
        src = obj.grads if grads else obj.params
        if isinstance(obj, L.Embedding):
            return {"weight": src["W"]}
        return {"weight": np.ascontiguousarray(src["W"].T), "bias": src["b"]}
    return _recurrent_named(_cells_by_level(obj, "obj"), grads)


def _load(module: "nn.Module", named: dict[str, np.ndarray]) -> "nn.Module":
    """Copy ``named`` arrays into the module's parameters (every name must match)."""
    module.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in named.items()}, strict=True)
    return module


def _recurrent_module(levels: list[list], batch_first: bool, dropout: float) -> "nn.Module":
    """An empty torch recurrent module shaped like ``levels`` (one kind, size and direction count)."""
    kind, H, dirs = _check_uniform(levels)
    first = levels[0][0]
    return _TORCH_CELLS[kind](first.input_size, H, num_layers=len(levels), batch_first=batch_first,
                              dropout=dropout, bidirectional=dirs == 2,
                              dtype=_TORCH_DTYPES[first.dtype])


def to_torch(layer, *, batch_first: bool = True) -> "nn.Module":
    """A torch module holding a copy of an rnnlab layer's weights (inverse of :func:`from_torch`).

    Args:
        layer: ``RNN`` / ``LSTM`` / ``GRU``; ``Bidirectional`` of two of the same kind and size
            with ``merge="concat"``; ``Stacked`` of those (one kind, one hidden size);
            ``Embedding``; ``Linear``.
        batch_first: the returned recurrent module's ``batch_first`` (rnnlab is batch first).

    Returns:
        ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (``num_layers``, ``bidirectional`` and ``dropout``
        taken from the layer), ``nn.Embedding`` or ``nn.Linear``, in the layer's dtype. RNN and
        LSTM biases go to ``bias_ih`` with ``bias_hh = 0``. A stateful layer exports the same
        weights: carrying states between calls is up to the caller in torch (``hx``).
    """
    batch_first = check_bool("batch_first", batch_first)
    if isinstance(layer, L.Embedding):
        W = layer.params["W"]
        module = nn.Embedding(*W.shape, dtype=_TORCH_DTYPES[W.dtype])
    elif isinstance(layer, L.Linear):
        W = layer.params["W"]
        module = nn.Linear(*W.shape, dtype=_TORCH_DTYPES[W.dtype])
    else:
        dropout = layer.dropouts[0].p if isinstance(layer, L.Stacked) and layer.dropouts else 0.0
        module = _recurrent_module(_cells_by_level(layer), batch_first, dropout)
    return _load(module, torch_named_arrays(layer))


# --------------------------------------------------------------------------------------------
# Running an rnnlab layer with torch's calling convention
# --------------------------------------------------------------------------------------------


def _state_names(cell) -> tuple[str, ...]:
    """The states a cell carries: ``("h", "c")`` for an LSTM, ``("h",)`` otherwise."""
    return ("h", "c") if isinstance(cell, L.LSTM) else ("h",)


def _split_hx(levels, hx, N: int):
    """torch's ``h0`` or ``(h0, c0)``, each (L * dirs, N, H), -> one state tuple per cell."""
    cells = [cell for level in levels for cell in level]
    names = _state_names(cells[0])
    if hx is None:
        return [None] * len(cells)
    parts = (hx,) if len(names) == 1 else tuple(hx)
    if len(parts) != len(names):
        wanted = " and ".join(n + "0" for n in names)
        raise ValueError(f"hx: expected {wanted}, got {len(parts)} array(s)")
    sizes = {"K": len(cells), "N": N, "H": cells[0].hidden_size}
    for name, part in zip(names, parts):
        check_array(f"hx ({name}0)", part, "K, N, H", dict(sizes))
    return [tuple(part[i] for part in parts) for i in range(len(cells))]


def run_like_torch(layer, inputs: np.ndarray, hx=None, *, batch_first: bool = True):
    """Run an rnnlab recurrent layer as torch runs the equivalent module (a training forward).

    Args:
        layer: ``RNN`` / ``LSTM`` / ``GRU``, ``Bidirectional`` (concat) or ``Stacked`` of them,
            e.g. as returned by :func:`from_torch`.
        inputs: (N, T, D) if ``batch_first`` else (T, N, D) (torch's ``input``).
        hx: ``None`` (zeros), ``h0`` or, for an LSTM, ``(h0, c0)``; each (L * dirs, N, H),
            ordered layer by layer, forward direction before backward (torch's order).
        batch_first: the layout of ``inputs`` and of the returned output.

    Returns:
        ``(output, h_n)``, or ``(output, (h_n, c_n))`` for an LSTM: output (N, T, dirs * H)
        (or (T, N, dirs * H)), states (L * dirs, N, H). The layer keeps its caches, so
        ``layer.backward(doutput)`` can follow (with the output gradient batch first).
    """
    levels = _cells_by_level(layer)
    batch_first = check_bool("batch_first", batch_first)
    check_array("inputs", inputs, "N, T, D" if batch_first else "T, N, D",
                {"D": levels[0][0].input_size})
    xs = inputs if batch_first else np.swapaxes(inputs, 0, 1)
    states = _split_hx(levels, hx, xs.shape[0])
    per_level, i = [], 0
    for cells in levels:
        level_states = states[i:i + len(cells)]
        i += len(cells)
        per_level.append(level_states[0] if len(cells) == 1 else tuple(level_states))
    if isinstance(layer, L.Stacked):
        out = layer.forward(xs, per_level)
    else:
        out = layer.forward(xs, *(per_level[0] or ()))
    finals = [cell.state for cells in levels for cell in cells]
    stacked = tuple(np.stack([f[j] for f in finals]) for j in range(len(finals[0])))
    output = out if batch_first else np.swapaxes(out, 0, 1)
    return output, (stacked[0] if len(stacked) == 1 else stacked)


def initial_state_grads(layer):
    """After ``layer.backward``: the gradient for torch's ``h0`` (or ``(h0, c0)``), (L*dirs, N, H)."""
    cells = [cell for level in _cells_by_level(layer) for cell in level]
    names = _state_names(cells[0])
    grads = tuple(np.stack([getattr(cell, f"d{n}0") for cell in cells]) for n in names)
    return grads[0] if len(grads) == 1 else grads


# --------------------------------------------------------------------------------------------
# Whole language model
# --------------------------------------------------------------------------------------------

_CELL_NAMES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class TorchLanguageModel(nn.Module):
    """The torch twin of :class:`rnnlab.model.LanguageModel`.

    ``embed`` (nn.Embedding) -> ``rnn`` (nn.RNN / nn.LSTM / nn.GRU, batch first, dropout
    between layers) -> ``dropout`` -> ``out`` (nn.Linear); ``forward(ids (N, T)) -> logits
    (N, T, V)``. In eval mode (or with dropout 0) it computes what the rnnlab model computes.
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, *, num_layers: int = 1,
                 cell: str = "lstm", dropout: float = 0.0, dtype=torch.float32):
        super().__init__()
        if not isinstance(cell, str) or cell not in _CELL_NAMES:
            raise ValueError(f"cell: expected one of {sorted(_CELL_NAMES)}, got {cell!r}")
        self.embed = nn.Embedding(vocab_size, embed_size, dtype=dtype)
        # torch applies an RNN's dropout between layers only (and warns when there is one layer).
        self.rnn = _CELL_NAMES[cell](embed_size, hidden_size, num_layers=num_layers,
                                     batch_first=True, dropout=dropout if num_layers > 1 else 0.0,
                                     dtype=dtype)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, vocab_size, dtype=dtype)

    def forward(self, ids: "torch.Tensor") -> "torch.Tensor":
        """ids (N, T) int64 -> logits (N, T, V)."""
        hs, _ = self.rnn(self.embed(ids))
        return self.out(self.dropout(hs))


def language_model_to_torch(model: LanguageModel) -> TorchLanguageModel:
    """A :class:`TorchLanguageModel` with a copy of an rnnlab ``LanguageModel``'s weights.

    Raises:
        ValueError: for a GRU model with ``reset_after=False`` (no torch equivalent).
    """
    if not isinstance(model, LanguageModel):
        raise TypeError(f"model: expected an rnnlab LanguageModel, got {type(model).__name__}")
    cfg = model.config
    if cfg["cell"] == "gru" and not cfg["reset_after"]:
        raise ValueError(
            "GRU(reset_after=False) has no torch equivalent: nn.GRU applies the reset gate after "
            "the recurrent product; build the model with reset_after=True"
        )
    module = TorchLanguageModel(cfg["vocab_size"], cfg["embed_size"], cfg["hidden_size"],
                                num_layers=cfg["num_layers"], cell=cfg["cell"],
                                dropout=cfg["dropout"], dtype=_TORCH_DTYPES[model.dtype])
    return _load(module, torch_named_arrays(model))


def language_model_from_torch(module: "nn.Module", *, seed: int = 0, dtype=None) -> LanguageModel:
    """An rnnlab ``LanguageModel`` with a copy of a torch model's weights.

    Args:
        module: a :class:`TorchLanguageModel`, or any module with the same parts: ``embed``
            (nn.Embedding), ``rnn`` (unidirectional nn.RNN / nn.LSTM / nn.GRU with
            ``batch_first=True`` and ``input_size`` equal to the embedding size) and ``out``
            (nn.Linear from the hidden size to the vocabulary size). Dropout is taken from
            ``module.dropout`` (an nn.Dropout) when there is one, else from ``rnn.dropout``.
        seed: the rnnlab model's seed (it only drives dropout here: every weight is copied).
        dtype: float32 or float64; default: the module's parameter dtype.
    """
    parts = {name: getattr(module, name, None) for name in ("embed", "rnn", "out")}
    if not (isinstance(parts["embed"], nn.Embedding) and type(parts["rnn"]) in _CELLS
            and isinstance(parts["out"], nn.Linear)):
        raise TypeError(
            "module: expected a language model with parts embed (nn.Embedding), rnn (nn.RNN, "
            f"nn.LSTM or nn.GRU) and out (nn.Linear), such as TorchLanguageModel, got "
            f"{type(module).__name__}"
        )
    embed, rnn, out = parts["embed"], parts["rnn"], parts["out"]
    if rnn.bidirectional or not rnn.batch_first:
        raise ValueError(
            f"module.rnn: expected a unidirectional, batch_first=True module (a language model "
            f"reads left to right), got bidirectional={rnn.bidirectional}, "
            f"batch_first={rnn.batch_first}"
        )
    if rnn.input_size != embed.embedding_dim or out.in_features != rnn.hidden_size \
            or out.out_features != embed.num_embeddings:
        raise ShapeError(
            f"module: sizes do not chain: embed {embed.num_embeddings}x{embed.embedding_dim}, "
            f"rnn {rnn.input_size}->{rnn.hidden_size}, out {out.in_features}->{out.out_features}"
        )
    dt = _dtype_of(module, dtype)
    cell = {nn.RNN: "rnn", nn.LSTM: "lstm", nn.GRU: "gru"}[type(rnn)]
    dropout_layer = getattr(module, "dropout", None)
    dropout = dropout_layer.p if isinstance(dropout_layer, nn.Dropout) else rnn.dropout
    model = LanguageModel(embed.num_embeddings, embed.embedding_dim, rnn.hidden_size,
                          num_layers=rnn.num_layers, cell=cell, dropout=dropout, seed=seed,
                          dtype=dt)
    loaded = [from_torch(embed, dtype=dt), from_torch(rnn, dtype=dt), from_torch(out, dtype=dt)]
    params = {f"embed.{k}": v for k, v in loaded[0].params.items()}
    params.update({f"layers.{k}": v for k, v in _stacked_params(loaded[1]).items()})
    params.update({f"out.{k}": v for k, v in loaded[2].params.items()})
    model.set_params(params)
    return model


def _stacked_params(layer) -> dict[str, np.ndarray]:
    """Params of a single recurrent layer or a Stacked, named as a Stacked names them (``0.W_x``)."""
    if isinstance(layer, L.Stacked):
        return layer.params
    return {f"0.{k}": v for k, v in layer.params.items()}
