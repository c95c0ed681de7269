"""Measure one saved model's test loss in this process (the second child that ``score.py`` starts).

    python hackathon/evaluate_checkpoint.py CHECKPOINT TEST_FILE

No submission code runs here: the model is rebuilt from the checkpoint that the training child
saved (an ``.npz`` archive read without pickle), so nothing a submission patched while it trained
(``evaluate``, ``loss``...) is in effect. The parent gives this process the same memory limit as
training and a time limit of its own, so a model too large or too slow to evaluate costs only
its own row.

The last line of standard output is a JSON object: ``{"status": "ok", "test_nats_per_char": x}``,
``{"status": "nan", ...}`` when the loss is not a finite number, or ``{"status": "eval_failed",
"message": ...}`` when evaluating raised (for example finite but huge weights whose logits
overflow to inf).
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from rnnlab.train import evaluate, load_checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hackdata import batches, build_vocab, load_split, read_sentences  # noqa: E402

BATCH_SIZE = 64  # any size gives the same mean: evaluate weights each batch by its characters


def test_loss(checkpoint: Path, test_path: Path) -> dict:
    """``{"status", "test_nats_per_char" | "message"}`` of the saved model on the test sentences."""
    vocab = build_vocab(load_split("train"))  # the shared vocabulary, not one the child saved
    try:
        model = load_checkpoint(checkpoint).model
        nats = evaluate(model, batches(read_sentences(test_path), vocab, BATCH_SIZE))
    except Exception as err:  # any failure of this model becomes its status, never the scorer's
        return {"status": "eval_failed",
                "message": f"evaluating the returned model on the test split failed: "
                           f"{type(err).__name__}: {err}"}
    if not math.isfinite(nats):
        return {"status": "nan", "message": f"the test loss is {nats}"}
    return {"status": "ok", "test_nats_per_char": nats}


if __name__ == "__main__":
    checkpoint_arg, test_arg = sys.argv[1:3]
    print(json.dumps(test_loss(Path(checkpoint_arg), Path(test_arg))))
