"""The built site in a real browser: Playwright driving Chromium against 127.0.0.1.

Chromium comes from the machine (harness/browsers.py: Debian's
`chromium-headless-shell`, which .ci/run installs there, another Chrome or
Chromium, or $CHROMIUM): test tools cannot download browsers here. Screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import axe_playwright_python
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from harness.browsers import find_chrome, give_chromium_this_priority, started_in_other_sessions
from harness.inventory import nav_pages
from harness.programs import discover
from harness.running import ROOT
from harness.sample import parse_sample
from harness.timeline import load, timeline_path
from harness.weights import LIMIT, PAGE_WEIGHTS

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Off, because this machine's network is closed and a headless check needs none of it.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    found = find_chrome()
    if found:
        return found
    pytest.fail(
        "no Chrome or Chromium found: install Debian's chromium-headless-shell (`apt-get install "
        "chromium-headless-shell`; .ci/run does it on Debian), chromium or Google Chrome, "
        "or set CHROMIUM=/path/to/chrome",
        pytrace=False,
    )


class _PagesHandler(SimpleHTTPRequestHandler):
    """Serves the site below a folder and answers a missing page with 404.html, as GitHub Pages does."""

    def __init__(self, *args: Any, folder: str, **kwargs: Any) -> None:
        self.folder = folder
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = urlsplit(self.path).path
        if path.startswith(self.folder):
            self.path = "/" + self.path.removeprefix(self.folder)
            if Path(self.translate_path(self.path)).exists():
                super().do_GET()
                return
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def served(site: Path, site_path: str) -> Iterator[str]:
    """The site in ``site`` on a local port, below ``site_path`` as GitHub Pages serves it: its base URL."""
    handler = functools.partial(_PagesHandler, directory=str(site), folder=site_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{site_path}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def base_url(built_site: Path, site_path: str) -> Iterator[str]:
    with served(built_site, site_path) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        give_chromium_this_priority()  # dev.py's lower one: an `exclusive untimed` run may go beside it
        yield launched
        launched.close()


def other_sessions_autogroups() -> list[str]:
    """The autogroup line of each process this one started that is in another session (Chromium's)."""
    lines = []
    for _, pid in started_in_other_sessions():
        with contextlib.suppress(OSError):  # it ended meanwhile
            lines.append(Path(f"/proc/{pid}/autogroup").read_text().strip())
    return lines


# Launched at nice 10, as dev.py starts the browser tests: the autogroups of Chromium's session
# before give_chromium_this_priority, and after it once a page has started a renderer.
LOWERED_CHROMIUM = """
import os, sys
from playwright.sync_api import sync_playwright
from harness.browsers import give_chromium_this_priority
from test_browser import other_sessions_autogroups
os.nice(10 - os.nice(0))  # nice 10, whatever this process inherited (the browser tests' own is 10)
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=sys.argv[1], args=sys.argv[2:])
    print("\\n".join(f"before: {line}" for line in other_sessions_autogroups()))
    give_chromium_this_priority()
    browser.new_page().set_content("<p>a renderer</p>")
    print("\\n".join(other_sessions_autogroups()))
    browser.close()
"""
needs_autogroups = pytest.mark.skipif(
    not Path("/proc/self/autogroup").exists(),
    reason="no autogroups here (not Linux, or a kernel without them): Chromium keeps the nice it inherits",
)


@needs_autogroups
def test_chromium_gets_back_the_lower_priority_of_the_process_that_started_it() -> None:
    """Playwright starts Chromium in a session of its own, whose autogroup is at nice 0 whatever the nice of the
    process that started it: give_chromium_this_priority sets it to that nice, for the processes Chromium starts
    later too."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    command = [sys.executable, "-c", LOWERED_CHROMIUM, chromium_path(), *CHROMIUM_FLAGS]
    printed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    before = [line for line in printed.stdout.splitlines() if line.startswith("before:")]
    after = [line for line in printed.stdout.splitlines() if not line.startswith("before:")]
    assert before and all(line.endswith("nice 0") for line in before), printed.stdout
    assert len(after) > len(before), f"the page started no process:\n{printed.stdout}"
    assert all(line.endswith("nice 10") for line in after), printed.stdout


@needs_autogroups
def test_the_browser_the_tests_use_runs_at_their_priority(browser: Browser) -> None:
    """The browser fixture calls give_chromium_this_priority: at nice 10 under dev.py, 0 under a plain pytest."""
    page = browser.new_page()
    page.set_content("<p>a renderer</p>")
    found = other_sessions_autogroups()
    page.close()
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    assert found and all(line.endswith(f"nice {nice}") for line in found), found


def pages_of(built_site: Path) -> list[str]:
    """Every page of the site, as a path below the base URL ('' for the home page)."""
    folders = sorted(page.relative_to(built_site).parent.as_posix() for page in built_site.rglob("index.html"))
    return ["" if folder == "." else folder + "/" for folder in folders]


class Watched:
    """A page whose console errors, failed loads, external requests and loaded files are recorded."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.external: list[str] = []
        self.loaded: list[str] = []  # every file of the site the page loaded, as a path below base_url
        host, folder = urlsplit(base_url).netloc, urlsplit(base_url).path

        def route(route: object) -> None:
            request = route.request  # type: ignore[attr-defined]
            if urlsplit(request.url).netloc not in (host, ""):
                self.external.append(request.url)
                route.abort()  # type: ignore[attr-defined]
            else:
                route.continue_()  # type: ignore[attr-defined]

        def loaded(request: object) -> None:
            url = urlsplit(request.url)  # type: ignore[attr-defined]
            if url.netloc == host:
                self.loaded.append(url.path.removeprefix(folder) if url.path.startswith(folder) else "(outside)")

        page.route("**/*", route)
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("requestfailed", lambda request: self.errors.append(f"failed to load {request.url}"))
        page.on("requestfinished", loaded)


ICON = "document.querySelector('link[rel~=icon]')?.href ?? ''"  # the page's icon, as an absolute URL


def transferred(loaded: list[str], built_site: Path, icon: str | None) -> tuple[int, int]:
    """Bytes of the files a page loaded, but the search index and the page's icon ``icon`` (a path below the base
    URL; None if it has none): gzip-compressed (as GitHub Pages sends them), raw.

    Read from the built files, as the test server maps the paths, not from the responses: Chromium
    keeps no body for some intercepted responses, and two checks of one build, reading bodies,
    weighed the home page at 11 and 88 KB. Not the icon (the favicon, 1.8 KB), because Chrome and
    Chromium fetch it and chromium-headless-shell does not (browsers.py): each page weighs the
    same in both.
    """
    gzipped = raw = 0
    for path in loaded:
        if path.endswith("search_index.json") or path == icon:
            continue
        file = built_site / path / "index.html" if path == "" or path.endswith("/") else built_site / path
        body = (file if file.is_file() else built_site / "404.html").read_bytes()  # what _PagesHandler sends
        raw += len(body)
        gzipped += len(gzip.compress(body, compresslevel=6))
    return gzipped, raw


AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")  # axe-core, as the pinned package ships it
# Violations that come from the theme's own markup, not from this site's pages or CSS, each with why it stays.
THEME_ONLY = {
    ("aria-dialog-name", ".md-search"): "Material's search dialog (partials/search.html) has no accessible name; "
    "fixing it means copying the theme's whole template",
    ("landmark-unique", ".md-code__nav"): "Material's JavaScript adds an unnamed <nav> toolbar (the copy button) to "
    "each code block; no page markup or CSS can name it",
}
# Every (text colour, background) pair inside code blocks, labels before output lines included, with
# semi-transparent colours laid over what is behind them: axe's own contrast rule takes seconds per page
# on thousands of code spans, and this finds the same colours in milliseconds.
CODE_COLOURS = """() => {
  const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number).concat([1]).slice(0, 4);
  const over = (top, below) => top.slice(0, 3).map((c, i) => c * top[3] + below[i] * (1 - top[3])).concat([1]);
  const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] === 1) break;
    }
    return layers.reduceRight((below, top) => over(top, below), [255, 255, 255, 1]);
  };
  const pairs = new Map();
  for (const element of document.querySelectorAll(".highlight pre code, .highlight pre code *")) {
    const behind = background(element);
    const texts = [...element.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim());
    const label = getComputedStyle(element, "::before").content;
    const labelled = label && label.startsWith('"');
    const styles = [[texts, getComputedStyle(element)], [labelled, getComputedStyle(element, "::before")]];
    for (const [shown, style] of styles) {
      if (!shown) continue;
      const colour = over(rgba(style.color), behind);
      pairs.set(colour.join() + "|" + behind.join(), [colour, behind, element.className || element.tagName]);
    }
  }
  return [...pairs.values()];
}"""


def contrast(first: list[float], second: list[float]) -> float:
    """WCAG 2 contrast ratio of two opaque sRGB colours given as 0-255 channels."""

    def luminance(colour: list[float]) -> float:
        linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour[:3]]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass
class Visit:
    """One page, loaded once by a first-time reader, and what every page-wide check found on it."""

    weight: tuple[int, int]  # bytes transferred, gzip-compressed and raw
    loaded: list[str]  # the site's files it loaded, below the base URL
    problems: list[str]  # console errors, requests to another host
    accessibility: list[str]  # light scheme: what axe-core found, and code colours under 4.5:1
    dark_accessibility: list[str]  # the same page switched to the dark scheme: the colour rules alone
    sideways: list[str]  # at 1280 px: blocks that scroll sideways or hide text under their copy button

    def clean(self) -> bool:
        found = self.problems or self.accessibility or self.dark_accessibility or self.sideways
        return not found and self.weight[0] <= LIMIT


# The rules whose outcome depends on the colour scheme: the dark pass runs only these.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
# Material's palette toggle, as a reader clicks it (mkdocs.yml: the light palette's toggle names the dark one).
TO_DARK = 'label[title="Switch to dark mode"]'
# Material fades colours over 0.25 s when the scheme changes; axe must read the final ones.
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"


def accessibility_problems(page: Page, where: str, only: list[str] | None = None) -> list[str]:
    if page.evaluate("typeof axe === 'undefined'"):  # the dark pass runs on the page the light one injected it in
        page.evaluate(AXE.read_text(encoding="utf-8"))
    # A run of some rules skips axe's preload of every stylesheet: the colour rules read computed styles alone.
    options = {"resultTypes": ["violations"], **({"runOnly": only, "preload": False} if only else {})}
    results = page.evaluate("options => axe.run({exclude: [['.highlight pre']]}, options)", options)
    found = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            if any(rule == violation["id"] and part in target for rule, part in THEME_ONLY):
                continue
            summary = node.get("failureSummary", "").replace("\n", " ")[:300]
            found.append(f"{where}: {violation['id']} at {target}: {summary}")
    for colour, behind, element in page.evaluate(CODE_COLOURS):
        ratio = contrast(colour, behind)
        if ratio < 4.5:
            found.append(f"{where}: code text {element!r} at {ratio:.2f}:1 ({colour} on {behind})")
    return found


# What a page's visit depends on besides its own HTML: the files the theme and the pages load.
PAGE_ASSETS = {".css", ".js", ".svg", ".png", ".ico", ".woff", ".woff2", ".webmanifest"}
KEPT_VISITS = "snippets/page-visits"  # pytest's cache: clean visits by page content, for the next check


def page_keys(built_site: Path, browser: str) -> dict[str, str]:
    """For each page (as pages_of names it), a digest of everything its visit depends on.

    Its HTML, every asset of the site (stylesheets, scripts, images: a changed stylesheet changes
    every page's contrast), this test file with the axe-core it runs, and ``browser``, the browser
    that visits it (its path and version: installing chromium-headless-shell changes it).
    """
    shared = hashlib.sha256(Path(__file__).read_bytes() + AXE.read_bytes() + browser.encode())
    for path in sorted(built_site.rglob("*")):
        if path.suffix in PAGE_ASSETS:
            shared.update(path.relative_to(built_site).as_posix().encode() + b"\0" + path.read_bytes())
    keys = {}
    for path in pages_of(built_site):
        digest = shared.copy()
        digest.update((built_site / path / "index.html").read_bytes())
        keys[path or "/"] = digest.hexdigest()
    return keys


def visit_page(browser: Browser, base_url: str, built_site: Path, path: str) -> Visit:
    """Load one page in a fresh context (nothing cached) at 1280 px, light, and run every page-wide check on it.

    The light scheme gets every axe rule. Then the reader's toggle switches the page to the dark
    scheme in place, and only the rules whose outcome depends on colours run again: the page's
    structure, names and landmarks are the same in both. The block widths are measured after
    those, as they open every folded excerpt. Console errors and requests to other hosts are read
    last: those the page makes after loading count, and so do those the checks cause.
    """
    where = path or "/"
    context = browser.new_context(color_scheme="light", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watched = Watched(page, base_url)
    page.goto(base_url + path, wait_until="load")  # the theme's scripts have run; the search index may still load
    light = accessibility_problems(page, f"{where} (light)")
    page.add_style_tag(content=NO_TRANSITIONS)
    page.locator(TO_DARK).click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    dark = accessibility_problems(page, f"{where} (dark)", COLOUR_RULES)
    sideways = [f"{where}: {problem}" for problem in page.evaluate(SIDEWAYS_BLOCKS)]
    # Not at load, where goto's networkidle idled 0.5 s on every page. The state fires once, when the
    # network first stays quiet for 0.5 s: by now usually long ago (axe takes longer), so this returns
    # at once. A request made later counts too: the route records it as it intercepts it.
    page.wait_for_load_state("networkidle")
    problems = [f"{where}: console error: {error}" for error in watched.errors]
    problems += [f"{where}: request to another host: {url}" for url in watched.external]
    icon_url = page.evaluate(ICON)
    icon = urlsplit(icon_url).path.removeprefix(urlsplit(base_url).path) if icon_url else None
    context.close()
    return Visit(transferred(watched.loaded, built_site, icon), watched.loaded, problems, light, dark, sideways)


@pytest.fixture(scope="module")
def visits(browser: Browser, base_url: str, built_site: Path, request: pytest.FixtureRequest) -> dict[str, Visit]:
    """Every page, each visited once (visit_page).

    A page whose visit found nothing, and whose content (page_keys) is the same as then, is not
    visited again, unless the check is --fresh: a full check visits every page.
    """
    cache = getattr(request.config, "cache", None)
    fresh = request.config.getoption("--fresh") or cache is None
    kept: dict[str, dict[str, Any]] = {} if fresh or cache is None else cache.get(KEPT_VISITS, {})
    keys = page_keys(built_site, f"{chromium_path()} {browser.version}")
    done = {}
    for path in pages_of(built_site):
        earlier = kept.get(keys[path or "/"])
        if earlier is not None:
            done[path or "/"] = Visit(**{**earlier, "weight": tuple(earlier["weight"])})
        else:
            done[path or "/"] = visit_page(browser, base_url, built_site, path)
    if cache is not None:
        clean = {keys[path]: dataclasses.asdict(visit) for path, visit in done.items() if visit.clean()}
        everything = {**cache.get(KEPT_VISITS, {}), **clean}
        cache.set(KEPT_VISITS, {key: kept for key, kept in everything.items() if key in keys.values()})
    return done


def test_every_page_loads_cleanly_offline_and_light(visits: dict[str, Visit], request: pytest.FixtureRequest) -> None:
    problems = [problem for visit in visits.values() for problem in visit.problems]
    problems += [
        f"{path}: {visit.weight[0]} bytes transferred, over the {LIMIT} limit"
        for path, visit in visits.items()
        if visit.weight[0] > LIMIT
    ]
    # The weight counts each page's HTML and the theme's stylesheet and script, whatever else it loads.
    for path, visit in visits.items():
        files = "\n".join(visit.loaded)
        counted = {
            "the page": path.removeprefix("/") in visit.loaded,  # "/" is the home page: "" below the base URL
            "the theme's stylesheet": re.search(r"^assets/stylesheets/main\.\w+\.min\.css$", files, re.M),
            "the theme's script": re.search(r"^assets/javascripts/bundle\.\w+\.min\.js$", files, re.M),
        }
        problems += [f"{path}: the weight does not count {what}" for what, found in counted.items() if not found]
    request.config.stash[PAGE_WEIGHTS] = {path: visit.weight for path, visit in visits.items()}
    assert len(visits) >= 4, "too few pages found"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_the_site_causes(visits: dict[str, Visit], scheme: str) -> None:
    """axe-core on every page (contrast, link styles, names, landmarks); every colour in code at 4.5:1 or more."""
    found = [
        problem
        for visit in visits.values()
        for problem in (visit.accessibility if scheme == "light" else visit.dark_accessibility)
    ]
    assert not found, f"{len(found)} accessibility problems:\n" + "\n".join(sorted(set(found))[:40])


def test_the_accessibility_check_reports_faint_text_in_and_out_of_code(browser: Browser) -> None:
    """The check the visits run finds what it is for: faint text in a paragraph (axe) and in code (CODE_COLOURS)."""
    page = browser.new_page()
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Faint</title></head><body><main><h1>Faint</h1>'
        '<p style="color: #bbb">faint running text</p>'
        '<div class="highlight"><pre><code><span style="color: #ccc">faint_code</span> = 1</code></pre></div>'
        "</main></body></html>"
    )
    for only in (None, COLOUR_RULES):  # every rule (the light scheme), the colour rules alone (the dark one)
        found = accessibility_problems(page, "planted", only)
        assert any(problem.startswith("planted: color-contrast at p") for problem in found), found
        assert any(problem.startswith("planted: code text 'SPAN' at 1.6") for problem in found), found
        assert len(found) == 2, found
    page.close()


def test_a_visit_reports_a_request_elsewhere_and_an_error_made_after_the_page_loaded(
    browser: Browser, built_site: Path, site_path: str, tmp_path: Path
) -> None:
    """A visit reads them after its checks, not at load: what the page does once loaded counts."""
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    page = site / "guides" / "pipes" / "index.html"
    late = (
        '<script>addEventListener("load", () => setTimeout(() => {'
        ' fetch("https://elsewhere.invalid/late"); console.error("late"); }, 300))</script>'
    )
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", late + "</body>"), encoding="utf-8")
    with served(site, site_path) as url:
        visit = visit_page(browser, url, site, "guides/pipes/")
    assert "guides/pipes/: request to another host: https://elsewhere.invalid/late" in visit.problems, visit.problems
    assert "guides/pipes/: console error: late" in visit.problems, visit.problems


# Click the copy button of the block titled with the argument.
COPY_BY_TITLE = """title => [...document.querySelectorAll(".highlight span.filename")]
    .find(span => span.textContent === title)
    .closest(".highlight").querySelector('button.md-code__button[data-md-type="copy"]').click()"""


def test_the_copy_button_copies_exactly_each_program(browser: Browser, base_url: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    programs = {program.relative: program for program in discover()}
    checked = 0
    for guide in nav_pages():
        page.goto(base_url + guide, wait_until="load")
        titles = page.eval_on_selector_all(".highlight span.filename", "spans => spans.map(s => s.textContent)")
        for title in titles:
            program = programs.get(title)
            if program is None:
                continue
            # The button's own click handler, without scrolling to each of ninety buttons first (a third of
            # this test's time): test_copying_a_wrapped_output_gives_the_output_exactly clicks as a reader does.
            page.evaluate(COPY_BY_TITLE, title)
            copied = page.evaluate("navigator.clipboard.readText()")
            assert copied == program.path.read_text(encoding="utf-8").rstrip("\n"), f"copy of {program.relative}"
            checked += 1
    context.close()
    assert checked == len(programs), f"copied {checked} of {len(programs)} programs"


def test_the_download_link_serves_the_program_file(browser: Browser, base_url: str) -> None:
    page = browser.new_page()
    page.goto(base_url + "guides/first-queue/", wait_until="networkidle")
    link = page.locator(".program-footer a[download]").first
    href = link.get_attribute("href")
    assert href is not None
    response = page.request.get(page.url + href)
    name = href.rsplit("/", 1)[-1]
    program = next(program for program in discover() if program.path.name == name)
    assert response.ok and response.body() == program.path.read_bytes()
    page.close()


@pytest.fixture(scope="module")
def search_page(browser: Browser, base_url: str) -> Iterator[tuple[Page, Watched]]:
    """The home page, loaded once for every search test: each search starts from an empty box (type_search)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watched = Watched(page, base_url)
    page.goto(base_url, wait_until="networkidle")
    yield page, watched
    page.close()


def type_search(page: Page, term: str) -> None:
    """Type ``term`` into an emptied search box, as a reader does.

    The box is emptied first and the results seen gone, so that the previous search's
    results cannot answer for this one.
    """
    search = page.locator("input.md-search__input")
    search.click()
    search.fill("")
    page.wait_for_function("!document.querySelector('.md-search-result__item')", timeout=10_000)
    search.fill(term[:-1])
    search.press_sequentially(term[-1])  # the search box reacts to a key press, as when a reader types


@pytest.mark.parametrize(
    ("term", "expected_pages"),
    [
        ("get_nowait", ("guides/first-queue/",)),
        ("SEM_VALUE_MAX", ("guides/first-queue/",)),
        ("busy-waiting", ("guides/stopping-consumers/",)),
        ("task_done", ("guides/joinable-queue/",)),
        ("join_thread", ("reference/recipes/", "guides/closing/")),
        ("cancel_join_thread", ("reference/recipes/", "guides/closing/")),
        ("task_done() called too many times", ("guides/joinable-queue/", "troubleshooting/")),
        # The pages that explain the error: the guide that shows it raised (other-queues.md, queue_to_pool.py),
        # and the troubleshooting page that links there.
        (
            "Queue objects should only be shared between processes through inheritance",
            ("guides/other-queues/", "troubleshooting/"),
        ),
    ],
)
def test_search_finds_api_names_offline(
    search_page: tuple[Page, Watched], term: str, expected_pages: tuple[str, ...]
) -> None:
    page, watched = search_page
    type_search(page, term)
    found_it = (
        "[...document.querySelectorAll('.md-search-result__item a')]"
        f".some(a => {list(expected_pages)!r}.some(page => a.href.includes(page)))"
    )
    try:
        page.wait_for_function(found_it, timeout=10_000)
    except PlaywrightTimeout:
        hrefs = page.locator(".md-search-result__item a").evaluate_all("links => links.map(a => a.href)")
        pytest.fail(f"searching {term!r} did not find {expected_pages}; results: {hrefs[:10]}")
    assert not watched.external and not watched.errors


# What readers type, and the pages that answer it: one of them among the first three results.
READERS_WORDS = {
    "poison pill": ("guides/stopping-consumers/",),
    "sentinel": ("guides/stopping-consumers/",),
    "stop workers": ("guides/stopping-consumers/",),
    "shutdown": ("guides/many-to-many/", "guides/ctrl-c/", "guides/stopping-consumers/"),
    "worker died": ("guides/killed-workers/",),
}


def missed_among_the_first_three(page: Page, expectations: dict[str, tuple[str, ...]]) -> list[str]:
    """Type each search into the box, as a reader would; say which did not bring one of its pages up in the top 3."""
    missed = []
    for term, expected_pages in expectations.items():
        type_search(page, term)
        first_three = "[...document.querySelectorAll('.md-search-result__item > a')].slice(0, 3)"
        top = f"{first_three}.some(a => {list(expected_pages)!r}.some(page => a.href.includes(page)))"
        try:
            page.wait_for_function(top, timeout=10_000)
        except PlaywrightTimeout:
            hrefs = page.locator(".md-search-result__item > a").evaluate_all("links => links.map(a => a.href)")
            missed.append(f"{term!r}: none of {expected_pages} among the first three of {hrefs[:5]}")
    return missed


def test_search_finds_readers_words_among_the_first_results(search_page: tuple[Page, Watched]) -> None:
    missed = missed_among_the_first_three(search_page[0], READERS_WORDS)
    assert not missed, "\n".join(missed)


# Each shaded line whose right end lies beyond its code block's visible width: cut off on screen.
CUT_SHADED_LINES = """() => [...document.querySelectorAll(".highlight code .hll")].filter(line => {
    const code = line.closest("code");
    return line.getClientRects().length && [...line.getClientRects()].some(
        rect => rect.right > code.getBoundingClientRect().right + 1);
}).map(line => line.closest(".highlight").querySelector(".filename").textContent + ": " + line.textContent.trim())"""

# Each block wider than its visible width at this screen size (every folded line shown), or whose first
# line runs under its copy button.
SIDEWAYS_BLOCKS = r"""() => {
    const toggles = document.querySelectorAll("details.excerpt-toggle, details.stderr-folded");
    toggles.forEach(toggle => { toggle.open = true; });
    const found = [];
    for (const block of document.querySelectorAll(".highlight")) {
        const title = block.querySelector(".filename");
        const code = block.querySelector("code");
        if (!title || !code) continue;
        if (code.scrollWidth > code.clientWidth) found.push(`${title.textContent}: scrolls sideways`);
        const button = block.querySelector('button[data-md-type="copy"]');
        const first = code.querySelector(".out-line") || null;
        if (button && first) {  // an output's first line must end before the copy button starts
            const text = document.createRange();
            text.selectNodeContents(first);
            const right = Math.max(...[...text.getClientRects()].map(rect => rect.right));
            const top = first.getBoundingClientRect().top;
            const shown = button.getBoundingClientRect();
            if (right > shown.left + 1 && top < shown.bottom) {
                found.push(`${title.textContent}: text under the copy button`);
            }
        }
    }
    return found;
}"""


def test_no_block_scrolls_sideways_or_hides_text_under_its_copy_button_at_1280_px(visits: dict[str, Visit]) -> None:
    """Programs are reflowed to the 80 columns a block shows (snippets/ruff.toml makes ruff enforce 79); outputs
    and stderr wrap, each line under its own start, clear of the copy button."""
    wide = [problem for visit in visits.values() for problem in visit.sideways]
    assert not wide, "blocks that scroll sideways at 1280 px, or hide text:\n" + "\n".join(wide)


def test_copying_a_wrapped_output_gives_the_output_exactly(browser: Browser, base_url: str) -> None:
    """Each output line is its own inline-block, so that it wraps under itself: copying adds no line break."""
    context = browser.new_context(
        permissions=["clipboard-read", "clipboard-write"], viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(base_url + "guides/ray/", wait_until="load")
    program = next(program for program in discover() if program.name == "ray_tasks/tasks_and_queue")
    block = page.locator(
        ".highlight.program-output",
        has=page.locator('span.filename:text-is("python -m snippets.ray_tasks.tasks_and_queue")'),
    ).first
    block.locator('button.md-code__button[data-md-type="copy"]').click()
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()
    assert copied == "\n".join(parse_sample(program.sample_path).output)


def test_a_phone_sized_screen_never_scrolls_sideways(browser: Browser, base_url: str, built_site: Path) -> None:
    """Nor does any shaded program line run off a 390 px screen: code wraps there."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    wide = []
    for path in pages_of(built_site):
        page.goto(base_url + path, wait_until="load")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide.append(f"{path or '/'}: {overflow} px wider than the screen")
        wide += [f"{path or '/'}: shaded line cut off: {line}" for line in page.evaluate(CUT_SHADED_LINES)]
        if path in ("", "guides/first-queue/"):  # a guide's are saved in both schemes by the test above
            page.screenshot(path=str(SCREENSHOTS / ((path.strip("/").replace("/", "-") or "home") + "-phone.png")))
    context.close()
    desktop = browser.new_page(viewport={"width": 1280, "height": 900})
    for path in ("", "guides/first-queue/"):
        desktop.goto(base_url + path, wait_until="networkidle")
        desktop.screenshot(path=str(SCREENSHOTS / ((path.strip("/").replace("/", "-") or "home") + "-desktop.png")))
    desktop.close()
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize(("scheme", "width"), [("light", 1440), ("dark", 1440), ("light", 390), ("dark", 390)])
def test_each_output_line_shows_its_process_in_the_browser(
    browser: Browser, base_url: str, scheme: str, width: int
) -> None:
    """The label before each line is drawn (CSS content from data-stream), in the process's colour, in both
    schemes; a screenshot of the output block is saved as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.goto(base_url + "guides/stopping-consumers/", wait_until="load")
    block = page.locator(".labelled-output", has_text="one_stop_value_per_consumer")
    drawn = block.locator(".out-line").evaluate_all(
        """lines => lines.map(line => [line.dataset.stream, getComputedStyle(line, "::before").content,
                                       getComputedStyle(line, "::before").color])"""
    )
    assert len(drawn) > 20
    assert all(content == f'"{stream}"' for stream, content, _ in drawn), drawn[:3]
    colours = {stream: colour for stream, _, colour in drawn}
    assert len(set(colours.values())) == len(colours) == 6, colours  # 3 producers, 2 consumers, main
    assert block.locator(".varies").first.get_attribute("title") == "differs between runs"
    block.scroll_into_view_if_needed()
    block.screenshot(path=str(SCREENSHOTS / f"stopping-consumers-output-{width}-{scheme}.png"))
    page.screenshot(path=str(SCREENSHOTS / f"stopping-consumers-{width}-{scheme}.png"), full_page=False)
    context.close()


def test_the_ctrl_c_page_shows_what_the_workers_wrote_to_stderr(browser: Browser, base_url: str) -> None:
    """The stderr block is visible below the output, titled and ruled, its traceback frames in italics."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + "guides/ctrl-c/", wait_until="load")
    block = page.locator(".stderr-output").first
    block.scroll_into_view_if_needed()
    assert block.is_visible()
    assert block.locator(".filename").inner_text() == "stderr"
    code = block.locator("code").inner_text()
    assert code.count("KeyboardInterrupt") == 2 and "Process Process-1:" in code, code
    assert float(block.evaluate("element => parseFloat(getComputedStyle(element).borderLeftWidth)")) > 0
    frames = block.locator(".not-compared").evaluate_all("lines => lines.map(l => getComputedStyle(l).fontStyle)")
    assert frames and set(frames) == {"italic"}, frames
    block.screenshot(path=str(SCREENSHOTS / "ctrl-c-stderr.png"))
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_timeline_shows_each_process_of_a_recorded_run(browser: Browser, base_url: str, scheme: str) -> None:
    """Drawn at build time as inline SVG: no script, no request; its colours follow the scheme."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    recorded = load(timeline_path(ROOT / "snippets" / "stopping_consumers" / "one_stop_value_per_consumer.py"))
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "guides/stopping-consumers/", wait_until="load")
    title = page.locator("#timeline-stopping-consumers-one-stop-value-per-consumer-title")
    figure = page.locator("details.timeline-figure", has=title)
    svg = figure.locator("svg.timeline")
    assert not svg.is_visible()  # folded until the reader asks
    figure.locator("summary").click()
    assert svg.is_visible()
    labels = svg.locator(".lane-label").all_text_contents()  # SVG text has no innerText
    assert len(labels) == len(recorded.processes) == 6 and labels[0] == "main", labels
    assert sorted(labels[1:]) == ["consumer 0", "consumer 1", "producer 0", "producer 1", "producer 2"]
    dots = svg.locator("circle.printed").count()
    assert dots == sum(len(process.lines) for process in recorded.processes)
    fills = set(
        svg.locator(".lane-label").evaluate_all(
            "labels => labels.map(l => getComputedStyle(l).getPropertyValue('fill'))"
        )
    )
    assert len(fills) == 6, fills  # one colour per process, as in the output block
    assert svg.get_attribute("role") == "img" and "started at 0 ms" in svg.locator("desc").inner_html()
    figure.screenshot(path=str(SCREENSHOTS / f"stopping-consumers-timeline-{scheme}.png"))
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_benchmark_charts_render_in_the_page_s_scheme_with_no_request_elsewhere(
    browser: Browser, base_url: str, scheme: str
) -> None:
    """Drawn at build time: inline SVG that loads nothing, its lines and text in the scheme's colours."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watched = Watched(page, base_url)
    page.goto(base_url + "guides/costs/", wait_until="networkidle")
    charts = page.locator("figure.benchmark-figure svg.benchmark-chart")
    assert charts.count() >= 2
    first = charts.first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    assert box is not None and box["width"] > 500 and box["height"] > 250, box
    colours = set(
        first.locator("path").evaluate_all(
            "paths => paths.map(p => getComputedStyle(p).getPropertyValue('stroke')).filter(c => c && c !== 'none')"
        )
    )
    assert len(colours) >= 7, colours  # six tools in colour, and the limits in the text colour
    text = first.locator("text").first.evaluate("t => getComputedStyle(t).getPropertyValue('fill')")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert text != background
    assert first.get_attribute("role") == "img" and "against item size" in first.locator("title").inner_html()
    assert not watched.external and not watched.errors, (watched.external, watched.errors)
    page.locator("figure.benchmark-figure").first.screenshot(path=str(SCREENSHOTS / f"costs-chart-{scheme}.png"))
    context.close()


def test_content_tabs_switch(browser: Browser, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url, wait_until="networkidle")
    windows = page.locator(".tabbed-set code", has_text="py -m snippets.first_queue.single_process")
    linux = page.locator(".tabbed-set code", has_text="python3 -m snippets.first_queue.single_process")
    assert linux.is_visible() and not windows.is_visible()
    page.locator(".tabbed-labels label", has_text="Windows").click()
    assert windows.is_visible() and not linux.is_visible()
    page.close()


def test_a_missing_page_gets_the_styled_404_page_that_links_back(browser: Browser, base_url: str) -> None:
    """GitHub Pages answers every missing address below the site's folder with 404.html."""
    page = browser.new_page()
    watched = Watched(page, base_url)
    missing = base_url + "guides/no-such-guide/"
    failed: list[str] = []
    page.on("response", lambda answer: answer.status >= 400 and answer.url != missing and failed.append(answer.url))
    response = page.goto(missing, wait_until="networkidle")
    assert response is not None and response.status == 404
    assert not failed, f"the 404 page could not load {failed}"  # its stylesheets and scripts
    document_404 = "Failed to load resource: the server responded with a status of 404 (Not Found)"
    assert watched.errors == [document_404], watched.errors  # Chromium's console line for the page itself
    header = page.locator("header.md-header")
    assert header.evaluate("element => getComputedStyle(element).position") == "sticky", "the theme's CSS is missing"
    assert page.locator("article a", has_text="Where to start").count() == 1, "the 404 page shows no way to start"
    assert page.locator("article a", has_text="Questions and answers").count() == 1
    page.locator("a.md-header__button.md-logo").click()
    page.wait_for_load_state("networkidle")
    assert page.url == base_url
    assert "Python multiprocessing queues, verified" in page.title()
    page.close()


def test_a_page_s_weight_counts_what_it_loaded_but_the_search_index_and_its_icon(tmp_path: Path) -> None:
    files = {"index.html": "<p>home</p>", "assets/main.css": "p {}", "assets/images/favicon.png": "icon"}
    files["search/search_index.json"] = "{}"
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    loaded = ["", "assets/main.css", "assets/images/favicon.png", "search/search_index.json"]
    assert transferred(loaded, tmp_path, "assets/images/favicon.png")[1] == len("<p>home</p>p {}")
    assert transferred(loaded, tmp_path, None)[1] == len("<p>home</p>p {}icon")  # a page without an icon


def test_a_page_is_visited_again_when_it_what_every_page_loads_or_the_browser_changes(tmp_path: Path) -> None:
    """Clean visits are kept by content (page_keys) for checks that reuse runs; a change anywhere a page
    depends on gives it a new key, so it is visited again."""
    for page in ("index.html", "guides/a/index.html", "guides/b/index.html"):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text(f"<p>{page}</p>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "main.css").write_text("p { color: #000 }")
    before = page_keys(tmp_path, "/usr/bin/chromium 156")
    (tmp_path / "guides/a/index.html").write_text("<p>changed</p>")
    after_page = page_keys(tmp_path, "/usr/bin/chromium 156")
    assert [path for path in before if before[path] != after_page[path]] == ["guides/a/"]
    (tmp_path / "assets" / "main.css").write_text("p { color: #bbb }")
    after_style = page_keys(tmp_path, "/usr/bin/chromium 156")
    assert all(after_page[path] != after_style[path] for path in before)
    other_browser = page_keys(tmp_path, "/usr/bin/chromium-headless-shell 156")
    assert all(after_style[path] != other_browser[path] for path in before)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_program_wrong_on_purpose_is_marked_in_words_and_by_a_rule(
    browser: Browser, base_url: str, width: int
) -> None:
    """Not by colour alone: a line of words in the title bar, and a thick rule down the block's left side."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base_url + "guides/stopping-consumers/", wait_until="load")
    block = page.locator(
        ".highlight.wrong-on-purpose",
        has=page.locator('span.filename:text-is("snippets/stopping_consumers/never_exits.py")'),
    )
    mark = block.locator(".wrong-mark")
    assert mark.is_visible() and "Wrong on purpose: shown to hang" in mark.inner_text()
    assert float(block.evaluate("element => parseFloat(getComputedStyle(element).borderLeftWidth)")) >= 3
    fix = page.locator(
        ".highlight",
        has=page.locator('span.filename:text-is("snippets/stopping_consumers/one_stop_value_per_consumer.py")'),
    ).first
    assert fix.locator(".wrong-mark").count() == 0
    block.scroll_into_view_if_needed()
    block.screenshot(path=str(SCREENSHOTS / f"wrong-on-purpose-{width}.png"))
    page.close()


WAYS_IN = ["troubleshooting/", "guides/many-to-many/", "guides/choosing-an-engine/", "contributing/"]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_home_page_gives_each_reader_a_way_in_on_the_first_screen(
    browser: Browser, base_url: str, width: int, height: int
) -> None:
    """Whose program hangs or fails, who wants a program to copy, who chooses an engine, who contributes."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(base_url, wait_until="networkidle")
    missing = []
    for target in WAYS_IN:
        link = page.locator(f'.ways-in a[href$="{target}"]').first
        if not link.count() or not link.is_visible() or link.bounding_box()["y"] + 10 > height:  # type: ignore[index]
            missing.append(target)
    page.screenshot(path=str(SCREENSHOTS / f"home-first-screen-{width}.png"))
    page.close()
    assert not missing, f"not on the first {width}x{height} screen: {missing}"


def test_the_sidebar_title_stays_on_one_line_and_clear_of_the_entries(browser: Browser, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(base_url + "guides/killed-workers/", wait_until="load")
    title = page.locator(".md-nav--primary > .md-nav__title").first
    lines = title.evaluate(
        "element => element.getBoundingClientRect().height / parseFloat(getComputedStyle(element).lineHeight)"
    )
    page.close()
    assert lines < 1.9, f"the sidebar title takes {lines:.1f} lines"


# Error messages as a reader pastes them, and the pages that answer them: one among the first three results.
PASTED_ERRORS = {
    "RuntimeError: An attempt has been made to start a new process before the current process has finished its "
    "bootstrapping phase.": ("troubleshooting/", "guides/start-methods/"),
    "RuntimeError: Queue objects should only be shared between processes through inheritance": (
        "troubleshooting/", "faq/", "guides/other-queues/",
    ),
    "AttributeError: Can't pickle local object 'main.<locals>.work'": (
        "troubleshooting/", "faq/", "guides/start-methods/",
    ),
    "TypeError: cannot pickle '_thread.lock' object": (
        "troubleshooting/", "guides/other-queues/", "guides/passing-data/",
    ),
    "OSError: [Errno 24] Too many open files": ("troubleshooting/", "faq/", "guides/pipes/"),
    "ValueError: task_done() called too many times": ("troubleshooting/", "guides/joinable-queue/"),
    "concurrent.futures.process.BrokenProcessPool: A process in the process pool was terminated abruptly while the "
    "future was running or pending.": ("troubleshooting/", "guides/killed-workers/"),
    "UserWarning: resource_tracker: There appear to be 3 leaked semaphore objects to clean up at shutdown": (
        "troubleshooting/", "guides/start-methods/",
    ),
    "DeprecationWarning: This process (pid=4242) is multi-threaded, use of fork() may lead to deadlocks in the "
    "child.": (
        "troubleshooting/", "faq/", "guides/start-methods/",
    ),
    "ValueError: Queue <multiprocessing.queues.Queue object at 0x7f0e8c2b1f10> is closed": (
        "troubleshooting/", "guides/closing/",
    ),
    "OSError: handle is closed": ("troubleshooting/", "guides/pipes/", "guides/closing/"),
    "multiprocessing.context.AuthenticationError: digest sent was rejected": ("troubleshooting/", "guides/managers/"),
    "BrokenPipeError: [Errno 32] Broken pipe": ("troubleshooting/", "guides/managers/"),
    "_queue.Empty": ("troubleshooting/", "guides/first-queue/", "guides/closing/"),
    "queue.Full": ("troubleshooting/", "guides/first-queue/"),
    "OSError: AF_UNIX path too long": ("troubleshooting/",),
    "qsize() NotImplementedError": ("troubleshooting/", "guides/first-queue/"),
}  # fmt: skip


def test_a_pasted_error_message_finds_its_page_among_the_first_three_results(
    search_page: tuple[Page, Watched],
) -> None:
    page = search_page[0]
    missed = missed_among_the_first_three(page, PASTED_ERRORS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search-pasted-error.png"))
    assert len(PASTED_ERRORS) >= 15 and not missed, "\n".join(missed)


def test_printing_a_page_shows_every_folded_line(browser: Browser, base_url: str) -> None:
    page = browser.new_page()
    page.goto(base_url + "guides/killed-workers/", wait_until="load")
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => [...document.querySelectorAll('.excerpt .folded, .excerpt-gap, details.excerpt-toggle')]
            .map(element => [element.className, getComputedStyle(element).display])"""
    )
    page.close()
    folded = [display for name, display in hidden if name == "folded"]
    assert folded and all(display != "none" for display in folded), "folded lines hidden in print"
    assert all(display == "none" for name, display in hidden if name != "folded"), "markers or toggles printed"


def test_each_copy_button_says_what_it_copies(browser: Browser, base_url: str) -> None:
    page = browser.new_page()
    page.goto(base_url + "guides/stopping-consumers/", wait_until="load")
    names = page.locator('.highlight button[data-md-type="copy"]').evaluate_all(
        "buttons => buttons.map(button => button.getAttribute('aria-label'))"
    )
    page.close()
    assert len(names) > 10 and all(name and name.startswith("Copy ") for name in names), names[:5]
    assert "Copy never_exits.py" in names and "Copy the output of never_exits.py" in names, names


def test_the_engine_comparison_shows_every_column_at_1280_px(browser: Browser, base_url: str) -> None:
    """Material wraps a table in a box that scrolls sideways: every column must fit in that box, Ray's last."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + "guides/choosing-an-engine/", wait_until="load")
    fits = page.locator("table").first.evaluate(
        """table => {
            const box = table.closest(".md-typeset__scrollwrap") || table.parentElement;
            const ray = [...table.querySelectorAll("th")].find(th => th.textContent.trim() === "Ray");
            return [box.scrollWidth, box.clientWidth, ray.getBoundingClientRect().right,
                    box.getBoundingClientRect().right];
        }"""
    )
    page.close()
    scroll_width, client_width, ray_right, box_right = fits
    assert scroll_width <= client_width + 1, f"the table is {scroll_width} px wide in a {client_width} px box"
    assert ray_right <= box_right + 1, f"Ray's column ends at {ray_right} px, its box at {box_right} px"


# How much larger than drawn each figure is on the page: at 1.0 a timeline's text is its 11 px; a chart's 10-unit
# text needs 1.1.
FIGURE_SCALES = """() => {
    document.querySelectorAll("details.timeline-figure").forEach(details => { details.open = true; });
    return [...document.querySelectorAll("svg.timeline, svg.benchmark-chart")].map(svg => [
        svg.getAttribute("class"), svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
    ]);
}"""


def test_on_a_phone_chart_and_timeline_text_stays_legible(browser: Browser, base_url: str) -> None:
    """At least 11 px: the figure keeps its drawn size and scrolls sideways as a whole instead."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    small = []
    for path in ("guides/costs/", "guides/stopping-consumers/"):
        page.goto(base_url + path, wait_until="load")
        for kind, scale in page.evaluate(FIGURE_SCALES):
            needed = 1.0 if kind == "timeline" else 1.1
            if scale < needed - 0.01:
                small.append(f"{path}: {kind} drawn at {scale:.2f} of its size")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, path
    context.close()
    assert not small, "\n".join(small)


# Each program line on a phone that wraps: where its continuation starts, and where it should (its indentation
# and two columns more), in px from the line's left edge.
WRAPPED_LINES = """() => {
    const probe = document.createElement("span");
    probe.textContent = "0";
    document.querySelector(".highlight code").appendChild(probe);
    const ch = probe.getBoundingClientRect().width;
    probe.remove();
    const found = [];
    for (const line of document.querySelectorAll(".highlight code .code-line")) {
        const rects = [];  // the text's own boxes: a shaded line's span is a block wider than its text
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(node);
            rects.push(...[...range.getClientRects()].filter(rect => rect.width > 0 && node.textContent.trim()));
        }
        const tops = [...new Set(rects.map(rect => Math.round(rect.top)))];
        if (tops.length < 2) continue;
        const left = line.getBoundingClientRect().left;
        tops.sort((a, b) => a - b);
        const second = Math.min(...rects.filter(rect => Math.round(rect.top) === tops[1]).map(rect => rect.left));
        const indent = parseFloat(getComputedStyle(line).getPropertyValue("--indent")) || 0;
        found.push([line.textContent.slice(0, 40), second - left, (indent + 2) * ch]);
    }
    return found;
}"""


def test_on_a_phone_a_wrapped_program_line_continues_under_its_own_indentation(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "guides/stopping-consumers/", wait_until="load")
    wrapped = page.evaluate(WRAPPED_LINES)
    context.close()
    assert len(wrapped) >= 3, "no program line wraps at 390 px: the test shows nothing"
    misplaced = [
        f"{text!r}: continues at {at:.0f} px, not {wanted:.0f}" for text, at, wanted in wrapped if abs(at - wanted) > 2
    ]
    assert not misplaced, "\n".join(misplaced)
