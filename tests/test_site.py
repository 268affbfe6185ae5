"""The built site: ``mkdocs build --strict`` is clean and each rendered block equals its file.

The inventory checks what the Markdown asks for; this checks what readers get
after pymdownx.snippets, the highlighter and the theme have done their work.
"""

from __future__ import annotations

import functools
import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import REPO_URL
from markdown.extensions.toc import slugify

from harness import badges
from harness.highlight import hl_lines
from harness.inventory import mkdocs_config, nav_pages, scan_page
from harness.matching import classify, stream_label
from harness.outputs import sample_for
from harness.programs import Program, discover
from harness.running import ROOT, SCRATCH_PREFIX
from harness.sample import Sample, parse_sample

TITLED_BLOCK = re.compile(
    r'<span class="filename">(?P<title>[^<]*)</span>(?:<span class="wrong-mark">[^<]*</span>)?'
    r"<pre[^>]*>(?P<code>.*?)</pre>",
    re.S,
)
TAG = re.compile(r"<[^>]+>")
EXCERPT_GAP = re.compile(r'<span class="excerpt-gap">[^<]*</span>')
PROGRAMS = discover()


@functools.cache
def rendered_blocks(built_site: Path) -> list[tuple[str, str, str]]:
    """(page, title, text) of every code block with a title, as a reader would copy it.

    A stderr block is titled ``stderr``; here it is ``stderr of <the output block's title>``.
    """
    blocks = []
    for page in sorted(built_site.rglob("*.html")):
        output_title = ""
        for match in TITLED_BLOCK.finditer(page.read_text(encoding="utf-8")):
            code = EXCERPT_GAP.sub("", match.group("code"))  # a copy holds the folded lines, not their marker
            text = html.unescape(TAG.sub("", code))
            title = html.unescape(match.group("title"))
            if title == "stderr":
                title = f"stderr of {output_title}"
            output_title = title
            blocks.append((page.relative_to(built_site).as_posix(), title, text))
    return blocks


def _html_path(page: Path) -> str:
    """docs/guides/x.md -> guides/x/index.html, as MkDocs writes it."""
    relative = page.relative_to(ROOT / "docs").with_suffix("")
    return "index.html" if relative.name == "index" else (relative / "index.html").as_posix()


def _numbers(spans: str) -> list[int]:
    """[4, 5, 6, 9] for hl_lines "9 4-6": in line order, as the page renders them."""
    numbers: set[int] = set()
    for span in spans.split():
        first, _, last = span.partition("-")
        numbers.update(range(int(first), int(last or first) + 1))
    return sorted(numbers)


def is_file_variant(sample: Sample) -> bool:
    """A variant of the runs of the file copied on its own (`as-file`), shown titled `python <program>.py`."""
    return sample.rules.when is not None and bool(sample.rules.when.as_file)


def expected_texts(title: str) -> list[str]:
    """What a block with this title may show: the program file, its recorded output, or one of its variants'."""
    stream = "stderr" if title.startswith("stderr of ") else "output"
    title = title.removeprefix("stderr of ")
    for program in PROGRAMS:
        if title == program.relative and stream == "output":
            return [program.path.read_text(encoding="utf-8").rstrip("\n")]
        if title == f"python -m {program.module}":  # the main sample, or a variant of some releases' module runs
            samples = [parse_sample(program.sample_path)] + [parse_sample(path) for path in program.variant_paths]
            return ["\n".join(getattr(sample, stream)) for sample in samples if not is_file_variant(sample)]
        if title == f"python {program.path.name}" and program.variant_paths:
            samples = [parse_sample(path) for path in program.variant_paths]
            return ["\n".join(getattr(sample, stream)) for sample in samples if is_file_variant(sample)]
    return []


def test_every_titled_block_shows_a_program_or_a_sample(built_site: Path) -> None:
    strays = [
        f"{page}: a block titled {title!r} matches no program or sample"
        for page, title, _ in rendered_blocks(built_site)
        if not expected_texts(title)
    ]
    assert not strays, "\n".join(strays)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program.name)
def test_the_program_and_its_output_are_rendered_exactly_as_their_files(built_site: Path, program: Program) -> None:
    """One test per program, so that `dev.py check -k <guide>/<program>` checks its rendered blocks too."""
    titles = {program.relative, f"python -m {program.module}", f"python {program.path.name}"}
    titles |= {f"stderr of {title}" for title in titles}
    own = [(page, title, text) for page, title, text in rendered_blocks(built_site) if title in titles]
    shown = {title for _, title, _ in own}
    assert program.relative in shown, f"{program.relative} is not rendered on any page"
    assert f"python -m {program.module}" in shown, f"the output of {program.relative} is not rendered"
    for path in [program.sample_path, *program.variant_paths]:
        title = f"python {program.path.name}" if is_file_variant(parse_sample(path)) else f"python -m {program.module}"
        if parse_sample(path).stderr:
            assert f"stderr of {title}" in shown, f"the stderr {path.name} records is not rendered below {title!r}"
    differ = [
        f"{page}: the block titled {title!r} differs from its file"
        for page, title, text in own
        # A recorded stderr may end with a blank line (Dask's log records do); a page never shows one.
        if text.rstrip("\n") not in [expected.rstrip("\n") for expected in expected_texts(title)]
    ]
    assert not differ, "\n".join(differ)


OUTPUT_BLOCK = re.compile(
    r'<div class="highlight program-output(?P<labelled> labelled-output)?"[^>]*><span class="filename">'
    r"python -m (?P<module>[\w.]+)"
    r"</span><pre[^>]*>(?:<span></span>)?<code>(?P<code>.*?)</code></pre></div>\s*(?:</div>\s*)?"  # an excerpt's end
    r'(?P<stderr>(?:<details class="stderr-folded">.*?</details>|<div class="highlight stderr-output">.*?</div>)\s*)?'
    r'(?P<legend><div class="output-legend"[^>]*>.*?</div>)?',
    re.S,
)


def test_every_output_block_shows_who_printed_each_line_and_what_the_checks_require(built_site: Path) -> None:
    """Generated from each sample's rules (harness/outputs.py): a label per line where several processes print."""
    problems = []
    seen = set()
    for page in sorted(built_site.rglob("*.html")):
        shown_here: set[Path] = set()  # as harness/outputs.py tells apart two samples with the same output
        for block in OUTPUT_BLOCK.finditer(page.read_text(encoding="utf-8")):
            where = f"{page.relative_to(built_site).as_posix()}: {block.group('module')}"
            program = next((p for p in PROGRAMS if p.module == block.group("module")), None)
            if program is None:
                continue
            seen.add(program)
            text = html.unescape(re.sub(r"<[^>]+>", "", block["code"]))
            sample = sample_for(f"python -m {program.module}", text, shown=shown_here) or parse_sample(
                program.sample_path
            )
            shown_here.add(sample.path)
            lines, _ = classify(sample.output, sample.rules)
            labels = re.findall(
                r'<span class="out-line(?: not-compared)? stream-\d" data-stream="([^"]+)">', block["code"]
            )
            streams = {line.stream for line in lines}
            if len(streams) > 1 and (not block["labelled"] or len(labels) != len(sample.output)):
                problems.append(f"{where}: {len(labels)} of {len(sample.output)} lines say which process printed them")
            if len(streams) > 1 and {stream_label(stream) for stream in streams} - set(labels):
                problems.append(f"{where}: processes without a label: {sorted(streams)}")
            legend = block["legend"] or ""
            if "On your machine" not in legend:
                problems.append(f"{where}: no list of what the checks require below the block")
            if sample.rules.expect_hang and "Hangs by design" not in legend:
                problems.append(f"{where}: meant to hang, and the block does not say so")
            if sample.rules.exit_code and f"Exits with status {sample.rules.exit_code}" not in legend:
                problems.append(f"{where}: exits with status {sample.rules.exit_code}, and the block does not say so")
            if bool(sample.stderr) != bool(block["stderr"]) or (sample.stderr and "Writes to stderr" not in legend):
                problems.append(f"{where}: its recorded stderr ({len(sample.stderr)} lines) is not shown and explained")
            if sample.rules.redactions and 'class="varies"' not in block["code"] + (block["stderr"] or ""):
                problems.append(f"{where}: no value marked as differing between runs")
    assert seen == set(PROGRAMS), f"output blocks not found for {sorted(p.name for p in set(PROGRAMS) - seen)}"
    assert not problems, "\n".join(problems)


def test_highlighted_lines_are_the_statements_the_page_names(built_site: Path) -> None:
    """What pymdownx.highlight marked in each program block, against what highlight="..." names."""
    expected: dict[tuple[str, str], list[list[int]]] = {}
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for include in scan_page(page)[0]:
            if include.title == include.path and include.path.endswith(".py"):
                names = include.highlight
                wanted = _numbers(hl_lines(ROOT / include.path, names)) if names else []
                expected.setdefault((_html_path(page), include.title), []).append(wanted)
    assert any(any(lines) for blocks in expected.values() for lines in blocks), "no page highlights anything"
    rendered: dict[tuple[str, str], list[list[int]]] = {}
    for page in sorted(built_site.rglob("*.html")):
        for match in TITLED_BLOCK.finditer(page.read_text(encoding="utf-8")):
            title = html.unescape(match.group("title"))
            if title.endswith(".py"):
                lines = EXCERPT_GAP.sub("", match.group("code")).split("\n")  # folded lines still count
                marked = [number for number, line in enumerate(lines, start=1) if 'class="hll"' in line]
                rendered.setdefault((page.relative_to(built_site).as_posix(), title), []).append(marked)
    wrong = [
        f"{page}: {title}: lines {rendered.get((page, title))} are highlighted, the page names lines {lines}"
        for (page, title), lines in sorted(expected.items())
        if rendered.get((page, title)) != lines
    ]
    assert not wrong, "\n".join(wrong)


def test_no_page_loads_anything_from_another_host(built_site: Path) -> None:
    external = re.compile(r"""<(?:link|script|img|iframe|source)\b[^>]*\b(?:href|src)=["'](?:https?:)?//[^>]*>""", re.I)
    offenders = [
        f"{page.relative_to(built_site)}: {match.group(0)}"
        for page in sorted(built_site.rglob("*.html"))
        for match in external.finditer(page.read_text(encoding="utf-8"))
        if 'rel="canonical"' not in match.group(0)  # names the page's own address; browsers load nothing
    ]
    assert not offenders, "\n".join(offenders)


class _LinksAndIds(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[int, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag in ("a", "link") and values.get("href"):
            self.links.append((self.getpos()[0], values["href"] or ""))
        if tag in ("script", "img") and values.get("src"):
            self.links.append((self.getpos()[0], values["src"] or ""))


def _parse(page: Path) -> _LinksAndIds:
    parser = _LinksAndIds()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_every_internal_link_and_anchor_resolves(built_site: Path, site_path: str) -> None:
    """On the rendered HTML, not the Markdown: theme links, generated footers and anchors included.

    The site is built to be served below site_path, as GitHub Pages serves a project site; a link
    from the root of the host (404.html has them) must stay inside that folder.
    """
    pages = {page: _parse(page) for page in sorted(built_site.rglob("*.html"))}
    broken = []
    checked = 0
    for page, parsed in pages.items():
        for line, link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue  # another host: allowed as a link for readers, never loaded (see the test above)
            if not parts.path:
                target = page
            elif parts.path.startswith("/"):  # 404.html: from the host's root (see site_url in mkdocs.yml)
                if not parts.path.startswith(site_path):
                    broken.append(f"{page.relative_to(built_site)}:{line}: {link} (outside {site_path}: set site_url)")
                    continue
                target = (built_site / unquote(parts.path).removeprefix(site_path)).resolve()
            else:
                target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(built_site)}:{line}: {link}"
            checked += 1
            if not target.exists():
                broken.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{where} (no element with id {parts.fragment!r})")
    assert checked > 100, "too few links found: the parser is not seeing the pages"
    assert not broken, "\n".join(broken)


# A sentence that says where programs were verified: "verified on", "the checks run on", "CI runs ... on".
VERIFICATION_CLAIM = re.compile(
    r"\b(verified|checked|CI|checks run|runs? every program|ran|passed|passes)\b[^.]*\b(on|with|under)\b"
)
NEGATED = re.compile(r"\b(not|no|never|cannot|until|none)\b")
NAMED = re.compile(r"\b(Linux|macOS|Windows|3\.1[0-9])\b")
FENCED = re.compile(r"^(\s*)(`{3,}).*?^\1\2\s*$", re.M | re.S)


def test_pages_claim_verification_only_where_results_hold() -> None:
    """A page that says programs were verified on a platform or Python the results don't hold fails.

    Where the programs were verified is said by the generated snippets/verified.md, from
    snippets/verified.json; prose may name a platform or a version in such a claim only once
    a passing run there is on record.
    """
    results = badges.load()
    held = {platform for entry in results.values() for platform in entry["platforms"]}
    held |= {version for entry in results.values() for versions in entry["platforms"].values() for version in versions}
    claims = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        text = FENCED.sub("", page.read_text(encoding="utf-8"))
        for paragraph in re.split(r"\n\s*\n", text):
            for sentence in re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split())):
                if not VERIFICATION_CLAIM.search(sentence) or NEGATED.search(sentence):
                    continue
                unheld = sorted({name for name in NAMED.findall(sentence) if name not in held})
                if unheld:
                    claims.append(f"{page.relative_to(ROOT).as_posix()}: {', '.join(unheld)}: {sentence[:160]}")
    assert not claims, (
        "these sentences say programs were verified where no passing run is on record (snippets/verified.json); "
        'include --8<-- "snippets/verified.md:summary" instead, or reword:\n' + "\n".join(claims)
    )


SOURCE = re.compile(r"https://(github\.com/python/cpython|docs\.python\.org)/")
GUIDE_LINK = re.compile(r"\]\(\.\./(guides/[\w-]+\.md)#([\w-]+)\)")
PLATFORM_OR_VERSION = re.compile(r"\b(macOS|Windows|3\.1\d(?:\.\d+)?)\b")


def section_shows_output(page: Path, anchor: str) -> bool:
    """Whether the section ``anchor`` of ``page`` (down to the next heading of its level) includes an output."""
    lines = page.read_text(encoding="utf-8").splitlines()
    level = None
    for number, line in enumerate(lines):
        heading = re.match(r"^(#{1,6}) (.+)$", line)
        if heading and level is None and slugify(heading.group(2).replace("`", ""), "-") == anchor:
            level = len(heading.group(1))
            body = []
            for rest in lines[number + 1 :]:
                deeper = re.match(r"^(#{1,6}) ", rest)
                if deeper and len(deeper.group(1)) <= level:
                    break
                body.append(rest)
            return any(re.search(r'\.out:output"', text) for text in body)
    return False


def test_every_api_row_links_to_a_program_that_shows_it_or_cites_the_source() -> None:
    """Each row of the API tables: a link to a section whose program and checked output show it.

    A row that names a platform or a Python version also needs a link to CPython's source or
    documentation, unless its evidence says "shown" on the versions the checks ran.
    """
    api = ROOT / "docs" / "reference" / "api.md"
    problems = []
    for number, line in enumerate(api.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.startswith("| ") or line.startswith(("| Method", "| Version", "| ---")):
            continue
        shown = [
            (guide, anchor)
            for guide, anchor in GUIDE_LINK.findall(line)
            if section_shows_output(ROOT / "docs" / guide, anchor)
        ]
        broken = [f"{guide}#{anchor}" for guide, anchor in GUIDE_LINK.findall(line) if (guide, anchor) not in shown]
        if broken:
            problems.append(f"docs/reference/api.md:{number}: no section with a program's output at {broken}")
        if not shown and not SOURCE.search(line):
            problems.append(f"docs/reference/api.md:{number}: links to no program's output and cites no source")
        if PLATFORM_OR_VERSION.search(line) and not SOURCE.search(line) and "shown on" not in line:
            problems.append(f"docs/reference/api.md:{number}: names a platform or version but cites no source")
    assert not problems, "\n".join(problems)


META_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)"')


def content_pages(built_site: Path) -> list[Path]:
    return sorted(built_site.rglob("index.html"))


def test_every_page_has_a_description_of_its_own(built_site: Path) -> None:
    """For search engines and link previews: what this page answers, not the site's sentence."""
    site = mkdocs_config()
    found: dict[str, list[str]] = {}
    for page in content_pages(built_site):
        match = META_DESCRIPTION.search(page.read_text(encoding="utf-8"))
        description = html.unescape(match.group(1)) if match else ""
        found.setdefault(description, []).append(page.relative_to(built_site).as_posix())
    shared = {text: pages for text, pages in found.items() if len(pages) > 1 or not text}
    assert site["site_description"].strip() not in found, "a page has the site's description instead of its own"
    assert not shared, f"pages without a description of their own: {shared}"


def test_every_page_links_to_its_source_and_to_reporting_a_wrong_claim(built_site: Path) -> None:
    missing = []
    for page in content_pages(built_site):
        text = page.read_text(encoding="utf-8")
        source = re.search(rf'<a href="{re.escape(REPO_URL)}/blob/main/docs/([^"]+)">Source of this page</a>', text)
        if source is None or not (ROOT / "docs" / source.group(1)).is_file():
            missing.append(f"{page.relative_to(built_site)}: no link to its source file")
        if not re.search(
            rf'<a href="{re.escape(REPO_URL)}/issues/new\?title=Wrong%20claim[^"]*">Report a wrong claim</a>', text
        ):
            missing.append(f"{page.relative_to(built_site)}: no link to report a wrong claim")
    assert not missing, "\n".join(missing)


NEXT_LINK = re.compile(r'<a href="([^"]+)" class="md-footer__link md-footer__link--next"')


def test_the_next_links_walk_every_page_in_the_order_of_the_nav(built_site: Path) -> None:
    """From the home page, each page's "Next" link leads to the next page of the nav, to the last one."""
    walked = [""]
    while True:
        current = built_site / walked[-1] / "index.html"
        found = NEXT_LINK.search(current.read_text(encoding="utf-8"))
        if found is None or len(walked) > len(nav_pages()):
            break
        target = (current.parent / found.group(1)).resolve().relative_to(built_site.resolve()).as_posix()
        walked.append("" if target == "." else target.removesuffix("/") + "/")
    assert walked == nav_pages()


def test_the_home_page_numbers_the_guides_across_its_parts(built_site: Path) -> None:
    """Each part's list starts where the previous one ended (sane_lists keeps an ordered list's first number)."""
    home = (built_site / "index.html").read_text(encoding="utf-8")
    start = home.index('id="where-to-start"')
    numbers = []
    for ordered in re.finditer(r"<ol(?: start=\"(\d+)\")?>(.*?)</ol>", home[start:], re.S):
        first = int(ordered.group(1) or 1)
        numbers += range(first, first + ordered.group(2).count("<li>"))
    assert len(numbers) > 10 and numbers == list(range(1, len(numbers) + 1)), numbers


def test_benchmark_charts_are_drawn_from_the_recorded_run_with_their_figures(built_site: Path) -> None:
    """Every chart marker became charts: each an inline SVG, its source named, its figures as a table."""
    from harness import charts
    from harness.sample import parse_sample

    leftovers = [
        page.relative_to(built_site).as_posix()
        for page in sorted(built_site.rglob("*.html"))
        if 'class="benchmark-charts" data-sample=' in page.read_text(encoding="utf-8")
    ]
    assert not leftovers, f"chart markers left as they were (is tests.harness.charts in mkdocs.yml?): {leftovers}"
    page = (built_site / "guides" / "costs" / "index.html").read_text(encoding="utf-8")
    recorded = charts.parse(parse_sample(ROOT / "snippets" / "costs" / "compare.out").output, "compare.out")
    assert page.count('<figure class="benchmark-figure">') >= len(charts.CHARTS)
    assert html.escape(recorded.machine) in page and html.escape(recorded.python) in page
    queue = recorded.tables["MB/s, one way"]["Queue"]
    row = '<th scope="row">Queue</th>' + "".join(f"<td>{charts.short(v)}</td>" for v in queue if v is not None)
    assert row in page, "the table under the chart shows the recorded figures"


# An output line that says an item was lost: its program shows a loss, and is wrong on purpose.
SHOWS_A_LOSS = re.compile(
    r"\b[1-9]\d* (?:items? |tasks? )?lost\b|\b(?:was|were) (?:dropped|lost)\b|\bnever handled\b|\bis lost\b|"
    r"\bnever got\b",
    re.I,
)
TITLE_BAR = re.compile(
    r'<div class="highlight(?P<wrong> wrong-on-purpose)?"><span class="filename">(?P<title>snippets/[\w/]+\.py)</span>'
    r'(?:<span class="wrong-mark">(?P<mark>[^<]*)</span>)?'
)


def test_a_program_that_is_wrong_on_purpose_says_so_in_its_title_download_link_and_badge(built_site: Path) -> None:
    """One that hangs, fails or loses items on purpose (its sample's rules) must not pass for the fix."""
    unmarked_losses = [
        program.name
        for program in PROGRAMS
        if any(SHOWS_A_LOSS.search(line) for line in parse_sample(program.sample_path).output)
        and not parse_sample(program.sample_path).rules.shown_to
    ]
    assert not unmarked_losses, f"their output shows a lost item; add `wrong-on-purpose WHAT`: {unmarked_losses}"
    problems, seen = [], set()
    for page in sorted(built_site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for bar in TITLE_BAR.finditer(text):
            program = next(p for p in PROGRAMS if p.relative == bar.group("title"))
            shown_to = parse_sample(program.sample_path).rules.shown_to
            seen.add(program.name)
            where = f"{page.relative_to(built_site).as_posix()}: {program.name}"
            if bool(shown_to) != bool(bar.group("wrong")) or (shown_to and f"shown to {shown_to}" not in bar["mark"]):
                problems.append(f"{where}: title bar {bar.group(0)!r}, expected a mark: {bool(shown_to)}")
            download = f"(wrong on purpose: shown to {shown_to})</a>"
            footer = text[bar.end() :].split('class="program-footer"', 1)[-1].split("</p>", 1)[0]
            if shown_to and (download not in footer or f"✗ shown to {shown_to}</span>" not in footer):
                problems.append(f"{where}: its download link or badge does not say it is shown to {shown_to}")
            if not shown_to and "wrong on purpose" in footer:
                problems.append(f"{where}: marked wrong on purpose in its footer, and it is not")
    marked = {p.name for p in PROGRAMS if parse_sample(p.sample_path).rules.shown_to}
    assert marked <= seen, f"not found on any page: {sorted(marked - seen)}"
    assert len(marked) >= 18 and not problems, "\n".join(problems)


def test_no_output_a_reader_sees_shows_the_checks_own_folders() -> None:
    """A run's temporary folder is the harness's (running.SCRATCH_PREFIX); a reader's run has its own."""
    shown = [
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for path in sorted((ROOT / "snippets").glob("*/*.out"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if SCRATCH_PREFIX in line and not line.startswith("#|")
    ]
    assert not shown, (
        "these sample lines show the checks' scratch folder; print the path as a reader would see it:\n"
        + "\n".join(shown)
    )


def test_every_program_is_in_the_site_s_one_download_byte_for_byte(built_site: Path) -> None:
    """snippets.zip at the site's root (tests/harness/programs_zip.py), linked from the home and recipes pages."""
    import zipfile

    with zipfile.ZipFile(built_site / "snippets.zip") as archive:
        names = set(archive.namelist())
        missing = [program.relative for program in PROGRAMS if program.relative not in names]
        different = [
            program.relative
            for program in PROGRAMS
            if program.relative in names and archive.read(program.relative) != program.path.read_bytes()
        ]
        packages = {name for name in names if name.endswith("__init__.py")}
    assert not missing and not different, f"missing: {missing}; different: {different}"
    assert "snippets/__init__.py" in packages and "snippets/recipes.py" in names
    assert not [name for name in names if not name.endswith(".py")], "only programs: no samples or records"
    for page in ("index.html", "reference/recipes/index.html"):
        assert 'snippets.zip" download' in (built_site / page).read_text(encoding="utf-8"), page


# On a long page, the program a reader comes to copy is its first: right after the rule it implements.
PROGRAM_TO_COPY = {
    "guides/stopping-consumers/index.html": "snippets/stopping_consumers/one_stop_value_per_consumer.py",
    "guides/many-to-many/index.html": "snippets/many_to_many/fair_shutdown.py",
}


def test_the_program_to_copy_comes_first_on_its_page(built_site: Path) -> None:
    for page, program in PROGRAM_TO_COPY.items():
        titles = re.findall(r'<span class="filename">(snippets/[\w/]+\.py)</span>', (built_site / page).read_text())
        assert titles and titles[0] == program, f"{page}: the first program is {titles[:1]}, not {program}"


GLOSSARY_TERMS = ["Feeder thread", "Stop value", "Start method", "Resource tracker", "Unfinished-task counter", "Proxy"]


def test_the_glossary_defines_the_words_the_guides_lean_on(built_site: Path) -> None:
    page = (built_site / "glossary" / "index.html").read_text(encoding="utf-8")
    terms = re.findall(r"<dt><strong>([^<]+)</strong></dt>", page)
    assert set(GLOSSARY_TERMS) <= set(terms), terms
    assert 'href="../glossary/"' in (built_site / "faq" / "index.html").read_text(encoding="utf-8")  # in the nav


def test_each_page_with_programs_says_under_its_title_when_they_were_verified_and_where_not(built_site: Path) -> None:
    """Is this current? The newest badge date of the page's programs, and what of the matrix none has on record."""
    from harness import badges
    from harness.page_records import INCLUDE, record_line

    problems = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        names = [found.group("name") for found in INCLUDE.finditer(page.read_text(encoding="utf-8"))]
        if not names:
            continue
        html_text = (built_site / _html_path(page)).read_text(encoding="utf-8")
        shown = re.search(r'</h1>\s*<p class="page-record">(.*?)</p>', html_text, re.S)
        expected = record_line(names, badges.load())
        assert expected is not None
        as_text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", expected)  # the Markdown link, as the page shows it
        if shown is None or html.unescape(TAG.sub("", shown.group(1))) != as_text:
            problems.append(f"{page.relative_to(ROOT)}: {shown.group(1)[:200] if shown else 'no line under the title'}")
    assert not problems, "\n".join(problems)
