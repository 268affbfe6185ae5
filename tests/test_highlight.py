"""Highlights named by statements (tests/harness/highlight.py): the lines they cover and the errors they raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.highlight import HighlightError, hl_lines, rewrite, section_lines

SOURCE = '''\
"""A program."""

import functools


def consumer(q: list[int]) -> None:
    # Stop at the first None:
    # every item before it is handled.
    while (item := q.pop()) is not None:
        print(item)
    print("done")


@functools.cache
def producer() -> None:
    print("done")


def main() -> None:
    consumer([None, 1])  # the comment at the end of a line is not above anything
    try:
        producer()
    except ValueError:
        pass
'''


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        pytest.param("def consumer", (6, 11), id="a function, whole"),
        pytest.param("while (item", (7, 10), id="a loop with its body and the comment lines above it"),
        pytest.param("# Stop at", (7, 10), id="a comment names the statement under it"),
        pytest.param("# every item", (7, 10), id="any line of the comment"),
        pytest.param("def producer", (14, 16), id="a decorated function, decorator included"),
        pytest.param("consumer([", (20, 20), id="one line"),
        pytest.param("import functools", (3, 3), id="a top-level statement"),
        pytest.param("except ValueError", (23, 24), id="an except clause"),
    ],
)
def test_a_name_highlights_its_statement(name: str, lines: tuple[int, int]) -> None:
    assert section_lines(SOURCE, name) == lines


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("def worker", "'def worker' starts no statement.", id="unknown"),
        pytest.param('print("done")', "'print(\"done\")' starts 2 statements (lines 11, 16).", id="ambiguous"),
        pytest.param("# no such comment", "'# no such comment' starts no comment;", id="unknown comment"),
        pytest.param("item := q.pop()", "'item := q.pop()' starts no statement.", id="text inside a line"),
    ],
)
def test_a_name_that_does_not_name_one_statement_is_an_error(name: str, message: str) -> None:
    with pytest.raises(HighlightError) as raised:
        section_lines(SOURCE, name)
    assert str(raised.value).startswith(message)


def test_several_names_give_several_spans(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(SOURCE)
    assert hl_lines(program, "def producer; consumer([") == "14-16 20"
    with pytest.raises(HighlightError, match=r"an empty name"):
        hl_lines(program, "def producer;")


def test_the_page_fence_is_rewritten_and_errors_name_the_page_line(tmp_path: Path) -> None:
    (tmp_path / "program.py").write_text(SOURCE)
    page = [
        "Intro",
        "",
        '    ```python title="program.py" highlight="def producer"',
        '    --8<-- "program.py"',
        "    ```",
    ]
    assert rewrite(page, tmp_path)[2] == '    ```python title="program.py" hl_lines="14-16"'
    assert rewrite(page[:2], tmp_path) == page[:2]
    with pytest.raises(HighlightError, match=r"^line 3: program.py: 'def main\(\) -> int' starts no statement"):
        rewrite([*page[:2], page[2].replace("def producer", "def main() -> int"), *page[3:]], tmp_path)
    with pytest.raises(HighlightError, match=r"^line 3: highlight= needs the next line to include a whole program"):
        rewrite([*page[:3], '    --8<-- "program.py:part"', "    ```"], tmp_path)
