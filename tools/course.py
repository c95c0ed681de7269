"""Where the course is published: one setting, and every link derived from it.

The one setting is ``repository.url`` (with ``repository.branch``) in ``_config.yml``. From it
this module derives everything that names the published course:

* the site URL (GitHub Pages: ``https://OWNER.github.io/NAME/``; ``html.baseurl`` overrides it
  for a custom domain),
* the Colab install cell of every page and exercise (``colab_cell``),
* the Binder and Colab links of the exercise pages (``binder_url``, ``colab_url``),
* the clone command of the how-to-use page (the ``clone_block`` substitution).

It is also a Sphinx extension (``_config.yml``: ``sphinx: local_extensions``): at build time
it sets ``html_baseurl`` and the MyST substitutions from the same setting, and drops the Colab
launch button from the pages listed in ``course_no_colab`` (their code reads files of the
repository, which Colab does not have). The edit, issue and repository buttons and the Binder
and Colab buttons are built by the book theme from ``repository.url`` itself.

``tests/site/test_routes.py`` fails when the repository or site URL is written anywhere except
``_config.yml`` and the files generated from it (tools/pair_notebooks.py, tools/exercises.py).

Usage::

    python tools/course.py   # print the setting and what is derived from it
"""
from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "_config.yml"
GITHUB = re.compile(r"^https://github\.com/(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+?)/?$")


@dataclass(frozen=True)
class Course:
    """Where the course is published: its GitHub repository, branch and site."""

    url: str      # https://github.com/OWNER/NAME
    owner: str
    name: str
    branch: str
    site_url: str  # ends with "/"

    @property
    def slug(self) -> str:
        """``OWNER/NAME``."""
        return f"{self.owner}/{self.name}"


def load_config(root: Path = ROOT) -> dict:
    """``_config.yml`` as a dict."""
    return yaml.safe_load((root / CONFIG).read_text(encoding="utf-8"))


def course_from_config(config: dict) -> Course:
    """The Course that a parsed ``_config.yml`` describes."""
    repo = config.get("repository") or {}
    url = str(repo.get("url", "")).strip()
    match = GITHUB.match(url)
    if not match:
        raise ValueError(f"{CONFIG}: repository.url must be https://github.com/OWNER/NAME, got {url!r}"
                         " (Colab opens notebooks from GitHub only)")
    owner, name = match["owner"], match["name"]
    site = str((config.get("html") or {}).get("baseurl") or "").strip()
    # GitHub Pages serves a project site at OWNER.github.io/NAME (host names are lower case).
    site = site or f"https://{owner.lower()}.github.io/{name}/"
    return Course(url=f"https://github.com/{owner}/{name}", owner=owner, name=name,
                  branch=str(repo.get("branch") or "main"),
                  site_url=site if site.endswith("/") else site + "/")


def course(root: Path = ROOT) -> Course:
    """The Course of this checkout (read from ``_config.yml``)."""
    return course_from_config(load_config(root))


def colab_cell(c: Course, extra: str = "", what: str = "the course library") -> str:
    """The first code cell of a notebook: in Colab only, install rnnlab from the repository.

    ``extra``: more pip requirements on the same line (the exercises add the grader).
    """
    packages = f'"rnnlab @ git+{c.url}"' + (f" {extra}" if extra else "")
    verb = "is" if " and " not in what else "are"
    return (f"# Colab only: install {what} (elsewhere {'it' if verb == 'is' else 'they'} "
            f"{verb} already installed).\n"
            "import sys\n"
            'if "google.colab" in sys.modules:\n'
            f"    %pip install -q {packages}")


def colab_url(c: Course, path: str) -> str:
    """Colab opening the notebook ``path`` (relative to the repository root) from GitHub."""
    return f"https://colab.research.google.com/github/{c.slug}/blob/{c.branch}/{path}"


def binder_url(c: Course, path: str) -> str:
    """mybinder.org opening ``path`` in JupyterLab (the same form as the theme's button)."""
    return f"https://mybinder.org/v2/gh/{c.slug}/{c.branch}?urlpath=lab/tree/{path}"


def github_url(c: Course, path: str) -> str:
    """The file ``path`` on GitHub."""
    return f"{c.url}/blob/{c.branch}/{path}"


def substitutions(c: Course) -> dict[str, str]:
    """MyST substitutions the pages use (``{{ clone_block }}``)."""
    return {
        "repository_url": c.url,
        "site_url": c.site_url,
        "clone_block": (
            "```bash\n"
            f"git clone {c.url}\n"
            f"cd {c.name}\n"
            "make lab    # JupyterLab with rnnlab, the exercises' grader and the widgets\n"
            "make book   # creates .venv/, installs the pinned packages and rnnlab, builds _build/html/\n"
            "make test   # the library tests, the exercise checks, the book in a real browser\n"
            "```"),
    }


def expand_substitutions(text: str, c: Course) -> str:
    """Replace ``{{ key }}`` with its value (for the .ipynb twins, which no MyST parser reads)."""
    values = substitutions(c)
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: values.get(m[1], m[0]), text)


def no_colab_patterns(root: Path = ROOT) -> list[str]:
    """Docname patterns of the pages that must not offer Colab (``course_no_colab``)."""
    return list(((load_config(root).get("sphinx") or {}).get("config") or {})
                .get("course_no_colab", []))


def offers_colab(docname: str, patterns: list[str]) -> bool:
    return not any(fnmatch.fnmatch(docname, p) for p in patterns)


# --- Sphinx extension -------------------------------------------------------------------------

def _config_inited(app, config) -> None:
    c = course(Path(app.confdir))
    if not config.html_baseurl:
        config.html_baseurl = c.site_url
    subs = dict(config.myst_substitutions or {})
    subs.update(substitutions(c))
    config.myst_substitutions = subs


def _drop_colab(app, pagename, templatename, context, doctree) -> None:
    """Remove the Colab entry of the launch buttons on the pages of ``course_no_colab``."""
    if offers_colab(pagename, app.config.course_no_colab):
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == "launch-buttons":
            button["buttons"] = [b for b in button["buttons"] if b.get("text") != "Colab"]


def setup(app):
    app.add_config_value("course_no_colab", [], "html")
    app.connect("config-inited", _config_inited)
    # After the book theme built its launch buttons (priority 501).
    app.connect("html-page-context", _drop_colab, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main() -> int:
    c = course()
    print(f"repository  {c.url} (branch {c.branch})")
    print(f"site        {c.site_url}")
    print(f"no Colab on {', '.join(no_colab_patterns()) or '-'}")
    print("Colab cell:\n" + colab_cell(c))
    return 0


if __name__ == "__main__":
    sys.exit(main())
