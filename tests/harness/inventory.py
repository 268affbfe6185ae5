"""What the pages include, checked against what ``snippets/`` holds, in both directions.

Every fenced block on a page holds include lines only (``--8<-- "path"``), so
no code or output is ever typed into Markdown; the one exception is a shell
block (``bash``/``console``) showing a command to type. Every include names a
file that exists and, after a colon, a section that exists: never line numbers,
which silently show the wrong lines once the file changes. Each block's title
says what it shows: the program's path, or the command that printed the output.
Every program is shown in full on some page together with its output, and
lines are highlighted by naming statements (``highlight="..."``, see
highlight.py), never with ``hl_lines`` numbers.

Each problem is reported as ``path:line: what is wrong. What to do.``
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .checks import stale_traceback
from .highlight import FENCE, HIGHLIGHT, INCLUDE, HighlightError, hl_lines, output_lines
from .programs import Program, discover
from .running import ROOT
from .sample import OUTPUT_MARKER, SampleError, is_variant, parse_sample, program_of
from .timeline import timeline_problems

TITLE = re.compile(r"""title=(?P<quote>["'])(?P<title>[^"']*)(?P=quote)""")
SHELL_LANGUAGES = {"bash", "console", "sh", "shell"}
COMMAND_MODULE = re.compile(r"-m (snippets(?:\.\w+)+)")  # a program named in a shell command
SECTION_MARKER = re.compile(r"^\s*#\s*-{1,}8<-{1,}\s*\[(?:start|end):", re.M)
LINE_NUMBERS = re.compile(r":-?\d+(?::-?\d+)?$")
# The generated line under a program's output (tests/harness/badges.py): the one include allowed outside a fence.
# The generated lines under a program's output (tests/harness/badges.py), and the generated summary of where
# the programs were verified: the includes allowed outside a fence.
FOOTER = re.compile(r"^snippets/(?:[a-z_0-9]+/footers\.md:[a-z_0-9]+|verified\.md:(?:summary|matrix))$")


@dataclass(frozen=True)
class Include:
    where: str  # "docs/page.md:12"
    target: str  # as written: "snippets/g/p.py" or "snippets/g/p.out:output"
    title: str | None  # the title of the fenced block it sits in, if any
    highlight: str | None = None  # the fence's highlight="..." names (tests/harness/highlight.py)
    fence_where: str = ""  # "docs/page.md:11", the line that opens its fenced block

    @property
    def path(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def section(self) -> str | None:
        parts = self.target.split(":", 1)
        return parts[1] if len(parts) == 2 else None


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _language(info: str) -> str:
    """``python`` for ``python title="x"`` or ``{.python .x}``; '' when there is none."""
    info = info.strip()
    if info.startswith("{"):
        match = re.search(r"\.([\w+-]+)", info)
        return match.group(1) if match else ""
    return info.split(" ", 1)[0] if info else ""


def scan_page(page: Path, root: Path = ROOT) -> tuple[list[Include], list[str]]:
    """The includes of one page and the problems found in its fenced blocks."""
    includes: list[Include] = []
    problems: list[str] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    shown = _shown(page, root)
    opened: tuple[int, str, str, str | None] | None = None  # (line, fence, language, title)
    highlight: str | None = None
    for number, text in enumerate(lines, start=1):
        fence = FENCE.match(text)
        if opened is None:
            if fence:
                info = fence.group("info")
                title = TITLE.search(info)
                opened = (number, fence.group("fence"), _language(info), title.group("title") if title else None)
                found = HIGHLIGHT.search(info)
                highlight = found.group("names") if found else None
                if "hl_lines=" in info:
                    problems.append(
                        f"{shown}:{number}: hl_lines highlights by line numbers, which point at the wrong lines "
                        'once the program changes. Name the statements instead: highlight="def consumer; q.put(None)".'
                    )
                continue
            include = INCLUDE.match(text)
            if include and FOOTER.match(include.group("target")):
                includes.append(Include(f"{shown}:{number}", include.group("target"), None))
            elif include:
                problems.append(
                    f"{shown}:{number}: include outside a fenced block. Put it inside "
                    '```python title="<path>" ... ``` or ```text title="python -m <module>" ... ```.'
                )
            continue
        start, fence_text, language, title = opened
        if fence and fence.group("fence").startswith(fence_text) and not fence.group("info").strip():
            opened = None
            continue
        if language in SHELL_LANGUAGES:
            for module in COMMAND_MODULE.findall(text):
                includes.append(Include(f"{shown}:{number}", f"module:{module}", None))
            continue
        if not text.strip():
            continue
        include = INCLUDE.match(text)
        if include:
            includes.append(Include(f"{shown}:{number}", include.group("target"), title, highlight, f"{shown}:{start}"))
        else:
            kind = f"a {language} block" if language else "a fenced block"
            problems.append(
                f"{shown}:{number}: {kind} opened at line {start} types its content into Markdown. "
                'Put the code in a program under snippets/ and include it with --8<-- "snippets/<guide>/<file>".'
            )
    if opened is not None:
        problems.append(f"{shown}:{opened[0]}: fenced block never closed. Close it with {opened[1]}.")
    return includes, problems


# The block-level extensions of mkdocs.yml: they decide what an indented line belongs to.
BLOCK_EXTENSIONS = ["admonition", "attr_list", "def_list", "md_in_html", "tables", "pymdownx.details"]
BLOCK_EXTENSIONS += ["pymdownx.superfences", "pymdownx.tabbed"]


def indented_code(page: Path, root: Path = ROOT) -> list[str]:
    """Code blocks typed into a page by indentation (four spaces), which no include check would see.

    Python-Markdown itself parses the page, so that text indented inside an admonition,
    a list item, a content tab or a definition is told apart from a code block.
    """
    import markdown  # the toolchain's, as mkdocs uses it
    from markdown.blockprocessors import CodeBlockProcessor

    text = page.read_text(encoding="utf-8")
    found: list[str] = []

    class Recording(CodeBlockProcessor):
        def run(self, parent: object, blocks: list[str]) -> None:  # type: ignore[override]
            found.append(blocks[0])
            super().run(parent, blocks)  # type: ignore[arg-type]

    converter = markdown.Markdown(
        extensions=BLOCK_EXTENSIONS, extension_configs={"pymdownx.tabbed": {"alternate_style": True}}
    )
    converter.parser.blockprocessors.register(Recording(converter.parser), "code", 80)
    converter.convert(text)
    problems = []
    lines = text.splitlines()
    for block in found:
        first = block.strip("\n").splitlines()[0].strip()
        number = next((n for n, line in enumerate(lines, start=1) if line.strip() == first), 1)
        problems.append(
            f"{_shown(page, root)}:{number}: a code block typed into the page by indentation ({first[:40]!r}). "
            'Put the code in a program under snippets/ and include it with --8<-- "snippets/<guide>/<file>", '
            "or, if it is not code, indent it less."
        )
    return problems


def _sections(path: Path) -> set[str]:
    """Sections a pymdownx.snippets include can name: ``--8<-- [start:name]`` markers."""
    return set(re.findall(r"--8<-- \[start:([\w-]+)\]", path.read_text(encoding="utf-8")))


def check_include(include: Include, root: Path) -> list[str]:
    """Problems with one include: line numbers, a missing file or section, a title that misleads."""
    if include.target.startswith("module:"):
        module = include.target.removeprefix("module:")
        path = root / (module.replace(".", "/") + ".py")
        if not path.is_file():
            return [f"{include.where}: the command runs {module}, which is not a program. Fix the module name."]
        return []
    if LINE_NUMBERS.search(include.target):
        return [
            f"{include.where}: {include.target!r} includes by line numbers, which show the wrong lines once the "
            "file changes. Mark the part with # --8<-- [start:name] / # --8<-- [end:name] and include path:name."
        ]
    path = root / include.path
    if not path.is_file():
        return [f"{include.where}: {include.path} does not exist. Fix the path (relative to the project root)."]
    section = include.section
    if section is not None and section != "output" and path.suffix == ".out":
        return [
            f"{include.where}: {include.path} has no section {section!r}: include a sample as {include.path}:output."
        ]
    if section is not None and section not in _sections(path) and path.suffix == ".out":
        return [
            f"{include.where}: {include.path} has no line {OUTPUT_MARKER!r} between its rules and its output. "
            f"Add it, or re-record the sample with `python3 dev.py update -k {Path(include.path).parent.name}/"
            f"{Path(include.path).stem.split('.')[0]}`."
        ]
    if section is not None and section not in _sections(path):
        return [
            f"{include.where}: {include.path} has no section {section!r}. "
            f"Add # --8<-- [start:{section}] and [end:{section}] to it, or fix the name."
        ]
    if include.highlight is not None:
        output = path.suffix == ".out" and include.section == "output"
        if not output and (include.section is not None or path.suffix != ".py"):
            return [
                f"{include.fence_where}: highlight= works only on a block that includes a whole program (.py) "
                "or an output (.out:output)."
            ]
        try:
            output_lines(path, include.highlight) if output else hl_lines(path, include.highlight)
        except (HighlightError, SyntaxError, SampleError) as error:
            return [f"{include.fence_where}: {include.path}: {error}"]
    if section is None and path.suffix == ".py" and SECTION_MARKER.search(path.read_text(encoding="utf-8")):
        return [
            f"{include.where}: {include.path} holds # --8<-- section markers, which pymdownx.snippets deletes from a "
            "whole-file include, so readers would copy something other than the file. Remove them; highlight "
            'statements with highlight="..." on the fence instead.'
        ]
    expected = _expected_title(include, root)
    if expected is not None and include.title != expected:
        return [f'{include.where}: the block showing {include.target} must have title="{expected}".']
    return []


def _module(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def _expected_title(include: Include, root: Path) -> str | None:
    path = Path(include.path)
    if path.parts[:1] != ("snippets",):
        return None
    if path.suffix == ".py" and include.section is None:
        return include.path
    if path.suffix == ".out" and is_variant(path):  # the output of particular runs: how they were started
        try:
            when = parse_sample(root / path).rules.when
        except (OSError, SampleError):
            when = None
        if when is None or when.as_file:  # a variant recorded from a module run names no `as-file`
            return f"python {path.stem.split('.')[0]}.py"
        return "python -m " + ".".join(path.with_suffix("").with_suffix("").parts)
    if path.suffix == ".out":
        return "python -m " + ".".join(path.with_suffix("").parts)
    return None


def check_inventory(docs: Path, root: Path = ROOT, programs: list[Program] | None = None) -> list[str]:
    """Every problem between the pages under ``docs`` and the programs, as ``path:line: ...`` lines."""
    programs = discover(root / "snippets") if programs is None else programs
    problems: list[str] = []
    includes: list[Include] = []
    for page in sorted(docs.rglob("*.md")):
        found, page_problems = scan_page(page, root)
        includes += found
        problems += page_problems + indented_code(page, root)
    for include in includes:
        problems += check_include(include, root)
    includes = [include for include in includes if not include.target.startswith("module:")]  # checked above
    shown_in_full = {include.path for include in includes if include.section is None}
    shown_output = {include.path for include in includes if include.section == "output"}
    for program in programs:
        relative = program.path.relative_to(root).as_posix()
        sample = program.sample_path.relative_to(root).as_posix()
        if relative not in shown_in_full:
            problems.append(
                f"{relative}:1: no page shows this program in full. Include it with "
                f'--8<-- "{relative}" in a ```python title="{relative}" block, or delete it.'
            )
        if program.sample_path.exists() and sample not in shown_output:
            problems.append(
                f'{sample}:1: no page shows this output. Include it with --8<-- "{sample}:output" '
                f'in a ```text title="python -m {_module(program.path, root)}" block.'
            )
        for variant in program.variant_paths:
            shown_variant = variant.relative_to(root).as_posix()
            if shown_variant not in shown_output:
                problems.append(
                    f'{shown_variant}:1: no page shows this output. Include it with --8<-- "{shown_variant}:output" '
                    f'in a ```text title="python {program.path.name}" block, next to the main sample (a tab).'
                )
        footer = f"{program.path.parent.relative_to(root).as_posix()}/footers.md:{program.path.stem}"
        if footer not in {include.target for include in includes}:
            problems.append(
                f"{relative}:1: no page shows where this program was verified. Below its output, add the line "
                f'--8<-- "{footer}"'
            )
        if program.sample_path.exists() and OUTPUT_MARKER not in program.sample_path.read_text(encoding="utf-8"):
            problems.append(f"{sample}:1: no line {OUTPUT_MARKER!r}. Re-record it with `python3 dev.py update`.")
        elif program.sample_path.exists():
            with contextlib.suppress(SampleError):  # a broken sample is reported by the checks of its runs
                problems += timeline_problems(program, root)
                for path in [program.sample_path, *program.variant_paths]:
                    stale = stale_traceback(parse_sample(path), program.path)
                    problems += [stale] if stale else []
    for folder in sorted({program.path.parent for program in programs}):
        if not (folder / "__init__.py").is_file():
            problems.append(
                f"{_shown(folder, root)}/__init__.py:1: missing. A guide's folder is a package, so that "
                f"`python -m {_shown(folder, root).replace('/', '.')}.<program>` imports it as every check does: "
                "create the file, empty."
            )
    program_paths = {program.path for program in programs}
    for sample_path in sorted([*(root / "snippets").glob("*/*.out"), *(root / "snippets").glob("*/*.timeline.json")]):
        if program_of(sample_path) not in program_paths:
            problems.append(
                f"{sample_path.relative_to(root).as_posix()}:1: a sample without a program. "
                "Delete it or restore its program."
            )
    return problems


def mkdocs_config(root: Path = ROOT) -> dict[str, Any]:
    """mkdocs.yml as data; MkDocs' ``!ENV`` values read as None (the checks do not need them)."""
    loader = type("MkDocsLoader", (yaml.SafeLoader,), {})
    loader.add_constructor("!ENV", lambda _loader, _node: None)
    config: dict[str, Any] = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    return config


def nav_pages(root: Path = ROOT) -> list[str]:
    """The pages in the order of mkdocs.yml's nav, as paths below the site's address ('' for the home page)."""

    def walk(entries: list[Any]) -> list[str]:
        found = []
        for entry in entries:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            found += walk(value) if isinstance(value, list) else [value]
        return found

    return ["" if page == "index.md" else page.removesuffix(".md") + "/" for page in walk(mkdocs_config(root)["nav"])]
