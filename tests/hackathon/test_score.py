"""Tests for the hackathon: the splits, the Pareto front, the scorer's statuses and iteration
counts, recipes, the scoring program, reproducibility, and the reference recipe's dominance over
the baseline (at the quick budget). The attacks of issue 11 are in ``test_attacks.py``."""
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

import rnnlab.data
from rnnlab.data import load_lines

ROOT = Path(__file__).resolve().parents[2]
HACKATHON = ROOT / "hackathon"
sys.path.insert(0, str(HACKATHON))

import make_splits  # noqa: E402
from hackdata import SPLIT_PATHS, build_vocab, encode_sentences, load_split, read_sentences  # noqa: E402
import score  # noqa: E402
from recipe import check_recipe, read_recipe  # noqa: E402
from score import STATUSES, check_test_split, main, mark_pareto  # noqa: E402
from scoring import Rejected, check_architecture  # noqa: E402

SUBMISSIONS = HACKATHON / "submissions"


def run_scorer(tmp_path: Path, submissions: list[Path], *extra: str) -> dict:
    """Run ``score.py`` as an organiser would (a fresh process); returns the results document."""
    out = tmp_path / f"results-{len(list(tmp_path.iterdir()))}.json"
    done = subprocess.run([sys.executable, str(HACKATHON / "score.py"), *map(str, submissions),
                           "--out", str(out), *extra], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- data


def test_committed_splits_are_the_seeded_split_of_the_corpus():
    parts = make_splits.split_lines(load_lines(make_splits.CORPUS))
    assert load_split("train") == parts["train"]
    assert load_split("val") == parts["val"]


def test_splits_share_no_sentence():
    train, val = load_split("train"), load_split("val")
    test = read_sentences(make_splits.TEST_PATH)
    assert not set(train) & set(test) and not set(val) & set(test) and not set(train) & set(val)
    assert len(test) >= 50 and len(val) >= 50


def test_hidden_lines_appear_in_no_corpus_and_no_public_file():
    """Not in a text shipped with rnnlab (so no seed rebuilds them), nor in any tracked file
    outside instructor/ (git ls-files), not even without their final punctuation."""
    test = read_sentences(make_splits.TEST_PATH)
    probes = {line for s in test for line in (s, s.rstrip(".,;:?!"))}
    texts = Path(rnnlab.data.__file__).resolve().parent / "texts"
    corpora = {p.name: p.read_text(encoding="utf-8") for p in texts.glob("*.txt")}
    assert len(corpora) >= 5
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    public = {}
    for name in tracked:
        if name.startswith("instructor/") or not (ROOT / name).is_file():
            continue
        try:
            public[name] = (ROOT / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, fonts
    assert "hackathon/data/train.txt" in public
    found = [(line, where) for line in probes
             for where, text in [*corpora.items(), *public.items()] if line in text]
    assert found == []


def test_every_val_and_test_character_has_an_id():
    vocab = build_vocab(load_split("train"))
    for sentences in (load_split("val"), read_sentences(make_splits.TEST_PATH)):
        ids = encode_sentences(sentences, vocab)  # raises on an unknown character
        assert [len(x) for x in ids] == [len(s) for s in sentences]


def test_split_moves_lines_with_unseen_characters_into_train():
    lines = [f"line {i}" for i in range(18)] + ["zzz only here", "qqq only here"]
    parts = make_splits.split_lines(lines, seed=1)
    alphabet = set("".join(parts["train"]))
    assert all(set(s) <= alphabet for s in parts["val"] + parts["held_out"])
    assert {"zzz only here", "qqq only here"} <= set(parts["train"])


def test_participants_cannot_load_the_test_split_by_name():
    assert "test" not in SPLIT_PATHS
    with pytest.raises(ValueError, match="hidden"):
        load_split("test")


# ----------------------------------------------------------------------------- Pareto front


def _row(name, loss, iterations, params, status="ok"):
    return {"name": name, "status": status, "test_nats_per_char": loss, "iterations": iterations,
            "num_params": params}


def test_pareto_front_keeps_exactly_the_undominated_ok_rows():
    rows = [_row("best-loss", 1.0, 900, 900), _row("cheap", 2.0, 10, 10),
            _row("dominated", 2.5, 900, 900), _row("tie", 1.0, 900, 900),
            {"name": "broken", "status": "crashed"}]
    marked = {r["name"]: r["pareto"] for r in mark_pareto(rows)}
    assert marked == {"best-loss": True, "cheap": True, "dominated": False, "tie": True,
                      "broken": False}
    assert "pareto" not in rows[0]  # the input rows are not modified


def test_pareto_front_ignores_rows_that_do_not_beat_the_trivial_model():
    rows = [_row("untrained", 4.3, 0, 2), _row("trained", 2.0, 900, 900)]
    assert {r["name"]: r["pareto"] for r in mark_pareto(rows, trivial_nats=3.18)} == {
        "untrained": False, "trained": True}
    assert mark_pareto(rows)[0]["pareto"]  # without the threshold it would be on the front


def test_unigram_loss_is_the_entropy_of_the_training_characters():
    assert score.unigram_nats_per_char(["ab"], ["ab"]) == pytest.approx(math.log(3))
    assert score.unigram_nats_per_char(["aab"], ["a"]) == pytest.approx(
        -(math.log(2 / 4) + math.log(1 / 4)) / 2)


# ----------------------------------------------------------------------------- bad submissions

BAD_SUBMISSIONS = {
    "crashes": ("def train(train_sentences, val_sentences, vocab, rng, budget):\n"
                "    raise RuntimeError('boom')\n", "crashed"),
    "sleeps": ("import time\n"
               "def train(train_sentences, val_sentences, vocab, rng, budget):\n"
               "    time.sleep(120)\n", "timeout"),
    "hoards_memory": ("import numpy as np\n"
                      "def train(train_sentences, val_sentences, vocab, rng, budget):\n"
                      "    return np.ones((1 << 31,))\n", "out_of_memory"),
    "returns_nan": ("import numpy as np\nfrom rnnlab.model import LanguageModel\n"
                    "def train(train_sentences, val_sentences, vocab, rng, budget):\n"
                    "    model = LanguageModel(len(vocab), 4, 4, cell='gru')\n"
                    "    model.params['out.b'][:] = np.nan\n    return model\n", "nan"),
    "returns_a_number": ("def train(train_sentences, val_sentences, vocab, rng, budget):\n"
                         "    return 42\n", "not_a_model"),
    "wrong_vocabulary": ("from rnnlab.model import LanguageModel\n"
                         "def train(train_sentences, val_sentences, vocab, rng, budget):\n"
                         "    return LanguageModel(len(vocab) + 1, 4, 4, cell='gru')\n", "not_a_model"),
    # Catching the error would not help: the guard ends the process before open() returns.
    "peeks_at_test": ("from pathlib import Path\n"
                      "def train(train_sentences, val_sentences, vocab, rng, budget):\n"
                      f"    hidden = Path({str(ROOT)!r}) / 'instructor' / 'hackathon' / 'test.txt'\n"
                      "    try:\n        hidden.read_text()\n    except Exception:\n        pass\n"
                      "    raise RuntimeError('not reached')\n", "read_test_split"),
    "no_train_function": ("def fit():\n    return None\n", "invalid_submission"),
    # Finite float32 weights (so training's checks pass) whose logits overflow to inf at test time.
    "huge_weights": ("from rnnlab.model import LanguageModel\n"
                     "def train(train_sentences, val_sentences, vocab, rng, budget):\n"
                     "    model = LanguageModel(len(vocab), 4, 4, cell='gru', seed=0)\n"
                     "    model.params['out.W'][:] = 3e38\n    return model\n", "eval_failed"),
}

# Scored after the bad ones, in the same run: plain gradient descent written by hand, no optimizer.
HAND_UPDATES = ("from hackdata import batches\nfrom rnnlab.model import LanguageModel\n"
                "def train(train_sentences, val_sentences, vocab, rng, budget):\n"
                "    model = LanguageModel(len(vocab), 4, 4, cell='gru', seed=0)\n"
                "    for inputs, targets, mask in list(batches(train_sentences, vocab, 32))[:3]:\n"
                "        model.loss(inputs, targets, mask)\n"
                "        for name, grad in model.backward().items():\n"
                "            model.params[name] -= 0.5 * grad\n"
                "    return model\n")


@pytest.fixture(scope="module")
def small_submissions_scored(bwrap, tmp_path_factory):
    """Every bad submission, then the hand-written update loop, scored in one run; rows by name."""
    folder = tmp_path_factory.mktemp("small")
    files = []
    for name, source in [*((n, src) for n, (src, _) in BAD_SUBMISSIONS.items()),
                         ("hand_updates", HAND_UPDATES)]:
        path = folder / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        files.append(path)
    out = folder / "out"
    out.mkdir()
    document = run_scorer(out, files, "--budget", "quick", "--time-limit", "15")
    return {r["name"]: r for r in document["results"]}


def test_each_bad_submission_gets_its_status_and_message(small_submissions_scored):
    rows = {n: r for n, r in small_submissions_scored.items() if n in BAD_SUBMISSIONS}
    assert {n: r["status"] for n, r in rows.items()} == {n: st for n, (_, st) in BAD_SUBMISSIONS.items()}
    assert {r["status"] for r in rows.values()} <= set(STATUSES)
    for row in rows.values():
        assert row["message"] and not row["pareto"]
    messages = {n: r["message"] for n, r in rows.items()}
    assert "boom" in messages["crashes"]
    assert "test.txt" in messages["peeks_at_test"]
    assert "defines no function train" in messages["no_train_function"]
    assert "out.b has NaN or inf" in messages["returns_nan"]
    assert "test split failed" in messages["huge_weights"] and "logits" in messages["huge_weights"]


def test_a_model_that_fails_evaluation_does_not_stop_the_others(small_submissions_scored):
    names = list(small_submissions_scored)
    assert names.index("huge_weights") < names.index("hand_updates")  # scored after the failure
    row = small_submissions_scored["hand_updates"]
    assert row["status"] == "ok"
    assert 0 < row["test_nats_per_char"] < 4.2  # a finite loss near ln 61 = 4.11 after 3 updates
    assert not row["pareto"]  # alone on the board, but worse than the unigram model (3.18)


def test_hand_written_updates_count_as_self_declared_iterations(small_submissions_scored):
    row = small_submissions_scored["hand_updates"]
    assert row["iterations"] == 3 and row["iterations_self_declared"] is True
    assert row["num_params"] == 669  # 61*4 embedding + GRU(4, 4) 120 + 4*61 + 61 output


def test_a_test_file_with_unseen_characters_is_refused(tmp_path, capsys):
    vocab = build_vocab(load_split("train"))
    with pytest.raises(ValueError, match=r"never occur in the training split.*'§'"):
        check_test_split(["a fine line", "a line with §"], vocab)
    check_test_split(load_split("val"), vocab)  # the real splits are covered
    bad = tmp_path / "event.txt"
    bad.write_text("a line with §\n", encoding="utf-8")
    with pytest.raises(SystemExit):  # refused before any submission is trained
        main([str(SUBMISSIONS / "baseline.json"), "--test", str(bad), "--out", str(tmp_path / "r.json")])
    assert "'§'" in capsys.readouterr().err and not (tmp_path / "r.json").exists()


# ----------------------------------------------------------------------------- baseline and reference


@pytest.fixture(scope="module")
def quick_scores(tmp_path_factory):
    """The baseline and the reference recipes scored twice at the quick budget."""
    submissions = [SUBMISSIONS / "baseline.json", SUBMISSIONS / "reference.json"]
    out = tmp_path_factory.mktemp("scores")
    return [run_scorer(out, submissions, "--budget", "quick") for _ in range(2)]


def test_baseline_and_reference_are_scored(quick_scores):
    rows = {r["name"]: r for r in quick_scores[0]["results"]}
    assert {n: r["status"] for n, r in rows.items()} == {"baseline": "ok", "reference": "ok"}
    for row in rows.values():
        assert 0 < row["test_nats_per_char"] < 4.2  # log(61) = 4.11 nats: better than uniform
        assert row["test_bits_per_char"] == pytest.approx(row["test_nats_per_char"] / 0.6931471805599453)
        assert row["track"] == "recipe" and row["iterations_self_declared"] is False
        assert row["iterations"] > 0 and row["pareto"] is (row["name"] == "reference")
    assert rows["baseline"]["iterations"] == 300  # counted by the harness
    assert rows["baseline"]["num_params"] == 48313  # counted by the scoring program


def test_scoring_twice_gives_the_same_numbers(quick_scores):
    timing = {"wall_seconds"}
    first, second = ([{k: v for k, v in r.items() if k not in timing} for r in doc["results"]]
                     for doc in quick_scores)
    assert first == second


def test_reference_beats_the_baseline_on_all_three_axes(quick_scores):
    rows = {r["name"]: r for r in quick_scores[0]["results"]}
    base, ref = rows["baseline"], rows["reference"]
    assert ref["test_nats_per_char"] < base["test_nats_per_char"]
    assert ref["iterations"] < base["iterations"]
    assert ref["num_params"] < base["num_params"]
    assert ref["pareto"] and not base["pareto"]


def test_committed_leaderboard_is_full_budget_and_shows_the_dominance():
    """The file the book's leaderboard page reads (written by `make hackathon`)."""
    document = json.loads((HACKATHON / "results" / "leaderboard.json").read_text(encoding="utf-8"))
    assert document["budget"] == "full"
    assert document["scored_on"] == "hidden test"
    trivial = document["unigram_nats_per_char"]
    assert document["results"] == mark_pareto(document["results"], trivial)  # the front is up to date
    assert document["machine"]["blas"], "record the BLAS kernel: install threadpoolctl"
    rows = {r["name"]: r for r in document["results"]}
    assert rows["baseline_code"]["iterations_self_declared"] is True
    assert rows["baseline"]["iterations_self_declared"] is False
    base, ref = rows["baseline"], rows["reference"]
    assert base["status"] == ref["status"] == "ok"
    assert base["iterations"] == 1000 and base["num_params"] == 48313
    assert ref["test_nats_per_char"] < base["test_nats_per_char"]
    assert ref["iterations"] < base["iterations"] and ref["num_params"] < base["num_params"]


# ----------------------------------------------------------------------------- recipes and the scoring program


def test_the_shipped_recipes_are_valid():
    for name in ("baseline.json", "reference.json"):
        recipe = read_recipe(SUBMISSIONS / name)
        assert recipe["model"]["cell"] == "gru"
    assert read_recipe(SUBMISSIONS / "baseline.json")["steps"] == {"full": 1000, "quick": 300}


@pytest.mark.parametrize("change, status, words", [
    ({"optimizer": {"name": "Lion", "lr": 0.1}}, "invalid_recipe", "optimizer.name"),
    ({"optimizer": {"name": "Adam", "momentum": 0.9}}, "invalid_recipe", "Adam takes"),
    ({"optimizer": {"name": "Adam", "lr": -1}}, "invalid_recipe", "optimizer.lr"),
    ({"optimizer": {"name": "Adam", "update_scale": "1/m"}}, "invalid_recipe", "only \"1/m\" with Adagrad"),
    ({"batch_size": True}, "invalid_recipe", "batch_size"),
    ({"steps": {"full": 10}}, "invalid_recipe", "steps"),
    ({"early_stopping": {"patience": 2}}, "invalid_recipe", "exactly one of"),
    ({"code": "import os"}, "invalid_recipe", "unknown keys ['code']"),
    ({"model": {"cell": "gru", "embed_size": 8, "hidden_size": 8, "num_layers": 9}},
     "invalid_architecture", "'num_layers': 9"),
    ({"model": {"cell": "gru", "embed_size": 8.0, "hidden_size": 8}}, "invalid_architecture",
     "expected int"),
])
def test_a_bad_recipe_is_named_precisely(change, status, words):
    recipe = {**json.loads((SUBMISSIONS / "baseline.json").read_text(encoding="utf-8")), **change}
    with pytest.raises(Rejected, match=re.escape(words)) as caught:
        check_recipe(recipe)
    assert caught.value.status == status


def test_the_architecture_allow_list():
    assert check_architecture({"cell": "lstm", "embed_size": 8, "hidden_size": 16}) == {
        "cell": "lstm", "embed_size": 8, "hidden_size": 16, "num_layers": 1, "dropout": 0.0,
        "reset_after": True, "dtype": "float32"}
    for bad in ({"cell": "gru", "embed_size": True, "hidden_size": 4},  # a bool is not a size
                {"cell": "gru", "embed_size": 4, "hidden_size": 4, "reset_after": 1},
                {"cell": "gru", "embed_size": 4, "hidden_size": 4, "dropout": float("nan")},
                {"cell": "gru", "embed_size": 4}, ["gru", 4, 4]):
        with pytest.raises(Rejected):
            check_architecture(bad)


def test_code_track_is_refused_without_bubblewrap(monkeypatch, tmp_path):
    monkeypatch.setattr(score, "bwrap_path", lambda: None)
    honest = tmp_path / "honest.py"
    honest.write_text(HAND_UPDATES, encoding="utf-8")
    row = score.score_submission(honest, "honest", "quick", score.BUDGETS["quick"],
                                 make_splits.TEST_PATH)
    assert row["status"] == "no_sandbox" and "--unsafe-no-sandbox" in row["message"]
    assert row["sandbox"] is False


def _planted_copy(tmp_path: Path) -> Path:
    """A copy of the scoring program beside a hackdata .pyc that the import system accepts as
    the compiled hackdata.py (same mtime and size in its header), whose batches() exits."""
    import importlib.util
    import marshal
    import shutil

    copy = tmp_path / "kit"
    (copy / "data").mkdir(parents=True)
    for name in ("scoring.py", "hackdata.py"):
        shutil.copy2(HACKATHON / name, copy / name)
    shutil.copy2(SPLIT_PATHS["train"], copy / "data" / "train.txt")
    stat = (copy / "hackdata.py").stat()
    header = (importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little")
              + int(stat.st_mtime).to_bytes(4, "little") + stat.st_size.to_bytes(4, "little"))
    evil = ("import json\ndef read_sentences(p):\n    return ['x']\ndef build_vocab(s):\n    return list(range(61))\n"
            "def batches(*a, **k):\n    print(json.dumps({'status': 'ok', 'num_params': 1, "
            "'test_nats_per_char': 0.0123}))\n    raise SystemExit(0)\n")
    (copy / "__pycache__").mkdir()
    pyc = copy / "__pycache__" / f"hackdata.{sys.implementation.cache_tag}.pyc"
    pyc.write_bytes(header + marshal.dumps(compile(evil, str(copy / "hackdata.py"), "exec")))
    return copy


def test_the_scoring_program_ignores_a_planted_pyc(tmp_path):
    """Even without the sandbox (where the repository is writable), the scorer's own imports come
    from source: a fresh bytecode cache and the harness's flags (score.HARNESS_FLAGS)."""
    from rnnlab.model import LanguageModel
    from sandbox import save_model

    out = tmp_path / "output"
    out.mkdir()
    save_model(out, LanguageModel(61, 4, 4, cell="gru", seed=0))
    kit = _planted_copy(tmp_path)
    test_file = str(SPLIT_PATHS["val"])
    naive = subprocess.run([sys.executable, str(kit / "scoring.py"), str(out), test_file],
                           capture_output=True, text=True, timeout=120)
    assert "0.0123" in naive.stdout  # the attack works on a plain `python scoring.py`
    careful = subprocess.run([sys.executable, *score.HARNESS_FLAGS, "-X", f"pycache_prefix={tmp_path / 'cache'}",
                              str(kit / "scoring.py"), str(out), test_file],
                             capture_output=True, text=True, timeout=120)
    result = json.loads(careful.stdout.strip().splitlines()[-1])
    assert result["status"] == "ok" and 4.0 < result["test_nats_per_char"] < 4.3
    assert result["num_params"] == 669


def test_practice_scores_say_they_are_on_validation(tmp_path, bwrap):
    recipe = Path(__file__).resolve().parent / "attacks" / "tiny_recipe.toml"
    done = subprocess.run([sys.executable, str(HACKATHON / "score.py"), str(recipe), "--budget", "quick",
                           "--test", str(SPLIT_PATHS["val"]), "--out", str(tmp_path / "r.json")],
                          capture_output=True, text=True, timeout=300)
    assert "VALIDATION split" in done.stdout and "optimistic" in done.stdout
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["scored_on"] == "validation"


def test_source_adagrad_divides_each_update_by_m_after_the_normalisation():
    """Adagrad's first update is lr * g / |g| = lr per element; with update_scale 1/m it is lr / m
    (m = training sentences), so the factor is not cancelled by the normalisation."""
    import numpy as np

    from recipe import train_recipe
    from rnnlab.model import LanguageModel

    source = read_recipe(SUBMISSIONS / "baseline_source.json")
    assert source["optimizer"]["update_scale"] == "1/m" and source["batch_size"] == 1
    recipe = {**source, "model": {**source["model"], "embed_size": 4, "hidden_size": 4},
              "steps": {"full": 1, "quick": 1}}
    train, vocab = load_split("train"), build_vocab(load_split("train"))
    seed = int(np.random.default_rng(7).integers(2**31))
    before = LanguageModel(len(vocab), 4, 4, cell="gru", seed=seed)
    model, iterations = train_recipe(recipe, train, load_split("val"), vocab, np.random.default_rng(7), "quick")
    assert iterations == 1
    step = max(float(np.abs(model.params[k] - before.params[k]).max()) for k in model.params)
    assert step == pytest.approx(0.1 / len(train), rel=1e-3)  # float32 parameters near 0.1


def test_unsafe_no_sandbox_runs_code_and_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(score, "bwrap_path", lambda: None)
    honest = tmp_path / "honest.py"
    honest.write_text(HAND_UPDATES, encoding="utf-8")
    row = score.score_submission(honest, "honest", "quick", score.BUDGETS["quick"],
                                 make_splits.TEST_PATH, unsafe=True)
    assert row["status"] == "ok" and row["sandbox"] is False
    assert row["iterations"] == 3 and row["num_params"] == 669
