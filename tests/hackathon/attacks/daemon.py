"""Sabotage: a fork + setsid daemon that outlives the submission and rewrites later rows' files."""
import glob
import os
import time

from rnnlab.model import LanguageModel


def train(train_sentences, val_sentences, vocab, rng, budget):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            end = time.time() + 40
            while time.time() < end:  # marker for the test: daemon-4242.5
                for path in glob.glob("/tmp/hackathon-*/output/declared.json"):
                    try:
                        with open(path, "w") as f:
                            f.write('{"status": "ok", "iterations": 999999}')
                    except OSError:
                        pass
                time.sleep(0.05)
        os._exit(0)
    return LanguageModel(len(vocab), 4, 4, cell="gru", seed=0)
