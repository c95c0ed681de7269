"""Optimizers (SGD with momentum, Adagrad, RMSProp, Adam) and gradient clipping.

An optimizer holds a reference to a model's parameter dictionary (``model.params``: name ->
float array) and changes those arrays **in place** each time ``step(grads)`` is called. That is
the point of an optimizer: the model, its layers and the optimizer all see the same arrays, so
nothing has to be copied back. It is the one deliberate exception to the rule that functions
never modify their inputs; ``grads`` are never modified.

The update formulas are exactly PyTorch's (``torch.optim``, without weight decay), so a run can
be checked against PyTorch step by step. Every optimizer counts its updates in
``num_updates``: one call to ``step`` is one iteration.

Example::

    opt = Adam(model.params, lr=1e-3)
    loss, grads = model.loss_and_grads(inputs, targets)
    grads, norm = clip_by_global_norm(grads, max_norm=5.0)
    opt.step(grads)          # model.params arrays are now updated
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Mapping

import numpy as np

from ._validate import (
    DTypeError,
    KeyMismatchError,
    ShapeError,
    check_fraction,
    check_nonnegative_real,
    check_positive_real,
)

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSProp",
    "Adam",
    "OPTIMIZERS",
    "global_norm",
    "clip_by_value",
    "clip_by_global_norm",
]


def _check_params(params) -> dict[str, np.ndarray]:
    """Check the dictionary of parameters an optimizer will update in place."""
    if not isinstance(params, Mapping) or not params:
        raise TypeError(
            "params: expected a non-empty dict name -> float array (e.g. model.params), "
            f"got {type(params).__name__}"
        )
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            kind = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
            raise DTypeError(f"params[{name!r}]: expected a float array, got {kind}")
        if not p.flags.writeable:
            raise ValueError(f"params[{name!r}]: the array is read-only, so it cannot be updated")
    return params


def _check_grads(grads, reference: Mapping[str, np.ndarray], what: str = "grads") -> None:
    """Check that ``grads`` has exactly the keys, shapes and dtypes of ``reference``, all finite."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"{what}: expected a dict name -> array, got {type(grads).__name__}")
    missing = [k for k in reference if k not in grads]
    extra = [k for k in grads if k not in reference]
    if missing or extra:
        raise KeyMismatchError(
            f"{what}: keys must match the parameters; missing {missing}, unexpected {extra}"
        )
    for name, p in reference.items():
        g = grads[name]
        if not isinstance(g, np.ndarray):
            raise DTypeError(f"{what}[{name!r}]: expected an array, got {type(g).__name__}")
        if g.shape != p.shape:
            raise ShapeError(
                f"{what}[{name!r}]: expected shape {p.shape} (the parameter's), got {g.shape}"
            )
        if g.dtype != p.dtype:
            raise DTypeError(
                f"{what}[{name!r}]: expected dtype {p.dtype} (the parameter's), got {g.dtype}"
            )
        if not np.isfinite(g).all():
            raise ValueError(
                f"{what}[{name!r}]: contains NaN or inf; the training has diverged. "
                "Lower the learning rate or clip the gradients (clip_by_global_norm)."
            )


def _check_grad_arrays(grads, *, finite: bool) -> None:
    """``grads`` maps names to float arrays of any shape; all values finite when ``finite``."""
    if not isinstance(grads, Mapping):
        raise TypeError(
            f"grads: expected a dict name -> float array (any shape), got {type(grads).__name__}"
        )
    for name, g in grads.items():
        if not isinstance(g, np.ndarray) or not np.issubdtype(g.dtype, np.floating):
            kind = f"dtype {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
            raise DTypeError(f"grads[{name!r}]: expected a float array, got {kind}")
        if finite and not np.isfinite(g).all():
            raise ValueError(
                f"grads[{name!r}]: contains NaN or inf, which no clipping can repair; "
                "the training has diverged. Lower the learning rate."
            )


class Optimizer(ABC):
    """Base class: validation, the update counter, the learning rate and the state.

    Subclasses declare the names of their per-parameter state arrays in ``slots`` (each starts
    as zeros shaped like the parameter) and implement ``_update(name, param, grad)``, which
    changes ``param`` in place using ``self.state[slot][name]``.

    Attributes:
        params: the dict of arrays being optimized (the same objects as the model's).
        lr: learning rate; may be changed between steps (a schedule), must stay > 0.
        num_updates: how many times ``step`` has run (one parameter update each).
        state: slot name -> parameter name -> array shaped like the parameter.
    """

    slots: tuple[str, ...] = ()

    def __init__(self, params: Mapping[str, np.ndarray], lr: float):
        self.params = _check_params(params)
        self.lr = lr
        self.num_updates = 0
        self.state = {
            slot: {name: np.zeros_like(p) for name, p in self.params.items()} for slot in self.slots
        }

    @property
    def lr(self) -> float:
        """The learning rate used by the next ``step``."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_positive_real("lr", value)

    def hyperparams(self) -> dict:
        """The constructor's keyword arguments (``type(self)(params, **hyperparams())`` rebuilds it)."""
        return {"lr": self.lr}

    def step(self, grads: Mapping[str, np.ndarray]) -> None:
        """Apply one update to every parameter, in place, and count it.

        Args:
            grads: name -> dLoss/dparam, same keys, shapes and dtypes as ``params``; finite.
                Not modified.

        Raises:
            KeyError, ShapeError, DTypeError, ValueError: checked for every gradient *before*
                any parameter changes, so a failed step leaves the model untouched.
        """
        _check_grads(grads, self.params)
        self.num_updates += 1
        for name, param in self.params.items():
            self._update(name, param, grads[name])

    @abstractmethod
    def _update(self, name: str, param: np.ndarray, grad: np.ndarray) -> None:
        """Update ``param`` in place from ``grad`` and this optimizer's state for ``name``."""

    def state_dict(self) -> dict:
        """A deep copy of everything needed to continue exactly: type, hyperparameters, counter, state.

        Returns:
            ``{"type": str, "hyperparams": dict, "num_updates": int,
            "state": {slot: {name: array}}}``; arrays are copies.
        """
        return {
            "type": type(self).__name__,
            "hyperparams": self.hyperparams(),
            "num_updates": self.num_updates,
            "state": {
                slot: {name: a.copy() for name, a in arrays.items()}
                for slot, arrays in self.state.items()
            },
        }

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore a ``state_dict()`` (copied in), so the next step is the one that would have come.

        Raises:
            ValueError: the dict comes from another optimizer type or lacks a slot.
            KeyError, ShapeError, DTypeError: its arrays do not match this optimizer's parameters.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"state_dict: expected a dict made by state_dict(), "
                            f"got {type(state_dict).__name__}")
        keys = ("type", "hyperparams", "num_updates", "state")
        missing = [k for k in keys if k not in state_dict]
        if missing:
            raise KeyMismatchError(f"state_dict: expected the keys {list(keys)} of state_dict(), "
                                   f"missing {missing}, got {sorted(map(str, state_dict))}")
        if state_dict["type"] != type(self).__name__:
            raise ValueError(
                f"state_dict: saved from {state_dict['type']!r}, cannot load into "
                f"{type(self).__name__}, got type={state_dict['type']!r}"
            )
        for key in ("hyperparams", "state"):
            if not isinstance(state_dict[key], Mapping):
                raise TypeError(f"state_dict[{key!r}]: expected a dict, got "
                                f"{type(state_dict[key]).__name__}")
        count = state_dict["num_updates"]
        if isinstance(count, (bool, np.bool_)) or not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f"state_dict['num_updates']: expected a non-negative integer, got {count!r}")
        saved = state_dict["state"]
        if set(saved) != set(self.slots):
            raise ValueError(
                f"state_dict: expected state slots {sorted(self.slots)}, got {sorted(saved)}"
            )
        for slot in self.slots:
            _check_grads(saved[slot], self.params, what=f"state_dict['state'][{slot!r}]")
        if set(state_dict["hyperparams"]) != set(self.hyperparams()):
            raise ValueError(
                f"state_dict: expected hyperparameters {sorted(self.hyperparams())}, "
                f"got {sorted(state_dict['hyperparams'])}"
            )
        # The constructor checks every hyperparameter (lr > 0, betas in [0, 1)...) by name.
        checked = type(self)(self.params, **state_dict["hyperparams"])
        for key in state_dict["hyperparams"]:
            setattr(self, key, getattr(checked, key))
        self.num_updates = int(state_dict["num_updates"])
        self.state = {
            slot: {name: np.array(saved[slot][name], copy=True) for name in self.params}
            for slot in self.slots
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparams().items())
        return f"{type(self).__name__}({args}, num_updates={self.num_updates})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum, as ``torch.optim.SGD``.

    ``v = momentum * v + g``;  ``p -= lr * v``   (with momentum 0: ``p -= lr * g``, and the
    velocity slot stays zero).
    """

    slots = ("velocity",)

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0):
        self.momentum = check_fraction("momentum", momentum)
        super().__init__(params, lr)

    def hyperparams(self):
        return {"lr": self.lr, "momentum": self.momentum}

    def _update(self, name, param, grad):
        if self.momentum == 0.0:
            param -= self.lr * grad
            return
        velocity = self.state["velocity"][name]
        velocity *= self.momentum
        velocity += grad
        param -= self.lr * velocity


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011), as ``torch.optim.Adagrad``.

    ``s += g * g``;  ``p -= lr * g / (sqrt(s) + eps)``  (eps outside the square root).
    ``initial_accumulator_value`` is the starting value of ``s`` (PyTorch's default 0).
    """

    slots = ("sum_sq",)

    def __init__(self, params, lr: float = 1e-2, eps: float = 1e-10, initial_accumulator_value: float = 0.0):
        self.eps = check_positive_real("eps", eps)
        self.initial_accumulator_value = check_nonnegative_real(
            "initial_accumulator_value", initial_accumulator_value)
        super().__init__(params, lr)
        for s in self.state["sum_sq"].values():
            s += self.initial_accumulator_value

    def hyperparams(self):
        return {"lr": self.lr, "eps": self.eps, "initial_accumulator_value": self.initial_accumulator_value}

    def _update(self, name, param, grad):
        sum_sq = self.state["sum_sq"][name]
        sum_sq += grad * grad
        param -= self.lr * grad / (np.sqrt(sum_sq) + self.eps)


class RMSProp(Optimizer):
    """RMSProp (Hinton's lecture 6e), as ``torch.optim.RMSprop``.

    ``s = alpha * s + (1 - alpha) * g * g``;  ``p -= lr * g / (sqrt(s) + eps)``.
    """

    slots = ("mean_sq",)

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8):
        self.alpha = check_fraction("alpha", alpha)
        self.eps = check_positive_real("eps", eps)
        super().__init__(params, lr)

    def hyperparams(self):
        return {"lr": self.lr, "alpha": self.alpha, "eps": self.eps}

    def _update(self, name, param, grad):
        mean_sq = self.state["mean_sq"][name]
        mean_sq *= self.alpha
        mean_sq += (1 - self.alpha) * grad * grad
        param -= self.lr * grad / (np.sqrt(mean_sq) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), as ``torch.optim.Adam``.

    ``m = b1 m + (1 - b1) g``;  ``v = b2 v + (1 - b2) g * g``;  with t = ``num_updates``,
    ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``  (eps added after the
    bias correction of v, as PyTorch does).
    """

    slots = ("m", "v")

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.betas = betas
        self.eps = check_positive_real("eps", eps)
        super().__init__(params, lr)

    @property
    def betas(self) -> tuple[float, float]:
        """(beta1, beta2): decay rates of the first and second moment estimates."""
        return self._betas

    @betas.setter
    def betas(self, value) -> None:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"betas: expected a pair (beta1, beta2), got {value!r}")
        self._betas = (check_fraction("betas[0]", value[0]), check_fraction("betas[1]", value[1]))

    def hyperparams(self):
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps}

    def _update(self, name, param, grad):
        beta1, beta2 = self.betas
        m, v = self.state["m"][name], self.state["v"][name]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        t = self.num_updates
        step_size = self.lr / (1 - beta1**t)
        denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + self.eps
        param -= step_size * m / denom


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.__name__: cls for cls in (SGD, Adagrad, RMSProp, Adam)}
"""Optimizer classes by name (checkpoints store the name and rebuild from this table)."""


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """The L2 norm of all gradients taken together, ``sqrt(sum_k ||g_k||^2)``.

    ``grads`` maps names to float arrays of any shape (each parameter's own). NaN or inf
    entries give a NaN or inf norm rather than an error: that is how a training loop detects
    divergence.

    Squares are summed in float64 so that float32 gradients do not lose precision or overflow.
    """
    _check_grad_arrays(grads, finite=False)
    return math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values()))


def clip_by_value(grads: Mapping[str, np.ndarray], limit: float) -> dict[str, np.ndarray]:
    """Clip every gradient element to ``[-limit, limit]``.

    Args:
        grads: name -> float gradient array (any shape), finite; not modified.
        limit: a finite number > 0.

    Returns:
        A new dict of new arrays, same shapes and dtypes.
    """
    _check_grad_arrays(grads, finite=True)
    limit = check_positive_real("limit", limit)
    return {name: np.clip(g, -limit, limit) for name, g in grads.items()}


def clip_by_global_norm(
    grads: Mapping[str, np.ndarray], max_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    The direction of the whole gradient is kept (unlike clipping by value). Same rule as
    ``torch.nn.utils.clip_grad_norm_``: scale by ``min(1, max_norm / (norm + 1e-6))``.

    Args:
        grads: name -> float gradient array (any shape), finite; not modified.
        max_norm: a finite number > 0.

    Returns:
        ``(clipped, norm)``: a new dict of new arrays (same shapes and dtypes) and the global
        norm *before* clipping (useful to watch for exploding gradients).
    """
    _check_grad_arrays(grads, finite=True)
    max_norm = check_positive_real("max_norm", max_norm)
    norm = global_norm(grads)
    scale = min(1.0, max_norm / (norm + 1e-6))
    return {name: g * g.dtype.type(scale) for name, g in grads.items()}, norm
