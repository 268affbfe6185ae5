"""Highlight a program's lines by naming its code, never by line numbers.

A page asks for highlighted lines on the fence that shows a whole program::

    ```python title="snippets/guide/program.py" highlight="for _ in consumers"
    --8<-- "snippets/guide/program.py"
    ```

Each name (several are separated by ``;``) is the start of one statement of the
program as it is written after its indentation: ``def consumer``,
``for _ in consumers``, ``q.put(None)``, ``except queue.Full``. The highlight covers that statement
whole (its body and decorators too) and the comment lines directly above it. A
name may also start with ``#`` to name such a comment; the comment and the
statement under it are highlighted.

Why not line numbers or ``# --8<--`` markers: numbers point at the wrong lines
once the program changes, and pymdownx.snippets deletes marker lines when it
includes a whole file, so the code readers copy would no longer be the file
they download. A name that starts no statement, or more than one, fails the
build and the inventory check instead.

``HighlightExtension`` (``tests.harness.highlight`` in mkdocs.yml) rewrites
``highlight="..."`` into pymdownx.highlight's ``hl_lines="..."`` before
pymdownx.snippets replaces the include line with the file. It is a plain
Python-Markdown extension, not an MkDocs hook, so it works with any builder
that runs Python-Markdown.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from .sample import parse_sample

HIGHLIGHT = re.compile(r"""\shighlight=(?P<quote>["'])(?P<names>.*?)(?P=quote)""")
# A fence line and a pymdownx.snippets include line; the inventory (inventory.py) reads pages with these too.
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
INCLUDE = re.compile(r"""^\s*-{1,}8<-{1,}\s+(?P<quote>["'])(?P<target>[^"']+)(?P=quote)\s*$""")


class HighlightError(ValueError):
    """A highlight that names no statement, or more than one. The message says what to do."""


def _statements(tree: ast.Module) -> list[ast.stmt | ast.excepthandler]:
    """Every statement, nested ones too, and every ``except`` clause."""
    return [node for node in ast.walk(tree) if isinstance(node, (ast.stmt, ast.excepthandler))]


def _first_line(node: ast.stmt | ast.excepthandler) -> int:
    """The statement's first line, counting the decorators of a def or class."""
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(decorator.lineno for decorator in decorators)])


def _comments_above(lines: list[str], first: int) -> int:
    """The first line of the comment lines directly above line ``first`` (1-based), or ``first``."""
    while first > 1 and lines[first - 2].lstrip().startswith("#"):
        first -= 1
    return first


def section_lines(source: str, name: str) -> tuple[int, int]:
    """The first and last line (1-based) that ``name`` highlights in ``source``."""
    lines = source.splitlines()
    statements = _statements(ast.parse(source))
    if name.startswith("#"):
        comments = [number for number, line in enumerate(lines, start=1) if line.lstrip().startswith(name)]
        if len(comments) != 1:
            found = "no comment" if not comments else f"{len(comments)} comments (lines {_listed(comments)})"
            raise HighlightError(f"{name!r} starts {found}; name one comment by how it starts.")
        below = [node for node in statements if _first_line(node) > comments[0]]
        if not below:
            raise HighlightError(f"no statement follows the comment {name!r}.")
        node = min(below, key=_first_line)
        return _comments_above(lines, _first_line(node)), node.end_lineno or node.lineno
    matches = [node for node in statements if lines[node.lineno - 1][node.col_offset :].startswith(name)]
    if len(matches) != 1:
        if not matches:
            raise HighlightError(
                f"{name!r} starts no statement. Name a statement by how its first line starts, "
                "after the indentation (for example 'def consumer' or 'for _ in consumers')."
            )
        where = _listed([node.lineno for node in matches])
        raise HighlightError(
            f"{name!r} starts {len(matches)} statements (lines {where}). "
            "Make it longer so it starts only one, or name the comment above it ('# ...')."
        )
    node = matches[0]
    return _comments_above(lines, _first_line(node)), node.end_lineno or node.lineno


def _listed(numbers: list[int]) -> str:
    return ", ".join(str(number) for number in numbers)


def hl_lines(path: Path, names: str) -> str:
    """pymdownx.highlight's ``hl_lines`` value for the ``;``-separated statement names in ``path``."""
    source = path.read_text(encoding="utf-8")
    spans = []
    for name in (part.strip() for part in names.split(";")):
        if not name:
            raise HighlightError(f"an empty name in highlight={names!r}. Separate names with a single ';'.")
        first, last = section_lines(source, name)
        spans.append(f"{first}-{last}" if last > first else str(first))
    return " ".join(spans)


def output_lines(sample_path: Path, names: str) -> str:
    """``hl_lines`` for an output block: each of its lines that contains one of the ``;``-separated texts.

    A long output (the stacks of every thread of every process) shows these lines, and folds the
    others (harness/outputs.py). A text that no line contains fails the build.
    """
    output = parse_sample(sample_path).output
    numbers: set[int] = set()
    for name in (part.strip() for part in names.split(";")):
        found = {number for number, line in enumerate(output, 1) if name and name in line}
        if not found:
            raise HighlightError(f"no line of the recorded output contains {name!r}.")
        numbers |= found
    return " ".join(str(number) for number in sorted(numbers))


def rewrite(lines: list[str], base: Path) -> list[str]:
    """``lines`` of a page with each ``highlight="..."`` fence turned into ``hl_lines="..."``.

    Raises HighlightError naming the page line (1-based) of the first fence it cannot resolve.
    """
    rewritten = list(lines)
    for index, line in enumerate(lines):
        highlight = HIGHLIGHT.search(line)
        if not highlight or not FENCE.match(line):
            continue
        include = next((text for text in lines[index + 1 :] if text.strip()), "")
        found = INCLUDE.match(include)
        target = found.group("target") if found else ""
        if not found or (":" in target and not target.endswith(".out:output")):
            raise HighlightError(
                f"line {index + 1}: highlight= needs the next line to include a whole program "
                '(--8<-- "snippets/<guide>/<program>.py") or an output '
                '(--8<-- "snippets/<guide>/<program>.out:output").'
            )
        try:
            if target.endswith(".out:output"):
                value = output_lines(base / target.removesuffix(":output"), highlight.group("names"))
            else:
                value = hl_lines(base / target, highlight.group("names"))
        except (HighlightError, OSError, SyntaxError) as error:
            raise HighlightError(f"line {index + 1}: {found.group('target')}: {error}") from None
        rewritten[index] = line[: highlight.start()] + f' hl_lines="{value}"' + line[highlight.end() :]
    return rewritten


class HighlightPreprocessor(Preprocessor):
    def __init__(self, md: Markdown, base: Path) -> None:
        super().__init__(md)
        self.base = base

    def run(self, lines: list[str]) -> list[str]:
        return rewrite(lines, self.base)


class HighlightExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = {"base_path": [".", "the folder that include paths are relative to"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # 33: before pymdownx.snippets (32) replaces the include line with the file.
        md.preprocessors.register(HighlightPreprocessor(md, Path(self.getConfig("base_path"))), "highlight", 33)


def makeExtension(**kwargs: Any) -> HighlightExtension:  # noqa: N802 (Python-Markdown's name)
    return HighlightExtension(**kwargs)
