"""The built site: ``mkdocs build --strict`` is clean and each rendered block equals its file.

The inventory checks what the Markdown asks for; this checks what readers get
after pymdownx.snippets, the highlighter and the theme have done their work.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness import badges
from harness.programs import discover
from harness.running import ROOT
from harness.sample import parse_sample

TITLED_BLOCK = re.compile(r'<span class="filename">(?P<title>[^<]*)</span><pre[^>]*>(?P<code>.*?)</pre>', re.S)
TAG = re.compile(r"<[^>]+>")
SECTION_MARKER = re.compile(r"^\s*#\s*-{1,}8<-{1,}\s*\[(?:start|end):[\w-]+\]\s*$")
PROGRAMS = discover()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    badges.write_footers()  # a program added since the last full check gets its "not verified yet" line
    site_dir = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, f"mkdocs build --strict failed:\n{built.stdout}{built.stderr}"
    assert "WARNING" not in built.stderr, built.stderr
    return site_dir


def rendered_blocks(site: Path) -> list[tuple[str, str, str]]:
    """(page, title, text) of every code block with a title, as a reader would copy it."""
    blocks = []
    for page in sorted(site.rglob("*.html")):
        for match in TITLED_BLOCK.finditer(page.read_text(encoding="utf-8")):
            text = html.unescape(TAG.sub("", match.group("code")))
            blocks.append((page.relative_to(site).as_posix(), html.unescape(match.group("title")), text))
    return blocks


def expected_text(title: str) -> str | None:
    """What a block with this title must show: the program file, or the recorded output."""
    for program in PROGRAMS:
        if title == program.relative:
            lines = program.path.read_text(encoding="utf-8").splitlines()
            return "\n".join(line for line in lines if not SECTION_MARKER.match(line))
        if title == f"python -m {program.module}":
            return "\n".join(parse_sample(program.sample_path).output)
    return None


def test_every_rendered_program_and_output_equals_its_file(site: Path) -> None:
    blocks = rendered_blocks(site)
    mismatches = []
    for page, title, text in blocks:
        expected = expected_text(title)
        if expected is None:
            mismatches.append(f"{page}: a block titled {title!r} matches no program or sample")
        elif text.rstrip("\n") != expected:
            mismatches.append(f"{page}: the block titled {title!r} differs from its file")
    assert not mismatches, "\n".join(mismatches)
    shown = {title for _, title, _ in blocks}
    for program in PROGRAMS:
        assert program.relative in shown, f"{program.relative} is not rendered on any page"
        assert f"python -m {program.module}" in shown, f"the output of {program.relative} is not rendered"


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    external = re.compile(r"""<(?:link|script|img|iframe|source)\b[^>]*\b(?:href|src)=["'](?:https?:)?//""", re.I)
    offenders = [
        f"{page.relative_to(site)}: {match.group(0)}"
        for page in sorted(site.rglob("*.html"))
        for match in external.finditer(page.read_text(encoding="utf-8"))
    ]
    assert not offenders, "\n".join(offenders)
