"""Parameters: a subclass whose num_params returns 0, or a string."""
from rnnlab.model import LanguageModel


class Tiny(LanguageModel):
    def num_params(self):
        return "zero"


def train(train_sentences, val_sentences, vocab, rng, budget):
    return Tiny(len(vocab), 4, 4, cell="gru", seed=0)
