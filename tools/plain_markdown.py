"""MyST Markdown -> plain Markdown, for the .ipynb twins that JupyterLab and Colab open.

The site's MyST parser understands ``{doc}``, ``{ref}``, ``{cite}``, ``(label)=`` targets and
directives; JupyterLab (without jupyterlab-myst) and Colab show them raw. The twins' Markdown
cells are therefore rewritten (tools/pair_notebooks.py calls ``Converter.convert``):

* ``{doc}`` and ``{ref}`` become links to the page on the published site (tools/course.py);
* ``{cite}`` becomes "(Author, year)" text from book/references.bib;
* ``(label)=`` lines are dropped;
* ``{admonition}`` blocks become ``<details>`` (collapsed when ``:class: dropdown``, as on the
  site), and ``{list-table}`` becomes a Markdown table.

The .md pages stay the only source; the site is built from them, not from the twins.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path

ROLE = re.compile(r"\{(doc|ref|cite|cite:p|cite:t|eq|math)\}`([^`]*)`")
LABEL_LINE = re.compile(r"^\(([\w.:-]+)\)=\s*$", re.M)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.M)
EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
# Also indented, as inside a list item (an exercise's solution under its numbered question).
ADMONITION = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{admonition\}[ \t]*"
                        r"(?P<title>[^\n]*)\n"
                        r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)"
                        r"(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$", re.M | re.S)
LIST_TABLE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{list-table\}[^\n]*\n"
                        r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)"
                        r"(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)


def make_id(label: str) -> str:
    """The HTML id Sphinx gives a MyST target (lower case, runs of other characters -> "-")."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


class Converter:
    """Knows every page's title, every target's page and heading, and every reference."""

    def __init__(self, root: Path, site_url: str, docnames: list[str]):
        self.site_url = site_url
        self.titles: dict[str, str] = {}
        self.labels: dict[str, tuple[str, str]] = {}
        for docname in docnames:
            path = root / f"{docname}.md"
            if not path.exists():
                continue
            text = path.read_text(encoding="utf-8")
            heading = HEADING.search(strip_front_matter(text))
            self.titles[docname] = clean_title(heading[1]) if heading else docname
            for match in LABEL_LINE.finditer(text):
                after = HEADING.search(text, match.end())
                self.labels[match[1]] = (docname, clean_title(after[1]) if after else match[1])
        self.citations = read_bib(root / "book" / "references.bib")

    def page_url(self, docname: str, anchor: str = "") -> str:
        return f"{self.site_url}{docname}.html" + (f"#{anchor}" if anchor else "")

    def role(self, docname: str, kind: str, content: str) -> str:
        explicit = EXPLICIT.match(content)
        text, target = (explicit[1], explicit[2]) if explicit else (None, content)
        if kind == "doc":
            target = target.removesuffix(".md")
            resolved = (target.lstrip("/") if target.startswith("/")
                        else posixpath.normpath(posixpath.join(posixpath.dirname(docname), target)))
            return f"[{text or self.titles.get(resolved, resolved)}]({self.page_url(resolved)})"
        if kind == "ref":
            page, title = self.labels.get(target, (docname, target))
            return f"[{text or title}]({self.page_url(page, make_id(target))})"
        if kind.startswith("cite"):
            names = [self.citations.get(k.strip(), k.strip()) for k in target.split(",")]
            return "(" + "; ".join(names) + ")"
        if kind == "math":
            return f"${content}$"
        return f"({content})"  # {eq}

    def convert(self, text: str, docname: str) -> str:
        text = LABEL_LINE.sub("", text)
        text = ADMONITION.sub(details, text)
        text = LIST_TABLE.sub(list_table, text)
        text = ROLE.sub(lambda m: self.role(docname, m[1], m[2]), text)
        return re.sub(r"\A\n+", "", text)


def strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end >= 0:
            return text[end + 4:]
    return text


def clean_title(title: str) -> str:
    """A heading as link text: no MyST roles, no Markdown emphasis markers."""
    title = ROLE.sub(lambda m: EXPLICIT.match(m[2])[1] if EXPLICIT.match(m[2]) else m[2], title)
    return title.replace("*", "").replace("`", "").strip()


def details(match: re.Match) -> str:
    """An admonition as HTML <details>: collapsed when it is a dropdown on the site.

    An indented admonition stays at its indentation, so that it stays inside its list item.
    """
    is_open = "" if "dropdown" in match["options"] else " open"
    title = match["title"].strip() or "Note"
    indent = match["indent"]
    body = "\n".join(line[len(indent):] if line.startswith(indent) else line
                     for line in match["body"].strip("\n").splitlines()).strip()
    block = f"<details{is_open}>\n<summary>{title}</summary>\n\n{body}\n\n</details>"
    return "\n".join(indent + line if line else line for line in block.splitlines())


def list_table(match: re.Match) -> str:
    """A MyST list-table (``* - a`` rows, ``  - b`` cells) as a Markdown pipe table."""
    rows = []
    for line in match["body"].splitlines():
        if line.startswith("* - "):
            rows.append([line[4:].strip()])
        elif line.startswith("  - ") and rows:
            rows[-1].append(line[4:].strip())
        elif line.strip() and rows:
            rows[-1][-1] += " " + line.strip()
    if not rows:
        return match[0]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header_rows = 1 if ":header-rows: 1" in match["options"] else 0
    head = rows[0] if header_rows else [""] * width
    body = rows[1:] if header_rows else rows
    out = ["| " + " | ".join(head) + " |", "|" + " --- |" * width]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in body]
    return "\n".join(out)


def read_bib(path: Path) -> dict[str, str]:
    """Citation key -> "Author et al., year" (author-year, as the site renders citations)."""
    if not path.exists():
        return {}
    from pybtex.database import parse_file  # installed with sphinxcontrib-bibtex

    found = {}
    for key, entry in parse_file(str(path)).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [" ".join(p.last_names) for p in people]
        who = (names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2
               else f"{names[0]} et al." if names else key)
        found[key] = f"{who}, {entry.fields.get('year', 'n.d.')}".replace("{", "").replace("}", "")
    return found
