"""Export the hackathon as a Codabench competition bundle, and the two programs the bundle runs.

    python hackathon/codabench.py export OUT_DIR [--test FILE] [--budget full|quick] [--docker-image IMAGE]

writes ``OUT_DIR/bundle/`` and ``OUT_DIR/bundle.zip`` (upload it under Benchmarks > Management >
Upload) and ``OUT_DIR/Dockerfile`` (an image with the Python and packages the programs need):

* ``competition.yaml``: pages, one phase, one task, a leaderboard with a column per axis (test
  loss, iterations, parameters) and one saying whether the iterations are self-declared;
* ``ingestion_program/``: this file's ``ingestion`` (run as ``ingestion.py``), the harness's
  ``recipe.py``, ``sandbox.py``, ``scoring.py`` (for the allow-list), ``hackdata.py``,
  ``isolation.py`` and a copy of ``rnnlab``;
* ``scoring_program/``: this file's ``scoring`` (run as ``score.py``), ``scoring.py``,
  ``hackdata.py`` and ``rnnlab``;
* ``input_data/``: ``train.txt`` and ``val.txt`` (public); ``reference_data/``: the hidden
  ``test.txt`` and ``train.txt`` (for the vocabulary), which only the scoring container sees.

Codabench's compute worker runs the ingestion program in a container holding ``/app/program``
(the program), ``/app/input_data``, ``/app/ingested_program`` (the submission) and
``/app/output``; then the scoring program in another container holding ``/app/program``,
``/app/input/res`` (the ingestion's output), ``/app/input/ref`` (the reference data) and
``/app/output``, where it writes ``scores.json``. The container is the code track's sandbox there
(bubblewrap is usually not available inside it), and the test lines are never in it.
``tests/hackathon/test_codabench.py`` runs both programs in that layout and checks that they give
the scores ``score.py`` gives.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INGESTION_COMMAND = ("python3 /app/program/ingestion.py /app/input_data /app/output /app/program "
                     "/app/ingested_program")
SCORING_COMMAND = "python3 -E -s /app/program/score.py /app/input /app/output"  # score.py: HARNESS_FLAGS
COLUMNS = [("test_nats_per_char", "Test loss (nats/char)", "asc"),
           ("iterations", "Iterations (optimizer updates)", "asc"),
           ("num_params", "Parameters", "asc"),
           ("self_declared", "Iterations self-declared (1 = code track)", "asc")]


# ----------------------------------------------------------------------------- the two programs


def ingestion(input_dir: Path, output_dir: Path, program_dir: Path, submission_dir: Path) -> int:
    """The bundle's ingestion: one recipe (.json/.toml) or one ``.py`` in the submission folder."""
    # The kit's modules sit beside this program (ingestion.py), first on sys.path.
    from isolation import Limits, run_limited
    from score import _check_declared, _read_declared

    settings = json.loads((program_dir / "settings.json").read_text(encoding="utf-8"))
    files = sorted(p for p in submission_dir.iterdir()
                   if p.suffix in (".json", ".toml", ".py") and p.name != "metadata.json")
    recipes = [p for p in files if p.suffix != ".py"]
    chosen = recipes[0] if recipes else files[0] if files else None
    output_dir.mkdir(parents=True, exist_ok=True)
    if chosen is None:
        print("the submission holds no recipe (.json, .toml) and no .py file", file=sys.stderr)
        return 1
    track = "code" if chosen.suffix == ".py" else "recipe"
    script = program_dir / ("sandbox.py" if track == "code" else "recipe.py")
    work = output_dir / "work"
    work.mkdir()
    limits = Limits(settings["time_limit_s"], settings["memory_limit_mb"])
    done = run_limited([sys.executable, str(script), str(chosen), str(work), settings["budget"],
                        str(settings["seed"])], limits)
    declared = _read_declared(work / "declared.json")
    row = ({"status": "timeout", "message": "over the time limit"} if done.timed_out
           else {"status": "crashed", "message": done.stderr[-600:]} if declared is None
           else _check_declared(declared, track == "code"))
    for name in ("architecture.json", "model.npz"):
        if (work / name).is_file() and not (work / name).is_symlink():
            shutil.move(str(work / name), output_dir / name)
    shutil.rmtree(work)
    row["track"] = track
    (output_dir / "ingestion.json").write_text(json.dumps(row), encoding="utf-8")
    print(json.dumps(row))
    return 0


def scoring(input_dir: Path, output_dir: Path) -> int:
    """The bundle's scoring: ``scores.json`` from the ingestion's output and the reference data."""
    from hackdata import build_vocab, read_sentences  # beside this program (score.py)
    from scoring import score_output

    res, ref = input_dir / "res", input_dir / "ref"
    ingested = json.loads((res / "ingestion.json").read_text(encoding="utf-8"))
    if ingested.get("status") != "ok":
        print(f"ingestion: {ingested.get('status')}: {ingested.get('message')}", file=sys.stderr)
        return 1
    iterations, self_declared = ingested.get("iterations"), ingested.get("iterations_self_declared")
    if type(iterations) is not int or not 0 <= iterations <= 10**9 or type(self_declared) is not bool:
        print("ingestion.json: iterations must be an integer in [0, 1e9]", file=sys.stderr)
        return 1
    vocab = build_vocab(read_sentences(ref / "train.txt"))
    result = score_output(res, read_sentences(ref / "test.txt"), vocab)
    if result["status"] != "ok":
        print(f"scoring: {result['status']}: {result['message']}", file=sys.stderr)
        return 1
    scores = {"test_nats_per_char": result["test_nats_per_char"], "iterations": iterations,
              "num_params": result["num_params"], "self_declared": int(self_declared)}
    assert all(math.isfinite(v) for v in scores.values())
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "scores.json").write_text(json.dumps(scores), encoding="utf-8")
    print(json.dumps(scores))
    return 0


# ----------------------------------------------------------------------------- the export


def _competition_yaml(docker_image: str) -> str:
    columns = "\n".join(
        f"      - index: {i}\n        title: \"{title}\"\n        key: {key}\n        sorting: {sort}"
        for i, (key, title, sort) in enumerate(COLUMNS))
    return f"""version: 2
title: "Recurrent Networks from Scratch: character GRU hackathon"
description: "Lower test loss, fewer iterations, fewer parameters: any recurrent architecture."
docker_image: {docker_image}
enable_detailed_results: false
pages:
  - title: Overview
    file: pages/overview.md
  - title: Evaluation
    file: pages/evaluation.md
  - title: Terms
    file: pages/terms.md
phases:
  - index: 0
    name: Main
    description: "Scored on the hidden test lines."
    start: 2026-01-01
    max_submissions_per_day: 20
    tasks:
      - 0
tasks:
  - index: 0
    name: Character language model
    description: "Train a recurrent character model on the training lines."
    ingestion_program: ingestion_program
    scoring_program: scoring_program
    input_data: input_data
    reference_data: reference_data
leaderboards:
  - index: 0
    title: Results
    key: main
    columns:
{columns}
"""


def _copy_kit(dest: Path, modules: list[str]) -> None:
    dest.mkdir(parents=True)
    for name in modules:
        shutil.copy2(HERE / name, dest / name)
    shutil.copytree(ROOT / "lib" / "rnnlab", dest / "rnnlab",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "texts", "checks.py"))


def export(out: Path, test_path: Path, budget: str = "full", docker_image: str = "rnnlab-hackathon:py311",
           seed: int | None = None) -> Path:
    """Write the bundle folder and zip under ``out``; returns the zip's path."""
    import score

    bundle = out / "bundle"
    if bundle.exists():
        shutil.rmtree(bundle)
    kit = ["hackdata.py", "scoring.py", "isolation.py", "recipe.py", "sandbox.py", "score.py"]
    _copy_kit(bundle / "ingestion_program", kit)
    shutil.copy2(HERE / "codabench.py", bundle / "ingestion_program" / "ingestion.py")
    limits = score.BUDGETS[budget]
    settings = {"budget": budget, "seed": score.SEED if seed is None else seed,
                "time_limit_s": limits.time_limit_s, "memory_limit_mb": limits.memory_limit_mb}
    (bundle / "ingestion_program" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    # The data files are where the kit's hackdata.py looks for them (program/data/).
    (bundle / "ingestion_program" / "data").mkdir()
    for split in ("train", "val"):
        shutil.copy2(HERE / "data" / f"{split}.txt", bundle / "ingestion_program" / "data" / f"{split}.txt")
    _copy_kit(bundle / "scoring_program", ["hackdata.py", "scoring.py"])
    shutil.copy2(HERE / "codabench.py", bundle / "scoring_program" / "score.py")
    for program, command in (("ingestion_program", INGESTION_COMMAND), ("scoring_program", SCORING_COMMAND)):
        (bundle / program / "metadata.yaml").write_text(f"command: {command}\n", encoding="utf-8")
    (bundle / "input_data").mkdir()
    for split in ("train", "val"):
        shutil.copy2(HERE / "data" / f"{split}.txt", bundle / "input_data" / f"{split}.txt")
    (bundle / "reference_data").mkdir()
    shutil.copy2(test_path, bundle / "reference_data" / "test.txt")
    shutil.copy2(HERE / "data" / "train.txt", bundle / "reference_data" / "train.txt")
    (bundle / "pages").mkdir()
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    definitions = readme[readme.index("## Definitions"):readme.index("## Scoring")]
    (bundle / "pages" / "overview.md").write_text(
        "# Character GRU hackathon\n\nTrain a recurrent character-level language model on lines of "
        "verse (`train.txt`, `val.txt` in the input data). Submit a **recipe** (`.json` or `.toml`, "
        "trained and counted by the harness) or **code** (`submission.py` defining `train`, whose "
        "iterations are self-declared).\n", encoding="utf-8")
    (bundle / "pages" / "evaluation.md").write_text(definitions, encoding="utf-8")
    (bundle / "pages" / "terms.md").write_text(
        "Code is MIT-licensed; the training text is public domain (Shakespeare). One account per "
        "participant; do not try to read the reference data.\n", encoding="utf-8")
    (bundle / "competition.yaml").write_text(_competition_yaml(docker_image), encoding="utf-8")
    requirements = {line.split("==")[0]: line for line in
                    (ROOT / "requirements" / "book.txt").read_text(encoding="utf-8").split()
                    if line.startswith(("numpy==", "tqdm=="))}
    (out / "Dockerfile").write_text(
        "# The image the bundle's programs run in: docker build -t rnnlab-hackathon:py311 .\n"
        f"FROM python:3.11-slim\nRUN pip install --no-cache-dir {requirements['numpy']} "
        f"{requirements['tqdm']}\n", encoding="utf-8")
    archive = shutil.make_archive(str(out / "bundle"), "zip", bundle)
    return Path(archive)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="write the Codabench bundle")
    exp.add_argument("out", type=Path)
    exp.add_argument("--test", type=Path, default=ROOT / "instructor" / "hackathon" / "test.txt")
    exp.add_argument("--budget", choices=("full", "quick"), default="full")
    exp.add_argument("--docker-image", default="rnnlab-hackathon:py311")
    args = parser.parse_args(argv)
    print(export(args.out, args.test, args.budget, args.docker_image))
    return 0


if __name__ == "__main__":
    if Path(__file__).name == "ingestion.py":  # inside the bundle: /app/program/ingestion.py
        sys.exit(ingestion(*map(Path, sys.argv[1:5])))
    if Path(__file__).name == "score.py":  # inside the bundle: /app/program/score.py
        sys.exit(scoring(*map(Path, sys.argv[1:3])))
    sys.exit(main())
