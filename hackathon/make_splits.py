"""Write the hackathon's fixed splits (run once by the organisers; the outputs are committed).

    python hackathon/make_splits.py

Source: ``rnnlab.data.load_lines("sentences_en")``, the verse lines of 15 to 60 characters of
the opening of Shakespeare's *Coriolanus* (public domain; source recorded by
``rnnlab.data.corpus_info``). Why this corpus: real text, about 700 distinct lines, a small
alphabet (57 characters), and lines short enough that a numpy GRU trains on it in seconds.

The lines are shuffled with a fixed seed and cut 80 / 10 / 10 into train, validation and a
held-out tenth. A validation or held-out line holding a character that never occurs in the
training lines is moved into training: the vocabulary is built from training text only, and a
character the model has no id for could not be scored.

The held-out tenth is **not** the test split and is written nowhere: it ships with the library
and its seed is public, so anyone could rebuild it. The hidden test split
(``instructor/hackathon/test.txt``) is lines written for the course that appear in no corpus
and no public file (``tests/hackathon/test_score.py`` checks it); the organisers replace them
with fresh lines for a real event (``hackathon/README.md``, "Running a real event").
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnlab.data import corpus_info, load_lines

from hackdata import SPLIT_PATHS  # the kit's module, beside this script

ROOT = Path(__file__).resolve().parent.parent
TEST_PATH = ROOT / "instructor" / "hackathon" / "test.txt"  # written by hand, never by this script
CORPUS = "sentences_en"
SEED = 2026
FRACTIONS = (0.8, 0.1, 0.1)


def split_lines(lines: list[str], seed: int = SEED) -> dict[str, list[str]]:
    """Seeded shuffle and 80/10/10 cut; lines with characters unseen in train move to train.

    Returns:
        ``{"train": [...], "val": [...], "held_out": [...]}``; every line appears exactly once.
    """
    order = np.random.default_rng(seed).permutation(len(lines))
    shuffled = [lines[i] for i in order]
    n_train = int(round(FRACTIONS[0] * len(lines)))
    n_val = int(round(FRACTIONS[1] * len(lines)))
    parts = {"train": shuffled[:n_train], "val": shuffled[n_train:n_train + n_val],
             "held_out": shuffled[n_train + n_val:]}
    alphabet = set("".join(parts["train"]))
    for name in ("val", "held_out"):
        moved = [s for s in parts[name] if not set(s) <= alphabet]
        parts[name] = [s for s in parts[name] if set(s) <= alphabet]
        parts["train"] += moved  # a moved line only adds to the training alphabet
    return parts


def write_lines(path: Path, lines: list[str]) -> None:
    """One line per sentence, UTF-8, ending with a newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parts = split_lines(load_lines(CORPUS))
    write_lines(SPLIT_PATHS["train"], parts["train"])
    write_lines(SPLIT_PATHS["val"], parts["val"])
    info = corpus_info(CORPUS)
    print(f"{CORPUS}: {info['title']} - {info['licence']}")
    for name, lines in parts.items():
        print(f"{name}: {len(lines)} sentences, {sum(map(len, lines))} characters")


if __name__ == "__main__":
    main()
