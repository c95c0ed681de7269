"""Honest: an Adam subclass that redefines step (and calls the library's), 3 updates."""
from hackdata import batches
from rnnlab.model import LanguageModel
from rnnlab.optim import Adam


class LoggingAdam(Adam):
    def step(self, grads):
        super().step(grads)


def train(train_sentences, val_sentences, vocab, rng, budget):
    model = LanguageModel(len(vocab), 4, 4, cell="gru", seed=0)
    optimizer = LoggingAdam(model.params, lr=0.01)
    for inputs, targets, mask in list(batches(train_sentences, vocab, 32))[:3]:
        _, grads = model.loss_and_grads(inputs, targets, mask)
        optimizer.step(grads)
    return model
