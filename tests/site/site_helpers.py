"""Paths and page lists shared by the site tests (imported by conftest.py and the test modules)."""
import importlib.util
import re
import sys
from pathlib import Path


from prerequisites import skip_or_fail  # noqa: F401  (the site tests import it from here)

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "artifacts"


def _load_tool(name: str):
    """tools/<name>.py as a module (tools/ is a folder of scripts, not a package; they import
    one another from their own folder, which Python puts on sys.path when one runs as a script)."""
    if str(ROOT / "tools") not in sys.path:
        sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pair_notebooks = _load_tool("pair_notebooks")
# Where the course is published (_config.yml's repository.url) and the links derived from it.
course = _load_tool("course")

# Every page of the table of contents (docnames such as "book/04-lstm/gates"), in reading order.
TOC_PAGES = pair_notebooks.toc_files(ROOT)
# The pages that are MyST notebooks: they have an .ipynb twin and launch buttons.
NOTEBOOK_PAGES = [md.relative_to(ROOT).with_suffix("").as_posix()
                  for md in pair_notebooks.notebook_pages(ROOT)]




def pins(path) -> dict[str, str]:
    """``name==version`` lines of a requirements file as {lower-case name: version}."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            found[match[1].lower()] = match[2]
    return found
