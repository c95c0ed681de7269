"""Batching: TBPTT offsets and continuity, sentence padding/masks, prefixes, windows."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab._validate import DTypeError, ShapeError
from rnnlab.data import prefix_samples, sentence_batches, sliding_windows, split_ids, tbptt_batches


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 6), t=st.integers(1, 7), extra=st.integers(0, 60))
def test_tbptt_rows_start_at_even_offsets_and_continue(n, t, extra):
    length = n * (t + 1) + extra
    ids = np.arange(length, dtype=np.int64)  # each id equals its position: easy to read back
    batches = list(tbptt_batches(ids, n, t))
    assert len(batches) == (length // n - 1) // t
    offsets = np.arange(n) * length // n
    for b, (inputs, targets) in enumerate(batches):
        assert inputs.shape == targets.shape == (n, t) and inputs.dtype == np.int64
        np.testing.assert_array_equal(inputs[:, 0], offsets + b * t)  # row k starts at k*L//N
        np.testing.assert_array_equal(targets, inputs + 1)  # targets: inputs shifted by one
        np.testing.assert_array_equal(np.diff(inputs, axis=1), 1)  # contiguous within a row
    for (prev, _), (nxt, _) in zip(batches, batches[1:]):
        np.testing.assert_array_equal(prev[:, -1] + 1, nxt[:, 0])  # each batch continues the last
    read = np.concatenate([inp for inp, _ in batches], axis=1)  # (N, B*T) inputs per row
    assert len(np.unique(read)) == read.size  # rows never read the same input twice
    assert read.max() + 1 < length  # every target exists


def test_tbptt_hand_example():
    ids = np.arange(10, 30)  # L = 20, N = 2 -> rows start at 10 and 20; B = (10 - 1) // 3 = 3
    batches = tbptt_batches(ids, 2, 3)
    first, second = list(batches)[:2]
    np.testing.assert_array_equal(first[0], [[10, 11, 12], [20, 21, 22]])
    np.testing.assert_array_equal(first[1], [[11, 12, 13], [21, 22, 23]])
    np.testing.assert_array_equal(second[0], [[13, 14, 15], [23, 24, 25]])
    assert len(batches) == 3


def test_tbptt_is_reiterable_and_leaves_its_input_alone():
    ids = np.arange(50)
    copy = ids.copy()
    batches = tbptt_batches(ids, 3, 4)
    one, two = list(batches), list(batches)
    assert len(one) == len(batches) > 0
    for (a, b), (c, d) in zip(one, two):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    np.testing.assert_array_equal(ids, copy)


def test_tbptt_too_short_and_bad_input():
    with pytest.raises(ValueError, match=r"too short for batch_size=4 and num_steps=5.*N \* \(T \+ 1\) = 24"):
        tbptt_batches(np.arange(23), 4, 5)
    assert len(tbptt_batches(np.arange(24), 4, 5)) == 1
    with pytest.raises(DTypeError, match="ids: expected an integer array"):
        tbptt_batches(np.arange(50.0), 2, 3)
    with pytest.raises(ShapeError, match=r"ids: expected shape \(L,\)"):
        tbptt_batches(np.zeros((5, 10), dtype=np.int64), 2, 3)
    with pytest.raises(ValueError, match="batch_size: expected a positive integer, got 0"):
        tbptt_batches(np.arange(50), 0, 3)


def test_sentence_batches_bos_eos_pad_and_mask_exactly():
    sentences = [np.array([5, 6, 7]), np.array([8]), np.array([], dtype=np.int64)]
    batches = list(sentence_batches(sentences, 2, bos_id=2, eos_id=3, pad_id=0))
    assert len(batches) == 2
    inputs, targets, mask = batches[0]
    np.testing.assert_array_equal(inputs, [[2, 5, 6, 7], [2, 8, 0, 0]])
    np.testing.assert_array_equal(targets, [[5, 6, 7, 3], [8, 3, 0, 0]])
    np.testing.assert_array_equal(mask, [[True] * 4, [True, True, False, False]])
    inputs, targets, mask = batches[1]  # the empty sentence: read <bos>, predict <eos>
    np.testing.assert_array_equal(inputs, [[2]])
    np.testing.assert_array_equal(targets, [[3]])
    assert mask.dtype == bool and mask.all()


def test_sentence_batches_order_and_seeded_shuffle():
    sentences = [[i, i] for i in range(10, 17)]

    def firsts(batches):
        return [int(x) for inputs, _, _ in batches for x in inputs[:, 1]]

    def batches(rng=None):
        return sentence_batches(sentences, 3, bos_id=0, eos_id=1, pad_id=2, shuffle_rng=rng)

    assert firsts(batches()) == list(range(10, 17))
    a = firsts(batches(np.random.default_rng(5)))
    b = firsts(batches(np.random.default_rng(5)))
    assert a == b and sorted(a) == list(range(10, 17)) and a != list(range(10, 17))
    shuffled = batches(np.random.default_rng(5))
    assert firsts(shuffled) != firsts(shuffled)  # a new order every epoch


def test_sentence_batches_bad_input():
    with pytest.raises(ValueError, match="sentences: expected at least one sequence"):
        sentence_batches([], 2, bos_id=0, eos_id=1, pad_id=2)
    with pytest.raises(DTypeError, match=r"sentences\[1\]: expected an integer array"):
        sentence_batches([[1, 2], [0.5]], 2, bos_id=0, eos_id=1, pad_id=2)
    with pytest.raises(TypeError, match="shuffle_rng: expected None or a numpy Generator"):
        sentence_batches([[1]], 2, bos_id=0, eos_id=1, pad_id=2, shuffle_rng=0)
    with pytest.raises(ValueError, match="pad_id: expected a token id"):
        sentence_batches([[1]], 2, bos_id=0, eos_id=1, pad_id=-1)


def test_prefix_samples_hand_example():
    X, y = prefix_samples([[1, 2, 3], [4, 5]], pad_id=0)
    np.testing.assert_array_equal(X, [[0, 1], [1, 2], [0, 4]])
    np.testing.assert_array_equal(y, [2, 3, 5])
    assert X.dtype == y.dtype == np.int64


def test_prefix_samples_maxlen_keeps_the_most_recent_tokens():
    X, y = prefix_samples([np.array([7, 8, 9, 10])], pad_id=0, maxlen=3)
    np.testing.assert_array_equal(X, [[0, 7], [7, 8], [8, 9]])
    np.testing.assert_array_equal(y, [8, 9, 10])
    with pytest.raises(ValueError, match="no sequence has two or more tokens"):
        prefix_samples([[1], [2]], pad_id=0)
    with pytest.raises(ValueError, match="maxlen >= 2"):
        prefix_samples([[1, 2]], pad_id=0, maxlen=1)


def test_sliding_windows_many_to_one_and_many_to_many():
    ids = np.arange(10, 17)  # L = 7
    X, y = sliding_windows(ids, 3, step=2)
    np.testing.assert_array_equal(X, [[10, 11, 12], [12, 13, 14]])
    np.testing.assert_array_equal(y, [13, 15])
    X, Y = sliding_windows(ids, 3, many_to_many=True)
    assert X.shape == Y.shape == (4, 3)
    np.testing.assert_array_equal(Y, X + 1)
    with pytest.raises(ValueError, match="too short for window=7"):
        sliding_windows(ids, 7)


def test_split_ids_is_a_contiguous_head_and_tail():
    ids = np.arange(100)
    train, val = split_ids(ids, 0.2)
    np.testing.assert_array_equal(train, np.arange(80))
    np.testing.assert_array_equal(val, np.arange(80, 100))
    with pytest.raises(ValueError, match="val_fraction: expected a number in \\[0, 1\\)"):
        split_ids(ids, 1.5)
