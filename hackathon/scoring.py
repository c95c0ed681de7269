"""The scoring program: rebuild a model from a declared architecture and arrays, count, evaluate.

    python -E -s hackathon/scoring.py SUBMISSION_OUTPUT_DIR TEST_FILE

This process imports no participant code and trusts nothing a participant wrote. It reads two
files from the ingestion's output folder and nothing else of theirs:

* ``architecture.json``: a JSON object whose keys and values must be in ``ALLOWED`` (cell,
  sizes, layers, dropout, GRU variant, dtype); the model is built by ``rnnlab.model.LanguageModel``
  with the shared vocabulary's size;
* ``model.npz``: one array per parameter of that model, read without pickle; every name, shape
  and dtype must be exactly the rebuilt model's (checked from the array headers before any
  data is read), and every value finite.

The parameter count is the rebuilt model's; the loss is ``rnnlab.train.evaluate`` on the test
sentences, which the ingestion never had. The last line of standard output is one JSON object:
``{"status": "ok", "num_params", "test_nats_per_char"}`` or ``{"status", "message"}`` with
status ``invalid_architecture``, ``invalid_checkpoint``, ``nan`` or ``eval_failed``.
``score.py`` starts it with ``python -E -s`` and a fresh bytecode cache (``-X pycache_prefix``),
so no ``.pyc`` left in the repository and no environment variable changes what it imports
(``HARNESS_FLAGS`` in ``score.py`` says why not ``-I``).
"""
from __future__ import annotations

import json
import math
import sys
import zipfile
from pathlib import Path

import numpy as np

from hackdata import batches, build_vocab, read_sentences  # beside this script (see score.py)
from rnnlab.model import LanguageModel
from rnnlab.train import evaluate

HERE = Path(__file__).resolve().parent

ARCHITECTURE_FILE, ARRAYS_FILE = "architecture.json", "model.npz"
MAX_ARCHITECTURE_BYTES = 4096
MAX_ARRAYS_BYTES = 256 * 1024 * 1024
BATCH_SIZE = 64  # any size gives the same mean: evaluate weights each batch by its characters
# The models the scorer builds: key -> (type, allowed values or inclusive range, default).
ALLOWED = {
    "cell": (str, ("rnn", "lstm", "gru"), None),
    "embed_size": (int, (1, 512), None),
    "hidden_size": (int, (1, 1024), None),
    "num_layers": (int, (1, 4), 1),
    "dropout": (float, (0.0, 0.9), 0.0),
    "reset_after": (bool, (False, True), True),
    "dtype": (str, ("float32", "float64"), "float32"),
}
HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                  (2, 0): np.lib.format.read_array_header_2_0}


class Rejected(Exception):
    """A file the participant wrote breaks a rule; ``status`` names which."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status


def check_architecture(declared) -> dict:
    """The validated ``LanguageModel`` keyword arguments of a declared architecture.

    Raises:
        Rejected: ``invalid_architecture``, naming the key and what is allowed.
    """
    if not isinstance(declared, dict):
        raise Rejected("invalid_architecture", f"expected a JSON object, got {type(declared).__name__}")
    unknown = sorted(set(declared) - set(ALLOWED))
    if unknown:
        raise Rejected("invalid_architecture", f"unknown keys {unknown}; allowed: {sorted(ALLOWED)}")
    config = {}
    for key, (kind, allowed, default) in ALLOWED.items():
        value = declared.get(key, default)
        if value is None:
            raise Rejected("invalid_architecture", f"{key!r} is required")
        if kind is float and type(value) is int:
            value = float(value)
        if type(value) is not kind:  # bool is not an int here, nor an int a bool
            raise Rejected("invalid_architecture", f"{key!r}: expected {kind.__name__}, got {value!r}")
        ok = (value in allowed if kind in (str, bool)
              else allowed[0] <= value <= allowed[1] and math.isfinite(value))
        if not ok:
            raise Rejected("invalid_architecture", f"{key!r}: {value!r} is not in {allowed}")
        config[key] = value
    return config


def read_architecture(folder: Path) -> dict:
    """``architecture.json`` of the ingestion's output, validated (see ``check_architecture``)."""
    path = folder / ARCHITECTURE_FILE
    if not path.is_file() or path.is_symlink():
        raise Rejected("invalid_checkpoint", f"no {ARCHITECTURE_FILE} in the submission's output")
    if path.stat().st_size > MAX_ARCHITECTURE_BYTES:
        raise Rejected("invalid_architecture", f"{ARCHITECTURE_FILE} is over {MAX_ARCHITECTURE_BYTES} bytes")
    try:
        declared = json.loads(path.read_text(encoding="utf-8"),
                              parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError as err:
        raise Rejected("invalid_architecture", f"{ARCHITECTURE_FILE} is not valid JSON: {err}") from None
    return check_architecture(declared)


def load_arrays(folder: Path, model: LanguageModel) -> None:
    """Copy ``model.npz`` into ``model``'s parameters after checking names, shapes and dtypes."""
    path = folder / ARRAYS_FILE
    if not path.is_file() or path.is_symlink():
        raise Rejected("invalid_checkpoint", f"no {ARRAYS_FILE} in the submission's output")
    if path.stat().st_size > MAX_ARRAYS_BYTES:
        raise Rejected("invalid_checkpoint", f"{ARRAYS_FILE} is over {MAX_ARRAYS_BYTES} bytes")
    expected = {f"{name}.npy": p for name, p in model.params.items()}
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if names != set(expected):
                raise Rejected("invalid_checkpoint",
                               f"arrays differ from the declared model's parameters: missing "
                               f"{sorted(set(expected) - names)}, unexpected {sorted(names - set(expected))}")
            for member, target in expected.items():
                with archive.open(member) as f:
                    read_header = HEADER_READERS.get(np.lib.format.read_magic(f))
                    if read_header is None:
                        raise Rejected("invalid_checkpoint", f"{member[:-4]}: unsupported .npy version")
                    shape, _, dtype = read_header(f)
                    if shape != target.shape or dtype != target.dtype:
                        raise Rejected("invalid_checkpoint",
                                       f"{member[:-4]}: saved as {dtype}{shape}, the declared model "
                                       f"has {target.dtype}{target.shape}")
                with archive.open(member) as f:
                    values = np.lib.format.read_array(f, allow_pickle=False)
                if not np.isfinite(values).all():
                    raise Rejected("nan", f"parameter {member[:-4]} has NaN or inf")
                target[...] = values
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise Rejected("invalid_checkpoint", f"{ARRAYS_FILE} is not a numpy .npz archive: {err}") from None


def score_output(folder: Path, test_sentences: list[str], vocab) -> dict:
    """The scoring row of one ingestion output folder (never raises for a bad submission)."""
    try:
        config = read_architecture(folder)
        model = LanguageModel(len(vocab), config.pop("embed_size"), config.pop("hidden_size"), **config)
        load_arrays(folder, model)
    except Rejected as err:
        return {"status": err.status, "message": str(err)}
    num_params = int(sum(p.size for p in model.params.values()))
    try:
        nats = float(evaluate(model, batches(test_sentences, vocab, BATCH_SIZE)))
    except Exception as err:  # e.g. finite but huge weights whose logits overflow
        return {"status": "eval_failed", "num_params": num_params,
                "message": f"evaluating the model on the test split failed: {type(err).__name__}: {err}"}
    if not math.isfinite(nats):
        return {"status": "nan", "num_params": num_params, "message": f"the test loss is {nats}"}
    return {"status": "ok", "num_params": num_params, "test_nats_per_char": nats}


def main(argv: list[str]) -> int:
    folder, test_file = Path(argv[0]), Path(argv[1])
    train_file = Path(argv[2]) if len(argv) > 2 else HERE / "data" / "train.txt"
    vocab = build_vocab(read_sentences(train_file))
    print(json.dumps(score_output(folder, read_sentences(test_file), vocab), allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
