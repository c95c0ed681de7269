"""Scored after the daemon: 3 hand-written updates, slowly, so that a surviving daemon would hit it."""
import time

from hackdata import batches
from rnnlab.model import LanguageModel


def train(train_sentences, val_sentences, vocab, rng, budget):
    model = LanguageModel(len(vocab), 4, 4, cell="gru", seed=0)
    for inputs, targets, mask in list(batches(train_sentences, vocab, 32))[:3]:
        model.loss(inputs, targets, mask)
        for name, grad in model.backward().items():
            model.params[name] -= 0.5 * grad
    time.sleep(2)
    return model
