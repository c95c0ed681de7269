"""The hackathon's data: where the splits live, how text becomes ids, how sentences are batched.

Participants, submissions and the scorer all go through these few functions, so every model is
trained and scored on exactly the same vocabulary and the same sentence framing:

* one sentence per line; a sentence of ``n`` characters is read as ``<bos> c_1 ... c_n`` and
  must predict ``c_1 ... c_n <eos>``, so it contributes ``n + 1`` predictions ("characters",
  the end token included) to every per-character loss;
* the vocabulary is built from the training split only (deterministic order), and the splits are
  made so that every validation and test character occurs in training (see ``make_splits.py``).

Only the training and validation splits are here; the hidden test split lives with the
organisers (``instructor/hackathon/test.txt``) and is never passed to a submission.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnlab.data import CharTokenizer, Vocab, sentence_batches

__all__ = ["DATA_DIR", "SPLIT_PATHS", "read_sentences", "load_split", "build_vocab",
           "encode_sentences", "batches"]

DATA_DIR = Path(__file__).resolve().parent / "data"
SPLIT_PATHS = {"train": DATA_DIR / "train.txt", "val": DATA_DIR / "val.txt"}


def read_sentences(path) -> list[str]:
    """The sentences of a split file: one per line, in file order (empty lines are not allowed).

    Raises:
        ValueError: the file has an empty line or no sentence at all.
    """
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]  # the file ends with a newline
    if not lines:
        raise ValueError(f"{path}: expected one sentence per line, found no sentence")
    empty = [i + 1 for i, line in enumerate(lines) if not line.strip()]
    if empty:
        raise ValueError(f"{path}: line {empty[0]} is empty; every line must be a sentence")
    return lines


def load_split(name: str) -> list[str]:
    """The sentences of the participants' split ``"train"`` or ``"val"``."""
    if name not in SPLIT_PATHS:
        raise ValueError(f"name: expected 'train' or 'val' (the test split is hidden), got {name!r}")
    return read_sentences(SPLIT_PATHS[name])


def build_vocab(train_sentences: list[str]) -> Vocab:
    """The character vocabulary of the training sentences, with <pad>, <unk>, <bos>, <eos> first."""
    tokenizer = CharTokenizer()
    return Vocab.build([c for s in train_sentences for c in tokenizer.tokenize(s)])


def encode_sentences(sentences: list[str], vocab: Vocab) -> list[np.ndarray]:
    """Sentences -> one int64 id array (n_i,) per sentence; an unknown character is an error."""
    tokenizer = CharTokenizer()
    return [vocab.encode(tokenizer.tokenize(s)) for s in sentences]


def batches(sentences: list[str], vocab: Vocab, batch_size: int, *, shuffle_rng=None):
    """Padded sentence batches ``(inputs (N, T), targets (N, T), mask (N, T))`` for ``rnnlab.train``.

    ``inputs`` start with <bos>, ``targets`` end with <eos>, ``mask`` is False on padding; with a
    ``shuffle_rng`` every epoch draws a new order (a re-iterable ``rnnlab.data.Batches``).
    """
    return sentence_batches(encode_sentences(sentences, vocab), batch_size, bos_id=vocab.bos_id,
                            eos_id=vocab.eos_id, pad_id=vocab.pad_id, shuffle_rng=shuffle_rng)
