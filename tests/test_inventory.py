"""The pages and the programs agree: everything shown exists, everything that exists is shown."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from harness.inventory import check_inventory
from harness.programs import Program, discover
from harness.running import ROOT
from harness.timeline import timeline_path

PROGRAM = '"""Say hello."""\n\nif __name__ == "__main__":\n    print("hello", flush=True)\n'
SAMPLE = "#| --8<-- [start:output]\nhello\n"
GOOD_PAGE = """# Hello

```python title="snippets/greet/hello.py"
--8<-- "snippets/greet/hello.py"
```

```text title="python -m snippets.greet.hello"
--8<-- "snippets/greet/hello.out:output"
```
--8<-- "snippets/greet/footers.md:hello"

```bash
python -m snippets.greet.hello
```
"""


def test_the_site_shows_every_program_and_includes_only_what_exists() -> None:
    problems = check_inventory(ROOT / "docs")
    assert not problems, "\n".join(problems)


@functools.cache
def inventory_problems() -> list[str]:
    return check_inventory(ROOT / "docs")


@pytest.mark.parametrize("program", discover(), ids=lambda program: program.name)
def test_a_page_shows_the_program_its_output_and_where_it_was_verified(program: Program) -> None:
    """One test per program, so that `dev.py check -k <guide>/<program>` checks its page too."""
    names = [
        program.relative,
        *(path.relative_to(ROOT).as_posix() for path in [program.sample_path, *program.variant_paths]),
        timeline_path(program.path).relative_to(ROOT).as_posix(),
    ]
    pages = [
        page.relative_to(ROOT).as_posix()
        for page in sorted((ROOT / "docs").rglob("*.md"))
        if f'"{program.relative}"' in page.read_text(encoding="utf-8")
    ]
    own = [
        problem for problem in inventory_problems() if problem.startswith(tuple(f"{name}:" for name in names + pages))
    ]
    assert pages, f"{program.relative}: no page includes it"
    assert not own, "\n".join(own)


def make_project(tmp_path: Path, page: str = GOOD_PAGE) -> Path:
    guide = tmp_path / "snippets" / "greet"
    guide.mkdir(parents=True)
    (guide / "__init__.py").write_text("")
    (guide / "hello.py").write_text(PROGRAM)
    (guide / "hello.out").write_text(SAMPLE)
    (guide / "footers.md").write_text("<!-- --8<-- [start:hello] -->\nverified\n<!-- --8<-- [end:hello] -->\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "hello.md").write_text(page)
    return tmp_path


def problems_of(root: Path) -> list[str]:
    return check_inventory(root / "docs", root)


def test_a_correct_page_passes(tmp_path: Path) -> None:
    assert problems_of(make_project(tmp_path)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            (
                '```text title="python -m snippets.greet.hello"',
                "```python\nprint('typed')\n```\n\n```text title=\"python -m snippets.greet.hello\"",
            ),
            "docs/hello.md:8: a python block opened at line 7 types its content into Markdown",
            id="typed-python-block",
        ),
        pytest.param(
            ('--8<-- "snippets/greet/hello.out:output"', '--8<-- "snippets/greet/hello.out:output"\nhello'),
            "docs/hello.md:9: a text block opened at line 7 types its content into Markdown",
            id="typed-output-line",
        ),
        pytest.param(
            (
                '--8<-- "snippets/greet/hello.py"\n```',
                '--8<-- "snippets/greet/hello.py"\n--8<-- "snippets/greet/gone.py"\n```',
            ),
            "docs/hello.md:5: snippets/greet/gone.py does not exist",
            id="missing-file",
        ),
        pytest.param(
            ("hello.out:output", "hello.out:outptu"),
            "docs/hello.md:8: snippets/greet/hello.out has no section 'outptu': include a sample as "
            "snippets/greet/hello.out:output.",
            id="missing-section",
        ),
        pytest.param(
            ("```bash", '```text title="x"\n--8<-- "snippets/greet/hello.py:1:3"\n```\n\n```bash'),
            "docs/hello.md:13: 'snippets/greet/hello.py:1:3' includes by line numbers",
            id="line-numbers",
        ),
        pytest.param(
            ('title="python -m snippets.greet.hello"', 'title="python hello.py"'),
            "docs/hello.md:8: the block showing snippets/greet/hello.out:output "
            'must have title="python -m snippets.greet.hello"',
            id="misleading-title",
        ),
        pytest.param(
            ("# Hello\n", '# Hello\n\n--8<-- "snippets/greet/hello.py"\n'),
            "docs/hello.md:3: include outside a fenced block",
            id="bare-include",
        ),
        pytest.param(
            ("python -m snippets.greet.hello\n```", "python -m snippets.greet.helo\n```"),
            "docs/hello.md:13: the command runs snippets.greet.helo, which is not a program",
            id="command-for-a-missing-program",
        ),
        pytest.param(
            ("python -m snippets.greet.hello\n```\n", "python -m snippets.greet.hello\n"),
            "docs/hello.md:12: fenced block never closed",
            id="unclosed-fence",
        ),
        pytest.param(
            ('```python title="snippets/greet/hello.py"', '```python title="snippets/greet/hello.py" hl_lines="4"'),
            "docs/hello.md:3: hl_lines highlights by line numbers",
            id="highlight-by-line-numbers",
        ),
        pytest.param(
            ('```python title="snippets/greet/hello.py"', '```python title="snippets/greet/hello.py" highlight="prnt"'),
            "docs/hello.md:3: snippets/greet/hello.py: 'prnt' starts no statement.",
            id="highlight-names-no-statement",
        ),
        pytest.param(
            ('title="python -m snippets.greet.hello"', 'title="python -m snippets.greet.hello" highlight="nowhere"'),
            "docs/hello.md:7: snippets/greet/hello.out: no line of the recorded output contains 'nowhere'.",
            id="highlight-on-an-output-names-no-line",
        ),
    ],
)
def test_a_broken_page_is_reported_with_file_and_line(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in GOOD_PAGE
    root = make_project(tmp_path, GOOD_PAGE.replace(old, new, 1))
    problems = problems_of(root)
    assert any(problem.startswith(expected) for problem in problems), "\n".join(problems)


def test_a_program_no_page_shows_is_reported(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "snippets" / "greet" / "unshown.py").write_text(PROGRAM)
    (root / "snippets" / "greet" / "unshown.out").write_text(SAMPLE)
    problems = problems_of(root)
    assert problems == [
        "snippets/greet/unshown.py:1: no page shows this program in full. Include it with --8<-- "
        '"snippets/greet/unshown.py" in a ```python title="snippets/greet/unshown.py" block, or delete it.',
        "snippets/greet/unshown.out:1: no page shows this output. Include it with --8<-- "
        '"snippets/greet/unshown.out:output" in a ```text title="python -m snippets.greet.unshown" block.',
        "snippets/greet/unshown.py:1: no page shows where this program was verified. Below its output, add the line "
        '--8<-- "snippets/greet/footers.md:unshown"',
    ]


def test_a_sample_without_its_program_is_reported(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "snippets" / "greet" / "renamed.out").write_text(SAMPLE)
    assert problems_of(root) == [
        "snippets/greet/renamed.out:1: a sample without a program. Delete it or restore its program."
    ]


def test_a_highlighted_statement_passes(tmp_path: Path) -> None:
    page = GOOD_PAGE.replace('title="snippets/greet/hello.py"', 'title="snippets/greet/hello.py" highlight="print("')
    assert problems_of(make_project(tmp_path, page)) == []


def test_section_markers_in_a_program_shown_whole_are_reported(tmp_path: Path) -> None:
    """pymdownx.snippets would delete the marker lines, so the copy button would not copy the file."""
    root = make_project(tmp_path)
    marked = PROGRAM.replace("    print", "    # --8<-- [start:greet]\n    print") + "# --8<-- [end:greet]\n"
    (root / "snippets" / "greet" / "hello.py").write_text(marked)
    problems = problems_of(root)
    assert len(problems) == 1
    assert problems[0].startswith("docs/hello.md:4: snippets/greet/hello.py holds # --8<-- section markers"), problems


def test_a_guide_folder_without_init_is_reported(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "snippets" / "greet" / "__init__.py").unlink()
    assert problems_of(root) == [
        "snippets/greet/__init__.py:1: missing. A guide's folder is a package, so that "
        "`python -m snippets.greet.<program>` imports it as every check does: create the file, empty."
    ]


def test_a_variant_sample_must_be_shown_and_titled_as_the_file_run(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "snippets" / "greet" / "hello.as-file.out").write_text("#| when as-file\n" + SAMPLE)
    assert problems_of(root) == [
        "snippets/greet/hello.as-file.out:1: no page shows this output. Include it with --8<-- "
        '"snippets/greet/hello.as-file.out:output" in a ```text title="python hello.py" block, next to the main '
        "sample (a tab)."
    ]


def test_code_typed_into_a_page_by_indentation_is_reported(tmp_path: Path) -> None:
    page = GOOD_PAGE + "\nSome text.\n\n    import os\n    print(os.getcwd())\n\n!!! note\n    Indented, but prose.\n"
    problems = problems_of(make_project(tmp_path, page))
    line = page.splitlines().index("    import os") + 1
    assert problems == [
        f"docs/hello.md:{line}: a code block typed into the page by indentation ('import os'). Put the code in a "
        'program under snippets/ and include it with --8<-- "snippets/<guide>/<file>", or, if it is not code, '
        "indent it less."
    ]


def test_a_sample_without_its_output_marker_gets_the_right_advice(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    sample = root / "snippets" / "greet" / "hello.out"
    sample.write_text(sample.read_text().replace("#| --8<-- [start:output]\n", ""))
    assert (
        "docs/hello.md:8: snippets/greet/hello.out has no line '#| --8<-- [start:output]' between its rules and "
        "its output. Add it, or re-record the sample with `python3 dev.py update -k greet/hello`."
    ) in problems_of(root)
