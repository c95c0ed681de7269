"""Parameters: the returned model claims 10 parameters."""
from rnnlab.model import LanguageModel


def train(train_sentences, val_sentences, vocab, rng, budget):
    model = LanguageModel(len(vocab), 4, 4, cell="gru", seed=0)
    model.num_params = lambda: 10
    return model
