"""Generate the exercise notebooks, their solutions, autograders and book pages from one source.

Each exercise has one master, ``instructor/exercises/<name>.md``: a MyST Markdown notebook in
otter-grader's v1 format (raw cells ``# ASSIGNMENT CONFIG``, ``# BEGIN QUESTION``,
``# BEGIN SOLUTION``, ``# BEGIN TESTS``; a test cell whose first line is ``# HIDDEN`` is graded
but absent from the student copy). From it this tool writes

* ``exercises/<name>.ipynb``   the student notebook (blanks ``...``, public tests only)
* ``solutions/<name>.ipynb``   the same notebook with the solutions filled in
* ``book/exercises/<name>.md`` the book page: each question's starting code, its solution in a
  collapsed dropdown, and links to the notebook (Colab, Binder and GitHub)
* ``solutions/<name>/answer-<k>.py`` the solution of the page's k-th blank, which the page's
  dropdown includes (``{literalinclude}``): the page's source, read on GitHub or opened in
  JupyterLab, then holds the blanks and no solution text
* ``book/exercises/index.md``  the list of exercises with the chapter each belongs to
* ``lib/rnnlab/data/exercise_checks/<name>/<question>.py`` the public checks as otter test files,
  shipped inside the library for Colab (see ``init_cell``)
* ``_build/exercises/<name>-autograder.zip`` (git-ignored) the autograder for ``otter run``

Usage::

    python tools/exercises.py build [NAME ...]   # regenerate (all exercises by default)
    python tools/exercises.py autograders [NAME ...]  # only the zips, for tools/grade.py
    python tools/exercises.py check              # regenerate in a temporary folder and list the
                                                 # committed files that differ (exit 1 if any)

Generated files are deterministic: execution timestamps, outputs and random cell ids are removed,
so a regeneration from an unchanged master gives the same bytes.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext

import course as course_settings  # tools/course.py, beside this script (tools/ is not a package)

ROOT = Path(__file__).resolve().parent.parent
MASTERS = ROOT / "instructor" / "exercises"
BIN = Path(sys.executable).parent
# Where the course is published (_config.yml, repository.url): links and the Colab cell.
COURSE = course_settings.course(ROOT)

# Exercise name -> (title for the index, the chapter page it belongs to).
EXERCISES = {
    "ex01-rnn": ("The vanilla RNN: step and sequence, forward and backward",
                 "/book/02-bptt/bptt"),
    "ex02-embedding-loss": ("Embedding backward, masked cross-entropy and perplexity",
                            "/book/03-language-models/cross-entropy"),
    "ex03-lstm": ("The LSTM step, forward and backward", "/book/04-lstm/backward"),
    "ex04-gru": ("The GRU: initialization, step forward, backward in five phases",
                 "/book/05-gru/backward-five-phases"),
    "ex05-sampling": ("Sampling: temperature, top-k and a generation loop",
                      "/book/07-generation/sampling"),
    "ex06-tbptt": ("Truncated BPTT batches and gradient clipping by global norm",
                   "/book/03-language-models/truncated-bptt"),
    "ex07-parameters": ("Counting the parameters of recurrent models",
                        "/book/01-sequences/counting-parameters"),
    "ex08-whole-model": ("The whole language model backwards: output layer, embedding, one step",
                         "/book/03-language-models/whole-model-backward"),
}



def colab_cell() -> str:
    """The first cell of every exercise: in Colab, install rnnlab (and its checks), the grader."""
    return course_settings.colab_cell(COURSE, extra="otter-grader==7.0.0",
                                      what="the course library and the grader")


# Where the public checks ship inside the library (package data, see pyproject.toml), relative
# to the repository root and, as the parts of a path, to the installed ``rnnlab`` package.
CHECKS_PARTS = ("data", "exercise_checks")
CHECKS = Path("lib", "rnnlab", *CHECKS_PARTS)


def init_cell(name: str) -> str:
    """otter's init cell (``grader = otter.Notebook(...)``), made to work in Colab too.

    The masters keep their tests in the notebook's metadata (``tests: files: false``), and
    otter assign's init cell makes the notebook open itself by name to read them. In Colab
    that cannot work: the notebook is not on the machine's disk (Colab opens it from GitHub or
    Drive; only what the install cell fetches is there), and otter 7 on Colab refuses metadata
    tests and insists on a folder of test files (its ``tests_url_prefix`` download is for
    JupyterLite only). So in Colab the cell points otter at the public test files that ship
    inside rnnlab (written by this tool into ``lib/rnnlab/data/exercise_checks/<name>/``,
    installed by the Colab cell's ``%pip install``); everywhere else it stays as otter assign
    wrote it, which Binder, ``make lab`` and the batch grader rely on.

    Why package data rather than a Colab cell that writes the test files itself: the install
    cell stays three lines a learner can read (the checks would make it hundreds of lines long
    and repeat the solution snippets that some checks quote); the checks a notebook runs come
    from the same install as the ``rnnlab.checks`` they call, so they cannot drift apart; and
    a stale copy fails ``tools/exercises.py check`` like any other generated file.
    """
    folder = "/".join((*CHECKS_PARTS, name))
    return ("# Initialize Otter\n"
            "import sys\n"
            "import otter\n"
            'if "google.colab" in sys.modules:  # no notebook file: the checks come with rnnlab\n'
            "    from importlib.resources import files\n"
            f'    grader = otter.Notebook(tests_dir=str(files("rnnlab") / "{folder}"))\n'
            "else:\n"
            f'    grader = otter.Notebook("{name}.ipynb")')


def checks_files(name: str, student: dict) -> dict[str, str]:
    """The public tests of ``student`` (otter's notebook metadata) as test files for Colab."""
    header = (f"# Generated by tools/exercises.py from instructor/exercises/{name}.md:\n"
              "# the public check of one question, read by otter in Colab (see the init cell).\n")
    return {(CHECKS / name / f"{question}.py").as_posix(): header + source
            for question, source in sorted(student["metadata"]["otter"]["tests"].items())}


# Lines that only mark solutions for otter assign; the solution notebook drops them.
MARKER_LINE = re.compile(r"^\s*# (BEGIN|END) SOLUTION\s*$")
MARKER_SUFFIX = re.compile(r"\s*# SOLUTION\s*$")


def masters(names: list[str] | None = None) -> list[Path]:
    """The master files to build: all of them, or the named ones (``ex01-rnn``)."""
    found = sorted(MASTERS.glob("*.md"))
    if names:
        found = [m for m in found if m.stem in names]
        missing = set(names) - {m.stem for m in found}
        if missing:
            raise SystemExit(f"no master for {sorted(missing)} in {MASTERS}")
    return found


def run(command: list[str], cwd: Path) -> None:
    """Run a build step; on failure show its output and stop."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{done.stdout}\n{done.stderr}")


def code_cell(source: str, cell_id: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id,
            "metadata": {}, "outputs": [], "source": source.splitlines(keepends=True)}


def normalize(nb: dict, name: str) -> dict:
    """Make a generated notebook deterministic and ready for learners.

    Drops outputs, execution counts and timestamps, numbers the cell ids, puts the Colab
    install cell first (it must run before otter's ``import otter`` cell) and replaces otter's
    init cell with one that works in Colab too (``init_cell``).
    """
    otter_init = f'# Initialize Otter\nimport otter\ngrader = otter.Notebook("{name}.ipynb")'
    inits = [c for c in nb["cells"] if "".join(c["source"]).strip() == otter_init]
    if len(inits) != 1:
        raise SystemExit(f"{name}: expected one otter init cell {otter_init!r}, "
                         f"found {len(inits)}")
    inits[0]["source"] = init_cell(name).splitlines(keepends=True)
    cells = [code_cell(colab_cell(), "colab")] + nb["cells"]
    for i, cell in enumerate(cells):
        cell["id"] = f"{name}-{i:03d}"
        cell["metadata"].pop("execution", None)
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb["cells"] = cells
    nb["metadata"].pop("jupytext", None)
    nb["metadata"].get("language_info", {}).pop("version", None)
    nb["nbformat"], nb["nbformat_minor"] = 4, 5
    return nb


def strip_markers(nb: dict) -> dict:
    """Remove the ``# BEGIN/END SOLUTION`` and ``# SOLUTION`` markers from every code cell."""
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).split("\n")
        kept = [MARKER_SUFFIX.sub("", line) for line in lines if not MARKER_LINE.match(line)]
        cell["source"] = "\n".join(kept).splitlines(keepends=True)
    return nb


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def answer_cells(nb: dict) -> list[int]:
    """Indices of the cells a learner fills in (otter tags them ``otter_answer_cell``)."""
    return [i for i, c in enumerate(nb["cells"])
            if "otter_answer_cell" in c["metadata"].get("tags", [])]


def solution_files(name: str, student: dict, solution: dict) -> dict[int, tuple[str, str]]:
    """Answer cell index -> (path of its solution file, the solution's code).

    Otter keeps the cell structure: the student's answer cell i is the solution's cell i.
    """
    return {i: (f"solutions/{name}/answer-{k}.py", "".join(solution["cells"][i]["source"])
                .rstrip() + "\n")
            for k, i in enumerate(answer_cells(student), start=1)}


def book_page(name: str, student: dict, solution: dict) -> str:
    """The book page of one exercise: its text, starting code and solutions in dropdowns.

    A dropdown includes its solution from ``solution_files`` rather than holding the code: the
    site folds it, and the page's source (on GitHub, in JupyterLab) shows only the blanks.
    """
    title, chapter = EXERCISES[name]
    solutions = solution_files(name, student, solution)
    notebook = f"exercises/{name}.ipynb"
    lines = [
        "<!-- Generated by tools/exercises.py from instructor/exercises/"
        f"{name}.md: edit the master, then run `make exercises`. -->",
        f"({name})=",
    ]
    for i, cell in enumerate(student["cells"]):
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            lines += [text, ""]
            if text.startswith("# ") and i <= 3:
                lines += [
                    # Colab works through the init cell (`init_cell`): its first cell installs
                    # rnnlab, which brings the public checks, and the grader.
                    f"This exercise belongs to {{doc}}`{chapter}`. Open the notebook "
                    f"[in Colab]({course_settings.colab_url(COURSE, notebook)}) "
                    "(its first cell installs the library, the checks and the grader), "
                    f"[in Binder]({course_settings.binder_url(COURSE, notebook)}) "
                    f"(a live JupyterLab with the grader installed) or "
                    f"[on GitHub]({course_settings.github_url(COURSE, notebook)}), "
                    "fill in the blanks and run each `grader.check` cell: it says what is wrong "
                    "and what is already right.",
                    "",
                ]
        elif i in solutions:
            lines += ["```python", text.rstrip(), "```", "",
                      "````{admonition} Solution", ":class: dropdown", "",
                      # From the srcdir (the repository root), where solutions/ lives.
                      f"```{{literalinclude}} /{solutions[i][0]}", ":language: python",
                      "```", "````", ""]
    return "\n".join(lines).rstrip() + "\n"


def index_page() -> str:
    """``book/exercises/index.md``: one entry per exercise, with its chapter."""
    lines = [
        "<!-- Generated by tools/exercises.py: edit EXERCISES there, "
        "then run `make exercises`. -->",
        "(exercises)=",
        "# Exercises",
        "",
        "Each exercise is a notebook with blanks to fill in and checks that say exactly what is "
        "wrong: which output or gradient, which gate or phase, where, the expected and received "
        "values, and what is already right. A check also stops a function that runs too long, "
        "and reports a function that changes its inputs. Solutions are in collapsed dropdowns on "
        "each exercise's page (try first!).",
        "",
        "| Exercise | Goes with |",
        "| --- | --- |",
    ]
    for name, (title, chapter) in EXERCISES.items():
        if (MASTERS / f"{name}.md").exists():
            lines.append(f"| {{doc}}`{title} <{name}>` | {{doc}}`{chapter}` |")
    lines += [
        "",
        "Instructors grade a folder of submitted notebooks with `make grade SUBMISSIONS=folder`: "
        "it writes one CSV row per student and question, and hidden tests that the student "
        "copies do not contain count too.",
        "",
    ]
    return "\n".join(lines)


def grading_requirements() -> list[str]:
    """What otter's autograder must install besides otter itself: the course library, which
    every test imports (``rnnlab.checks``). Gradescope builds its image from the zip's
    environment, so without this line every question there would fail on the import."""
    return [f"rnnlab @ git+{COURSE.url}"]


def with_grading_requirements(nb):
    """``nb`` (a master) with :func:`grading_requirements` in its ``# ASSIGNMENT CONFIG``."""
    for cell in nb.cells:
        if cell.cell_type == "raw" and cell.source.lstrip().startswith("# ASSIGNMENT CONFIG"):
            if "\nrequirements:" not in cell.source:
                cell.source = cell.source.rstrip("\n") + "\nrequirements:\n" + "".join(
                    f"  - {json.dumps(r)}\n" for r in grading_requirements())
            return nb
    raise SystemExit("a master has no '# ASSIGNMENT CONFIG' raw cell")


def build_one(master: Path, work: Path) -> dict[str, str]:
    """Build one exercise in ``work``; return generated relative path -> text.

    Also leaves the autograder zip at ``work/<name>-autograder.zip``.
    """
    name = master.stem
    work.mkdir(parents=True, exist_ok=True)
    notebook = work / f"{name}.ipynb"
    # The tests are exception-based (a check raises), so otter needs no recorded outputs and
    # the master is not executed here; the solutions are proven by the tests/exercises suite.
    jupytext.write(with_grading_requirements(jupytext.read(master)), notebook)
    run([str(BIN / "otter"), "assign", "--no-run-tests", notebook.name, "dist"], cwd=work)
    student = json.loads((work / "dist" / "student" / f"{name}.ipynb").read_text())
    solution = json.loads((work / "dist" / "autograder" / f"{name}.ipynb").read_text())
    # The published solution carries the public tests only, like the student copy.
    solution["metadata"]["otter"] = student["metadata"]["otter"]
    student, solution = normalize(student, name), normalize(strip_markers(solution), name)
    zips = list((work / "dist" / "autograder").glob("*.zip"))
    shutil.copy(zips[0], work / f"{name}-autograder.zip")
    return {
        f"exercises/{name}.ipynb": dumps(student),
        f"solutions/{name}.ipynb": dumps(solution),
        f"book/exercises/{name}.md": book_page(name, student, solution),
        **dict(solution_files(name, student, solution).values()),
        **checks_files(name, student),
    }


def build_all(names: list[str] | None, work: Path) -> dict[str, str]:
    """Build the exercises two at a time (each build is mostly waiting on a kernel)."""
    chosen = masters(names)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(lambda m: build_one(m, work / m.stem), chosen))
    files = {path: text for part in parts for path, text in part.items()}
    files["book/exercises/index.md"] = index_page()
    return files


def command_build(names: list[str] | None, write_files: bool = True) -> None:
    """Build; copy the autograder zips to _build/exercises and, if asked, write the files."""
    out = ROOT / "_build" / "exercises"
    with tempfile.TemporaryDirectory() as tmp:
        files = build_all(names, Path(tmp))
        out.mkdir(parents=True, exist_ok=True)
        for zip_path in Path(tmp).glob("*/*-autograder.zip"):
            shutil.copy(zip_path, out / zip_path.name)
    if not write_files:
        print(f"autograders in {out.relative_to(ROOT)}/")
        return
    if not names:  # a full build also drops the checks of exercises that are gone
        for old in committed_files() - set(files):
            if old.startswith(CHECKS.as_posix() + "/"):
                (ROOT / old).unlink()
    for path, text in files.items():
        target = ROOT / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files; autograders in {out.relative_to(ROOT)}/")


def committed_files() -> set[str]:
    """The generated files now in the checkout (relative paths), to compare with a build:
    notebooks, pages, solution files and the public checks shipped in the library."""
    generated_dirs = ("exercises", "solutions", "book/exercises")
    found = {p.relative_to(ROOT).as_posix() for d in generated_dirs for p in (ROOT / d).glob("*")
             if p.is_file() and p.suffix in (".ipynb", ".md")}
    found |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "solutions").glob("*/answer-*.py")}
    return found | {p.relative_to(ROOT).as_posix() for p in (ROOT / CHECKS).glob("*/*.py")}


def command_check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        files = build_all(None, Path(tmp))
    committed = committed_files()
    differ = sorted(path for path, text in files.items()
                    if not (ROOT / path).exists()
                    or (ROOT / path).read_text(encoding="utf-8") != text)
    extra = sorted(committed - set(files))
    for path in differ:
        print(f"out of date: {path}")
    for path in extra:
        print(f"not generated by any master: {path}")
    if differ or extra:
        print("run `make exercises` (python tools/exercises.py build) and commit the result")
        return 1
    print(f"all {len(files)} generated exercise files are up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="regenerate exercises/, solutions/, book pages, zips")
    build.add_argument("names", nargs="*", help="exercise names such as ex01-rnn (default: all)")
    zips = sub.add_parser("autograders", help="build only the autograder zips (for grading)")
    zips.add_argument("names", nargs="*", help="exercise names (default: all)")
    sub.add_parser("check", help="fail if a committed generated file is out of date")
    args = parser.parse_args(argv)
    if args.command in ("build", "autograders"):
        command_build(args.names or None, write_files=args.command == "build")
        return 0
    return command_check()


if __name__ == "__main__":
    sys.exit(main())
