"""Binder-like run of every page: a fresh venv from binder/requirements.txt, a real Jupyter kernel.

repo2docker cannot run here (no Docker), so this does what it would do: create a new virtual
environment with Python 3.11, `pip install -r binder/requirements.txt` from the repository root
(where `-e .` installs rnnlab), then execute the committed .ipynb twin of every page (the file
the Binder and Colab buttons open) on an IPython kernel of that environment, with the page's
folder as working directory. Pages run one at a time, as a reader runs them: two kernels at once
on these two-core machines made OpenBLAS threads of both spin against each other, turning a
15 s page into a 120 s time-out, and saved no time overall.

Per page it records the wall time (kernel start to last cell), the kernel's CPU time and its
peak resident memory (both from /proc; Linux only) into artifacts/page_budget.json, which
`python tools/page_budget.py` prints as a table; a `-k` run executes and updates only the pages
it selects. A page fails when a cell raises, when its kernel uses more than PAGE_SECONDS of CPU
time, or when it peaks over PAGE_MEMORY_MB (Binder gives 2 GB). The budget is CPU time, not
wall time, so that a busy machine cannot fail a page: a page that took 7.5 s alone once took
123 s of wall time while other tests loaded the same two cores. A stuck cell is still stopped
by CELL_TIMEOUT on the wall clock.

The same environment runs every exercise notebook, as a learner opens it from an exercise
page's Binder link: as given (every ``grader.check`` must fail saying the blank is not filled
in) and solved (the solution notebook: every check must pass).
"""
import asyncio
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from site_helpers import NOTEBOOK_PAGES, ROOT, pins

pytestmark = [pytest.mark.binder, pytest.mark.slow]

PAGE_SECONDS = 60
PAGE_MEMORY_MB = 1536
CELL_TIMEOUT = 2 * PAGE_SECONDS  # a cell past this is stuck: stop it rather than hang the suite
KERNEL_NAME = "binder-venv"


def create_binder_venv(venv: Path) -> Path:
    """Create ``venv`` and install binder/requirements.txt into it; returns its python."""
    base = shutil.which("python3.11") or sys.executable
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # From the repository root, as repo2docker runs it: `-e .` in the file means this checkout.
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
         "-r", "binder/requirements.txt"],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"pip install -r binder/requirements.txt failed:\n{result.stdout}{result.stderr}"
    return python


def write_kernelspec(python: Path, kernels_dir: Path) -> None:
    """A kernel spec named KERNEL_NAME that starts IPython with ``python`` (the Binder venv)."""
    spec_dir = kernels_dir / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Binder-like venv", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def kernel_env(venv: Path) -> dict[str, str]:
    """The environment a Binder kernel would see: the venv first on PATH, no outer venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    # As `make book` does: small models gain nothing from BLAS threads, and threads spinning
    # against the other page running at once slow a page many times over on a big machine.
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
    return env


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system, with its reaped children) used by the process so far, or
    None where /proc is absent."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command name
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime..cstime


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set size in MB (VmHWM), or None where /proc is absent."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB -> MB
    return None


async def run_page(docname: str, kernels_dir: Path, env: dict) -> dict:
    """Execute the page's .ipynb on a fresh kernel; returns its budget record."""
    record, _ = await run_notebook(ROOT / f"{docname}.ipynb", kernels_dir, env)
    record["page"] = docname
    return record


async def run_notebook(notebook: Path, kernels_dir: Path, env: dict,
                       allow_errors: bool = False) -> tuple[dict, nbformat.NotebookNode]:
    """Execute ``notebook`` in its folder on a fresh kernel; returns (record, executed notebook)."""
    nb = nbformat.read(notebook, as_version=4)
    km = AsyncKernelManager(kernel_name=KERNEL_NAME,
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels_dir)]))
    record = {"seconds": None, "cpu_seconds": None, "peak_mb": None, "error": None}
    client = NotebookClient(nb, km=km, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT,
                            allow_errors=allow_errors,
                            resources={"metadata": {"path": str(notebook.parent)}})
    start = time.perf_counter()
    try:
        await km.start_kernel(cwd=str(notebook.parent), env=env)
        await client.async_execute()
    except Exception as exc:  # a failing cell or a dead kernel: the page's test reports it
        record["error"] = f"{type(exc).__name__}: {str(exc)[-2000:]}"
    finally:
        record["seconds"] = round(time.perf_counter() - start, 2)
        # The client does not own `km`, so the kernel is still alive: read its peak now.
        process = km.provisioner.process if km.provisioner else None
        peak = peak_rss_mb(process.pid) if process is not None else None
        record["peak_mb"] = round(peak, 1) if peak is not None else None
        cpu = cpu_seconds(process.pid) if process is not None else None
        record["cpu_seconds"] = round(cpu, 2) if cpu is not None else None
        if client.kc is not None:
            client.kc.stop_channels()
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    return record, nb


async def run_pages(pages: list[str], kernels_dir: Path, env: dict) -> list[dict]:
    """Run ``pages`` one after the other; records in the order of ``pages``."""
    return [await run_page(page, kernels_dir, env) for page in pages]


def selected_pages(session) -> list[str]:
    """The pages whose budget test this session runs (all of them unless -k narrows it)."""
    return [item.callspec.params["docname"] for item in session.items
            if getattr(item, "originalname", None) == "test_page_runs_in_binder_within_budget"]


def write_budget_report(path: Path, records: list[dict], setup_seconds: float) -> None:
    """Merge ``records`` into the JSON report at ``path`` (a -k run updates only its pages)."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    pages = {r["page"]: r for r in old.get("pages", [])}
    pages.update({r["page"]: r for r in records})
    report = {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "venv_setup_seconds": setup_seconds,
        "limits": {"seconds": PAGE_SECONDS, "peak_mb": PAGE_MEMORY_MB},
        # In table-of-contents order; pages no longer in the book are dropped.
        "pages": [pages[p] for p in NOTEBOOK_PAGES if p in pages],
    }
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def binder_kernel(tmp_path_factory) -> dict:
    """The Binder-like venv and a kernel spec for it: {"kernels", "env", "setup_seconds"}."""
    work = tmp_path_factory.mktemp("binder")
    venv = work / "venv"
    setup_start = time.perf_counter()
    python = create_binder_venv(venv)
    write_kernelspec(python, work / "kernels")
    return {"kernels": work / "kernels", "env": kernel_env(venv),
            "setup_seconds": round(time.perf_counter() - setup_start, 1)}


@pytest.fixture(scope="module")
def page_records(request, binder_kernel, artifacts_dir) -> dict[str, dict]:
    """Run the selected pages once in the Binder-like venv, update artifacts/page_budget.json."""
    pages = selected_pages(request.session)
    setup_seconds = binder_kernel["setup_seconds"]
    records = asyncio.run(run_pages(pages, binder_kernel["kernels"], binder_kernel["env"]))
    for record in records:
        record["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write_budget_report(artifacts_dir / "page_budget.json", records, setup_seconds)
    return {r["page"]: r for r in records}


def test_there_are_pages_to_run():
    assert NOTEBOOK_PAGES, "no notebook pages found in _toc.yml"


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_page_runs_in_binder_within_budget(docname, page_records):
    record = page_records[docname]
    assert record["error"] is None, f"{docname}.ipynb failed in the Binder-like venv: {record['error']}"
    if record["cpu_seconds"] is not None:
        assert record["cpu_seconds"] <= PAGE_SECONDS, \
            f"{docname} used {record['cpu_seconds']} s of CPU time (limit {PAGE_SECONDS} s)"
    else:  # no /proc: the wall clock is all there is
        assert record["seconds"] <= PAGE_SECONDS, \
            f"{docname} took {record['seconds']} s alone (limit {PAGE_SECONDS} s)"
    if record["peak_mb"] is not None:
        assert record["peak_mb"] <= PAGE_MEMORY_MB, \
            f"{docname} peaked at {record['peak_mb']} MB (limit {PAGE_MEMORY_MB} MB)"


# --- Exercises in Binder: the grader is installed and every check answers ------------------------
# The exercise pages link exercises/<name>.ipynb in Binder. There a learner runs the notebook as
# it is (every check must say "not filled in"), then with answers (every check must pass): the
# solution notebook stands for a learner who filled in every blank. Each notebook runs in a copy
# of its folder (otter writes a .OTTER_LOG beside the notebook), by the name it opens itself with.
EXERCISES = sorted(p.stem for p in (ROOT / "exercises").glob("ex*.ipynb"))
CHECK_CALL = re.compile(r'grader\.check\("(\w+)"\)')


def check_outputs(nb) -> dict[str, str]:
    """question -> the text that its ``grader.check`` cell showed (or the error it raised)."""
    found = {}
    for cell in nb.cells:
        match = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if not match:
            continue
        texts = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                texts.append(f"{out['ename']}: {out['evalue']}")
            else:
                texts.append(str(out.get("data", {}).get("text/plain", out.get("text", ""))))
        found[match[1]] = " ".join(" ".join(texts).split())  # otter wraps long lines
    return found


@pytest.fixture(scope="module")
def exercise_runs(binder_kernel, tmp_path_factory) -> dict[tuple[str, str], dict]:
    """(folder, name) -> {"record", "checks"} for every exercise, blank and solved."""
    runs = {}

    async def run_all():
        for folder in ("exercises", "solutions"):
            for name in EXERCISES:
                work = tmp_path_factory.mktemp(f"{folder}-{name}")
                shutil.copy(ROOT / folder / f"{name}.ipynb", work / f"{name}.ipynb")
                # Blanks raise where later cells use what a blank returns: run on, as a reader would.
                record, nb = await run_notebook(work / f"{name}.ipynb", binder_kernel["kernels"],
                                                binder_kernel["env"], allow_errors=True)
                runs[folder, name] = {"record": record, "checks": check_outputs(nb)}

    asyncio.run(run_all())
    return runs


def test_binder_installs_the_grader_and_myst_rendering():
    binder = pins(ROOT / "binder" / "requirements.txt")
    assert "otter-grader" in binder, \
        "binder/requirements.txt does not install otter-grader: the exercises cannot run in Binder"
    assert "jupyterlab-myst" in binder, "Binder would show the .md pages' MyST raw"


@pytest.mark.parametrize("name", EXERCISES)
def test_solved_exercise_passes_every_check_in_binder(name, exercise_runs):
    run = exercise_runs["solutions", name]
    assert run["record"]["error"] is None, f"{name}: {run['record']['error']}"
    assert run["checks"], f"{name}: no grader.check cell ran"
    failing = {q: t[:300] for q, t in run["checks"].items() if "All test cases passed" not in t}
    assert not failing, f"{name} (solutions): checks that did not pass: {failing}"


@pytest.mark.parametrize("name", EXERCISES)
def test_blank_exercise_fails_every_check_saying_not_filled_in(name, exercise_runs):
    run = exercise_runs["exercises", name]
    assert run["record"]["error"] is None, f"{name}: {run['record']['error']}"
    solved = exercise_runs["solutions", name]["checks"]
    assert run["checks"].keys() == solved.keys(), "the blank and solved notebooks check different questions"
    passed = [q for q, t in run["checks"].items() if "All test cases passed" in t]
    assert not passed, f"{name} (blank): checks that pass with nothing filled in: {passed}"
    wrong = {q: t[:300] for q, t in run["checks"].items()
             if "not filled in" not in t}
    assert not wrong, f"{name} (blank): checks that did not fail with 'not filled in': {wrong}"
