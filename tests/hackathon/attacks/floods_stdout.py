"""Output: print 200 MB, then return an honest untrained model."""
import os

from rnnlab.model import LanguageModel


def train(train_sentences, val_sentences, vocab, rng, budget):
    block = b"x" * (1 << 20)
    for _ in range(200):
        os.write(1, block)
    return LanguageModel(len(vocab), 4, 4, cell="gru", seed=0)
