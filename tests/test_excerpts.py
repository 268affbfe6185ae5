"""A program block shows the lines its section discusses; the rest is folded, and still copied."""

from __future__ import annotations

import html
import re

from harness.excerpts import CONTEXT, PROGRAM_BLOCK, SHORTEST_FOLD, excerpt

TAG = re.compile(r"<[^>]+>")


def block(lines: list[str], shaded: set[int]) -> str:
    """A program block as pymdownx.highlight renders it: one shaded line per <span class="hll">."""
    code = "".join(
        f'<span class="hll">{html.escape(line)}\n</span>' if number in shaded else f"{html.escape(line)}\n"
        for number, line in enumerate(lines, start=1)
    )
    return (
        '<div class="highlight"><span class="filename">snippets/g/p.py</span><pre><span></span>'
        f"<code>{code}</code></pre></div>"
    )


def shown_lines(rendered: str) -> list[str]:
    """What a reader sees with the block folded: no folded line, one marker per fold."""
    code = re.search(r"<code>(.*)</code>", rendered, re.S)
    assert code is not None
    visible = re.sub(r'<span class="folded">.*?\n</span>', "", code.group(1), flags=re.S)
    return html.unescape(TAG.sub("", visible)).splitlines()


def copied(rendered: str) -> str:
    """What the copy button copies: every line, no marker (Material's innerText with data-md-copying set)."""
    code = re.search(r"<code>(.*)</code>", rendered, re.S)
    assert code is not None
    return html.unescape(TAG.sub("", re.sub(r'<span class="excerpt-gap">[^<]*</span>', "", code.group(1))))


PROGRAM = [f"line {number}" for number in range(1, 61)]


def render(lines: list[str], shaded: set[int]) -> str:
    source = block(lines, shaded)
    match = PROGRAM_BLOCK.search(source)
    assert match is not None
    return excerpt(match)


def test_the_shaded_lines_and_their_context_are_shown_and_the_rest_folded() -> None:
    rendered = render(PROGRAM, {30, 31})
    shown = shown_lines(rendered)
    assert shown == [
        "⋯ 27 lines",
        *(f"line {number}" for number in range(30 - CONTEXT, 31 + CONTEXT + 1)),
        f"⋯ {60 - 31 - CONTEXT} lines",
    ]
    assert copied(rendered) == "".join(f"{line}\n" for line in PROGRAM)
    assert "Show all 60 lines" in rendered and "Fold the 54 other lines again" in rendered


def test_a_short_gap_stays_shown() -> None:
    gap = SHORTEST_FOLD - 1
    first, second = 20, 20 + 2 * CONTEXT + gap + 1
    shown = shown_lines(render(PROGRAM, {first, second}))
    assert [f"line {number}" for number in range(first - CONTEXT, second + CONTEXT + 1)] == shown[1:-1]


def test_a_short_program_or_one_without_shaded_lines_is_shown_whole() -> None:
    for lines, shaded in ((PROGRAM[:30], {15}), (PROGRAM, set())):
        source = block(lines, shaded)
        match = PROGRAM_BLOCK.search(source)
        assert match is not None
        shown = excerpt(match)
        assert "excerpt-gap" not in shown and "folded" not in shown and copied(shown) == copied(source)
        assert shown.count('<span class="code-line"') == len(lines)  # each line wraps under its own indentation
