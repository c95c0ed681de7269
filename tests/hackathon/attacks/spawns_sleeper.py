"""Time limit: start a long-lived process, then sleep past the limit; nothing may survive."""
import subprocess
import time


def train(train_sentences, val_sentences, vocab, rng, budget):
    subprocess.Popen(["sleep", "4242.25"], start_new_session=True)
    time.sleep(600)
