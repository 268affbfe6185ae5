"""An MkDocs hook: under each page's title, when its programs were last verified, and where not yet.

A reader asks "is this current?" at a glance: the newest date among the badges of the programs
the page shows, and the systems and CPython versions of the matrix that none of them has on
record yet (harness/badges.py, from snippets/verified.json). A page without programs gets nothing.
"""

from __future__ import annotations

import re
from typing import Any

from tests.harness.badges import CLAIMED_PLATFORMS, CLAIMED_VERSIONS, PLATFORMS, _ranges, load
from tests.harness.installs import MATRIX, RAY_VERSION, RAY_WHEELS, ROOT, engines_used
from tests.harness.sample import parse_sample

INCLUDE = re.compile(r'^--8<-- "snippets/(?P<name>\w+/\w+)\.py"$', re.M)
TITLE = re.compile(r"^# .+$", re.M)


def impossible_versions(name: str) -> list[str]:
    """The matrix's versions a program cannot run on at all: a Ray program where Ray has no wheel."""
    path = ROOT / "snippets" / f"{name}.py"
    if "Ray" not in engines_used(path):
        return []
    return [f"{major}.{minor}" for major, minor in MATRIX if (major, minor) not in RAY_WHEELS]


def skipped_platforms(name: str) -> set[str]:
    """The systems (as the badges name them) a program's sample says it is not run on."""
    sample = ROOT / "snippets" / f"{name}.out"
    if not sample.exists():
        return set()
    return {PLATFORMS.get(platform, platform) for platform in parse_sample(sample).rules.skip_on}


def record_line(names: list[str], results: dict[str, Any]) -> str | None:
    """The line for a page showing these programs, or None if it shows none."""
    if not names:
        return None
    entries = [results.get(name) or {} for name in names]
    dates = sorted(entry["date"] for entry in entries if entry.get("date"))
    if not dates:
        return "Programs on this page: not verified yet."
    platforms = {platform for entry in entries for platform in entry.get("platforms", {})}
    versions = {version for entry in entries for found in entry.get("platforms", {}).values() for version in found}
    # A version none of the page's programs can run on, or a system all of them skip, is not missing from the
    # record: it is said apart.
    impossible = set.intersection(*(set(impossible_versions(name)) for name in names))
    skipped = set.intersection(*(skipped_platforms(name) for name in names))
    missing_platforms = [p for p in CLAIMED_PLATFORMS if p not in platforms and p not in skipped]
    missing_versions = [version for version in CLAIMED_VERSIONS if version not in versions | impossible]
    line = (
        f"Programs on this page: on record as passing on {', '.join(sorted(platforms))} with CPython "
        f"{_ranges(sorted(versions))}; record last changed {dates[-1]}."
    )
    missing = [f"CPython {_ranges(missing_versions)}"] if missing_versions else []
    missing += missing_platforms
    if missing:
        line += f" Not on record yet: {', '.join(missing)} ([where each ran](/verification.md))."
    if impossible:
        line += f" Ray {RAY_VERSION} has no wheel for CPython {_ranges(sorted(impossible))}."
    if skipped:
        line += f" Not checked on {' or '.join(sorted(skipped))}: see below each program's output."
    return line


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any, **kwargs: Any) -> str:  # noqa: ARG001
    line = record_line([found.group("name") for found in INCLUDE.finditer(markdown)], load())
    title = TITLE.search(markdown)
    if line is None or title is None:
        return markdown
    depth = page.file.src_uri.count("/")
    line = line.replace("(/verification.md)", f"({'../' * depth}verification.md#where-each-program-was-verified)")
    return f"{markdown[: title.end()]}\n\n{line}\n{{ .page-record }}\n{markdown[title.end() :]}"
