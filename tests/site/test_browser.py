"""The built site in a real headless Chromium, offline.

The site (``_build/html``) is served on 127.0.0.1 and every request to any other host is
aborted, so a page that still shows its maths and widgets proves that the self-hosted
JavaScript (vendor/) is enough. For every page of the table of contents: it loads with no
console error outside the allow-list below; its maths is typeset by MathJax with no raw TeX
left; its widgets render; a full-page screenshot is saved to artifacts/screenshots/. The launch
buttons are links in the built HTML: they are read from the files (no browser needed) and must
open .ipynb files that exist in the repository. At 1280 px and at 390 px (a phone) the sidebar
toggle opens and closes the contents, and the phone drawer's links lead to other pages. Every
display equation fits its text column at 1280 px, and at 390 px none is cut off: one too wide for
a phone scrolls sideways (the rule is stated above `test_display_equations_fit_or_scroll`).

Chromium comes from the system (/usr/bin/chromium, `apt-get install chromium`; CI installs it
through tools/system-deps.sh), driven by the Python playwright package without
`playwright install`. Without Chromium the tests skip with the reason, or fail under CI=true.
"""
import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from site_helpers import NOTEBOOK_PAGES, ROOT, TOC_PAGES, course, skip_or_fail

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # requirements/test.txt pins playwright; without it the browser fixture skips
    sync_playwright = None

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

VIEWPORT = {"width": 1280, "height": 900}
NO_COLAB = course.no_colab_patterns(ROOT)
SCREENSHOT_MAX_PX = 12_000

# Console errors that are known and harmless with the pinned versions; anything else fails.
ALLOWED_CONSOLE_ERRORS = {
    # sphinx-thebe 0.3.1 emits its `const THEBE_JS_URL` configuration script twice per page.
    "thebe config declared twice": re.compile(r"Identifier 'THEBE_JS_URL' has already been declared"),
    # html-manager 1.0 typesets widget labels through the MathJax 2 API (MathJax.Hub.Queue);
    # MathJax 3 has no Hub, so label maths stays as text. Only on pages with widgets.
    "widget manager calls MathJax 2 API": re.compile(r"reading 'Queue'"),
    # pydata-sphinx-theme on a browser profile that never stored a light/dark choice.
    "theme mode not stored yet": re.compile(r"Got invalid theme mode: \. Resetting to auto\."),
}
# Raw TeX delimiters that must not survive typesetting in the page's prose.
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{")
# Launch buttons: where the book theme puts the notebook path in each provider's URL.
COLAB_PATH = re.compile(r"^/github/[^/]+/[^/]+/blob/[^/]+/(?P<path>.+)$")

# The article's visible prose, without code, typeset maths and scripts (where "$" is legitimate).
PROSE_JS = """() => {
  const main = document.querySelector('article') || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('pre, code, mjx-container, script, style, .cell_output, .output')
      .forEach(e => e.remove());
  return copy.innerText;
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file handler that does not print a log line per request."""

    def log_message(self, format, *args):
        """Silence the per-request log (pytest would show it for every failing page)."""


@pytest.fixture(scope="module")
def site_url(built_site):
    """Serve the built site on 127.0.0.1 from a background thread; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site_url, tmp_path_factory):
    """A headless Chromium context in which every request off 127.0.0.1 is aborted.

    Yields ``(context, blocked)``: ``blocked`` collects the URLs that were refused.
    """
    if sync_playwright is None:
        skip_or_fail("the playwright package is not installed (pip install -r requirements/test.txt)")
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        skip_or_fail(f"Chromium is not installed ({CHROMIUM}): "
                     "install it with `sudo apt-get install chromium` to run the browser tests")

    blocked = []

    def only_local(route):
        if route.request.url.startswith(site_url + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        context.route("**/*", only_local)
        yield context, blocked
        context.close()


def open_page(context, url):
    """Open ``url``; returns (page, errors, failed): console/page errors and HTTP failures."""
    page = context.new_page()
    errors, failed = [], []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda resp: resp.status >= 400 and failed.append(f"{resp.status} {resp.url}"))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    return page, errors, failed


def wait_for_mathjax(page, blocked):
    """Wait until MathJax has finished its first typesetting pass on ``page``; fail clearly if
    it never loads (``blocked``: the off-site requests refused so far)."""
    try:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=15_000)
    except PlaywrightTimeout:
        pytest.fail(f"MathJax did not load within 15 s; off-site requests blocked: {blocked}")
    page.evaluate("() => MathJax.startup.promise")


def unexpected(errors):
    """The console errors that no entry of ALLOWED_CONSOLE_ERRORS explains."""
    return [e for e in errors if not any(p.search(e) for p in ALLOWED_CONSOLE_ERRORS.values())]


class LinkCollector(html.parser.HTMLParser):
    """Collects the href of every <a> element of an HTML document."""

    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        """Record the href of each anchor."""
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def launch_targets(html_text):
    """Repository paths the page's Binder and Colab buttons open: {"binder": path, "colab": path}."""
    collector = LinkCollector()
    collector.feed(html_text)
    targets = {}
    for href in collector.hrefs:
        url = urlparse(href)
        if url.netloc == "mybinder.org":
            urlpath = parse_qs(url.query).get("urlpath", [""])[0]
            targets["binder"] = urlpath.removeprefix("lab/tree/").removeprefix("tree/")
        elif url.netloc == "colab.research.google.com":
            match = COLAB_PATH.match(url.path)
            targets["colab"] = match["path"] if match else url.path
    return targets


@pytest.mark.parametrize("docname", TOC_PAGES)
def test_page_renders_offline(docname, browser, site_url, artifacts_dir):
    """Loads with no unexpected console error, maths typeset, widgets shown, screenshot saved."""
    context, blocked = browser
    blocked.clear()
    page, errors, failed = open_page(context, f"{site_url}/{docname}.html")
    try:
        n_math = page.locator(".math").count()
        if n_math:
            wait_for_mathjax(page, blocked)
            n_typeset = page.locator("mjx-container").count()
            assert n_typeset >= n_math, f"{n_math} maths elements but {n_typeset} typeset"
            assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
        raw = RAW_TEX.findall(page.evaluate(PROSE_JS))
        assert not raw, f"raw TeX left in the page text: {raw[:5]}"

        n_widgets = page.locator("script[type='application/vnd.jupyter.widget-view+json']").count()
        if n_widgets:
            try:
                page.wait_for_selector(".jupyter-widgets", state="attached", timeout=15_000)
            except PlaywrightTimeout:
                pytest.fail(f"no widget rendered within 15 s; off-site requests blocked: {blocked}")
            shown = page.locator(".jupyter-widgets").count()
            assert shown >= n_widgets, f"{n_widgets} widget views in the page, {shown} rendered"

        shots = artifacts_dir / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        # Full page, cut at SCREENSHOT_MAX_PX: the API reference is tens of thousands of pixels
        # tall and Chromium takes minutes to capture all of it.
        height = min(page.evaluate("document.documentElement.scrollHeight"), SCREENSHOT_MAX_PX)
        page.screenshot(path=str(shots / f"{docname.replace('/', '__')}.png"), full_page=True,
                        clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height})

        assert not failed, f"resources missing from the built site: {failed}"
        assert not blocked, f"the page tried to reach the network (blocked): {blocked}"
        assert not unexpected(errors), f"console errors: {unexpected(errors)}"
    finally:
        page.close()


# The buttons are plain links in the built HTML: checked there, without a browser round trip.
@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_launch_buttons_open_committed_notebooks(docname, built_site):
    """Binder and Colab buttons open this page's .ipynb twin, which exists in the repository."""
    targets = launch_targets((built_site / f"{docname}.html").read_text(encoding="utf-8"))
    expected = f"{docname}.ipynb"
    # Pages whose code reads repository files offer Binder only (_config.yml: course_no_colab).
    providers = ["binder"] + (["colab"] if course.offers_colab(docname, NO_COLAB) else [])
    assert targets == {p: expected for p in providers}, \
        f"launch buttons open {targets}, expected {expected} on {providers}"
    assert (ROOT / expected).is_file(), f"{expected} is not in the repository"


# --- Navigation: the sidebar toggle and the phone drawer ----------------------------------------
# pydata-sphinx-theme 0.17 added a second, hidden `.primary-toggle` to the header and its script
# wired only the first one, so the toggle did nothing (pinned away in requirements/book.txt).
NAV_VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
NAV_PAGE = "book/04-lstm/gates"
SIDEBAR_JS = """() => {
  const s = document.querySelector('.bd-sidebar-primary');
  const r = s.getBoundingClientRect();
  const shown = getComputedStyle(s).visibility !== 'hidden' && r.right > 0 && r.width > 0;
  return {shown: shown, x: Math.round(r.x)};
}"""
COUNT_VISIBLE_JS = "(sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null).length"


def sidebar_shown(page) -> bool:
    """Whether the primary sidebar (the contents) is on screen; waits out its slide animation."""
    page.wait_for_timeout(600)
    return page.evaluate(SIDEBAR_JS)["shown"]


@pytest.mark.parametrize("device", NAV_VIEWPORTS)
def test_navigation_opens_and_closes(device, browser, site_url):
    """One toggle, one search bar; the toggle opens and closes the contents at desktop and phone
    width, and on a phone a link in the drawer takes the reader to another page."""
    context, _ = browser
    page, errors, _ = open_page(context, f"{site_url}/{NAV_PAGE}.html")
    try:
        page.set_viewport_size(NAV_VIEWPORTS[device])
        page.reload(wait_until="load")
        assert page.locator(".primary-toggle").count() == 1, "more than one sidebar toggle"
        assert page.evaluate(COUNT_VISIBLE_JS, ".search-button-field, .search-button__button") == 1, \
            "not exactly one visible search bar"
        toggle = page.locator(".primary-toggle")
        assert toggle.is_visible(), "the sidebar toggle is not visible"
        if device == "desktop":
            assert sidebar_shown(page), "the contents are not shown at 1280 px"
            toggle.click()
            assert not sidebar_shown(page), "the toggle did not hide the contents"
            toggle.click()
            assert sidebar_shown(page), "the toggle did not bring the contents back"
        else:
            assert not sidebar_shown(page), "the contents cover the page at 390 px before a tap"
            toggle.click()
            assert sidebar_shown(page), "the toggle did not open the contents drawer"
            page.keyboard.press("Escape")
            assert not sidebar_shown(page), "Escape did not close the contents drawer"
            toggle.click()
            assert sidebar_shown(page), "the drawer did not open a second time"
            # Another chapter, far from this one: the drawer reaches the whole book.
            link = page.locator(".bd-sidebar-primary a[href$='06-deep-bidirectional/index.html']")
            with page.expect_navigation():
                link.first.click()
            assert page.url.endswith("06-deep-bidirectional/index.html"), \
                f"the drawer's link led to {page.url}"
        assert not unexpected(errors), f"console errors: {unexpected(errors)}"
    finally:
        page.close()


# --- Display equations: none wider than the column, none cut off ----------------------------------
# The rule. At 1280 px every display equation fits its text column (the width of the block that
# holds it: the article, an admonition, a folded solution): a reader sees it whole without
# scrolling. At 390 px (a phone) an equation that cannot fit must still be reachable: its MathJax
# container is no wider than the column and scrolls sideways (overflow-x auto or scroll) over the
# whole equation, so nothing is clipped. Long equations are split into several lines
# (`aligned`, `gathered`) so that most of them fit on a phone too.
#
# Why it needs stating: pydata-sphinx-theme lets a display equation's container scroll inside a
# `div.math` that hides its overflow, and with overlay scrollbars nothing shows that it scrolls,
# so an equation wider than the column looked cut off (the GRU page's first equation ended at
# "+ z ⊙"). The checks below read the geometry of each typeset equation; theme/course.css keeps
# the container scrolling.
EQUATION_VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Folded content (solutions, dropdowns) is opened first: a hidden equation has no width to measure.
OPEN_FOLDED_JS = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('button.toggle-button').forEach(b => {
    const target = document.querySelector(b.dataset.target || '#none');
    if (target) target.classList.remove('toggle-hidden');
  });
}"""
# For every display equation: its TeX source, its natural width (the mjx-math inside), the width
# of its column (div.math, or the container's parent) and of the container, whether the
# container scrolls sideways and how far, and whether the start of the equation is visible.
MEASURE_EQUATIONS_JS = """() => {
  const tex = new Map();
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of MathJax.startup.document.math) tex.set(item.typesetRoot, item.math);
  }
  return [...document.querySelectorAll('mjx-container[display="true"]')].map(c => {
    const math = c.querySelector(':scope > mjx-math') || c.firstElementChild;
    const column = c.closest('div.math') || c.parentElement;
    const box = c.getBoundingClientRect();
    const content = math ? math.getBoundingClientRect() : box;
    const overflowX = getComputedStyle(c).overflowX;
    return {
      tex: (tex.get(c) || '').trim().replace(/\\s+/g, ' ').slice(0, 90),
      natural: content.width,
      column: column.clientWidth,
      container: box.width,
      scrolls: overflowX === 'auto' || overflowX === 'scroll',
      scrollWidth: c.scrollWidth,
      startVisible: content.left >= box.left - 1,
      shown: box.width > 0 && content.width > 0,
    };
  });
}"""


def equation_problems(equations: list[dict], device: str) -> tuple[list[str], int]:
    """The equations that break the rule at ``device`` ("desktop" or "phone"), as messages, and
    how many fit their column. ``equations`` as MEASURE_EQUATIONS_JS returns them."""
    problems, fitting = [], 0
    for number, eq in enumerate(equations, 1):
        where = f"display equation {number} ({eq['tex'] or 'no TeX found'})"
        if not eq["shown"]:
            problems.append(f"{where}: not shown, so not measured")
            continue
        fits = eq["natural"] <= eq["column"] + 0.5
        fitting += fits
        if fits:
            continue
        size = f"{eq['natural']:.0f} px wide in a {eq['column']:.0f} px column"
        if device == "desktop":
            problems.append(f"{where}: {size}")
        elif not eq["scrolls"]:
            problems.append(f"{where}: {size} and its container does not scroll (cut off)")
        elif eq["container"] > eq["column"] + 0.5:
            problems.append(f"{where}: {size}; the container ({eq['container']:.0f} px) is wider "
                            "than the column, so the column cuts it off")
        elif eq["scrollWidth"] < eq["natural"] - 1 or not eq["startVisible"]:
            problems.append(f"{where}: {size}; scrolling reaches only {eq['scrollWidth']} px")
    return problems, fitting


def test_equation_checker_tells_cut_from_scrolling():
    """The rule applied to measured equations: fits, cut off, scrolls, hidden."""
    fitting = {"tex": "a", "natural": 300, "column": 700, "container": 700, "scrolls": True,
               "scrollWidth": 700, "startVisible": True, "shown": True}
    cut = {**fitting, "tex": "b", "natural": 900, "container": 900, "scrolls": True,
           "scrollWidth": 900}
    scrolling = {**fitting, "tex": "c", "natural": 900, "container": 700, "scrollWidth": 900}
    hidden = {**fitting, "tex": "d", "shown": False, "natural": 0, "container": 0}
    assert equation_problems([fitting], "desktop") == ([], 1)
    assert equation_problems([fitting], "phone") == ([], 1)
    for device in EQUATION_VIEWPORTS:
        problems, fit = equation_problems([cut], device)
        assert fit == 0 and len(problems) == 1 and "900 px wide in a 700 px column" in problems[0]
    assert equation_problems([scrolling], "phone") == ([], 0)
    assert equation_problems([scrolling], "desktop")[0] == [
        "display equation 1 (c): 900 px wide in a 700 px column"]
    assert "not shown" in equation_problems([hidden], "phone")[0][0]
    no_scroll = {**scrolling, "scrolls": False}
    assert "does not scroll" in equation_problems([no_scroll], "phone")[0][0]


# A display equation added to a page by the checker's own test: as wide as a long sum.
ADD_EQUATION_JS = r"""(tex) => {
  const div = document.createElement('div');
  div.className = 'math notranslate nohighlight';
  div.textContent = '\\[' + tex + '\\]';
  (document.querySelector('article') || document.body).prepend(div);
  return MathJax.typesetPromise([div]);
}"""
WIDE_TEX = " + ".join(f"a_{{{i}}} b_{{{i}}}" for i in range(1, 41))


def measure_equations(page, url, device, blocked, css=None, add_tex=None):
    """Open ``url`` at ``device``'s size, fold everything open, return MEASURE_EQUATIONS_JS's
    list (None when the page has no maths). ``css``: a style sheet added first; ``add_tex``: a
    display equation typeset at the top of the article first."""
    page.set_viewport_size(EQUATION_VIEWPORTS[device])
    page.goto(url, wait_until="load")
    if page.locator(".math").count() == 0:
        return None
    wait_for_mathjax(page, blocked)
    if add_tex:
        page.evaluate(ADD_EQUATION_JS, add_tex)
    if css:
        page.add_style_tag(content=css)
    page.evaluate(OPEN_FOLDED_JS)
    page.wait_for_timeout(100)
    return page.evaluate(MEASURE_EQUATIONS_JS)


def test_equation_check_catches_a_clipped_equation_in_the_browser(browser, site_url):
    """A real page with a long sum typeset into it: too wide at 1280 px; at 390 px it scrolls
    (no problem) with the site's style, and is reported as cut off once its container is made
    non-scrolling (as a flex item with visible overflow is)."""
    context, blocked = browser
    page = context.new_page()
    url = f"{site_url}/book/04-lstm/backward.html"
    no_scroll = ('div.math mjx-container[display="true"] '
                 "{overflow: visible !important; min-width: auto !important}")
    try:
        def wide_problems(device, css=None):
            equations = measure_equations(page, url, device, blocked, css=css, add_tex=WIDE_TEX)
            return [p for p in equation_problems(equations, device)[0] if "a_{1} b_{1}" in p]

        assert len(wide_problems("desktop")) == 1
        assert wide_problems("phone") == []
        clipped = wide_problems("phone", css=no_scroll)
        assert len(clipped) == 1 and "does not scroll (cut off)" in clipped[0], clipped
    finally:
        page.close()


EQUATION_COUNTS: dict[str, list[int]] = {}


@pytest.fixture(scope="module")
def equation_log(artifacts_dir):
    """Collects (fitting, total) per page and device; writes artifacts/equation_widths.json."""
    yield EQUATION_COUNTS
    if EQUATION_COUNTS:
        totals = {device: [sum(v[0] for k, v in EQUATION_COUNTS.items() if k.endswith(device)),
                           sum(v[1] for k, v in EQUATION_COUNTS.items() if k.endswith(device))]
                  for device in EQUATION_VIEWPORTS}
        (artifacts_dir / "equation_widths.json").write_text(json.dumps(
            {"fitting_of_total": totals, "pages": EQUATION_COUNTS}, indent=1) + "\n",
            encoding="utf-8")
        print(f"\ndisplay equations that fit their column: {totals}")


@pytest.mark.parametrize("device", EQUATION_VIEWPORTS)
@pytest.mark.parametrize("docname", TOC_PAGES)
def test_display_equations_fit_or_scroll(docname, device, browser, site_url, equation_log):
    """The rule: at 1280 px no display equation is wider than its text column (the block that
    holds it); at 390 px an equation that cannot fit is reachable, nothing is clipped: its MathJax
    container is no wider than the column and scrolls sideways (overflow-x auto) with the whole
    equation inside its scrollWidth. Long equations are split over several lines (`aligned`,
    `gathered`) so that most fit on a phone too; artifacts/equation_widths.json counts them."""
    context, blocked = browser
    page = context.new_page()
    try:
        equations = measure_equations(page, f"{site_url}/{docname}.html", device, blocked)
        if equations is None:
            return
        problems, fitting = equation_problems(equations, device)
        if equations:
            equation_log[f"{docname} {device}"] = [fitting, len(equations), [
                f"{eq['natural']:.0f}/{eq['column']:.0f} px: {eq['tex']}" for eq in equations
                if eq["natural"] > eq["column"] + 0.5]]
        width = EQUATION_VIEWPORTS[device]["width"]
        assert not problems, (f"{docname} at {width} px:\n" + "\n".join(problems))
    finally:
        page.close()
