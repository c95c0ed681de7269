"""The starter notebook handed to participants: its .ipynb matches its source and it runs."""
import ast
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HACKATHON = Path(__file__).resolve().parents[2] / "hackathon"


def _cells(notebook) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in notebook.cells]


def test_ipynb_is_generated_from_the_markdown_source():
    source = jupytext.read(HACKATHON / "starter.md")
    paired = nbformat.read(HACKATHON / "starter.ipynb", as_version=4)
    assert _cells(paired) == _cells(source), (
        "hackathon/starter.ipynb is out of date: run "
        ".venv/bin/jupytext --to ipynb hackathon/starter.md")


def test_starter_runs_and_shows_the_baseline(monkeypatch):
    monkeypatch.setenv("HACKATHON_QUICK", "1")  # 60 iterations instead of 1000
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    notebook = jupytext.read(HACKATHON / "starter.md")
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(HACKATHON)}}).execute()
    outputs = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))
    assert "vocabulary size V = 61" in outputs
    assert "iteration 60: validation" in outputs
    last_code = [c for c in notebook.cells if c.cell_type == "code"][-1]
    printed = "".join(o.get("text", "") for o in last_code.outputs)  # streams may come in pieces
    samples = [ast.literal_eval(line) for line in printed.splitlines()]
    assert len(samples) == 5 and all(isinstance(s, str) and len(s) <= 150 for s in samples)
