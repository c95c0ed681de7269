"""Batches for the training loop: streams, sentences, prefixes and windows.

Every function returns plain int64 arrays in the project's batch-first layout
(N batch, T time steps). The batch sources (``tbptt_batches``, ``sentence_batches``) return a
``Batches`` object: iterating it yields the batches of one epoch, every iteration starts over
(so it can be passed straight to ``train(..., epochs=5)``), and ``len()`` is the number of
batches per epoch.
"""
from __future__ import annotations

from typing import Callable, Iterator, Sequence

import numpy as np

from .._validate import check_array, check_bool, check_id, check_positive_int, check_probability, check_rng

__all__ = [
    "Batches",
    "tbptt_batches",
    "sentence_batches",
    "prefix_samples",
    "sliding_windows",
    "split_ids",
]


class Batches:
    """A re-iterable source of batches: each ``iter()`` is one fresh epoch; ``len()`` batches."""

    def __init__(self, make_epoch: Callable[[], Iterator[tuple]], length: int, description: str):
        self._make_epoch = make_epoch
        self._length = length
        self._description = description

    def __iter__(self) -> Iterator[tuple]:
        return self._make_epoch()

    def __len__(self) -> int:
        return self._length

    def __repr__(self) -> str:
        return f"<Batches: {self._length} batches of {self._description}>"


def _check_special(name: str, value) -> int:
    """A special id (bos, eos, pad): a non-negative integer that fits the int64 batches."""
    value = check_id(name, value)
    if value > np.iinfo(np.int64).max:
        raise ValueError(f"{name}: expected a token id that fits in int64, got {value}")
    return value


def _check_stream(name: str, ids) -> np.ndarray:
    """A 1-D integer array of token ids (L,), none negative."""
    check_array(name, ids, "L", kind="int")
    if ids.size and int(ids.min()) < 0:
        raise ValueError(f"{name}: expected token ids >= 0, got {int(ids.min())}")
    return ids


def tbptt_batches(ids: np.ndarray, batch_size: int, num_steps: int) -> Batches:
    """Contiguous batches for stateful truncated BPTT over one long token stream.

    The stream is cut into ``N = batch_size`` evenly spaced rows: row ``k`` starts at offset
    ``k * L // N`` and each batch continues every row exactly where the previous batch stopped,
    so a stateful model can carry its hidden state from batch to batch (row ``k`` of the
    state always belongs to row ``k`` of the text). Targets are the inputs shifted by one token.
    Each row reads ``B * T`` inputs with ``B = (L // N - 1) // T`` batches; the ragged tail that
    does not fill a whole batch is dropped.

    Args:
        ids: (L,) integer token ids of the whole text.
        batch_size: N, the number of parallel rows.
        num_steps: T, the truncation length (time steps per batch).

    Returns:
        ``Batches`` yielding ``(inputs (N, T), targets (N, T))`` int64 pairs.

    Raises:
        ValueError: the stream is too short for even one batch (needs ``L >= N * (T + 1)``).
    """
    ids = _check_stream("ids", ids)
    n = check_positive_int("batch_size", batch_size)
    t = check_positive_int("num_steps", num_steps)
    length = len(ids)
    num_batches = (length // n - 1) // t
    if num_batches < 1:
        raise ValueError(
            f"ids: a stream of L={length} tokens is too short for batch_size={n} and "
            f"num_steps={t}: each of the {n} rows needs {t} inputs plus one target, so "
            f"L must be at least N * (T + 1) = {n * (t + 1)}; use a smaller batch_size or "
            "num_steps, or more text"
        )
    stream = ids.astype(np.int64, copy=False)
    offsets = np.arange(n) * length // n

    def epoch() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        columns = np.arange(t)
        for b in range(num_batches):
            positions = offsets[:, None] + b * t + columns[None, :]  # (N, T)
            yield stream[positions], stream[positions + 1]

    return Batches(epoch, num_batches, f"(N={n}, T={t}) from a stream of {length} tokens")


def _check_sequences(name: str, sequences) -> list[np.ndarray]:
    """A non-empty list of 1-D integer id sequences (arrays or lists), as int64 arrays."""
    if isinstance(sequences, np.ndarray) or not isinstance(sequences, Sequence):
        raise TypeError(
            f"{name}: expected a list of 1-D id arrays (one per sentence), got {type(sequences).__name__}"
        )
    if len(sequences) == 0:
        raise ValueError(f"{name}: expected at least one sequence, got an empty list")
    checked = []
    for i, seq in enumerate(sequences):
        arr = np.asarray(seq) if isinstance(seq, (list, tuple)) else seq
        if isinstance(arr, np.ndarray) and arr.size == 0:
            arr = arr.astype(np.int64)
        check_array(f"{name}[{i}]", arr, "T", kind="int")
        if arr.size and int(arr.min()) < 0:
            raise ValueError(f"{name}[{i}]: expected token ids >= 0, got {int(arr.min())}")
        if arr.size and int(arr.max()) > np.iinfo(np.int64).max:
            raise ValueError(f"{name}[{i}]: expected token ids that fit in int64, got {int(arr.max())}")
        checked.append(arr.astype(np.int64, copy=False))
    return checked


def sentence_batches(
    sentences,
    batch_size: int,
    *,
    bos_id: int,
    eos_id: int,
    pad_id: int,
    shuffle_rng: np.random.Generator | None = None,
) -> Batches:
    """Padded batches of whole sentences, for models that read one sentence at a time.

    Sentence ``s`` becomes ``inputs = [bos] + s`` and ``targets = s + [eos]`` (the model reads
    the start token and must predict every token and then the end). Each batch is padded on
    the right with ``pad_id`` to its longest sentence, and ``mask`` is True exactly at the real
    (non-padding) positions, so a masked loss scores ``len(s) + 1`` tokens per sentence.

    Args:
        sentences: a list of (T_i,) integer id sequences; an empty one is allowed (the model
            then learns to end at once).
        batch_size: N, sentences per batch (the last batch may be smaller).
        bos_id, eos_id, pad_id: the special ids (``vocab.bos_id`` ...).
        shuffle_rng: ``None`` keeps the given order; a ``np.random.Generator`` draws a new
            order at every epoch (deterministic for a seeded generator).

    Returns:
        ``Batches`` yielding ``(inputs (N, T), targets (N, T), mask (N, T) bool)``, where T is
        one more than the length of the longest sentence in that batch.
    """
    seqs = _check_sequences("sentences", sentences)
    n = check_positive_int("batch_size", batch_size)
    bos, eos, pad = (_check_special(name, value) for name, value in
                     (("bos_id", bos_id), ("eos_id", eos_id), ("pad_id", pad_id)))
    check_rng("shuffle_rng", shuffle_rng, optional=True)
    num_batches = -(-len(seqs) // n)

    def epoch() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        order = shuffle_rng.permutation(len(seqs)) if shuffle_rng is not None else np.arange(len(seqs))
        for start in range(0, len(seqs), n):
            yield _pad_sentences([seqs[i] for i in order[start:start + n]], bos, eos, pad)

    return Batches(epoch, num_batches, f"up to {n} sentences from {len(seqs)}")


def _pad_sentences(batch: list[np.ndarray], bos: int, eos: int, pad: int):
    """Sentences -> inputs (N, T), targets (N, T), mask (N, T) with T = 1 + longest."""
    width = 1 + max(len(s) for s in batch)
    inputs = np.full((len(batch), width), pad, dtype=np.int64)
    targets = np.full((len(batch), width), pad, dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=bool)
    for row, s in enumerate(batch):
        inputs[row, 0], inputs[row, 1:len(s) + 1] = bos, s
        targets[row, :len(s)], targets[row, len(s)] = s, eos
        mask[row, :len(s) + 1] = True
    return inputs, targets, mask


def prefix_samples(sequences, *, pad_id: int, maxlen: int | None = None):
    """Every prefix of every sequence as a many-to-one sample: (pre-padded prefix, next token).

    A sequence ``[a, b, c]`` gives the samples ``[a] -> b`` and ``[a, b] -> c``. Prefixes are
    padded on the *left* with ``pad_id`` to ``maxlen - 1`` columns, so the last column is always
    the most recent token (what a many-to-one RNN reads last). Prefixes longer than
    ``maxlen - 1`` keep their last ``maxlen - 1`` tokens. Samples come out sequence by
    sequence, shortest prefix first.

    Args:
        sequences: a list of (T_i,) integer id sequences.
        pad_id: the padding id.
        maxlen: the sample length including the target; default the longest sequence.

    Returns:
        ``X`` (M, maxlen - 1) int64 and ``y`` (M,) int64, ``M = sum(max(T_i - 1, 0))``.
    """
    seqs = _check_sequences("sequences", sequences)
    pad = _check_special("pad_id", pad_id)
    longest = max(len(s) for s in seqs)
    if longest < 2:
        raise ValueError(
            f"sequences: no sequence has two or more tokens (longest has {longest}), "
            "so there is no prefix with a next token to predict"
        )
    width = (check_positive_int("maxlen", maxlen) if maxlen is not None else longest) - 1
    if width < 1:
        raise ValueError(
            f"maxlen: a sample needs at least one input token and a target (maxlen >= 2), "
            f"got maxlen={width + 1}"
        )
    rows, targets = [], []
    for seq in seqs:
        for end in range(1, len(seq)):
            prefix = seq[max(0, end - width):end]
            rows.append(np.concatenate([np.full(width - len(prefix), pad, dtype=np.int64), prefix]))
            targets.append(seq[end])
    return np.stack(rows), np.asarray(targets, dtype=np.int64)


def sliding_windows(ids: np.ndarray, window: int, *, step: int = 1, many_to_many: bool = False):
    """Fixed-length windows over a token stream, for character-level window models.

    Window ``m`` covers ``ids[m * step : m * step + window]``. Many-to-one (default): the target
    is the token right after the window. Many-to-many: the target is the window shifted by one.

    Args:
        ids: (L,) integer token ids.
        window: W, tokens per window.
        step: distance between the starts of consecutive windows.
        many_to_many: return a target per position instead of one per window.

    Returns:
        ``X`` (M, W) int64 and ``y`` (M,) int64, or ``Y`` (M, W) with ``many_to_many``;
        ``M = (L - W - 1) // step + 1``.
    """
    ids = _check_stream("ids", ids)
    many_to_many = check_bool("many_to_many", many_to_many)
    w = check_positive_int("window", window)
    s = check_positive_int("step", step)
    if len(ids) < w + 1:
        raise ValueError(
            f"ids: a stream of L={len(ids)} tokens is too short for window={w}: "
            f"a window and its target need at least W + 1 = {w + 1} tokens"
        )
    starts = np.arange(0, len(ids) - w, s)
    positions = starts[:, None] + np.arange(w)[None, :]  # (M, W)
    stream = ids.astype(np.int64, copy=False)
    if many_to_many:
        return stream[positions], stream[positions + 1]
    return stream[positions], stream[starts + w]


def split_ids(ids: np.ndarray, val_fraction: float = 0.1):
    """Split a stream into a training head and a validation tail: (train (L1,), val (L2,)).

    A contiguous split (rather than a random one) keeps validation text unseen, since
    neighbouring windows of one text overlap.
    """
    ids = _check_stream("ids", ids)
    fraction = check_probability("val_fraction", val_fraction)
    cut = len(ids) - int(round(len(ids) * fraction))
    if fraction > 0 and (cut == len(ids) or cut == 0):
        raise ValueError(
            f"val_fraction: {fraction} of {len(ids)} tokens leaves one part empty; use more text"
        )
    return ids[:cut].copy(), ids[cut:].copy()
