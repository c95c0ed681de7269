"""Colab-like run of a chapter page and of every exercise, as Colab's buttons and links open them.

Colab cannot run here (it is Google's service), so this builds what a notebook finds there:

* **Colab's Python**: a fresh venv holding only what Colab preinstalls of what the course uses:
  numpy, matplotlib, ipykernel, ipywidgets (at the pins of binder/requirements.txt), and
  neither rnnlab nor otter-grader, so the notebook's first cell has to install them.
* **Colab's kernel**: Colab starts ``google.colab._kernel.Kernel``, whose shell is
  ``google.colab._shell.Shell``. otter recognises Colab by that shell (``str(get_ipython())``
  names ``google.colab``) and the Colab cells by ``"google.colab" in sys.modules``. A stand-in
  ``google.colab`` package with the same two classes goes into the venv, and the kernel is
  launched with ``--IPKernelApp.kernel_class=google.colab._kernel.Kernel`` as Colab does; a
  probe cell checks that otter then runs in its Colab mode (and that the init cell otter
  assign writes, ``otter.Notebook("exNN.ipynb")``, fails there as it does on Colab).
* **Colab's disk**: the notebook is not on it (Colab opens it from GitHub or Drive). Each
  notebook runs in an empty folder; nbclient sends its cells to the kernel, as Colab's front
  end does, and nothing may need to open the ``.ipynb`` by name.
* **The install cell** runs as committed except for its source: ``rnnlab @ git+<repository>``
  becomes a wheel built from this checkout. pip runs with ``--no-index`` (``PIP_NO_INDEX``) and
  finds otter-grader and its dependencies in a local folder of wheels made from the packages
  installed in the environment running this test: no network.

Then the chapter page must run without error, every solution notebook must pass every
``grader.check``, and every exercise notebook as given must fail every check saying the blank
is "not filled in". Notebooks run one after the other in the same venv (on Colab each would
get a new machine; here the second install cell finds rnnlab and otter already installed).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from site_helpers import ROOT, course, pins, skip_or_fail
from test_binder import EXERCISES, check_outputs

pytestmark = [pytest.mark.colab, pytest.mark.slow]

KERNEL_NAME = "colab-like"
CELL_TIMEOUT = 300  # the install cell of the first notebook installs otter: pip takes a while
# The chapter page run first: the one of the parameter-counting exercise (a short page).
CHAPTER_PAGE = "book/01-sequences/counting-parameters"
# What Colab preinstalls, of the packages the course uses.
COLAB_PACKAGES = ("numpy", "matplotlib", "ipykernel", "ipywidgets")
GIT_REQUIREMENT = re.compile(r'"rnnlab @ git\+[^"]+"')

# The stand-in google.colab: the class names and modules of Colab's kernel and shell.
STAND_IN = {
    "google/colab/__init__.py": '"""Stand-in for Colab\'s google.colab package (tests only)."""\n',
    "google/colab/_shell.py": (
        "from ipykernel.zmqshell import ZMQInteractiveShell\n\n\n"
        "class Shell(ZMQInteractiveShell):\n"
        '    """Colab\'s shell class: otter tells Colab by its name."""\n'),
    "google/colab/_kernel.py": (
        "from ipykernel.ipkernel import IPythonKernel\n"
        "from traitlets import Type\n\n"
        "from google.colab import _shell\n\n\n"
        "class Kernel(IPythonKernel):\n"
        '    """Colab\'s kernel class: an IPython kernel with Colab\'s shell."""\n\n'
        "    shell_class = Type(_shell.Shell)\n"),
}

# Appended to each exercise run: which otter mode ran, where its tests came from, and what
# otter assign's own init cell would do here.
PROBE = """\
import otter, rnnlab
print("interpreter:", grader.interpreter)
print("tests_dir:", grader._tests_dir)
print("rnnlab:", rnnlab.__file__)
try:
    otter.Notebook("{name}.ipynb")
except ValueError as exc:
    print("otter assign's init cell:", exc)
"""


# --- a folder of wheels from the installed packages (no network) -------------------------------

def _dist(name: str) -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        skip_or_fail(f"{name} is not installed in the test environment, so no wheel of it can be "
                     "made for the Colab-like venv: install requirements/test.txt")


def requirement_closure(names: list[str]) -> dict[str, importlib.metadata.Distribution]:
    """The installed distributions that ``names`` need, with their dependencies (markers and
    extras evaluated for this interpreter)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, importlib.metadata.Distribution] = {}
    seen: set[tuple[str, frozenset]] = set()
    todo = [Requirement(n) for n in names]
    while todo:
        requirement = todo.pop()
        key = canonicalize_name(requirement.name)
        extras = frozenset(requirement.extras)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        found.setdefault(key, _dist(requirement.name))
        for line in found[key].requires or []:
            dep = Requirement(line)
            if dep.marker is None or any(dep.marker.evaluate({"extra": e})
                                         for e in ("", *sorted(extras))):
                todo.append(dep)
    return found


def rnnlab_dependencies() -> list[str]:
    """rnnlab's own requirements (pyproject.toml), which its wheel makes pip install."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"])


def wheel_from_installed(dist: importlib.metadata.Distribution, folder: Path) -> Path:
    """A wheel holding the installed files of ``dist`` (from its RECORD), written to ``folder``.

    pip cannot download here, and pip has no command that packs an installed distribution, so
    this does: the files under site-packages (scripts and headers outside it are left out:
    a kernel does not need them), the .dist-info with a new RECORD, the tag from its WHEEL file.
    """
    from packaging.utils import canonicalize_name

    wheel_meta = dist.read_text("WHEEL") or ""
    tags = re.findall(r"^Tag:\s*(\S+)", wheel_meta, re.M)
    if not dist.files or not tags:
        skip_or_fail(f"{dist.metadata['Name']} was not installed from a wheel (no RECORD or tag)")
    name = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
    # The file name carries every tag, compressed as wheels do (py2.py3-none-any).
    parts = [list(dict.fromkeys(t.split("-")[i] for t in tags)) for i in range(3)]
    target = folder / f"{name}-{dist.version}-{'-'.join('.'.join(p) for p in parts)}.whl"
    skip = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    records = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for file in dist.files:
            path = file.as_posix() if hasattr(file, "as_posix") else str(file)
            if path.startswith("..") or "__pycache__" in path or path.endswith(".pyc"):
                continue
            if ".dist-info/" in path and path.rsplit("/", 1)[-1] in skip:
                continue
            source = Path(dist.locate_file(file))
            if not source.is_file():
                continue
            data = source.read_bytes()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            archive.writestr(path, data)
            records.append(f"{path},sha256={digest},{len(data)}")
        info = next(p.as_posix().split("/")[0] for p in dist.files
                    if p.as_posix().split("/")[0].endswith(".dist-info"))
        records.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return target


def rnnlab_wheel(folder: Path, work: Path) -> Path:
    """A wheel of this checkout's rnnlab, as `pip install "rnnlab @ git+..."` would build it.

    Built from a copy of what the wheel needs, so that the build leaves nothing in the checkout.
    """
    source = work / "rnnlab-source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "lib", source / "lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index",
                           "--no-build-isolation", "-q", "-w", str(folder), str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"building the rnnlab wheel failed:\n{done.stdout}{done.stderr}"
    return next(folder.glob("rnnlab-*.whl"))


# --- the Colab-like venv and kernel -------------------------------------------------------------

def pip_env(wheels: Path) -> dict[str, str]:
    """pip without an index: only the local folder of wheels (this machine's pip config aside)."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels),
                "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    return env


def create_colab_venv(venv: Path, wheels: Path) -> Path:
    """A venv with Colab's preinstalled packages (from ``wheels``) and a stand-in google.colab."""
    base = shutil.which("python3.11") or sys.executable
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    binder = pins(ROOT / "binder" / "requirements.txt")
    packages = [f"{p}=={binder[p]}" if p in binder else p for p in COLAB_PACKAGES]
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", *packages],
                          env=pip_env(wheels), capture_output=True, text=True)
    assert done.returncode == 0, \
        f"installing {packages} offline failed:\n{done.stdout}{done.stderr}"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = subprocess.run([str(python), "-c", purelib],
                          capture_output=True, text=True, check=True, env=pip_env(wheels))
    site = Path(site.stdout.strip())
    for path, text in STAND_IN.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text, encoding="utf-8")
    return python


def write_kernelspec(python: Path, kernels_dir: Path) -> None:
    """A kernel spec that starts Colab's kernel class (the stand-in) with ``python``."""
    spec_dir = kernels_dir / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}",
            "--IPKernelApp.kernel_class=google.colab._kernel.Kernel"]
    spec = {"argv": argv, "display_name": "Colab-like venv", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def as_in_colab(notebook: Path, wheel: Path) -> nbformat.NotebookNode:
    """The notebook as Colab runs it, its install line pointing at ``wheel`` instead of GitHub."""
    nb = nbformat.read(notebook, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.source.startswith("# Colab only"), \
        f"{notebook.name}: the first code cell is not the Colab install cell"
    assert GIT_REQUIREMENT.search(first.source), f"{notebook.name}: no rnnlab @ git+ requirement"
    first.source = GIT_REQUIREMENT.sub(f'"{wheel}"', first.source)
    return nb


async def run_in_colab(nb, kernels_dir: Path, env: dict, folder: Path) -> str | None:
    """Execute ``nb`` with ``folder`` (empty) as working directory; returns the error, if any."""
    km = AsyncKernelManager(kernel_name=KERNEL_NAME,
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels_dir)]))
    client = NotebookClient(nb, km=km, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT,
                            allow_errors=True, resources={"metadata": {"path": str(folder)}})
    error = None
    try:
        await km.start_kernel(cwd=str(folder), env=env)
        await client.async_execute()
    except Exception as exc:  # a dead kernel or a stuck cell: the test reports it
        error = f"{type(exc).__name__}: {str(exc)[-2000:]}"
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    return error


def cell_text(cell) -> str:
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            texts.append(f"{out['ename']}: {out['evalue']}")
        else:
            texts.append(str(out.get("data", {}).get("text/plain", out.get("text", ""))))
    return "".join(texts)


def errors_in(nb) -> list[str]:
    return [f"cell {i}: {cell_text(c)[-600:]}" for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and any(o.get("output_type") == "error"
                                             for o in c.get("outputs", []))]


@pytest.fixture(scope="module")
def colab(tmp_path_factory) -> dict:
    """Every run: {"page": (nb, error), (kind, name): (nb, error), "venv", "folders"}."""
    work = tmp_path_factory.mktemp("colab")
    wheels = work / "wheels"
    wheels.mkdir()
    needed = [*COLAB_PACKAGES, "otter-grader==7.0.0", *rnnlab_dependencies()]
    for dist in requirement_closure(needed).values():
        wheel_from_installed(dist, wheels)
    wheel = rnnlab_wheel(wheels, work)
    venv = work / "venv"
    python = create_colab_venv(venv, wheels)
    for module in ("rnnlab", "otter"):
        absent = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True,
                                cwd=work, env=pip_env(wheels))
        assert absent.returncode != 0, f"the Colab-like venv has {module} before any cell ran"
    write_kernelspec(python, work / "kernels")
    env = pip_env(wheels)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    runs: dict = {"venv": venv, "folders": []}

    async def run_all():
        folder = work / "content-page"
        folder.mkdir()
        nb = as_in_colab(ROOT / f"{CHAPTER_PAGE}.ipynb", wheel)
        runs["page"] = (nb, await run_in_colab(nb, work / "kernels", env, folder))
        runs["folders"].append(folder)
        for kind in ("solutions", "exercises"):
            for name in EXERCISES:
                folder = work / f"content-{kind}-{name}"
                folder.mkdir()
                nb = as_in_colab(ROOT / kind / f"{name}.ipynb", wheel)
                nb.cells.append(nbformat.v4.new_code_cell(PROBE.format(name=name)))
                runs[kind, name] = (nb, await run_in_colab(nb, work / "kernels", env, folder))
                runs["folders"].append(folder)

    asyncio.run(run_all())
    return runs


def test_the_chapter_page_runs_in_colab(colab):
    nb, error = colab["page"]
    assert error is None, f"{CHAPTER_PAGE}: {error}"
    assert not errors_in(nb), f"{CHAPTER_PAGE} in the Colab-like venv: {errors_in(nb)}"
    assert course.offers_colab(CHAPTER_PAGE, course.no_colab_patterns(ROOT))


def test_otter_runs_in_its_colab_mode_on_the_shipped_checks(colab):
    """The simulation is Colab as otter sees it: otter assign's init cell fails as on Colab."""
    for name in EXERCISES:
        nb, error = colab["solutions", name]
        assert error is None, f"{name}: {error}"
        probe = cell_text(nb.cells[-1])
        assert "interpreter: IPythonInterpreter.COLAB" in probe, f"{name}: {probe}"
        tests_dir = re.search(r"tests_dir: (\S+)", probe)[1]
        assert str(colab["venv"]) in tests_dir, probe
        assert tests_dir.endswith(f"exercise_checks/{name}"), probe
        assert "rnnlab: " + str(colab["venv"]) in probe, f"{name} imported another rnnlab: {probe}"
        assert "Tests directory ./tests does not exist" in probe, probe
    for folder in colab["folders"]:  # no notebook file appeared: nothing opened one by name
        assert not list(folder.glob("*.ipynb")), f"{folder.name}: {sorted(os.listdir(folder))}"


@pytest.mark.parametrize("name", EXERCISES)
def test_solved_exercise_passes_every_check_in_colab(name, colab):
    nb, error = colab["solutions", name]
    assert error is None, f"{name}: {error}"
    checks = check_outputs(nb)
    assert checks, f"{name}: no grader.check cell ran"
    failing = {q: t[:300] for q, t in checks.items() if "All test cases passed" not in t}
    assert not failing, f"{name} (solutions, Colab): checks that did not pass: {failing}"
    assert not errors_in(nb), f"{name} (solutions, Colab): {errors_in(nb)}"


@pytest.mark.parametrize("name", EXERCISES)
def test_blank_exercise_fails_every_check_saying_not_filled_in_in_colab(name, colab):
    nb, error = colab["exercises", name]
    assert error is None, f"{name}: {error}"
    checks = check_outputs(nb)
    assert checks.keys() == check_outputs(colab["solutions", name][0]).keys()
    passed = [q for q, t in checks.items() if "All test cases passed" in t]
    assert not passed, f"{name} (blank, Colab): checks that pass with nothing filled in: {passed}"
    wrong = {q: t[:300] for q, t in checks.items() if "not filled in" not in t}
    assert not wrong, f"{name} (blank, Colab): checks that did not say 'not filled in': {wrong}"
    setup = [e for e in errors_in(nb) if e.startswith(("cell 0:", "cell 1:"))]
    assert not setup, f"{name} (blank, Colab): the install or init cell failed: {setup}"
