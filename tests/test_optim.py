"""Tests for rnnlab.optim: hand-computed updates, PyTorch parity, clipping, state, errors."""
import numpy as np
import pytest

from rnnlab._validate import DTypeError, ShapeError
from rnnlab.optim import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    RMSProp,
    clip_by_global_norm,
    clip_by_value,
    global_norm,
)


def one_param(value=1.0, dtype=np.float64):
    return {"w": np.array([value], dtype=dtype)}


def grad(value, dtype=np.float64):
    return {"w": np.array([value], dtype=dtype)}


# ----------------------------------------------------------------- hand-computed updates


def test_sgd_plain_step():
    params = {"w": np.array([1.0, -2.0])}
    SGD(params, lr=0.1).step({"w": np.array([0.5, -1.0])})
    np.testing.assert_allclose(params["w"], [0.95, -1.9], rtol=0, atol=1e-15)


def test_sgd_momentum_two_steps():
    params = one_param()
    opt = SGD(params, lr=0.1, momentum=0.9)
    opt.step(grad(1.0))  # v = 1,          w = 1 - 0.1 * 1 = 0.9
    np.testing.assert_allclose(params["w"], [0.9], atol=1e-15)
    opt.step(grad(1.0))  # v = 0.9 + 1,    w = 0.9 - 0.1 * 1.9 = 0.71
    np.testing.assert_allclose(params["w"], [0.71], atol=1e-15)


def test_adagrad_two_steps():
    params = one_param()
    opt = Adagrad(params, lr=0.1)
    opt.step(grad(2.0))  # s = 4, w = 1 - 0.1 * 2 / 2 = 0.9
    np.testing.assert_allclose(params["w"], [0.9], atol=1e-10)
    opt.step(grad(2.0))  # s = 8, w = 0.9 - 0.1 * 2 / sqrt(8) = 0.9 - 0.0707107
    np.testing.assert_allclose(params["w"], [0.8292893], atol=1e-7)


def test_adagrad_initial_accumulator():
    params = one_param()
    Adagrad(params, lr=0.1, initial_accumulator_value=5.0).step(grad(2.0))  # s = 9
    np.testing.assert_allclose(params["w"], [1 - 0.2 / 3], atol=1e-10)


def test_rmsprop_first_step():
    params = one_param()
    RMSProp(params, lr=0.01, alpha=0.99).step(grad(1.0))  # s = 0.01, w = 1 - 0.01 / 0.1
    np.testing.assert_allclose(params["w"], [0.9], atol=1e-7)


def test_adam_steps_are_lr_sized_for_a_constant_gradient():
    # With a constant gradient, both bias-corrected moments equal g and g^2 exactly,
    # so every step moves by lr in the direction of -sign(g).
    params = {"w": np.array([1.0, 1.0])}
    opt = Adam(params, lr=0.1)
    g = {"w": np.array([3.0, -3.0])}
    opt.step(g)
    np.testing.assert_allclose(params["w"], [0.9, 1.1], atol=1e-8)
    opt.step(g)
    np.testing.assert_allclose(params["w"], [0.8, 1.2], atol=1e-8)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_float32_stays_float32_and_grads_untouched(name):
    params = {"w": np.array([[1.0, -1.0]], dtype=np.float32)}
    g = {"w": np.array([[0.25, -0.5]], dtype=np.float32)}
    before = g["w"].copy()
    opt = OPTIMIZERS[name](params, lr=0.1)
    opt.step(g)
    assert params["w"].dtype == np.float32
    assert all(a.dtype == np.float32 for slot in opt.state.values() for a in slot.values())
    np.testing.assert_array_equal(g["w"], before)
    assert not np.array_equal(params["w"], [[1.0, -1.0]])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_step_updates_the_callers_arrays_in_place(name):
    params = {"w": np.ones(3)}
    array = params["w"]
    OPTIMIZERS[name](params, lr=0.1).step({"w": np.full(3, 0.5)})
    assert params["w"] is array and (array < 1).all()


def test_num_updates_counts_steps():
    opt = Adam(one_param(), lr=0.1)
    for _ in range(3):
        opt.step(grad(1.0))
    assert opt.num_updates == 3


# ----------------------------------------------------------------- PyTorch parity

PARITY = [
    ("SGD", {"lr": 0.1, "momentum": 0.9}, "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05}, "SGD", {"lr": 0.05}),
    ("Adagrad", {"lr": 0.1}, "Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "eps": 1e-6, "initial_accumulator_value": 0.1},
     "Adagrad", {"lr": 0.1, "eps": 1e-6, "initial_accumulator_value": 0.1}),
    ("RMSProp", {"lr": 0.01}, "RMSprop", {"lr": 0.01}),
    ("RMSProp", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6}, "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6}),
    ("Adam", {"lr": 0.01}, "Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-6}, "Adam", {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-6}),
]


@pytest.mark.torch
@pytest.mark.parametrize("ours,our_kwargs,theirs,their_kwargs", PARITY)
def test_matches_torch_optim(torch, rng, ours, our_kwargs, theirs, their_kwargs):
    params = {"W": rng.normal(size=(4, 3)), "b": rng.normal(size=(3,))}
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params.values()]
    opt = OPTIMIZERS[ours](params, **our_kwargs)
    ref = getattr(torch.optim, theirs)(tensors, **their_kwargs)
    for step in range(8):
        if step == 5:  # a learning-rate change mid-run (a schedule) must act the same way
            opt.lr = opt.lr / 2
            for group in ref.param_groups:
                group["lr"] = group["lr"] / 2
        grads = {k: rng.normal(size=p.shape) for k, p in params.items()}
        for t, g in zip(tensors, grads.values()):
            t.grad = torch.tensor(g)
        opt.step(grads)
        ref.step()
        for t, p in zip(tensors, params.values()):
            np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.torch
def test_clip_by_global_norm_matches_torch(torch, rng):
    grads = {"a": rng.normal(size=(5, 4)) * 3, "b": rng.normal(size=(7,))}
    tensors = [torch.zeros(g.shape, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g)
    their_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm=1.5)
    clipped, norm = clip_by_global_norm(grads, 1.5)
    assert norm == pytest.approx(float(their_norm), rel=1e-13)
    for t, c in zip(tensors, clipped.values()):
        np.testing.assert_allclose(c, t.grad.numpy(), rtol=1e-13, atol=1e-15)


# ----------------------------------------------------------------- clipping


def test_clip_by_value_returns_new_arrays():
    grads = {"a": np.array([-3.0, 0.5, 2.0], dtype=np.float32)}
    before = grads["a"].copy()
    clipped = clip_by_value(grads, 1.0)
    np.testing.assert_array_equal(clipped["a"], [-1.0, 0.5, 1.0])
    assert clipped["a"].dtype == np.float32
    np.testing.assert_array_equal(grads["a"], before)


def test_clip_by_global_norm_hand_example():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    assert global_norm(grads) == 5.0
    clipped, norm = clip_by_global_norm(grads, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(clipped["b"], [[0.8]], rtol=1e-6)
    np.testing.assert_array_equal(grads["a"], [3.0, 0.0])  # input untouched


def test_clip_by_global_norm_leaves_small_gradients_alone():
    grads = {"a": np.array([0.3, -0.4], dtype=np.float32)}
    clipped, norm = clip_by_global_norm(grads, 10.0)
    np.testing.assert_array_equal(clipped["a"], grads["a"])
    assert clipped["a"] is not grads["a"] and clipped["a"].dtype == np.float32
    assert norm == pytest.approx(0.5, rel=1e-7)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1"])
def test_clipping_rejects_bad_limits(bad):
    grads = {"a": np.ones(2)}
    with pytest.raises(ValueError, match="limit"):
        clip_by_value(grads, bad)
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_global_norm(grads, bad)


# ----------------------------------------------------------------- state dict


def assert_state_equal(a, b):
    assert a["type"] == b["type"] and a["hyperparams"] == b["hyperparams"]
    assert a["num_updates"] == b["num_updates"]
    assert a["state"].keys() == b["state"].keys()
    for slot in a["state"]:
        for name in a["state"][slot]:
            np.testing.assert_array_equal(a["state"][slot][name], b["state"][slot][name])
            assert a["state"][slot][name].dtype == b["state"][slot][name].dtype


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_round_trip_continues_identically(name, rng):
    params = {"W": rng.normal(size=(3, 2)).astype(np.float32), "b": np.zeros(2, np.float32)}
    kwargs = {"SGD": {"momentum": 0.5}}.get(name, {})
    opt = OPTIMIZERS[name](params, lr=0.05, **kwargs)
    grads = [{k: rng.normal(size=p.shape).astype(np.float32) for k, p in params.items()}
             for _ in range(5)]
    for g in grads[:3]:
        opt.step(g)
    copy = {k: p.copy() for k, p in params.items()}
    restored = OPTIMIZERS[name](copy, lr=1.0)
    restored.load_state_dict(opt.state_dict())
    assert_state_equal(restored.state_dict(), opt.state_dict())
    for g in grads[3:]:
        opt.step(g)
        restored.step(g)
    for k in params:
        np.testing.assert_array_equal(copy[k], params[k])


def test_state_dict_is_a_copy():
    opt = Adam(one_param(), lr=0.1)
    opt.step(grad(1.0))
    state = opt.state_dict()
    state["state"]["m"]["w"][...] = 123.0
    assert opt.state["m"]["w"][0] != 123.0


def test_load_state_dict_rejects_another_optimizer():
    sgd = SGD(one_param(), lr=0.1)
    with pytest.raises(ValueError, match="SGD.*Adam"):
        Adam(one_param(), lr=0.1).load_state_dict(sgd.state_dict())


def test_load_state_dict_rejects_wrong_shapes():
    state = Adam({"w": np.zeros(3)}, lr=0.1).state_dict()
    with pytest.raises(ShapeError, match=r"'w'.*\(1,\).*\(3,\)"):
        Adam(one_param(), lr=0.1).load_state_dict(state)


# ----------------------------------------------------------------- bad input


def test_step_rejects_missing_and_extra_keys():
    opt = SGD({"w": np.zeros(2), "b": np.zeros(1)}, lr=0.1)
    with pytest.raises(KeyError, match=r"missing \['b'\], unexpected \['c'\]"):
        opt.step({"w": np.zeros(2), "c": np.zeros(1)})


def test_step_rejects_wrong_shape_and_dtype():
    opt = SGD({"w": np.zeros((2, 3))}, lr=0.1)
    with pytest.raises(ShapeError, match=r"grads\['w'\]: expected shape \(2, 3\).*got \(3, 2\)"):
        opt.step({"w": np.zeros((3, 2))})
    with pytest.raises(DTypeError, match="float64.*float32"):
        opt.step({"w": np.zeros((2, 3), np.float32)})


def test_nan_gradient_is_rejected_before_anything_changes():
    params = {"a": np.ones(2), "b": np.ones(2)}
    opt = Adam(params, lr=0.1)
    with pytest.raises(ValueError, match=r"grads\['b'\].*NaN.*learning rate"):
        opt.step({"a": np.ones(2), "b": np.array([1.0, np.nan])})
    np.testing.assert_array_equal(params["a"], [1.0, 1.0])  # 'a' was not updated either
    assert opt.num_updates == 0


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), None])
def test_learning_rate_must_be_positive(bad):
    with pytest.raises(ValueError, match="lr: expected a finite number > 0"):
        SGD(one_param(), lr=bad)
    opt = SGD(one_param(), lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        opt.lr = bad
    assert opt.lr == 0.1


def test_bad_params_and_hyperparameters():
    with pytest.raises(TypeError, match="params: expected a non-empty dict"):
        SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(DTypeError, match=r"params\['w'\].*float"):
        SGD({"w": np.zeros(2, dtype=np.int64)}, lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        SGD(one_param(), lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match=r"betas\[1\]"):
        Adam(one_param(), lr=0.1, betas=(0.9, 1.5))
    with pytest.raises(ValueError, match="alpha"):
        RMSProp(one_param(), lr=0.1, alpha=-0.1)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.1, True, "0.1"])
def test_adagrad_initial_accumulator_must_be_finite_and_non_negative(bad):
    with pytest.raises(ValueError, match=f"initial_accumulator_value: expected a finite number >= 0, got {bad!r}"):
        Adagrad(one_param(), lr=0.1, initial_accumulator_value=bad)
