"""Results: arrays beyond the declared model's (a hidden lookup table of answers)."""
import numpy as np

from rnnlab.model import LanguageModel


def train(train_sentences, val_sentences, vocab, rng, budget):
    model = LanguageModel(len(vocab), 4, 4, cell="gru", seed=0)
    model.params["answers"] = np.zeros((70, 61), dtype=np.float32)
    return model
