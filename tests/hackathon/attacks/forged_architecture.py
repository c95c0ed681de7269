"""Results: declare an architecture the allow-list has no place for, with arrays to match."""
import json
import os
from pathlib import Path

import numpy as np


def train(train_sentences, val_sentences, vocab, rng, budget):
    Path("architecture.json").write_text(json.dumps({"cell": "transformer", "embed_size": 4,
                                                     "hidden_size": 4, "eval": "__import__('os')"}))
    np.savez("model.npz", w=np.zeros(3))
    Path("declared.json").write_text('{"status": "ok", "iterations": 1}')
    os._exit(0)
