"""Write (or check) the .ipynb twin of every notebook page listed in _toc.yml.

The MyST Markdown page (``book/**/*.md``) is the only source a writer edits. Its .ipynb twin
exists so that the Binder and Colab launch buttons open a real notebook: Colab can only open an
.ipynb from GitHub, and the book theme points both buttons at ``page.ipynb`` when that file sits
beside ``page.md``. The twins are committed (a launch button reads the repository, not the built
site) and carry no outputs (small diffs; Binder and Colab run the cells anyway). Sphinx never
reads them: ``_config.yml`` excludes ``**/*.ipynb``.

Usage::

    python tools/pair_notebooks.py          # write twins that are missing or out of date
    python tools/pair_notebooks.py --check  # list out-of-date twins, exit 1 if there are any

A page is a notebook page when its front matter has a ``jupytext`` or ``kernelspec`` key; plain
Markdown pages (the API reference, the bibliography) have no twin.

The published URL is derived, never typed (tools/course.py): this tool also rewrites the Colab
install cell at the top of each page's .md from ``_config.yml`` (so changing the repository
there changes every page), and writes the twin's Markdown cells as plain Markdown: MyST
substitutions such as ``{{ clone_block }}`` expanded, cross-references as links to the site,
citations as text, solutions in collapsed ``<details>`` (tools/plain_markdown.py), which
JupyterLab and Colab would otherwise show raw.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import re
import sys
from pathlib import Path

import jupytext
import yaml

# tools/course.py and tools/plain_markdown.py, beside this script (tools/ is not a package)
import course as course_settings
import plain_markdown

ROOT = Path(__file__).resolve().parent.parent
# The Colab cell as any URL may have written it (the first four lines of a page's first cell).
COLAB_CELL = re.compile(r'# Colab only: install the course library[^\n]*\nimport sys\n'
                        r'if "google\.colab" in sys\.modules:\n    %pip install -q [^\n]*')
PAIRED_FORMATS = "ipynb,md:myst"


def toc_files(root: Path = ROOT) -> list[str]:
    """Every ``file:`` entry of ``_toc.yml`` (root first, then in reading order), without suffix."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def front_matter(md_path: Path) -> dict:
    """The YAML front matter of a Markdown page ({} when it has none)."""
    text = md_path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    if end < 0:
        return {}
    return yaml.safe_load(text[4:end]) or {}


def is_notebook_page(md_path: Path) -> bool:
    """True when the page is a MyST notebook (it has jupytext or kernelspec front matter)."""
    meta = front_matter(md_path)
    return "jupytext" in meta or "kernelspec" in meta


def notebook_pages(root: Path = ROOT) -> list[Path]:
    """The .md notebook pages of the table of contents that exist on disk, in TOC order."""
    pages = []
    for name in toc_files(root):
        md = root / f"{name}.md"
        if md.exists() and is_notebook_page(md):
            pages.append(md)
    return pages


def expected_md(md_path: Path, root: Path = ROOT) -> str:
    """The page's text with its Colab cell written from the current ``_config.yml``."""
    cell = course_settings.colab_cell(course_settings.course(root))
    return COLAB_CELL.sub(lambda _: cell, md_path.read_text(encoding="utf-8"), count=1)


def expected_ipynb(md_path: Path, root: Path = ROOT) -> str:
    """The exact text the .ipynb twin of ``md_path`` must contain (no outputs, paired formats)."""
    nb = jupytext.reads(expected_md(md_path, root), fmt="md:myst")
    c = course_settings.course(root)
    docname = md_path.resolve().relative_to(ROOT).with_suffix("").as_posix()
    converter = markdown_converter(c.site_url)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            # Plain Markdown: JupyterLab and Colab do not read MyST (tools/plain_markdown.py).
            text = course_settings.expand_substitutions(cell.source, c)
            cell.source = converter.convert(text, docname)
    nb.metadata.setdefault("jupytext", {})["formats"] = PAIRED_FORMATS
    # jupytext records the text file's format; the twin need not carry jupytext's own version.
    nb.metadata["jupytext"].pop("text_representation", None)
    stable_cell_ids(nb.cells)
    return jupytext.writes(nb, fmt="ipynb")


@functools.cache
def markdown_converter(site_url: str) -> plain_markdown.Converter:
    """Titles, targets and references of every page, read once per run."""
    return plain_markdown.Converter(ROOT, site_url, toc_files(ROOT))


def stable_cell_ids(cells) -> None:
    """Give each cell an id derived from its content, in place (nbformat draws random ones).

    The same page then always gives the same .ipynb, so an unchanged page never shows a diff,
    and editing one cell changes only that cell's id.
    """
    seen = set()
    for cell in cells:
        base = hashlib.sha1(f"{cell.cell_type}:{cell.source}".encode()).hexdigest()[:8]
        cell_id, n = base, 1
        while cell_id in seen:  # identical cells (e.g. two empty ones) still need unique ids
            cell_id, n = f"{base}-{n}", n + 1
        seen.add(cell_id)
        cell.id = cell_id


def twin_path(md_path: Path) -> Path:
    """``book/x/page.md`` -> ``book/x/page.ipynb``."""
    return md_path.with_suffix(".ipynb")


def out_of_sync(root: Path = ROOT) -> list[Path]:
    """Notebook pages whose Colab cell is stale, or whose twin is missing or differs."""
    stale = []
    for md in notebook_pages(root):
        twin = twin_path(md)
        if (md.read_text(encoding="utf-8") != expected_md(md, root) or not twin.exists()
                or twin.read_text(encoding="utf-8") != expected_ipynb(md, root)):
            stale.append(md)
    return stale


def write_twins(root: Path = ROOT) -> list[Path]:
    """Rewrite every stale twin; untouched files keep their timestamps. Returns those written."""
    written = []
    for md in out_of_sync(root):
        text = expected_md(md, root)
        if text != md.read_text(encoding="utf-8"):
            md.write_text(text, encoding="utf-8")
        twin_path(md).write_text(expected_ipynb(md, root), encoding="utf-8")
        written.append(md)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report twins that are missing or out of date (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        stale = out_of_sync()
        for md in stale:
            print(f"out of sync: {twin_path(md).relative_to(ROOT)} "
                  f"(run `python tools/pair_notebooks.py`)")
        return 1 if stale else 0
    for md in write_twins():
        print(f"paired: {twin_path(md).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
