"""Results: a forged declaration with NaN iterations and no model."""
import os
from pathlib import Path


def train(train_sentences, val_sentences, vocab, rng, budget):
    Path("declared.json").write_text('{"status": "ok", "iterations": NaN}')
    os._exit(0)
