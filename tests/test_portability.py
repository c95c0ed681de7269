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
