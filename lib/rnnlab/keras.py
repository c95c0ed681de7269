"""A Keras-compatible surface over rnnlab: the layers a Keras tutorial uses, with Keras's behaviour.

A learner coming from a Keras tutorial can run the same lines here, in numpy, and compare the
numbers with the library's own layers::

    from rnnlab import keras
    model = keras.Sequential([keras.Embedding(5000, 100), keras.SimpleRNN(128),
                              keras.Dense(1, activation="sigmoid")])
    model.summary()            # 500000 + 29312 + 129 = 529441 parameters, as Keras prints

What behaves as in Keras (2.x and 3.x, checked against the Keras documentation and source):

* ``SimpleRNN``, ``LSTM``, ``GRU``: ``units``, ``return_sequences``, ``return_state`` (the call
  returns ``[output, h]``, or ``[output, h, c]`` for the LSTM), ``go_backwards``,
  ``initial_state``, ``use_bias``, the initializer arguments and their defaults
  (``glorot_uniform`` kernel, ``orthogonal`` recurrent kernel, ``zeros`` bias),
  ``unit_forget_bias=True`` (the LSTM forget-gate bias starts at 1), ``reset_after=True``.
* ``Bidirectional``: ``merge_mode`` ``"concat"`` / ``"sum"`` / ``"mul"`` / ``"ave"`` / ``None``;
  with ``return_state`` it returns ``[output, *forward_states, *backward_states]`` (or
  ``[forward_output, backward_output, *states]`` when ``merge_mode=None``).
* ``Embedding``, ``Dense`` (activations ``None``/``"linear"``, ``"sigmoid"``, ``"softmax"``,
  ``"relu"``, ``"tanh"``), ``Sequential`` with ``Input``, ``add``, ``predict``, ``summary``,
  ``count_params``; ``get_weights()`` / ``set_weights()`` in Keras's layout.
* Layers build their weights from the shape of their first input (or from ``input_shape=``,
  or from an ``Input`` at the head of a ``Sequential``).

Weight layouts (Keras's, which ``get_weights`` returns and ``set_weights`` takes):

=========  =========================  ==================================  ==================
layer      kernel                     recurrent_kernel                    bias
=========  =========================  ==================================  ==================
SimpleRNN  (D, H)                     (H, H)                              (H,)
LSTM       (D, 4H), gates i, f, c, o  (H, 4H)                             (4H,)
GRU        (D, 3H), gates z, r, h     (H, 3H)                             (2, 3H) input and
                                                                          recurrent bias rows;
                                                                          (3H,) if
                                                                          reset_after=False
=========  =========================  ==================================  ==================

rnnlab's LSTM uses the same gate order (i, f, g, o), so its weights are Keras's as they are.
rnnlab's GRU orders its gates r, z, n (PyTorch's order): :func:`gru_weights_from_keras` and
:func:`gru_weights_to_keras` swap the first two gate blocks. Keras's ``reset_after=False`` GRU
has one bias, added to the input projection; rnnlab's has two, so the recurrent one is zero.

What differs from Keras, on purpose:

* Forward (inference) only: there is no ``compile`` / ``fit``. The maths is rnnlab's own
  (:mod:`rnnlab.functional`); train with :mod:`rnnlab.layers` and :mod:`rnnlab.model`.
* Recurrent layers support only Keras's default activations (``tanh``, with ``sigmoid`` gates),
  which are the ones rnnlab implements; another activation is a clear error.
* Training-time and masking options (``dropout``, ``recurrent_dropout``, ``stateful``,
  ``mask_zero``, regularizers, constraints) are not accepted: passing one is a ``TypeError``.
* Randomness is explicit: a layer given ``seed=`` draws its initial weights from
  ``np.random.default_rng(seed)``; a ``Sequential(seed=...)`` (default 0) seeds each of its
  layers from its own seed and the layer's position; a layer built on its own without a seed
  uses seed 0. The same seed gives the same weights.
* Several outputs come back as a list (Keras 2; Keras 3 returns a tuple: both unpack alike).
  ``summary()`` prints Keras 2's plain-text table, and an ``Embedding`` declares its input
  shape ``(None, input_length)`` as in Keras 2, so ``Embedding -> SimpleRNN -> Dense`` can be
  summarised before any call.
* ``dtype=None`` (the default) makes the weights take the float dtype of the first input
  (float32 when the input holds integer ids); later inputs are cast to that dtype, as Keras
  casts inputs to a layer's dtype.
"""
from __future__ import annotations

import abc
import inspect
import itertools
import math
import numbers
import re
from types import SimpleNamespace
from typing import Callable

import numpy as np

from rnnlab._validate import (
    DTypeError,
    ShapeError,
    check_array,
    check_bool,
    check_finite_real,
    check_float_dtype,
    check_nonnegative_real,
    check_ids,
    check_positive_int,
)
from rnnlab.functional import gru_forward, lstm_forward, rnn_forward, sigmoid, tanh
from rnnlab.layers import _MERGES, _merge_directions
from rnnlab.sampling import softmax

__all__ = [
    "Initializer",
    "Constant",
    "Zeros",
    "Ones",
    "RandomUniform",
    "RandomNormal",
    "GlorotUniform",
    "Orthogonal",
    "Layer",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "Bidirectional",
    "Embedding",
    "Dense",
    "Input",
    "Sequential",
    "gru_weights_from_keras",
    "gru_weights_to_keras",
    "layers",
    "initializers",
]


# --------------------------------------------------------------------------------------------
# Initializers
# --------------------------------------------------------------------------------------------


class Initializer(abc.ABC):
    """Base class of the built-in initializers: ``init(shape, dtype, rng=None) -> ndarray``.

    A built-in initializer created with a ``seed`` always draws from
    ``np.random.default_rng(seed)``; without one it draws from the ``rng`` the layer passes
    (see the module docstring for how layers seed it).
    """

    seed: int | None = None

    def __call__(self, shape: tuple[int, ...], dtype="float32", rng=None) -> np.ndarray:
        """An array of ``shape`` and ``dtype`` with this initializer's values."""
        if self.seed is not None:
            rng = np.random.default_rng(self.seed)
        elif rng is None:
            rng = np.random.default_rng(0)
        shape = _shape_tuple("shape", shape)
        if None in shape:
            raise ValueError(f"shape: expected a tuple of positive ints, got {shape!r}")
        dtype = check_float_dtype("dtype", dtype, any_float=True)
        return np.asarray(self._draw(shape, dtype, rng), dtype=dtype)

    @abc.abstractmethod
    def _draw(self, shape: tuple[int, ...], dtype: np.dtype,
              rng: np.random.Generator) -> np.ndarray:
        """The values, of ``shape`` (random ones are drawn in float64, then cast to ``dtype``)."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Constant(Initializer):
    """Every entry equal to ``value`` (Keras ``initializers.Constant``)."""

    def __init__(self, value: float = 0.0):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"Constant: expected a number for value, got {value!r}")
        self.value = float(value)

    def _draw(self, shape, dtype, rng):
        return np.full(shape, self.value)


class Zeros(Constant):
    """All zeros (Keras ``"zeros"``, the default bias initializer)."""

    def __init__(self):
        super().__init__(0.0)


class Ones(Constant):
    """All ones (Keras ``"ones"``)."""

    def __init__(self):
        super().__init__(1.0)


class RandomUniform(Initializer):
    """Uniform on ``[minval, maxval)``; Keras's ``"uniform"`` is ``RandomUniform(-0.05, 0.05)``."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        self.minval, self.maxval = check_finite_real("minval", minval), check_finite_real("maxval", maxval)
        self.seed = _seed(seed)

    def _draw(self, shape, dtype, rng):
        return rng.uniform(self.minval, self.maxval, size=shape)


class RandomNormal(Initializer):
    """Normal with the given mean and standard deviation (Keras default stddev 0.05)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean, self.stddev = check_finite_real("mean", mean), check_nonnegative_real("stddev", stddev)
        self.seed = _seed(seed)

    def _draw(self, shape, dtype, rng):
        return rng.normal(self.mean, self.stddev, size=shape)


def _seed(seed) -> int | None:
    """An initializer's seed: None (draw from the layer's generator) or an integer >= 0."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed: expected None or an integer >= 0, got {seed!r}")
    return int(seed)


def _checked_input_shape(input_shape, dims: str) -> tuple[int | None, ...]:
    """``input_shape`` (batch dimension included) with the rank of ``dims``, e.g. ``"N, T, D"``;
    ``"N, ..., D"`` means two or more dimensions, ``"N, ..."`` one or more."""
    shape = _shape_tuple("input_shape", input_shape)
    letters = [d.strip() for d in dims.split(",")]
    ok = len(shape) >= len(letters) - 1 if "..." in letters else len(shape) == len(letters)
    if not ok or not shape:
        raise ShapeError(f"input_shape: expected ({dims}) with the batch dimension first "
                         f"(None for any size), got {shape}")
    return shape


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Fan-in and fan-out as Keras computes them: ``(D, M)`` -> ``(D, M)``; ``(M,)`` -> ``(M, M)``."""
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class GlorotUniform(Initializer):
    """Uniform on ``[-l, l]`` with ``l = sqrt(6 / (fan_in + fan_out))`` (Keras's kernel default).

    For a stacked-gate kernel ``(D, 4H)`` the fan-out is ``4H``, as in Keras.
    """

    def __init__(self, seed: int | None = None):
        self.seed = _seed(seed)

    def _draw(self, shape, dtype, rng):
        fan_in, fan_out = _fans(shape)
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)


class Orthogonal(Initializer):
    """An orthogonal matrix from the QR decomposition of a normal one, times ``gain``.

    Keras's recurrent-kernel default. For ``(H, 4H)`` (fewer rows than columns) the rows are
    orthonormal; otherwise the columns are.
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        self.gain, self.seed = check_finite_real("gain", gain), _seed(seed)

    def _draw(self, shape, dtype, rng):
        rows, cols = math.prod(shape[:-1]), shape[-1]
        q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        q *= np.sign(np.diag(r))  # makes the decomposition unique, so q is uniformly distributed
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)


_INITIALIZERS_BY_NAME: dict[str, Callable[[], Initializer]] = {
    "zeros": Zeros,
    "ones": Ones,
    "uniform": RandomUniform,
    "randomuniform": RandomUniform,
    "normal": RandomNormal,
    "randomnormal": RandomNormal,
    "glorotuniform": GlorotUniform,
    "orthogonal": Orthogonal,
}


def _get_initializer(arg: str, value) -> Initializer | Callable:
    """Resolve an initializer argument: a Keras name, a number, an ``Initializer`` or a callable.

    Names are matched like Keras's (``"glorot_uniform"`` or ``"GlorotUniform"``).
    """
    if isinstance(value, Initializer) or (callable(value) and not isinstance(value, type)):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return Constant(value)
    if isinstance(value, str):
        key = value.replace("_", "").lower()
        if key in _INITIALIZERS_BY_NAME:
            return _INITIALIZERS_BY_NAME[key]()
    names = "zeros, ones, uniform, normal, glorot_uniform, orthogonal"
    raise ValueError(
        f"{arg}: expected an initializer name ({names}), a number, Constant(value) or a "
        f"callable(shape, dtype), got {value!r}"
    )


def _initial_value(arg: str, init, shape: tuple[int, ...], dtype, rng) -> np.ndarray:
    """Call ``init`` for ``shape`` and check what it returns (the shape, finite values)."""
    if isinstance(init, Initializer):
        value = init(shape, dtype, rng=rng)
    else:  # a user's callable follows Keras's signature: init(shape, dtype=None)
        value = np.asarray(init(shape, dtype=dtype), dtype=dtype)
    if value.shape != shape:
        raise ShapeError(f"{arg}: the initializer returned shape {value.shape}, expected {shape}")
    check_array(arg, value, ", ".join(map(str, shape)))
    return value


class _UnitForgetBias(Initializer):
    """Keras's LSTM ``unit_forget_bias``: ``base`` for the i, c, o blocks, ones for the f block."""

    def __init__(self, base, units: int):
        self.base, self.units = base, units

    def _draw(self, shape, dtype, rng):
        H = self.units
        i_block = _initial_value("bias_initializer", self.base, (H,), dtype, rng)
        co_blocks = _initial_value("bias_initializer", self.base, (2 * H,), dtype, rng)
        return np.concatenate([i_block, np.ones(H, dtype), co_blocks])


# --------------------------------------------------------------------------------------------
# Layer base
# --------------------------------------------------------------------------------------------

_name_counters: dict[str, itertools.count] = {}


def _unique_name(base: str) -> str:
    """``lstm``, ``lstm_1``, ``lstm_2``... as Keras names layers created without a name."""
    n = next(_name_counters.setdefault(base, itertools.count()))
    return base if n == 0 else f"{base}_{n}"


def _snake_case(class_name: str) -> str:
    """``SimpleRNN`` -> ``simple_rnn``, ``LSTM`` -> ``lstm`` (Keras's default layer names)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower()


def _shape_tuple(arg: str, shape) -> tuple[int | None, ...]:
    """Check a Keras shape (a tuple of positive ints or ``None``) and return it as a tuple."""
    ok = isinstance(shape, (tuple, list)) and all(
        d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0)
        for d in shape
    )
    if not ok:
        raise ValueError(f"{arg}: expected a tuple of positive ints or None, got {shape!r}")
    return tuple(None if d is None else int(d) for d in shape)


def _float_dtype(arg: str, dtype) -> np.dtype | None:
    """``None`` or a floating numpy dtype."""
    return None if dtype is None else check_float_dtype(arg, dtype, any_float=True)


def _any_dtype(arg: str, dtype) -> np.dtype:
    """A numpy dtype (an Input may hold integer ids as well as floats)."""
    try:
        return np.dtype(dtype)
    except (TypeError, ValueError):
        raise DTypeError(f"{arg}: expected a numpy dtype such as 'float32' or 'int64', got {dtype!r}") from None


def _weight_dtype(input_dtype) -> np.dtype:
    """Weights of a layer given no dtype: the input's float dtype, else float32 (integer ids)."""
    if input_dtype is not None and np.issubdtype(np.dtype(input_dtype), np.floating):
        return np.dtype(input_dtype)
    return np.dtype(np.float32)


class Layer(abc.ABC):
    """What every layer here shares: a name, Keras-layout weights, build on first call.

    Subclasses define ``_weight_specs(input_shape)`` (the weights' names, shapes and
    initializers), ``call(inputs)`` and ``compute_output_shape(input_shape)``. The arguments a
    layer is constructed with are recorded before its ``__init__`` runs (``get_config``
    returns them), so that a constructor only checks and keeps them.
    """

    _sequence_input = False  # True: the input must be (N, T, D) (recurrent layers)

    def __new__(cls, *args, **kwargs):
        """A new layer with its constructor's arguments, defaults filled in, as its config."""
        layer = super().__new__(cls)
        try:
            bound = inspect.signature(cls.__init__).bind(layer, *args, **kwargs)
        except TypeError:  # a wrong argument: __init__ raises Python's own message for it
            return layer
        bound.apply_defaults()
        layer._config = {arg: value for arg, value in bound.arguments.items() if arg != "self"}
        return layer

    def __init__(self, *, name: str | None = None, dtype=None, seed: int | None = None,
                 input_shape=None):
        self.name = name if name is not None else _unique_name(_snake_case(type(self).__name__))
        self.dtype = _float_dtype("dtype", dtype)
        self.seed = _seed(seed)
        self.input_shape = (None if input_shape is None
                            else (None, *_shape_tuple("input_shape", input_shape)))
        self.built = False
        self._weights: dict[str, np.ndarray] = {}

    # -- building ------------------------------------------------------------------------
    def build(self, input_shape, dtype=None, rng: np.random.Generator | None = None) -> None:
        """Create the weights for inputs of ``input_shape`` (batch dimension included).

        Args:
            input_shape: e.g. ``(None, T, D)`` for a recurrent layer.
            dtype: the input's dtype; a layer given no dtype takes it for its weights when
                it is a float dtype, else float32.
            rng: generator for initializers without a seed of their own; by default
                ``np.random.default_rng(self.seed or 0)``.
        """
        input_shape = _shape_tuple("input_shape", input_shape)
        self.dtype = self.dtype or _weight_dtype(dtype)
        if self.seed is not None or rng is None:
            rng = np.random.default_rng(self.seed or 0)
        self._build(input_shape, rng)
        self.input_shape = input_shape
        self.built = True

    def _build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        """Draw the weights of ``_weight_specs`` (``self.dtype`` is set)."""
        self._weights = {
            wname: _initial_value(f"{self.name}.{wname}", init, shape, self.dtype, rng)
            for wname, shape, init in self._weight_specs(input_shape)
        }

    def _check_declared_shape(self, inputs: np.ndarray) -> None:
        """The first input must fit the declared ``input_shape`` (Keras builds from it) and
        have no empty dimension after the batch (weights cannot be built from a zero size)."""
        declared = self.input_shape
        if declared is not None:
            fits = inputs.ndim == len(declared) and all(
                want is None or want == got for want, got in zip(declared[1:], inputs.shape[1:]))
            if not fits:
                raise ShapeError(f"inputs: expected shape {declared} (the declared input_shape, "
                                 f"None for any size), got {inputs.shape}")
        if inputs.ndim and 0 in inputs.shape[1:]:
            raise ShapeError(f"inputs: expected no empty dimension after the batch, got {inputs.shape}")

    def _weight_specs(self, input_shape) -> list[tuple[str, tuple[int, ...], object]]:
        """``(name, shape, initializer)`` of each weight, in Keras's order; none by default."""
        return []

    def __call__(self, inputs, **kwargs):
        """Build from the first input's shape and dtype if needed, then run ``call``."""
        if self._sequence_input and isinstance(inputs, np.ndarray) and inputs.ndim != 3:
            # said before building: a weight built from another shape would blame the layer
            raise ShapeError(f"inputs: expected shape (N, T, D), got {inputs.shape}")
        if not self.built:
            if not isinstance(inputs, np.ndarray):
                raise DTypeError(
                    f"inputs: expected a numpy array as the input of layer {self.name!r}, "
                    f"got {type(inputs).__name__}"
                )
            self._check_declared_shape(inputs)
            self.build((None, *inputs.shape[1:]), inputs.dtype)
        return self.call(inputs, **kwargs)

    @abc.abstractmethod
    def call(self, inputs):
        """The layer's output for ``inputs`` (the layer is built); each subclass gives the shapes,
        e.g. (N, T, D) -> (N, T, H) or (N, H) for a recurrent layer."""

    @abc.abstractmethod
    def compute_output_shape(self, input_shape):
        """The output shape (batch dimension included) for inputs of ``input_shape``."""

    # -- weights -------------------------------------------------------------------------
    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"{what}: layer {self.name!r} is not built yet: call it on an input, or give "
                f"it input_shape=..., or call build(input_shape) first"
            )

    @property
    def weight_names(self) -> list[str]:
        """The names of ``get_weights()``'s arrays, in order (``kernel``, ``recurrent_kernel``...)."""
        return list(self._weights)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights in Keras's order and layout."""
        return [w.copy() for w in self._weights.values()]

    def set_weights(self, weights) -> None:
        """Replace the weights with copies of ``weights``: a list of arrays in Keras's order and
        layout, each of the shape ``get_weights()`` returns (e.g. ``kernel (D, H)``)."""
        self._require_built("set_weights")
        weights = list(weights)
        if len(weights) != len(self._weights):
            raise ValueError(
                f"set_weights: layer {self.name!r} expects {len(self._weights)} arrays "
                f"({', '.join(self._weights)}), got {len(weights)}"
            )
        new = {}
        for i, ((wname, old), value) in enumerate(zip(self._weights.items(), weights)):
            kind = np.asarray(value).dtype.kind
            if kind not in "fiu":  # complex would lose its imaginary part; bool/object are slips
                raise DTypeError(f"weights[{i}]: expected a real array for {self.name}.{wname}, "
                                 f"got dtype {np.asarray(value).dtype}")
            value = np.array(value, dtype=old.dtype)  # a copy: the caller's array stays theirs
            if value.shape != old.shape:
                raise ShapeError(
                    f"set_weights: {self.name}.{wname} expected shape {old.shape}, got {value.shape}"
                )
            check_array(f"{self.name}.{wname}", value, ", ".join(map(str, old.shape)))
            new[wname] = value
        self._weights = new

    def count_params(self) -> int:
        """Number of scalar weights (Keras's ``count_params``)."""
        self._require_built("count_params")
        return sum(w.size for w in self._weights.values())

    def get_config(self) -> dict:
        """The constructor arguments that rebuild this layer: ``type(layer)(**config)``."""
        return dict(self._config)

    def _cast(self, arg: str, x) -> np.ndarray:
        """``x`` as a float array of the layer's dtype (Keras casts inputs to the layer dtype)."""
        if not isinstance(x, np.ndarray):
            raise DTypeError(f"{arg}: expected a numpy array, got {type(x).__name__}")
        if not np.issubdtype(x.dtype, np.floating):
            raise DTypeError(f"{arg}: expected a floating-point array, got dtype {x.dtype}")
        return x.astype(self.dtype, copy=False)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _set_weights_in_turn(owner: str, parts: list, weights) -> None:
    """``set_weights`` of a model or a Bidirectional: one flat list of arrays, consumed by
    ``parts`` in turn, each taking as many as its ``get_weights()`` returns."""
    weights = list(weights)
    counts = [len(part.get_weights()) for part in parts]
    if len(weights) != sum(counts):
        names = " then ".join(part.name for part in parts)
        raise ValueError(f"set_weights: {owner} expects {sum(counts)} arrays ({names}), "
                         f"got {len(weights)}")
    start = 0
    for part, n in zip(parts, counts):
        part.set_weights(weights[start:start + n])
        start += n


# --------------------------------------------------------------------------------------------
# Recurrent layers
# --------------------------------------------------------------------------------------------


def _swap_first_two_gates(a: np.ndarray, H: int) -> np.ndarray:
    """Swap the gate blocks ``[:H]`` and ``[H:2H]`` of the last axis (z, r, h <-> r, z, n)."""
    return np.concatenate([a[..., H:2 * H], a[..., :H], a[..., 2 * H:]], axis=-1)


def gru_weights_from_keras(kernel, recurrent_kernel, bias=None, *, reset_after=True) -> dict:
    """Keras GRU weights -> rnnlab GRU parameters.

    Args:
        kernel: (D, 3H), gate blocks z, r, h.
        recurrent_kernel: (H, 3H), same order.
        bias: (2, 3H) rows (input bias, recurrent bias) when ``reset_after``; (3H,) when not;
            ``None`` for a layer without bias.
        reset_after: the Keras layer's ``reset_after``.

    Returns:
        ``{"W_x": (D, 3H), "W_h": (H, 3H), "b_x": (3H,), "b_h": (3H,)}`` with gates r, z, n
        (new arrays). With ``reset_after=False`` Keras's single bias is added to the input
        projection, so it becomes ``b_x`` and ``b_h`` is zero (the same function: both are added
        outside the reset gate in that variant).
    """
    sizes = check_array("kernel", kernel, "D, 3H")
    check_array("recurrent_kernel", recurrent_kernel, "H, 3H", sizes)
    H = sizes["H"]
    if bias is None:
        b_x = b_h = np.zeros(3 * H, kernel.dtype)
    elif check_bool("reset_after", reset_after):
        check_array("bias", bias, "2, 3H", sizes)
        b_x, b_h = bias[0], bias[1]
    else:
        check_array("bias", bias, "3H", sizes)
        b_x, b_h = bias, np.zeros(3 * H, bias.dtype)
    return {
        "W_x": _swap_first_two_gates(kernel, H),
        "W_h": _swap_first_two_gates(recurrent_kernel, H),
        "b_x": _swap_first_two_gates(b_x, H),
        "b_h": _swap_first_two_gates(b_h, H),
    }


def gru_weights_to_keras(W_x, W_h, b_x, b_h, *, reset_after=True) -> list[np.ndarray]:
    """rnnlab GRU parameters (gates r, z, n) -> Keras ``[kernel, recurrent_kernel, bias]``.

    Args:
        W_x: (D, 3H); W_h: (H, 3H); b_x, b_h: (3H,).
        reset_after: the variant. With ``False`` the two biases merge into Keras's single
            input bias ``b_x + b_h`` (the same function in that variant).

    Returns:
        kernel (D, 3H) and recurrent_kernel (H, 3H) with gates z, r, h, and bias (2, 3H)
        (``reset_after=True``) or (3H,) (``False``); new arrays.
    """
    sizes = check_array("W_x", W_x, "D, 3H")
    check_array("W_h", W_h, "H, 3H", sizes)
    check_array("b_x", b_x, "3H", sizes)
    check_array("b_h", b_h, "3H", sizes)
    H = sizes["H"]
    bias = np.stack([b_x, b_h]) if check_bool("reset_after", reset_after) else b_x + b_h
    return [_swap_first_two_gates(W_x, H), _swap_first_two_gates(W_h, H),
            _swap_first_two_gates(bias, H)]


class _Recurrent(Layer):
    """What SimpleRNN, LSTM and GRU share: argument checks, weight shapes, return lists.

    Each subclass's constructor gives Keras's arguments, defaults and positional order, and
    hands them all to ``_Recurrent.__init__`` (the config ``Layer`` recorded).
    """

    _sequence_input = True
    _gates = 1  # gate blocks stacked in the kernel: 1 (RNN), 4 (LSTM), 3 (GRU)
    _num_states = 1  # [h], or [h, c] for the LSTM

    def __init__(self, units, *, activation, use_bias, kernel_initializer, recurrent_initializer,
                 bias_initializer, return_sequences, return_state, go_backwards, input_shape,
                 name, dtype, seed, recurrent_activation="sigmoid", **flags):
        """Check and keep the arguments (see the subclasses' signatures); ``flags`` are the
        cell's own True/False options (LSTM ``unit_forget_bias``, GRU ``reset_after``), kept
        as attributes of the same name."""
        super().__init__(name=name, dtype=dtype, seed=seed, input_shape=input_shape)
        kind = type(self).__name__
        self.units = check_positive_int("units", units)
        if activation != "tanh":
            raise ValueError(
                f"{kind}: activation={activation!r} is not supported; rnnlab's recurrent layers "
                f"compute tanh (Keras's default): use activation='tanh'"
            )
        if recurrent_activation != "sigmoid":
            raise ValueError(
                f"{kind}: recurrent_activation={recurrent_activation!r} is not supported; "
                f"rnnlab's gates are sigmoids (Keras's default): use recurrent_activation='sigmoid'"
            )
        for arg, flag in dict(use_bias=use_bias, return_sequences=return_sequences,
                              return_state=return_state, go_backwards=go_backwards,
                              **flags).items():
            setattr(self, arg, check_bool(arg, flag))
        self.kernel_initializer = _get_initializer("kernel_initializer", kernel_initializer)
        self.recurrent_initializer = _get_initializer("recurrent_initializer", recurrent_initializer)
        self.bias_initializer = _get_initializer("bias_initializer", bias_initializer)

    # -- shapes --------------------------------------------------------------------------
    def _input_dim(self, input_shape) -> int:
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ShapeError(
                f"{self.name}: expected input shape (N, T, D) with D known, got {input_shape}"
            )
        return input_shape[-1]

    def _bias_shape(self) -> tuple[int, ...]:
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def _weight_specs(self, input_shape):
        D, k, H = self._input_dim(input_shape), self._gates, self.units
        specs = [("kernel", (D, k * H), self.kernel_initializer),
                 ("recurrent_kernel", (H, k * H), self.recurrent_initializer)]
        if self.use_bias:
            specs.append(("bias", self._bias_shape(), self._bias_initializer()))
        return specs

    def compute_output_shape(self, input_shape):
        """``(N, T, H)`` or ``(N, H)``; with ``return_state`` a list that adds ``(N, H)`` per state."""
        N, T, _ = _checked_input_shape(input_shape, "N, T, D")
        out = (N, T, self.units) if self.return_sequences else (N, self.units)
        if self.return_state:
            return [out] + [(N, self.units)] * self._num_states
        return out

    # -- forward -------------------------------------------------------------------------
    def _check_initial_state(self, initial_state, N: int) -> list[np.ndarray | None]:
        """Keras accepts one array or a list of ``_num_states`` arrays, each ``(N, H)``."""
        if initial_state is None:
            return [None] * self._num_states
        states = [initial_state] if isinstance(initial_state, np.ndarray) else list(initial_state)
        if len(states) != self._num_states:
            raise ValueError(
                f"initial_state: {type(self).__name__} expects {self._num_states} array(s) "
                f"of shape (N, H), got {len(states)}"
            )
        checked = []
        for i, (state_name, state) in enumerate(zip(["h0", "c0"], states)):
            arg = f"initial_state[{i}] ({state_name})"
            state = self._cast(arg, state)
            check_array(arg, state, "N, H", {"N": N, "H": self.units})
            checked.append(state)
        return checked

    def call(self, inputs, initial_state=None):
        """Run the layer over ``inputs`` (N, T, D).

        Args:
            inputs: (N, T, D) float array.
            initial_state: ``None`` (zeros), or the state(s) to start from: ``[h0]`` or
                ``[h0, c0]`` (LSTM), each (N, H).

        Returns:
            ``output`` (N, T, H) when ``return_sequences`` else (N, H); with
            ``return_state``, the list ``[output, h]`` (``[output, h, c]`` for the LSTM).
            With ``go_backwards`` the sequence is read from its end, and the returned
            sequence is in that reversed order, as in Keras.
        """
        xs = self._cast("inputs", inputs)
        sizes = check_array("inputs", xs, "N, T, D", {"D": self.input_shape[-1]})
        if sizes["T"] == 0:
            raise ShapeError(f"inputs: expected at least one time step (T >= 1), got {xs.shape}")
        states = self._check_initial_state(initial_state, sizes["N"])
        if self.go_backwards:
            xs = xs[:, ::-1]
        sequences = self._sequences(np.ascontiguousarray(xs), states)
        hs, final_states = sequences[0], [s[:, -1].copy() for s in sequences]
        # Copies, so that the output and the returned states never share memory.
        output = hs if self.return_sequences else final_states[0].copy()
        return [output, *final_states] if self.return_state else output

    def rnnlab_params(self) -> dict[str, np.ndarray]:
        """The weights as the parameters of the matching :mod:`rnnlab.layers` layer.

        ``{"W_x": kernel, "W_h": recurrent_kernel, "b": bias}`` for SimpleRNN and LSTM (the
        same layout; a zero bias when ``use_bias=False``): the layer's own arrays, not copies.
        The GRU returns reordered copies.
        """
        self._require_built("rnnlab_params")
        w = self._weights
        bias = w["bias"] if self.use_bias else np.zeros(self._bias_shape(), self.dtype)
        return {"W_x": w["kernel"], "W_h": w["recurrent_kernel"], "b": bias}

    @abc.abstractmethod
    def _sequences(self, xs, states) -> list[np.ndarray]:
        """``[hs]`` every hidden state (N, T, H), or ``[hs, cs]`` with every cell state (LSTM)."""


class SimpleRNN(_Recurrent):
    """Keras ``SimpleRNN``: ``h_t = tanh(x_t kernel + h_{t-1} recurrent_kernel + bias)``.

    Weights: kernel (D, H), recurrent_kernel (H, H), bias (H,); ``H * (D + H) + H`` parameters.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", return_sequences=False, return_state=False,
                 go_backwards=False, *, input_shape=None, name=None, dtype=None, seed=None):
        super().__init__(**self.get_config())

    def _sequences(self, xs, states):
        p = self.rnnlab_params()
        return [rnn_forward(xs, states[0], p["W_x"], p["W_h"], p["b"])[0]]


class LSTM(_Recurrent):
    """Keras ``LSTM``; gates i, f, c, o in that order (rnnlab's i, f, g, o: the same layout).

    Weights: kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,);
    ``4 * (H * (D + H) + H)`` parameters. With ``unit_forget_bias=True`` (Keras's default) the
    forget-gate block of the bias starts at 1 and the other blocks come from
    ``bias_initializer``. ``return_state`` gives ``[output, h, c]``.
    """

    _gates = 4
    _num_states = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, return_sequences=False,
                 return_state=False, go_backwards=False, *, input_shape=None, name=None,
                 dtype=None, seed=None):
        super().__init__(**self.get_config())

    def _bias_initializer(self):
        if self.unit_forget_bias:
            return _UnitForgetBias(self.bias_initializer, self.units)
        return self.bias_initializer

    def _sequences(self, xs, states):
        p = self.rnnlab_params()
        return list(lstm_forward(xs, states[0], states[1], p["W_x"], p["W_h"], p["b"])[:2])


class GRU(_Recurrent):
    """Keras ``GRU``; Keras stacks the gates z, r, h (rnnlab: r, z, n).

    ``h_t = z * h_{t-1} + (1 - z) * hh`` with, for ``reset_after=True`` (the default),
    ``hh = tanh(x W_h + b_in + r * (h_{t-1} U_h + b_rec))``: the same function as rnnlab's and
    PyTorch's GRU. Weights: kernel (D, 3H), recurrent_kernel (H, 3H), bias (2, 3H) — an input
    row and a recurrent row — or (3H,) when ``reset_after=False``. Parameters:
    ``3 * (H * (D + H) + 2H)``, or ``3 * (H * (D + H) + H)`` when ``reset_after=False``.
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", return_sequences=False, return_state=False,
                 go_backwards=False, reset_after=True, *, input_shape=None, name=None,
                 dtype=None, seed=None):
        super().__init__(**self.get_config())

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def rnnlab_params(self) -> dict[str, np.ndarray]:
        """The weights as rnnlab GRU parameters ``W_x, W_h, b_x, b_h`` (gates r, z, n; new arrays)."""
        self._require_built("rnnlab_params")
        w = self._weights
        return gru_weights_from_keras(w["kernel"], w["recurrent_kernel"], w.get("bias"),
                                      reset_after=self.reset_after)

    def _sequences(self, xs, states):
        p = self.rnnlab_params()
        return [gru_forward(xs, states[0], p["W_x"], p["W_h"], p["b_x"], p["b_h"],
                            reset_after=self.reset_after)[0]]


# --------------------------------------------------------------------------------------------
# Bidirectional
# --------------------------------------------------------------------------------------------

class Bidirectional(Layer):
    """Keras ``Bidirectional``: a forward copy and a ``go_backwards`` copy of a recurrent layer.

    The backward copy's sequence output is flipped back to forward time before merging, so
    position ``t`` of the output holds both directions' states at step ``t``. Without
    ``return_sequences`` the backward output is its final state (it has read the whole
    sequence from the end, so it sits at step 0).

    Returns (as Keras): ``output``; with ``merge_mode=None`` the list
    ``[forward_output, backward_output]``; with ``return_state`` the forward states then the
    backward states follow: ``[output, h_fwd, h_bwd]`` (``[output, h_fwd, c_fwd, h_bwd, c_bwd]``
    for an LSTM). ``get_weights()`` is the forward layer's weights then the backward layer's.
    """

    _sequence_input = True

    def __init__(self, layer, merge_mode="concat", backward_layer=None, *, input_shape=None,
                 name=None, seed=None):
        if not isinstance(layer, _Recurrent):
            raise TypeError(
                f"Bidirectional: layer must be a SimpleRNN, LSTM or GRU, got {type(layer).__name__}"
            )
        if merge_mode not in _MERGES:  # rnnlab.layers' merge table
            raise ValueError(
                f"Bidirectional: merge_mode must be one of 'concat', 'sum', 'mul', 'ave' or None, "
                f"got {merge_mode!r}"
            )
        # The wrapped layer's seed seeds the pair; each copy then draws from its own child
        # generator (see _build), so the two directions never start with equal weights.
        config = {**layer.get_config(), "seed": None}
        super().__init__(name=name, dtype=config["dtype"],
                         seed=seed if seed is not None else layer.seed,
                         input_shape=input_shape if input_shape is not None else config["input_shape"])
        self.forward_layer = type(layer)(**{**config, "name": "forward_" + layer.name})
        if backward_layer is None:
            backward_layer = type(layer)(**{**config, "go_backwards": not layer.go_backwards,
                                            "name": "backward_" + layer.name})
        self._check_backward_layer(backward_layer)
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state

    def _check_backward_layer(self, backward) -> None:
        fwd = self.forward_layer
        if not isinstance(backward, _Recurrent):
            raise TypeError(
                f"Bidirectional: backward_layer must be a SimpleRNN, LSTM or GRU, "
                f"got {type(backward).__name__}"
            )
        if backward.go_backwards == fwd.go_backwards:
            raise ValueError(
                "Bidirectional: layer and backward_layer must have different go_backwards values, "
                f"got {fwd.go_backwards} for both"
            )
        for attr in ("return_sequences", "return_state"):
            if getattr(backward, attr) != getattr(fwd, attr):
                raise ValueError(
                    f"Bidirectional: layer and backward_layer must have the same {attr}, got "
                    f"{getattr(fwd, attr)} and {getattr(backward, attr)}"
                )

    def _build(self, input_shape, rng) -> None:
        """Build both directions; each draws its weights from its own child generator."""
        fwd_rng, bwd_rng = rng.spawn(2)
        self.forward_layer.build(input_shape, self.dtype, fwd_rng)
        self.backward_layer.build(input_shape, self.dtype, bwd_rng)

    def get_weights(self) -> list[np.ndarray]:
        """The forward layer's weights, then the backward layer's (Keras's order)."""
        return self.forward_layer.get_weights() + self.backward_layer.get_weights()

    def set_weights(self, weights) -> None:
        """Set the forward layer's weights from the first half, the backward's from the rest
        (each array of the shape ``get_weights()`` returns)."""
        self._require_built("set_weights")
        _set_weights_in_turn(f"layer {self.name!r}", [self.forward_layer, self.backward_layer],
                             weights)

    @property
    def weight_names(self) -> list[str]:
        """``forward_<name>.kernel``, ... then ``backward_<name>.kernel``, ..."""
        return [f"{layer.name}.{w}" for layer in (self.forward_layer, self.backward_layer)
                for w in layer.weight_names]

    def count_params(self) -> int:
        """Twice the wrapped layer's count."""
        self._require_built("count_params")
        return self.forward_layer.count_params() + self.backward_layer.count_params()

    def compute_output_shape(self, input_shape):
        """The merged output shape (``concat`` doubles the last axis), then state shapes."""
        shapes = self.forward_layer.compute_output_shape(_checked_input_shape(input_shape, "N, T, D"))
        out, states = (shapes[0], shapes[1:]) if self.return_state else (shapes, [])
        if self.merge_mode == "concat":
            outs = [(*out[:-1], 2 * out[-1])]
        elif self.merge_mode is None:
            outs = [out, out]
        else:
            outs = [out]
        if not states and len(outs) == 1:
            return outs[0]
        return outs + states + states

    def call(self, inputs, initial_state=None):
        """Run both directions over ``inputs`` (N, T, D) and merge them (see the class doc).

        Args:
            inputs: (N, T, D) float array.
            initial_state: ``None``, or the forward states followed by the backward states
                (e.g. ``[h_fwd, h_bwd]``, or ``[h_fwd, c_fwd, h_bwd, c_bwd]`` for an LSTM).
        """
        fwd_state = bwd_state = None
        if initial_state is not None:
            initial_state = ([initial_state] if isinstance(initial_state, np.ndarray)
                             else list(initial_state))
            want = 2 * self.forward_layer._num_states
            if len(initial_state) != want:
                raise ValueError(
                    f"initial_state: Bidirectional({type(self.forward_layer).__name__}) expects "
                    f"{want} arrays of shape (N, H), the forward states then the backward ones, "
                    f"got {len(initial_state)}"
                )
            half = len(initial_state) // 2
            fwd_state, bwd_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer.call(inputs, initial_state=fwd_state)
        y_rev = self.backward_layer.call(inputs, initial_state=bwd_state)
        states = []
        if self.return_state:
            states = y[1:] + y_rev[1:]
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev[:, ::-1]  # back to forward time: row t is the backward state at step t
        merged = self._merge(y, y_rev)
        if self.return_state:
            return (merged if self.merge_mode is None else [merged]) + states
        return merged

    def _merge(self, y: np.ndarray, y_rev: np.ndarray):
        if self.merge_mode is None:  # Keras returns a list of two arrays
            return [y, np.ascontiguousarray(y_rev)]
        return _merge_directions(self.merge_mode, y, y_rev)


# --------------------------------------------------------------------------------------------
# Embedding, Dense
# --------------------------------------------------------------------------------------------


class Embedding(Layer):
    """Keras ``Embedding(input_dim, output_dim)``: ids (N, T) -> vectors (N, T, output_dim).

    Weights: ``embeddings`` (input_dim, output_dim), initialised ``"uniform"`` (on
    [-0.05, 0.05)) as in Keras. Like Keras 2, a ``Sequential`` that starts with an Embedding
    knows its input shape, ``(None, input_length)``, so ``summary()`` works before any call.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", input_length=None,
                 *, name=None, dtype=None, seed=None):
        if input_length is not None:
            check_positive_int("input_length", input_length)
        super().__init__(name=name, dtype=dtype, seed=seed, input_shape=(input_length,))
        self.input_dim = check_positive_int("input_dim", input_dim)
        self.output_dim = check_positive_int("output_dim", output_dim)
        self.input_length = input_length
        self.embeddings_initializer = _get_initializer("embeddings_initializer",
                                                       embeddings_initializer)

    def _weight_specs(self, input_shape):
        return [("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer)]

    def compute_output_shape(self, input_shape):
        """``(N, T)`` -> ``(N, T, output_dim)``."""
        return (*_checked_input_shape(input_shape, "N, ..."), self.output_dim)

    def call(self, inputs):
        """Look up ``inputs`` (N, T) integer ids in ``[0, input_dim)``; returns (N, T, output_dim)."""
        sizes = {} if self.input_length is None else {"T": self.input_length}
        check_ids("inputs", inputs, "N, T", self.input_dim, sizes)
        return self._weights["embeddings"][inputs]


_DENSE_ACTIVATIONS: dict[str | None, Callable[[np.ndarray], np.ndarray] | None] = {
    None: None,
    "linear": None,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": lambda a: np.maximum(a, 0),
    "softmax": lambda a: softmax(a, axis=-1),
}


class Dense(Layer):
    """Keras ``Dense(units, activation)``: ``activation(x kernel + bias)`` on the last axis.

    Weights: kernel (D, units) (``glorot_uniform``), bias (units,) (``zeros``);
    ``D * units + units`` parameters. Activations: ``None``/``"linear"``, ``"sigmoid"``,
    ``"tanh"``, ``"relu"``, ``"softmax"`` (over the last axis).
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", *, input_shape=None, name=None, dtype=None, seed=None):
        super().__init__(name=name, dtype=dtype, seed=seed, input_shape=input_shape)
        self.units = check_positive_int("units", units)
        if activation not in _DENSE_ACTIVATIONS:
            known = ", ".join(repr(a) for a in _DENSE_ACTIVATIONS)
            raise ValueError(f"Dense: activation must be one of {known}, got {activation!r}")
        check_bool("use_bias", use_bias)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = _get_initializer("kernel_initializer", kernel_initializer)
        self.bias_initializer = _get_initializer("bias_initializer", bias_initializer)

    def _weight_specs(self, input_shape):
        D = input_shape[-1]
        if D is None or len(input_shape) < 2:
            raise ShapeError(
                f"{self.name}: expected input shape (..., D) with D known, got {input_shape}"
            )
        specs = [("kernel", (D, self.units), self.kernel_initializer)]
        if self.use_bias:
            specs.append(("bias", (self.units,), self.bias_initializer))
        return specs

    def compute_output_shape(self, input_shape):
        """``(..., D)`` -> ``(..., units)``."""
        return (*_checked_input_shape(input_shape, "N, ..., D")[:-1], self.units)

    def call(self, inputs):
        """``inputs`` (N, D) or (N, T, D) -> (N, units) or (N, T, units)."""
        x = self._cast("inputs", inputs)
        if x.ndim not in (2, 3):
            raise ShapeError(f"inputs: expected shape (N, D) or (N, T, D), got {x.shape}")
        dims = "N, D" if x.ndim == 2 else "N, T, D"
        check_array("inputs", x, dims, {"D": self.input_shape[-1]})
        a = x @ self._weights["kernel"]
        if self.use_bias:
            a += self._weights["bias"]
        activation = _DENSE_ACTIVATIONS[self.activation]
        return a if activation is None else activation(a)


# --------------------------------------------------------------------------------------------
# Sequential
# --------------------------------------------------------------------------------------------


class Input:
    """Keras ``Input(shape)``: declares a model's input shape (without the batch dimension).

    ``Sequential([Input((T, D)), LSTM(8)])`` builds its layers at once, so ``summary()`` and
    ``count_params()`` work before any call.
    """

    def __init__(self, shape, dtype=None, name=None):
        self.shape = (None, *_shape_tuple("shape", shape))
        self.dtype = None if dtype is None else _any_dtype("dtype", dtype)
        self.name = name if name is not None else _unique_name("input_layer")

    def __repr__(self) -> str:
        return f"Input(shape={self.shape[1:]})"


class Sequential:
    """Keras ``Sequential``: layers applied one after the other.

    Args:
        layers: list of layers, optionally starting with an :class:`Input`.
        name: model name shown by ``summary()``.
        seed: layers without a seed of their own draw their initial weights from
            ``np.random.default_rng([seed, position])``: reproducible, and different per layer.
    """

    def __init__(self, layers=None, name: str | None = None, seed: int = 0):
        self.name = name if name is not None else _unique_name("sequential")
        self.seed = _seed(seed)
        if self.seed is None:
            raise ValueError("seed: expected an integer >= 0, got None")
        self.layers: list[Layer] = []
        self._input_shape = None
        self._input_dtype = None
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(f"layers: expected a list of layers, got {type(layers).__name__}")
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        """Append a layer (or, first of all, an ``Input``); builds the model if its shape is known."""
        if isinstance(layer, Input):
            if self.layers or self._input_shape is not None:
                raise ValueError("Sequential: an Input can only be the first element of the model")
            self._input_shape, self._input_dtype = layer.shape, layer.dtype
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"layer: expected a keras layer (SimpleRNN, LSTM, GRU, Bidirectional, "
                            f"Embedding, Dense) or an Input, got {type(layer).__name__}")
        if getattr(layer, "return_state", False) or getattr(layer, "merge_mode", "concat") is None:
            raise ValueError(
                f"Sequential: layer {layer.name!r} returns several arrays (return_state=True or "
                f"merge_mode=None); every layer of a Sequential model must return one array"
            )
        if not self.layers and self._input_shape is None and layer.input_shape is not None:
            self._input_shape = layer.input_shape
        self.layers.append(layer)
        if self._input_shape is not None:
            self.build(self._input_shape)

    @property
    def built(self) -> bool:
        """Whether every layer has its weights."""
        return bool(self.layers) and all(layer.built for layer in self.layers)

    def build(self, input_shape, dtype=None) -> None:
        """Build every layer in turn from ``input_shape`` (batch dimension included)."""
        shape = _shape_tuple("input_shape", input_shape)
        dtype = dtype or self._input_dtype
        for position, layer in enumerate(self.layers):
            if not layer.built:
                layer.build(shape, dtype, np.random.default_rng([self.seed, position]))
            shape, dtype = layer.compute_output_shape(shape), layer.dtype
        self._input_shape = (None, *input_shape[1:])

    def __call__(self, inputs):
        """Apply every layer in order; builds from ``inputs``' shape first if needed."""
        if not self.layers:
            raise ValueError(f"Sequential {self.name!r} has no layers: add some first")
        if not isinstance(inputs, np.ndarray):
            raise DTypeError(f"inputs: expected a numpy array, got {type(inputs).__name__}")
        if not self.built:
            self._check_first_input("inputs", inputs)
            self.build((None, *inputs.shape[1:]), inputs.dtype)
        out = inputs
        for layer in self.layers:
            out = layer.call(out)
        return out

    def predict(self, x: np.ndarray, batch_size: int = 32) -> np.ndarray:
        """The model's outputs for ``x`` (N, ...), e.g. ids (N, T), computed ``batch_size`` rows at
        a time (as Keras); the output has N rows."""
        batch_size = check_positive_int("batch_size", batch_size)
        if not isinstance(x, np.ndarray) or x.ndim == 0 or len(x) == 0:
            got = x.shape if isinstance(x, np.ndarray) else type(x).__name__
            raise ValueError(f"x: expected a numpy array (N, ...) with N >= 1 rows, got {got}")
        if self.layers and not self.built:
            self._check_first_input("x", x)
        return np.concatenate([self(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])

    def _check_first_input(self, name: str, inputs: np.ndarray) -> None:
        """Before building from ``inputs``: blame a wrong input on the argument, not on the first
        layer (a recurrent layer reads (N, T, D); a declared input_shape must fit)."""
        first = self.layers[0]
        if first._sequence_input and inputs.ndim != 3:
            raise ShapeError(f"{name}: expected shape (N, T, D) for {first.name!r}, got {inputs.shape}")
        try:
            first._check_declared_shape(inputs)
        except ShapeError as err:
            raise ShapeError(f"{name}:" + str(err).split(":", 1)[1]) from None

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"{what}: model {self.name!r} is not built yet: start it with Input(shape=...), "
                f"give its first layer input_shape=..., call build(input_shape), or call it on data"
            )

    def count_params(self) -> int:
        """Total number of weights, as Keras counts them."""
        self._require_built("count_params")
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self) -> list[np.ndarray]:
        """Every layer's ``get_weights()``, concatenated in layer order."""
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        """Inverse of ``get_weights``: one flat list of arrays (each of the shape
        ``get_weights()`` returns), consumed layer by layer."""
        self._require_built("set_weights")
        _set_weights_in_turn(f"model {self.name!r}", self.layers, weights)

    @property
    def output_shape(self):
        """The last layer's output shape, batch dimension ``None``."""
        self._require_built("output_shape")
        shape = self._input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def summary(self, print_fn: Callable[[str], None] = print, line_length: int = 65) -> None:
        """Print a Keras-2-style table: ``Layer (type)``, ``Output Shape``, ``Param #``, totals."""
        self._require_built("summary")
        cols = (int(line_length * 0.45), int(line_length * 0.85), line_length)

        def row(*fields) -> str:
            # Each field starts one space into its column and is cut at the column's end.
            line = ""
            for field, end in zip(fields, cols):
                line = (line + " " + str(field))[:end].ljust(end)
            return line.rstrip()

        lines = [f'Model: "{self.name}"', "_" * line_length,
                 row("Layer (type)", "Output Shape", "Param #"), "=" * line_length]
        shape = self._input_shape
        for i, layer in enumerate(self.layers):
            shape = layer.compute_output_shape(shape)
            lines.append(row(f"{layer.name} ({type(layer).__name__})", shape, layer.count_params()))
            if i < len(self.layers) - 1:
                lines.append("")
        total = self.count_params()
        lines += ["=" * line_length, f"Total params: {total:,}", f"Trainable params: {total:,}",
                  "Non-trainable params: 0", "_" * line_length]
        for line in lines:
            print_fn(line)


# Keras-style namespaces, so that tutorial spellings such as ``keras.layers.LSTM(8)`` and
# ``keras.initializers.Constant(0.1)`` work after ``from rnnlab import keras``.
layers = SimpleNamespace(SimpleRNN=SimpleRNN, LSTM=LSTM, GRU=GRU, Bidirectional=Bidirectional,
                         Embedding=Embedding, Dense=Dense, Input=Input)
initializers = SimpleNamespace(Constant=Constant, Zeros=Zeros, Ones=Ones,
                               RandomUniform=RandomUniform, RandomNormal=RandomNormal,
                               GlorotUniform=GlorotUniform, Orthogonal=Orthogonal)
