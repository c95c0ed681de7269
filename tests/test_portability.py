"""The suite measures the machine as a user has it: nothing in the project picks a BLAS kernel.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE change which kernel OpenBLAS runs (and slow numpy
down); setting them in CI, the Makefile or a test would hide exactly the kernel-dependent
assertions the portability rule in CONTRIBUTING.md is about. Running the suite under another
kernel is a local, manual check (CONTRIBUTING.md says how).
"""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL_SETTINGS = re.compile(r"OPENBLAS_(CORETYPE|L2_SIZE)")
# Prose may name the variables (CONTRIBUTING.md shows the manual check); code may not.
PROSE = {".md", ".txt", ".rst"}


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in out.stdout.splitlines()]


def test_no_code_or_configuration_sets_the_blas_kernel():
    offenders = []
    for path in tracked_files():
        if path.suffix in PROSE or path.suffix == ".ipynb" or path == Path(__file__) or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [f"{path.relative_to(ROOT)}:{n}" for n, line in enumerate(text.splitlines(), 1)
                      if KERNEL_SETTINGS.search(line)]
    assert offenders == [], f"these lines name OpenBLAS kernel settings: {offenders}"


# --------------------------------------------------------------------------------- sys.path
# Library code, the hackathon kit, the benchmark and the tools import the installed rnnlab, and
# a script imports its sibling modules from its own folder (Python puts it first on sys.path);
# nothing outside the tests edits sys.path (STYLE.md: DLFS2's sys.path.append('..') is the
# example to avoid).
import ast  # noqa: E402

_PATH_METHODS = {"insert", "append", "extend", "remove", "pop", "clear"}


def _is_sys_path(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "path"
            and isinstance(node.value, ast.Name) and node.value.id == "sys")


def sys_path_edits(source: str) -> list[int]:
    """Line numbers where ``source`` changes ``sys.path`` (a method call, an assignment to it
    or to one of its items, ``+=``) or calls ``site.addsitedir``; comments and strings do not
    count."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if node.func.attr in _PATH_METHODS and _is_sys_path(owner):
                lines.append(node.lineno)
            elif (node.func.attr == "addsitedir" and isinstance(owner, ast.Name)
                  and owner.id == "site"):
                lines.append(node.lineno)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if _is_sys_path(target) or (isinstance(target, ast.Subscript)
                                            and _is_sys_path(target.value)):
                    lines.append(node.lineno)
    return sorted(lines)


def test_the_sys_path_detector_finds_each_kind_of_edit():
    edits = "\n".join(["import sys, site", "sys.path.insert(0, 'x')", "sys.path.append('..')",
                       "sys.path += ['y']", "sys.path[:0] = ['z']", "site.addsitedir('w')",
                       "# sys.path.insert(0, 'a comment')", "print('sys.path.append')",
                       "print(sys.path[0])"])
    assert sys_path_edits(edits) == [2, 3, 4, 5, 6]


def test_no_python_file_outside_the_tests_edits_sys_path():
    offenders = []
    for path in tracked_files():
        rel = path.relative_to(ROOT)
        if path.suffix != ".py" or rel.parts[0] == "tests" or not path.is_file():
            continue
        offenders += [f"{rel}:{n}" for n in sys_path_edits(path.read_text(encoding="utf-8"))]
    assert offenders == [], f"these lines edit sys.path: {offenders}"
