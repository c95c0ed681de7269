"""Smuggling: load weights a previous submission left in /tmp (reported as 0 iterations before)."""
import glob


def train(train_sentences, val_sentences, vocab, rng, budget):
    found = glob.glob("/tmp/**/smuggled_weights.npz", recursive=True)
    if found:
        raise RuntimeError(f"FOUND {found}")
    raise RuntimeError("nothing left behind")
