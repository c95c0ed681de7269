"""The exercises, verified both ways: solutions score full marks, blanks score zero with a
helpful message, and realistic wrong answers (tests/exercises/exercise_mutants.py) lose marks
with a message that names the wrong quantity. Also: the committed notebooks are up to date, and
hidden tests are absent from the student copies."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from exercise_mutants import MUTANTS, VARIANTS, apply_mutant

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "artifacts" / "exercise_catch_rate.json"


def test_committed_files_match_a_fresh_build(build, exercises_tool):
    # The notebooks, the book pages, the solution files and the public checks shipped for Colab.
    committed = exercises_tool.committed_files()
    stale = [path for path, text in build.files.items()
             if not (ROOT / path).exists() or (ROOT / path).read_text(encoding="utf-8") != text]
    assert not stale, f"out of date (run `make exercises`): {stale}"
    assert committed == set(build.files), f"not generated: {sorted(committed - set(build.files))}"


def test_every_master_is_built(build, exercise_names):
    assert len(exercise_names) >= 3
    for name in exercise_names:
        assert f"exercises/{name}.ipynb" in build.files
        assert build.autograder(name).exists()


def _notebook(build, folder: str, name: str) -> dict:
    return json.loads(build.files[f"{folder}/{name}.ipynb"])


def test_student_copies_have_no_solutions_or_hidden_tests(build, exercise_names):
    for name in exercise_names:
        text = build.files[f"exercises/{name}.ipynb"]
        assert "# SOLUTION" not in text and "BEGIN SOLUTION" not in text, name
        assert "hidden=True" not in text, f"{name}: a hidden test leaked into the student copy"
        assert b"hidden=True" in build.autograder(name).read_bytes(), f"{name} has no hidden test"


def test_first_cell_installs_for_colab(build, exercise_names):
    for name in exercise_names:
        for folder in ("exercises", "solutions"):
            first = "".join(_notebook(build, folder, name)["cells"][0]["source"])
            assert 'if "google.colab" in sys.modules:' in first
            assert "otter-grader==7.0.0" in first and "rnnlab @ git+" in first


def test_colab_reads_the_public_checks_shipped_in_the_library(build, exercise_names):
    """In Colab the init cell points otter at lib/rnnlab/data/exercise_checks/<name>/ (the
    notebook is not on disk there); those files are the notebook's own public tests."""
    for name in exercise_names:
        student = _notebook(build, "exercises", name)
        init = "".join(student["cells"][1]["source"])
        assert f'"data/exercise_checks/{name}"' in init and f'otter.Notebook("{name}.ipynb")' in init
        tests = student["metadata"]["otter"]["tests"]
        shipped = {Path(path).stem: text for path, text in build.files.items()
                   if path.startswith(f"lib/rnnlab/data/exercise_checks/{name}/")}
        assert shipped.keys() == tests.keys(), name
        for question, text in shipped.items():
            assert text.endswith(tests[question]), f"{name} {question}"
            assert "hidden=True" not in text, f"{name} {question}: a hidden test is shipped"


def test_solutions_score_full_marks(build, exercise_names, grade):
    for name in exercise_names:
        results = grade(_notebook(build, "solutions", name), build.autograder(name))
        assert results, name
        for question, result in results.items():
            assert result.score == result.possible > 0, f"{name} {question}:\n{result.message}"


def test_blanks_score_zero_with_a_helpful_message(build, exercise_names, grade):
    for name in exercise_names:
        results = grade(_notebook(build, "exercises", name), build.autograder(name))
        for question, result in results.items():
            assert result.score == 0, f"{name} {question} gives points for a blank"
            assert "not filled in" in result.message or "all zeros" in result.message, (
                f"{name} {question}: the message does not say the blank is empty:\n"
                f"{result.message}")
            assert "NameError" not in result.message, f"{name} {question}:\n{result.message}"


@pytest.fixture(scope="module")
def catch_log():
    """Collects every mutant's outcome; writes the catch rate when the module is done."""
    log: dict[str, dict] = {}
    yield log
    if log:
        caught = sum(entry["caught"] for entry in log.values())
        ARTIFACT.parent.mkdir(exist_ok=True)
        ARTIFACT.write_text(json.dumps(
            {"tried": len(log), "caught": caught, "rate": caught / len(log),
             "mutants": log}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nexercise mutants caught: {caught} / {len(log)} (written to {ARTIFACT})")


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_wrong_answer_is_caught_and_named(mutant, build, grade, catch_log):
    nb = apply_mutant(_notebook(build, "solutions", mutant.exercise), mutant)
    result = grade(nb, build.autograder(mutant.exercise), {mutant.question})[mutant.question]
    lost = result.score < result.possible
    named = all(text in result.message for text in mutant.expect)
    catch_log[mutant.id] = {"exercise": mutant.exercise, "question": mutant.question,
                            "what": mutant.what, "caught": lost and named}
    assert lost, f"{mutant.id} ({mutant.what}) kept full marks on {mutant.question}"
    assert named, (f"{mutant.id} ({mutant.what}): the message should contain {mutant.expect}; "
                   f"it says:\n{result.message}")


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_correct_variant_keeps_full_marks(variant, build, grade):
    """Public and hidden checks agree: a correct answer with float32 rounding passes both."""
    nb = apply_mutant(_notebook(build, "solutions", variant.exercise), variant)
    for question, result in grade(nb, build.autograder(variant.exercise)).items():
        assert result.score == result.possible, f"{variant.id} {question}:\n{result.message}"
