"""The routes a learner takes: one URL setting, the publishing workflow, launch buttons, no Thebe.

* **One setting.** The repository and site URL are written only in ``_config.yml``
  (``repository.url``) and in the files generated from it (the .ipynb twins by
  tools/pair_notebooks.py, the exercise notebooks and pages by tools/exercises.py, both checked
  against a regeneration elsewhere); a page's .md may hold it only inside its Colab cell, which
  pair_notebooks rewrites. Changing the setting changes every derived link.
* **Publishing.** ``.github/workflows/pages.yml`` builds with ``make book`` and deploys with
  upload-pages-artifact + deploy-pages (its structure is checked here: actionlint cannot be
  installed offline, its PyPI wrapper downloads the binary when built). The built site has a
  ``.nojekyll`` and canonical links on the site URL.
* **Launch buttons.** Pages in ``course_no_colab`` (the hackathon's) offer no Colab button;
  no page offers Thebe ("Live Code"), which hangs without saying why when Binder is unreachable.
"""
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from site_helpers import NOTEBOOK_PAGES, ROOT, TOC_PAGES, course, pair_notebooks

COURSE = course.course(ROOT)
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
# Generated from the setting, and compared with a regeneration by other tests
# (test_pages.py::test_ipynb_twins_are_in_sync, tests/exercises: `tools/exercises.py check`).
GENERATED = [re.compile(p) for p in (r"^book/.+\.ipynb$", r"^exercises/[^/]+\.ipynb$",
                                     r"^solutions/[^/]+\.ipynb$", r"^book/exercises/[^/]+\.md$")]
SETTING = "_config.yml"


def url_patterns(c) -> list[re.Pattern]:
    """What gives the published location away: OWNER/NAME, and the Pages host."""
    return [re.compile(re.escape(c.slug), re.IGNORECASE),
            re.compile(re.escape(f"{c.owner}.github.io"), re.IGNORECASE)]


def tracked_text_files() -> list[str]:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split("\0")
    return [f for f in files if f and (ROOT / f).is_file()]


def stray_urls(path: str, text: str, c) -> list[str]:
    """Lines of ``text`` that write the published URL where it is not derived from the setting."""
    if path == SETTING or any(p.match(path) for p in GENERATED):
        return []
    # A page's Colab cell is rewritten from the setting by tools/pair_notebooks.py.
    if path.removesuffix(".md") in NOTEBOOK_PAGES:
        text = text.replace(course.colab_cell(c), "")
    return [line.strip() for line in text.splitlines()
            if any(p.search(line) for p in url_patterns(c))]


def test_the_url_is_written_only_in_the_setting():
    found = {}
    for path in tracked_text_files():
        try:
            text = (ROOT / path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, fonts
        lines = stray_urls(path, text, COURSE)
        if lines:
            found[path] = lines[:3]
    assert not found, ("the published URL is written outside _config.yml (derive it from "
                       f"tools/course.py instead): {found}")


def test_the_stray_url_check_catches_a_typed_url():
    typed = f"see https://github.com/{COURSE.slug}/issues"
    assert stray_urls("README.md", typed, COURSE), "a typed URL was not caught"
    assert stray_urls("tools/x.py", f"SITE = 'https://{COURSE.owner}.github.io/x'", COURSE)
    assert not stray_urls(f"{NOTEBOOK_PAGES[0]}.md", course.colab_cell(COURSE), COURSE)
    assert stray_urls("CONTRIBUTING.md", course.colab_cell(COURSE), COURSE), \
        "a copy of the Colab cell outside a page is not rewritten, so it must be caught"
    assert not stray_urls(SETTING, typed, COURSE)


@pytest.fixture
def other_root(tmp_path) -> Path:
    """A copy of _config.yml that publishes the course somewhere else."""
    config = (ROOT / SETTING).read_text(encoding="utf-8").replace(
        f"url: {COURSE.url}", "url: https://github.com/Someone-Else/their-course")
    (tmp_path / SETTING).write_text(config, encoding="utf-8")
    return tmp_path


def test_changing_the_setting_changes_every_derived_link(other_root):
    other = course.course(other_root)
    assert (other.slug, other.site_url) == ("Someone-Else/their-course",
                                            "https://someone-else.github.io/their-course/")
    old = url_patterns(COURSE)
    derived = [course.colab_cell(other), course.binder_url(other, "exercises/ex01-rnn.ipynb"),
               course.colab_url(other, "book/intro.ipynb"), course.github_url(other, "x"),
               *course.substitutions(other).values()]
    # Every notebook page: its .md (Colab cell) and its twin (Colab cell, clone command).
    for docname in NOTEBOOK_PAGES:
        md = ROOT / f"{docname}.md"
        derived += [pair_notebooks.expected_md(md, other_root),
                    pair_notebooks.expected_ipynb(md, other_root)]
    for text in derived:
        assert not any(p.search(text) for p in old), f"still names {COURSE.slug}: {text[:200]}"
    assert all("Someone-Else/their-course" in t or "their-course" in t for t in derived)


def test_the_sphinx_extension_derives_baseurl_and_substitutions(other_root):
    class Config:
        html_baseurl = ""
        myst_substitutions = {"kept": "yes"}

    class App:
        confdir = str(other_root)

    config = Config()
    course._config_inited(App(), config)
    assert config.html_baseurl == "https://someone-else.github.io/their-course/"
    assert config.myst_substitutions["kept"] == "yes"
    assert "git clone https://github.com/Someone-Else/their-course" in \
        config.myst_substitutions["clone_block"]


def test_the_built_site_links_only_the_configured_repository(built_site):
    """Every GitHub, Binder and Colab link of the built site names the configured repository."""
    repo_link = re.compile(r"https://(?:github\.com|mybinder\.org/v2/gh|"
                           r"colab\.research\.google\.com/github)/([\w.-]+/[\w.-]+)")
    wrong = {}
    for docname in TOC_PAGES:
        html = (built_site / f"{docname}.html").read_text(encoding="utf-8")
        for slug in set(repo_link.findall(html)):
            if slug != COURSE.slug and not slug.startswith(("executablebooks/", "pydata/")):
                wrong.setdefault(docname, []).append(slug)
    assert not wrong, f"links to repositories other than {COURSE.slug}: {wrong}"
    index = (built_site / "index.html").read_text(encoding="utf-8")
    assert (built_site / ".nojekyll").exists(), "no .nojekyll: GitHub Pages would drop _static/"
    intro = (built_site / "book" / "intro.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{COURSE.site_url}book/intro.html"' in intro, \
        "html_baseurl is not the site URL derived from _config.yml"
    assert index  # the redirect page exists


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_no_page_offers_live_code(docname, built_site):
    """Thebe is off: no "Live Code" button that would wait forever on an unreachable Binder."""
    html = (built_site / f"{docname}.html").read_text(encoding="utf-8")
    assert "initThebe" not in html and "Live Code" not in html, f"{docname} offers Thebe"


def test_hackathon_pages_offer_no_colab(built_site):
    patterns = course.no_colab_patterns(ROOT)
    pages = [p for p in NOTEBOOK_PAGES if not course.offers_colab(p, patterns)]
    assert pages, f"course_no_colab {patterns} matches no page"
    for docname in pages:
        html = (built_site / f"{docname}.html").read_text(encoding="utf-8")
        assert "colab.research.google.com" not in html, f"{docname} offers Colab"
        assert "mybinder.org" in html, f"{docname} lost its Binder button"


def test_exercise_pages_link_their_notebooks_in_binder_and_colab():
    """Both run the exercises (tests/site/test_binder.py, tests/site/test_colab.py)."""
    for page in sorted((ROOT / "book" / "exercises").glob("ex*.md")):
        notebook = f"exercises/{page.stem}.ipynb"
        text = page.read_text(encoding="utf-8")
        assert course.binder_url(COURSE, notebook) in text, \
            f"{page.name} has no Binder link to {notebook}"
        assert course.colab_url(COURSE, notebook) in text, \
            f"{page.name} has no Colab link to {notebook}"
        assert (ROOT / notebook).is_file()


# --- the publishing workflow -------------------------------------------------------------------

def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).split("@")[0] == action]


def test_the_workflow_builds_with_make_book_and_deploys_to_pages():
    wf = workflow()
    assert "main" in wf["on"]["push"]["branches"] and "workflow_dispatch" in wf["on"]
    perms = wf["permissions"]
    assert perms.get("pages") == "write" and perms.get("id-token") == "write", perms
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    runs = [s.get("run", "") for s in build["steps"]]
    assert any(r.strip() == "make book" for r in runs), "the build job does not run `make book`"
    assert steps_using(build, "actions/checkout")
    python = steps_using(build, "actions/setup-python")
    assert python and python[0]["with"]["python-version"] == "3.11"
    upload = steps_using(build, "actions/upload-pages-artifact")
    assert upload and upload[0]["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    deployment = steps_using(deploy, "actions/deploy-pages")
    assert deployment and deployment[0].get("id") == "deployment"
    assert "steps.deployment.outputs.page_url" in deploy["environment"]["url"]
    for job in wf["jobs"].values():
        assert job.get("runs-on") and all("uses" in s or "run" in s for s in job["steps"])
        for step in job["steps"]:
            if "uses" in step:
                assert re.match(r"^[\w.-]+/[\w.-]+@v\d+$", step["uses"]), step["uses"]


# --- clean notebooks: what the Binder and Colab buttons open renders without MyST --------------
RAW_MYST = re.compile(r"\{(?:doc|ref|cite|cite:p|cite:t|eq|numref|term)\}`|^\([\w.:-]+\)=\s*$"
                      r"|^[`:]{3,}\{(?!code-cell)[\w-]+\}|\{\{\s*\w+\s*\}\}", re.M)


def test_raw_myst_finder_finds_raw_myst():
    for raw in ("see {doc}`/book/intro`", "(my-label)=", "```{admonition} Solution",
                "{cite}`cho2014learning`", "{{ clone_block }}"):
        assert RAW_MYST.search(raw), raw
    assert not RAW_MYST.search("[Intro](https://example.org/book/intro.html) (Cho et al., 2014)")


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_twin_markdown_has_no_raw_myst(docname):
    import nbformat

    nb = nbformat.read(ROOT / f"{docname}.ipynb", as_version=4)
    raw = [m.group(0) for cell in nb.cells if cell.cell_type == "markdown"
           for m in RAW_MYST.finditer(cell.source)]
    assert not raw, f"{docname}.ipynb shows raw MyST in JupyterLab/Colab: {raw[:5]}"


def test_a_twin_renders_in_nbconvert_with_links_and_collapsed_solutions():
    """nbconvert (the renderer of JupyterLab's Markdown) turns the how-to-use twin into HTML with
    site links, a collapsed solution and the clone command, and no raw role."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(ROOT / "book" / "00-start" / "how-to-use.ipynb", as_version=4)
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    assert "{doc}" not in html and "{cite}" not in html and "{admonition}" not in html
    assert re.search(r"<details>\s*<summary>Solution</summary>", html), "no collapsed solution"
    assert f'href="{COURSE.site_url}book/exercises/index.html"' in html, "no link to the site"
    text = re.sub(r"<[^>]+>", "", html)  # code is highlighted token by token
    assert f"git clone {COURSE.url}" in text, "the clone command was not expanded"
