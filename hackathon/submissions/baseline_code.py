"""The hackathon baseline: a GRU character model trained with Adagrad for 1000 iterations.

Embedding (E = 32) -> GRU (H = 100) -> linear -> softmax over the characters; Adagrad with
learning rate 0.1; 32 sentences per batch, reshuffled every epoch; every gradient element
clipped to [-5, 5] (rnnlab clips the parameter gradients by value; the original notebook
clipped the hidden-state gradient inside its hand-written backward pass, which the library's
training loop does not expose).

The same baseline as the recipe ``baseline.json``, written as a code-track submission (so its
iterations are self-declared on the leaderboard). The source notebook's variant, with each
update divided by the number of sentences after Adagrad's normalisation, is the recipe
``baseline_source.json``.

``budget == "quick"`` (smoke tests) trains 300 iterations instead of 1000.
"""
from rnnlab.model import LanguageModel
from rnnlab.optim import Adagrad
from rnnlab.train import train as fit

from hackdata import batches

ITERATIONS = {"full": 1000, "quick": 300}


def train(train_sentences, val_sentences, vocab, rng, budget):
    """Train the baseline; returns the LanguageModel (48,313 parameters with 61 characters)."""
    seed = int(rng.integers(2**31))
    model = LanguageModel(len(vocab), 32, 100, cell="gru", seed=seed)
    optimizer = Adagrad(model.params, lr=0.1)
    fit(model, optimizer, batches(train_sentences, vocab, 32, shuffle_rng=rng),
        steps=ITERATIONS[budget], clip_value=5.0, progress=False)
    return model
