"""Long-lag tasks: shapes, values, determinism per seed, and their chance-level baselines."""
import math

import numpy as np
import pytest

from rnnlab.data import ADDING_BASELINE_MSE, adding_problem, copy_task, copy_task_baseline


def test_adding_problem_shapes_markers_and_targets():
    xs, ys = adding_problem(50, 12, rng=np.random.default_rng(0))
    assert xs.shape == (50, 12, 2) and ys.shape == (50,) and xs.dtype == ys.dtype == np.float64
    values, markers = xs[..., 0], xs[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert (markers[:, :6].sum(axis=1) == 1).all() and (markers[:, 6:].sum(axis=1) == 1).all()
    np.testing.assert_allclose(ys, (values * markers).sum(axis=1))


def test_adding_problem_is_deterministic_per_seed_and_keeps_dtype():
    a = adding_problem(8, 10, rng=np.random.default_rng(3), dtype=np.float32)
    b = adding_problem(8, 10, rng=np.random.default_rng(3), dtype=np.float32)
    c = adding_problem(8, 10, rng=np.random.default_rng(4), dtype=np.float32)
    assert a[0].dtype == a[1].dtype == np.float32
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_adding_baseline_is_the_mse_of_always_answering_one():
    _, ys = adding_problem(40_000, 4, rng=np.random.default_rng(1))
    assert abs(np.mean((ys - 1.0) ** 2) - ADDING_BASELINE_MSE) < 0.005
    assert abs(ys.mean() - 1.0) < 0.01  # 1 is indeed the best constant answer


def test_copy_task_layout():
    k, m, T = 5, 4, 6
    inputs, targets = copy_task(30, T, num_symbols=k, length=m, rng=np.random.default_rng(0))
    assert inputs.shape == targets.shape == (30, T + 2 * m) and inputs.dtype == np.int64
    symbols = inputs[:, :m]
    assert ((symbols >= 1) & (symbols <= k)).all()
    assert (inputs[:, m:m + T - 1] == 0).all()  # the wait
    assert (inputs[:, m + T - 1] == k + 1).all()  # the delimiter
    assert (inputs[:, m + T:] == 0).all()
    assert (targets[:, :T + m] == 0).all()
    np.testing.assert_array_equal(targets[:, T + m:], symbols)  # written back in order


def test_copy_task_is_deterministic_per_seed():
    a = copy_task(5, 3, rng=np.random.default_rng(9))
    b = copy_task(5, 3, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], copy_task(5, 3, rng=np.random.default_rng(10))[0])


def test_copy_baseline_matches_the_best_memoryless_predictor():
    T, k, m = 20, 8, 10
    assert copy_task_baseline(T) == pytest.approx(10 * math.log(8) / (T + 20))  # Arjovsky et al.
    _, targets = copy_task(5000, T, num_symbols=k, length=m, rng=np.random.default_rng(2))
    # A memoryless model can only learn each position's target distribution.
    loss = 0.0
    for t in range(targets.shape[1]):
        p = np.bincount(targets[:, t], minlength=k + 2) / len(targets)
        loss += -np.sum(p[p > 0] * np.log(p[p > 0]))
    assert loss / targets.shape[1] == pytest.approx(copy_task_baseline(T, num_symbols=k, length=m), abs=0.01)


def test_bad_arguments_are_named():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="T: the adding problem marks two positions"):
        adding_problem(4, 1, rng=rng)
    with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
        adding_problem(4, 5, rng=0)
    with pytest.raises(TypeError, match="dtype: expected a float dtype"):
        adding_problem(4, 5, rng=rng, dtype=np.int32)
    with pytest.raises(ValueError, match="num_symbols: expected a positive integer"):
        copy_task(4, 5, num_symbols=0, rng=rng)
