"""Show a program by the lines its section discusses, with the whole file one click away.

A program block whose fence names statements (``highlight="def consumer"``, see
``tests.harness.highlight``) shows those lines, shaded, with a few lines around
them; each longer stretch of other lines is folded into one ``⋯ N lines`` line.
A ``<details>`` toggle above the block unfolds everything, without a script (CSS:
``.excerpt-toggle[open] ~ .highlight .folded``). The folded lines stay in the
page: the copy button copies the whole file exactly (Material copies the code
element's ``innerText`` with ``data-md-copying`` set, and the CSS shows the
folded lines and hides the markers then), and search still finds them.

A short program, or one that names no statement, is shown whole.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

from .programs import SNIPPETS
from .sample import parse_sample

PROGRAM_BLOCK = re.compile(
    r'(?P<head><div class="highlight"><span class="filename">(?P<title>snippets/[\w/]+\.py)</span>'
    r"<pre[^>]*>(?:<span></span>)?<code>)(?P<code>.*?)(?P<tail></code></pre></div>)",
    re.S,
)
# One line of highlighted code: Pygments closes every span at the end of a line, and wraps a
# shaded line, its newline included, in <span class="hll">.
LINE = re.compile(r'<span class="hll">.*?\n</span>|[^\n]*\n|[^\n]+$', re.S)
CONTEXT = 2  # lines shown before and after each shaded line
SHORTEST_FOLD = 4  # a stretch shorter than this stays shown: a marker would hide little
WHOLE_UP_TO = 30  # a program this short is shown whole


TAG = re.compile(r"<[^>]+>")


def fold_toggle(total: int, folded: int) -> str:
    """The toggle above an excerpt (of a program, or of a long output) that unfolds every line, without a script."""
    return (
        '<details class="excerpt-toggle" data-search-exclude><summary><span class="when-folded">▸ Shaded: the lines '
        f'this section discusses. Show all {total} lines</span><span class="when-unfolded">▾ Fold the {folded} '
        "other lines again</span></summary></details>"
    )


def indented(line: str) -> str:
    """One line of code in a span that knows its indentation: on a phone, where code wraps, the rest of a long
    line continues under the line's own indentation, not at the block's edge (docs/stylesheets/extra.css)."""
    text = html.unescape(TAG.sub("", line))
    indent = len(text) - len(text.lstrip(" "))
    return f'<span class="code-line" style="--indent: {indent}ch">{line}</span>'


def excerpt(block: re.Match[str]) -> str:
    lines = LINE.findall(block.group("code"))
    shaded = [index for index, line in enumerate(lines) if line.startswith('<span class="hll">')]
    if not shaded or len(lines) <= WHOLE_UP_TO:
        return f"{block.group('head')}{''.join(indented(line) for line in lines)}{block.group('tail')}"
    lines = [indented(line) for line in lines]
    shown = {near for index in shaded for near in range(index - CONTEXT, index + CONTEXT + 1)}
    runs: list[tuple[bool, list[str]]] = []  # (folded, lines)
    for index, line in enumerate(lines):
        hidden = index not in shown
        if runs and runs[-1][0] == hidden:
            runs[-1][1].append(line)
        else:
            runs.append((hidden, [line]))
    out = []
    folded_lines = 0
    for hidden, run in runs:
        if hidden and len(run) >= SHORTEST_FOLD:
            folded_lines += len(run)
            out.append(f'<span class="excerpt-gap">⋯ {len(run)} lines\n</span>')
            out.extend(f'<span class="folded">{line}</span>' for line in run)
        else:
            out.extend(run)
    if not folded_lines:
        return block.group(0)
    toggle = fold_toggle(len(lines), folded_lines)
    return f'<div class="excerpt">{toggle}{block.group("head")}{"".join(out)}{block.group("tail")}</div>'


# A program's block, once excerpted: its head, up to the title bar's end.
PROGRAM_HEAD = re.compile(r'<div class="highlight"><span class="filename">(?P<title>snippets/[\w/]+\.py)</span>')


def wrong_on_purpose(text: str, snippets: Path = SNIPPETS) -> str:
    """Mark the title bar of each program that is wrong on purpose, in words and with a rule, not by colour alone.

    A reader who lands on one from a search and copies it must not take it for the fix.
    """

    def mark(head: re.Match[str]) -> str:
        sample_path = snippets.parent / head.group("title").removesuffix(".py")
        shown_to = (
            parse_sample(sample_path.with_suffix(".out")).rules.shown_to
            if sample_path.with_suffix(".out").exists()
            else ""
        )
        if not shown_to:
            return head.group(0)
        return (
            f'<div class="highlight wrong-on-purpose"><span class="filename">{head.group("title")}</span>'
            f'<span class="wrong-mark">✗ Wrong on purpose: shown to {html.escape(shown_to)}. '
            "Do not copy it as a fix.</span>"
        )

    return PROGRAM_HEAD.sub(mark, text)


# A program's code, after its title bar: kept out of the search index, which finds prose, headings and the
# error texts readers paste, not whole programs (Material's search skips an element with this attribute).
PROGRAM_CODE = re.compile(
    r'(<span class="filename">snippets/[\w/]+\.py</span>(?:<span class="wrong-mark">[^<]*</span>)?)<pre'
)


class ExcerptsPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        marked = wrong_on_purpose(PROGRAM_BLOCK.sub(excerpt, text))
        return PROGRAM_CODE.sub(r"\1<pre data-search-exclude", marked)


class ExcerptsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # After pymdownx.superfences has put the highlighted blocks back (raw HTML, priority 30).
        md.postprocessors.register(ExcerptsPostprocessor(md), "program_excerpts", 6)


def makeExtension(**kwargs: Any) -> ExcerptsExtension:  # noqa: N802 (Python-Markdown's name)
    return ExcerptsExtension(**kwargs)
