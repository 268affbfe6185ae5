"""Where each program was verified, and the line shown under it on the site.

The results live in ``snippets/verified.json``, written only by the checks:
for each program, per operating system, the CPython versions and start methods
under which its run matched its sample, and the date those results last
changed. A check of every program on this machine replaces this platform's
entries for the interpreters it used; CI merges the results of its Linux,
macOS and Windows jobs the same way before it builds the site. The date moves
only when the results do, so a badge changes when, and only when, they change.

From the results, ``snippets/<guide>/footers.md`` is generated: one section
per program, included by the page under the program's output, with a download
link, the command that runs the file on its own, and the badge.
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import installs
from .charts import save_ci_runs
from .programs import Program, discover
from .running import ROOT
from .sample import parse_sample

RESULTS = ROOT / "snippets" / "verified.json"
PLATFORMS = {"linux": "Linux", "darwin": "macOS", "win32": "Windows"}
# Recorded instead of a method for a `no-start-method` program: run under one start method, each of its runs
# showed that it used no default one.
NO_METHOD = "none"
METHOD_ORDER = ("fork", "spawn", "forkserver", NO_METHOD)
METHOD_LABELS = {NO_METHOD: "no start method used"}

Results = dict[str, dict[str, Any]]  # program -> {"date": ..., "platforms": {platform: {version: [methods]}}}


def platform_name(platform: str = sys.platform) -> str:
    return PLATFORMS.get(platform, platform)


def load(path: Path = RESULTS) -> Results:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def save(results: Results, path: Path = RESULTS) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def merge(results: Results, passed: dict[str, dict[str, list[str]]], platform: str, today: date) -> Results:
    """``results`` with this platform's runs replaced by ``passed`` (program -> version -> methods).

    Only the interpreters in ``passed`` are replaced, and versions outside the matrix are dropped;
    a program's date moves to ``today`` only if its entry changed.
    """
    merged: Results = json.loads(json.dumps(results))
    for entry in merged.values():  # a version that left the matrix (3.10, at its end of life) is no claim of the site
        for platform_entry in entry["platforms"].values():
            for version in [version for version in platform_entry if version not in CLAIMED_VERSIONS]:
                del platform_entry[version]
        entry["platforms"] = {name: versions for name, versions in entry["platforms"].items() if versions}
    for program, versions in passed.items():
        entry = merged.setdefault(program, {"date": today.isoformat(), "platforms": {}})
        before = json.dumps(entry["platforms"], sort_keys=True)
        platform_entry = entry["platforms"].setdefault(platform, {})
        for version, methods in versions.items():
            if methods and version in CLAIMED_VERSIONS:
                platform_entry[version] = sorted(set(methods), key=_method_rank)
            else:
                platform_entry.pop(version, None)
        if not platform_entry:
            entry["platforms"].pop(platform)
        if json.dumps(entry["platforms"], sort_keys=True) != before:
            entry["date"] = today.isoformat()
    return merged


def passed_runs(outcomes: dict[tuple[str, str, str], str]) -> dict[str, dict[str, list[str]]]:
    """program -> version -> start methods whose run passed, from the session's outcomes."""
    passed: dict[str, dict[str, list[str]]] = {}
    for (program, version, method), outcome in outcomes.items():
        methods = passed.setdefault(program, {}).setdefault(version, [])
        if outcome == "passed":
            methods.append(method)
    return passed


def _method_names(methods: list[str] | tuple[str, ...]) -> str:
    return ", ".join(METHOD_LABELS.get(method, method) for method in sorted(methods, key=_method_rank))


def _method_rank(method: str) -> int:
    return METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def badge(entry: dict[str, Any] | None) -> str:
    """'Verified on Linux: CPython 3.10-3.13, fork, spawn, forkserver; ... (2026-11-22)'."""
    if not entry or not entry.get("platforms"):
        return "Not verified yet: run `python3 dev.py check`."
    parts = []
    for platform in sorted(entry["platforms"], key=_platform_rank):
        described = "; ".join(
            f"CPython {', '.join(numbers)}" + (" under " if NO_METHOD not in methods else ", ") + _method_names(methods)
            for methods, numbers in _by_methods(entry["platforms"][platform]).items()
        )
        parts.append(f"{platform} with {described}")
    return f"Verified on {'; on '.join(parts)} (on record since {entry['date']})."


def _ranges(versions: list[str]) -> str:
    """'3.10–3.13' for consecutive minor versions; '3.10, 3.12' otherwise."""
    numbers = sorted(versions, key=_version_key)
    minors = [_version_key(version)[1] for version in numbers]
    if len(numbers) > 2 and minors == list(range(minors[0], minors[0] + len(minors))):
        return f"{numbers[0]}–{numbers[-1]}"
    return ", ".join(numbers)


def badge_chips(entry: dict[str, Any] | None) -> list[str]:
    """The short labels of a program's badge: platforms, CPythons, start methods, date.

    Each label names only what some passing run showed; which combinations
    passed is in the badge's title (``badge()``) and its row of the matrix.
    """
    if not entry or not entry.get("platforms"):
        return ["not verified yet"]
    platforms = sorted(entry["platforms"], key=_platform_rank)
    versions = {version for platform in platforms for version in entry["platforms"][platform]}
    methods = {method for platform in platforms for found in entry["platforms"][platform].values() for method in found}
    return [
        " · ".join(platforms),
        f"CPython {_ranges(list(versions))}",
        " · ".join(METHOD_LABELS.get(method, method) for method in sorted(methods, key=_method_rank)),
        entry["date"],
    ]


def _platform_rank(name: str) -> int:
    return list(PLATFORMS.values()).index(name) if name in PLATFORMS.values() else 99


def _by_methods(versions: dict[str, list[str]]) -> dict[tuple[str, ...], list[str]]:
    """The versions of one platform grouped by the start methods that passed: {("fork", ...): ["3.10", ...]}."""
    grouped: dict[tuple[str, ...], list[str]] = {}
    for version in sorted(versions, key=_version_key):
        if versions[version]:
            grouped.setdefault(tuple(versions[version]), []).append(version)
    return grouped


def matrix_anchor(program: Program) -> str:
    """The id of the program's row in the verification matrix (docs/verification.md)."""
    return "verified-" + program.name.replace("/", "-")


def relative_prefixes(page: str) -> tuple[str, str]:
    """How to reach the site's root from a page: in its Markdown (``../``) and from its address (``../../``).

    ``guides/closing.md`` is served as ``guides/closing/``; ``index.md`` as the root itself.
    """
    parts = Path(page).with_suffix("").parts
    address = parts[:-1] if parts[-1] == "index" else parts
    return "../" * (len(parts) - 1), "../" * len(address)


SERVER_NAMES = {"redis-server": "a Redis server, its address in `REDIS_URL`"}  # what a `needs` rule asks of a reader
PLATFORM_NAMES = {"win32": "Windows", "darwin": "macOS", "linux": "Linux"}


def setup_anchor(page: str | None, docs: Path) -> str | None:
    """The anchor of the page's "Run ... on your machine" section, which says how to set up what programs need."""
    if page is None or not (docs / page).exists():
        return None
    for line in (docs / page).read_text(encoding="utf-8").splitlines():
        if line.startswith("## ") and "on your machine" in line:
            title = re.sub(r"[^\w\s-]", "", line[3:]).strip().lower()  # Python-Markdown's toc slugify
            return re.sub(r"[-\s]+", "-", title)
    return None


def run_line(program: Program) -> tuple[str, str]:
    """How to run the program on its own, on the systems the checks run it on; and what it needs first ("": nothing)."""
    filename = program.path.name
    rules = parse_sample(program.sample_path).rules if program.sample_path.exists() else None
    skipped = sorted(rules.skip_on) if rules else []
    line = f"Run it on its own: `$ python3 {filename}`"
    if "win32" not in skipped:
        line += f" (Windows: `py {filename}`)"
    if skipped:
        names = " or ".join(PLATFORM_NAMES.get(platform, platform) for platform in skipped)
        line += f", not on {names}: the checks skip it there (see below the output)"
    servers = tuple(server for server, _ in rules.needs) if rules else ()
    packages = installs.reader_installs(program.path, servers)
    needs = ([f"`pip install {' '.join(packages)}`"] if packages else []) + [
        SERVER_NAMES.get(server, server) for server in servers
    ]
    if not needs:
        return line, ""
    anchor = setup_anchor(shown_on(program), program.root / "docs")
    how = f" ([how](#{anchor}))" if anchor else ""
    return line, f"It needs {' and '.join(needs)}{how}."


def footer(program: Program, entry: dict[str, Any] | None) -> str:
    filename = program.path.name
    chips = "".join(f'<span class="chip">{chip}</span>' for chip in badge_chips(entry))
    claim = badge(entry).replace("`", "")
    markdown_root, address_root = relative_prefixes(shown_on(program) or "guides/page.md")
    run, needs = run_line(program)
    shown_to = parse_sample(program.sample_path).rules.shown_to if program.sample_path.exists() else ""
    if shown_to:  # a program wrong on purpose says so wherever a reader could take it from
        chips = f'<span class="chip chip-wrong">✗ shown to {shown_to}</span>' + chips
        claim = f"Wrong on purpose: shown to {shown_to}. {claim}"
    download = f"Download `{filename}`" + (f" (wrong on purpose: shown to {shown_to})" if shown_to else "")
    return (
        '<p class="program-footer" markdown data-search-exclude>'
        f"{run} · [{download}]({markdown_root}{program.relative}){{ download }}<br>"
        + (f"{needs}<br>" if needs else "")
        + f'<a class="badges" href="{address_root}verification/#{matrix_anchor(program)}" title="{claim}" '
        f'aria-label="{claim} Open the verification matrix.">{chips}</a></p>'
    )


def shown_on(program: Program) -> str | None:
    """The page that shows the program in full, relative to docs/ (``guides/closing.md``), if any."""
    include = f'--8<-- "{program.relative}"'
    docs = program.root / "docs"
    for page in sorted(docs.rglob("*.md")):
        if include in page.read_text(encoding="utf-8"):
            return page.relative_to(docs).as_posix()
    return None


def matrix(programs: list[Program], results: Results) -> str:
    """A table of where each program was verified, one row per program, for the verification page."""
    platforms = list(CLAIMED_PLATFORMS)
    lines = [
        f"| Program | {' | '.join(platforms)} | Last change |",
        f"| --- | {' | '.join('---' for _ in platforms)} | --- |",
    ]
    for program in programs:
        entry = results.get(program.name) or {}
        cells = []
        for platform in platforms:
            grouped = _by_methods(entry.get("platforms", {}).get(platform, {}))
            cells.append(
                "<br>".join(f"{_ranges(numbers)}: {_method_names(methods)}" for methods, numbers in grouped.items())
                or "not on record"
            )
        page = shown_on(program)
        name = f'<span id="{matrix_anchor(program)}"></span>' + (
            f"[`{program.name}`]({page})" if page else f"`{program.name}`"
        )
        lines.append(f"| {name} | {' | '.join(cells)} | {entry.get('date', 'never')} |")
    return "\n".join(lines)


def render_footers(programs: list[Program], results: Results) -> dict[Path, str]:
    """The text of each guide's ``footers.md``: a pymdownx.snippets section per program."""
    files: dict[Path, list[str]] = {}
    for program in programs:
        lines = files.setdefault(
            program.path.parent / "footers.md",
            [
                "<!-- Generated by the checks from snippets/verified.json (tests/harness/badges.py). Do not edit. -->",
            ],
        )
        name = program.path.stem
        lines += [
            f"<!-- --8<-- [start:{name}] -->",
            footer(program, results.get(program.name)),
            f"<!-- --8<-- [end:{name}] -->",
        ]
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


SUMMARY = ROOT / "snippets" / "verified.md"  # where the pages say the programs were verified, generated
CLAIMED_PLATFORMS = tuple(PLATFORMS.values())  # what the GitHub workflow runs: .github/workflows/docs.yml
CLAIMED_VERSIONS = tuple(f"{major}.{minor}" for major, minor in installs.MATRIX)  # CPython 3.11 to 3.15


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def summary(results: Results, programs: int) -> str:
    """One paragraph, for every page that says where the programs were verified: only what the results hold."""
    verified: dict[str, dict[str, int]] = {}  # platform -> version -> programs that passed there
    for entry in results.values():
        for platform, versions in entry.get("platforms", {}).items():
            for version, methods in versions.items():
                if methods:
                    counts = verified.setdefault(platform, {})
                    counts[version] = counts.get(version, 0) + 1
    if not verified:
        return "No run has passed yet: nothing is verified. Run `python3 dev.py check`."
    parts = []
    for platform in sorted(verified, key=lambda name: list(CLAIMED_PLATFORMS + (name,)).index(name)):
        counts = verified[platform]
        versions = sorted(counts, key=_version_key)
        every = all(counts[version] == programs for version in versions)
        scope = f"all {programs} programs" if every else "some programs (see each program's badge)"
        parts.append(f"{platform} with CPython {_listed(versions)}, {scope}")
    dates = sorted(entry["date"] for entry in results.values() if entry.get("platforms"))
    missing = [name for name in CLAIMED_PLATFORMS if name not in verified]
    versions_seen = {version for counts in verified.values() for version in counts}
    missing += [f"CPython {version}" for version in CLAIMED_VERSIONS if version not in versions_seen]
    text = f"Passing runs on record (latest {dates[-1]}): {'; '.join(parts)}."
    if missing:
        text += (
            f" Not on record yet: {_listed(missing)}. The GitHub workflow runs them; until a run there passes,"
            " this site makes no claim about them."
        )
    return text


def render_summary(results: Results, programs: list[Program]) -> str:
    return "\n".join(
        [
            "<!-- Generated by the checks from snippets/verified.json (tests/harness/badges.py). Do not edit. -->",
            "<!-- --8<-- [start:summary] -->",
            summary(results, len(programs)),
            "<!-- --8<-- [end:summary] -->",
            "<!-- --8<-- [start:matrix] -->",
            matrix(programs, results),
            "<!-- --8<-- [end:matrix] -->",
            "",
        ]
    )


def write_footers(programs: list[Program] | None = None, results: Results | None = None) -> list[Path]:
    """Regenerate the footers and the summary of where the programs were verified; return the files that changed."""
    programs = discover() if programs is None else programs
    results = load() if results is None else results
    rendered = render_footers(programs, results)
    rendered[SUMMARY] = render_summary(results, programs)
    changed = []
    for path, text in rendered.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            # Whole or not at all: the browser tests' process may be building the site meanwhile.
            partial = path.with_name(f".{path.name}.{os.getpid()}")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)
            changed.append(path)
    return changed


RUN = ROOT / "test-artifacts" / "verified-run.json"  # one check's own results, for CI to merge


def save_run(
    passed: dict[str, dict[str, list[str]]],
    platform: str,
    finished: datetime,
    path: Path = RUN,
    benchmarks: dict[str, dict[str, str]] | None = None,
) -> None:
    """What one check verified (program -> version -> methods), on which platform, and when it finished.

    ``benchmarks`` (program -> version -> stdout) keeps what the benchmark programs printed, for the charts.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    run = {
        "platform": platform,
        "finished": finished.isoformat(timespec="seconds"),
        "passed": passed,
        "benchmarks": benchmarks or {},
    }
    path.write_text(json.dumps(run, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def merge_runs(results: Results, runs: list[dict[str, Any]]) -> Results:
    """``results`` with each run's platform and interpreters replaced, oldest run first: the newest wins.

    CI's cells each upload their own run; the order the files arrive in does not matter.
    """
    for run in sorted(runs, key=lambda run: datetime.fromisoformat(run["finished"])):
        finished = datetime.fromisoformat(run["finished"]).date()
        results = merge(results, run["passed"], run["platform"], finished)
    return results


def main(argv: list[str]) -> int:
    """``python3 dev.py badges merge RUN.json ...``: merge the runs of other machines (CI), then regenerate."""
    if argv == ["footers"]:  # before a build: every program has its line, verified or not yet
        write_footers()
        return 0
    if len(argv) < 2 or argv[0] != "merge":
        print("usage: python3 dev.py badges footers | merge verified-run.json ...", file=sys.stderr)
        return 2
    runs = [json.loads(Path(path).read_text(encoding="utf-8")) for path in argv[1:]]
    results = merge_runs(load(), runs)
    save(results)
    write_footers(results=results)
    for written in save_ci_runs(runs):  # the benchmarks' outputs, for the build's charts
        print(f"kept {written.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
