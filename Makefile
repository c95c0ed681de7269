# The README's two commands: `make book` and `make test`. Both create or reuse .venv/ from the
# pinned files in requirements/, so they work from a clean clone with only Python 3.11 and pip.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# pip's output goes to a log shown only on failure (some machines print a warning per package).
PIP    := bash tools/pip.sh $(BIN)/python

# The book's and tests' models are small: their per-step matrix products gain nothing from BLAS
# threads, and threads spinning against another busy process (the Binder test runs two pages
# at once) slow training many times over. The benchmark sets its own counts (threadpoolctl).
book test lab pdf: export OPENBLAS_NUM_THREADS = 1

.PHONY: book test lab pdf bench exercises grade hackathon clean help
help:
	@echo "make book       set up .venv and build the site into _build/html"
	@echo "make test       set up .venv (plus PyTorch and Chromium when CI=true) and run every test"
	@echo "make pdf        the whole book as one PDF, _build/pdf/book.pdf (Chromium prints it)"
	@echo "make lab        open JupyterLab on this checkout (rnnlab, the exercises' grader, widgets)"
	@echo "make bench      benchmark rnnlab against PyTorch and a naive loop (BENCH_ARGS=--quick)"
	@echo "make exercises  regenerate exercises/ and solutions/ from their sources"
	@echo "make grade SUBMISSIONS=dir   grade a folder of submitted exercise notebooks"
	@echo "make hackathon  score the hackathon baseline and reference at full budget"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps re-run pip only when a requirements file changes.
$(VENV)/.book-installed: $(BIN)/python requirements/book.txt pyproject.toml
	$(PIP) -r requirements/book.txt -e .
	$(BIN)/python -c "import rnnlab, jupyter_book" && touch $@

$(VENV)/.lab-installed: $(VENV)/.book-installed requirements/lab.txt
	$(PIP) -r requirements/lab.txt
	$(BIN)/python -c "import jupyterlab, otter, ipywidgets, jupytext, rnnlab" && touch $@

$(VENV)/.test-installed: $(VENV)/.lab-installed requirements/test.txt
	$(PIP) -r requirements/test.txt
	$(BIN)/python -c "import pytest, otter, playwright" && touch $@

# CI installs PyTorch so that parity tests run; elsewhere it stays optional.
# torch==2.13.0 exactly: other spellings may pull a multi-GB CUDA build.
torch-if-ci: $(VENV)/.test-installed
	@if [ "$$CI" = "true" ]; then $(PIP) torch==2.13.0; \
	  $(BIN)/python -c "import torch; print('torch', torch.__version__)"; fi

# The .ipynb twins of the pages (for the Binder/Colab buttons) are regenerated from the .md first.
book: $(VENV)/.book-installed
	$(BIN)/python tools/pair_notebooks.py
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(VENV)/.test-installed torch-if-ci
	bash tools/system-deps.sh
	@# Before `make book` rewrites them: the committed .ipynb twins must match their pages.
	$(BIN)/python tools/pair_notebooks.py --check
	$(MAKE) pdf
	$(BIN)/python -m pytest

# The whole book as one PDF: the site as a single HTML page (the pages' executed outputs come from
# the cache `make book` filled), printed by the system Chromium through playwright (tools/pdf.py;
# playwright is a test requirement).
pdf: $(VENV)/.test-installed book
	$(BIN)/jupyter-book build . --builder singlehtml -W -n --keep-going
	$(BIN)/python tools/pdf.py _build/singlehtml _build/pdf/book.pdf

# JupyterLab on the checkout, with the same kernel as the book: rnnlab (editable), the exercises'
# grader (open exercises/*.ipynb) and the widgets. The .md pages open as notebooks through
# jupytext (right-click > Open With > Jupytext Notebook), or open their .ipynb twins.
# LAB_ARGS passes options on, e.g. LAB_ARGS="--no-browser --port 8899".
LAB_ARGS ?=
lab: $(VENV)/.lab-installed
	$(BIN)/jupyter lab $(LAB_ARGS)

# The benchmark compares against torch.nn, so it installs PyTorch (CPU, pinned) when missing.
# The exercises: one master per exercise in instructor/exercises/ -> exercises/, solutions/,
# book/exercises/ (committed) and the autograder zips in _build/exercises/ (git-ignored).
exercises: $(VENV)/.test-installed
	$(BIN)/python tools/exercises.py build

# Grade a folder of submitted notebooks, each in a bubblewrap sandbox with time limits (no Docker),
# JOBS at once: writes SUBMISSIONS/grades.csv and SUBMISSIONS/summary.csv (README: Grading a class).
JOBS ?= 2
grade: $(VENV)/.test-installed
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [JOBS=2]"; exit 2; }
	$(BIN)/python tools/grade.py $(SUBMISSIONS) --jobs $(JOBS)

bench: $(VENV)/.test-installed
	@$(BIN)/python -c "import torch" 2>/dev/null || $(PIP) torch==2.13.0
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Scores the baseline, the source notebook's variant and the reference as recipes, and the baseline
# as code (in bubblewrap), plus any
# HACKATHON_SUBMISSIONS="a.json b.py", at the full budget; the book's leaderboard page reads the
# JSON it writes. About 2 minutes on one core.
HACKATHON_SUBMISSIONS ?=
hackathon: $(VENV)/.book-installed
	$(BIN)/python hackathon/score.py hackathon/submissions/baseline.json hackathon/submissions/baseline_source.json \
	  hackathon/submissions/reference.json hackathon/submissions/baseline_code.py $(HACKATHON_SUBMISSIONS) \
	  --budget full --out hackathon/results/leaderboard.json

clean:
	rm -rf _build .jupyter_cache
