"""Tests of rnnlab.sampling: softmax with temperature, greedy and top-k sampling."""
import numpy as np
import pytest

from rnnlab._validate import DTypeError, ShapeError
from rnnlab.sampling import _keep_top_k, greedy, sample, softmax

LOGITS = np.array([2.0, 0.5, -1.0, 1.0, 0.0])


def test_softmax_values_rows_and_axis():
    p = softmax(LOGITS)
    np.testing.assert_allclose(p, np.exp(LOGITS) / np.exp(LOGITS).sum(), rtol=1e-14)
    batch = np.stack([LOGITS, -LOGITS])
    np.testing.assert_allclose(softmax(batch.T, axis=0), softmax(batch).T, rtol=1e-14)
    np.testing.assert_allclose(softmax(LOGITS, temperature=2.0), softmax(LOGITS / 2.0), rtol=1e-14)


def test_softmax_stable_dtype_and_no_mutation():
    z = np.array([1000.0, 999.0, -1000.0], dtype=np.float32)
    saved = z.copy()
    p = softmax(z)
    assert p.dtype == np.float32 and np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(z, saved)


def test_temperature_sharpens_and_flattens():
    cold, warm, hot = (softmax(LOGITS, t) for t in (0.5, 1.0, 5.0))
    assert cold.max() > warm.max() > hot.max()
    np.testing.assert_allclose(softmax(LOGITS, 1e-3), np.eye(5)[np.argmax(LOGITS)], atol=1e-12)


def test_greedy_is_argmax():
    assert greedy(LOGITS) == 0 and isinstance(greedy(LOGITS), int)
    batch = np.array([[0.1, 3.0, 0.2], [5.0, 1.0, 1.0]])
    ids = greedy(batch)
    assert ids.dtype == np.int64 and ids.tolist() == [1, 0]


def test_top_k_one_is_greedy():
    rng = np.random.default_rng(0)
    batch = rng.standard_normal((50, 7))
    np.testing.assert_array_equal(sample(batch, top_k=1, rng=rng), greedy(batch))
    assert all(sample(LOGITS, top_k=1, temperature=3.0, rng=rng) == 0 for _ in range(20))


def test_low_temperature_approaches_greedy():
    batch = np.random.default_rng(1).standard_normal((200, 10))
    ids = sample(batch, temperature=1e-3, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(ids, greedy(batch))


def test_empirical_frequencies_match_softmax():
    n = 20000
    rows = np.tile(LOGITS, (n, 1))
    ids = sample(rows, temperature=1.5, rng=np.random.default_rng(0))
    freq = np.bincount(ids, minlength=5) / n
    expected = softmax(LOGITS, temperature=1.5)
    # 4 standard errors of a binomial proportion: a correct sampler passes, a biased one fails.
    tolerance = 4 * np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(freq - expected) < tolerance), (freq, expected)
    # The same tolerance rejects a sampler that ignores the temperature.
    assert np.any(np.abs(freq - softmax(LOGITS)) > tolerance)


def test_top_k_samples_only_among_the_k_best_in_proportion():
    n = 20000
    ids = sample(np.tile(LOGITS, (n, 1)), top_k=2, rng=np.random.default_rng(0))
    assert set(np.unique(ids)) == {0, 3}  # the two largest logits: 2.0 (id 0) and 1.0 (id 3)
    expected = 1 / (1 + np.exp(-1.0))  # p(id 0) after renormalizing over the two
    assert np.mean(ids == 0) == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / n))


def test_top_k_keeps_exactly_k_ids_when_logits_tie():
    # Three ids tie for the largest logit: top_k=2 keeps two of them, never all three.
    tied = np.array([[1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [2.0, 1.0, 1.0, 1.0]])
    kept = _keep_top_k(tied, 2)
    assert np.isfinite(kept).sum(axis=1).tolist() == [2, 2, 2]
    assert np.isfinite(kept[2, 0])  # the one largest logit is always kept
    ids = np.stack([sample(tied, top_k=2, rng=np.random.default_rng(s)) for s in range(200)])
    for row in range(3):
        assert len(np.unique(ids[:, row])) == 2


def test_sample_is_reproducible_for_a_seed():
    batch = np.random.default_rng(5).standard_normal((30, 9))
    a = sample(batch, temperature=0.8, top_k=4, rng=np.random.default_rng(11))
    b = sample(batch, temperature=0.8, top_k=4, rng=np.random.default_rng(11))
    c = sample(batch, temperature=0.8, top_k=4, rng=np.random.default_rng(12))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert isinstance(sample(LOGITS, rng=np.random.default_rng(0)), int)


def test_sampling_bad_input():
    rng = np.random.default_rng(0)
    for t in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature: expected a finite number > 0"):
            sample(LOGITS, temperature=t, rng=rng)
    with pytest.raises(ValueError, match="temperature"):
        softmax(LOGITS, temperature=0.0)
    for k in (0, 6, 2.5, True):
        with pytest.raises(ValueError, match=r"top_k: expected None or an integer in \[1, V\] with V=5"):
            sample(LOGITS, top_k=k, rng=rng)
    nan_logits = LOGITS.copy()
    nan_logits[2] = np.nan
    for fn in (softmax, greedy, lambda z: sample(z, rng=rng)):
        with pytest.raises(ValueError, match=r"logits: expected finite values, got nan at index \(2,\)"):
            fn(nan_logits)
    with pytest.raises(ShapeError, match=r"logits: expected shape \(V,\) or \(N, V\), got \(2, 3, 4\)"):
        greedy(np.zeros((2, 3, 4)))
    with pytest.raises(DTypeError, match="logits: expected a floating-point array"):
        greedy(np.array([1, 2, 3]))
    with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
        sample(LOGITS, rng=0)
    with pytest.raises(ValueError, match="V >= 1"):
        greedy(np.zeros(0))
