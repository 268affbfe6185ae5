"""Sample files: a recorded run of a program plus the rules that say what may vary.

A sample file ``snippets/<guide>/<program>.out`` looks like this::

    #| channel producer ^Producer:
    #| redact {float} \\d+\\.\\d+
    #| --8<-- [start:output]
    Producer: put 0.52
    Consumer: got 0.52

Everything above the marker line is the rule header; everything below it is
the captured run, exactly as the program printed it.  The marker doubles as a
pymdownx.snippets section start, so a page includes ``<program>.out:output``
and shows the captured run without the header.

The rule language is described in CONTRIBUTING.md; ``parse_sample`` raises
``SampleError`` naming the file and line of anything it cannot accept.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .services import KNOWN

RULE_PREFIX = "#|"
OUTPUT_MARKER = "#| --8<-- [start:output]"
# What the program wrote to stderr follows its stdout, after these two lines (only when it wrote any):
# the end marker keeps a page's `<program>.out:output` include to stdout.
OUTPUT_END = "#| --8<-- [end:output]"
STDERR_MARKER = "#| --8<-- [start:stderr]"
# The time limit of one run: at least three times the slowest run of any program on a busy
# machine (4.8 s with eight runs at once on two cores), so that load is never taken for a hang.
# Passing runs never wait for it; a program meant to hang is stopped once it has gone quiet.
DEFAULT_TIMEOUT = 30.0
PLACEHOLDER = re.compile(r"^\{[a-z_][a-z0-9_]*\}$")
FAMILY_NAME = re.compile(r"^([a-z_][a-z0-9_-]*)\[\$1\]$")
PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_-]*$")
COUNT_SPEC = re.compile(r"^(\d+)(?:(\.\.)(\d+)?)?$")
VERSION_CONDITION = re.compile(r"^python(>=|<|!=)(3\.\d+(?:\.\d+)?)$")
CONDITIONS = "python>=3.X[.Y], python<3.X[.Y], python!=3.X[.Y], as-file, as-module"  # what `when` accepts
RUN_CONDITIONS = {"as-file": True, "as-module": False}  # `python file.py`, or `python -m snippets.g.p`


def shown(path: Path) -> str:
    """``snippets/<guide>/<file>`` for a file of a guide, as a contributor finds it; else the path as given."""
    if len(path.parents) > 2 and path.parents[1].name == "snippets":
        return path.relative_to(path.parents[2]).as_posix()
    return str(path)


class SampleError(Exception):
    """A sample file that cannot be used as written; names the file and line."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{shown(path)}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Channel:
    name: str
    pattern: re.Pattern[str]
    family: bool
    line: int


@dataclass(frozen=True)
class Redaction:
    placeholder: str
    pattern: re.Pattern[str]
    line: int


@dataclass(frozen=True)
class CountRule:
    template: str
    low: int
    high: int | None  # None: no upper limit
    line: int


@dataclass(frozen=True)
class PatternRule:
    """An ``unordered`` or ``ignore`` rule: a regular expression on raw lines."""

    pattern: re.Pattern[str]
    line: int


@dataclass(frozen=True)
class OrderRule:
    """Every line of ``before`` comes before every line of ``after``.

    Each side is a channel name or a quoted line template.
    """

    before: str
    before_is_template: bool
    after: str
    after_is_template: bool
    line: int


@dataclass(frozen=True)
class RangeRule:
    """Every value redacted as ``placeholder`` is a number from ``low`` to ``high``."""

    placeholder: str
    low: float
    high: float
    line: int


@dataclass(frozen=True)
class VerdictRule:
    """The program checks the values of ``placeholders`` itself, and prints ``text`` when they are right."""

    text: str
    placeholders: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class SameRule:
    """Values redacted as ``placeholder`` in ``left`` lines equal those in ``right`` lines."""

    placeholder: str
    left: str
    right: str
    as_multiset: bool
    line: int


@dataclass(frozen=True)
class RunKind:
    """What a sample variant's ``when`` rule can tell apart: the interpreter's version and how it was started."""

    version: tuple[int, int, int]
    as_file: bool  # `python file.py`, as a reader who copied the file runs it; else `python -m ...`

    def describe(self) -> str:
        how = "run as a file" if self.as_file else "run with -m"
        return f"Python {'.'.join(map(str, self.version))}, {how}"


@dataclass(frozen=True)
class WhenRule:
    """The conditions under which a sample variant replaces the program's main sample (all must hold)."""

    versions: tuple[tuple[str, tuple[int, ...]], ...]  # (">=", "<" or "!=", (3, 13, 8))
    as_file: bool | None  # None: either way
    line: int

    def holds(self, kind: RunKind) -> bool:
        for operator, version in self.versions:
            if operator == "!=":  # a release left out: python!=3.14.0, or a whole version: python!=3.14
                if kind.version[: len(version)] == version:
                    return False
            elif (kind.version >= version) != (operator == ">="):
                return False
        return self.as_file is None or self.as_file == kind.as_file


@dataclass
class Rules:
    channels: list[Channel] = field(default_factory=list)
    redactions: list[Redaction] = field(default_factory=list)
    counts: list[CountRule] = field(default_factory=list)
    unordered: list[PatternRule] = field(default_factory=list)
    ignored: list[PatternRule] = field(default_factory=list)
    orders: list[OrderRule] = field(default_factory=list)
    sames: list[SameRule] = field(default_factory=list)
    ranges: list[RangeRule] = field(default_factory=list)
    verdicts: list[VerdictRule] = field(default_factory=list)
    free: dict[str, tuple[str, int]] = field(default_factory=dict)  # placeholder -> (why any value is right, line)
    increasing: dict[str, int] = field(default_factory=dict)  # placeholder -> rule line: its sequences only grow
    timeout: float = DEFAULT_TIMEOUT
    memory_mib: int | None = None  # what the run's processes may hold together, if more than the default
    exclusive: bool = False  # no other program runs meanwhile, nor the browser tests unless `untimed`
    untimed: bool = False  # `exclusive untimed`: the browser tests may run meanwhile (Chromium at nice 10)
    # (why, rule line): the program uses no start method of multiprocessing's default context, so it runs
    # under the first method only, and a run that does use the default method fails
    no_start_method: tuple[str, int] | None = None
    needs: list[tuple[str, int]] = field(default_factory=list)  # (server the harness starts, rule line)
    expect_hang: bool = False
    hang_quiet: float = 1.0  # seconds a hanging program must stay silent after its last expected line
    exit_code: int = 0
    stderr: list[PatternRule] = field(default_factory=list)
    allowed_stderr: list[PatternRule] = field(default_factory=list)  # text some runs add anyway; cut first
    skip_on: dict[str, str] = field(default_factory=dict)  # sys.platform -> reason
    wrong_on_purpose: str = ""  # what the program is shown to do wrong ("hang", "lose items"), from its rule

    @property
    def shown_to(self) -> str:
        """What a reader who copies the program copies on purpose: "" for a program to copy, else "hang" ..."""
        if self.wrong_on_purpose:
            return self.wrong_on_purpose
        if self.expect_hang:
            return "hang"
        return "fail" if self.exit_code else ""

    when: WhenRule | None = None  # only in a sample variant: the runs it describes
    members: dict[str, tuple[int, int | None, int]] = field(default_factory=dict)  # family -> (low, high, line)


@dataclass
class Sample:
    path: Path
    header: list[str]  # the rule lines, kept verbatim for updates
    rules: Rules
    output: list[str]  # the captured run's stdout
    first_output_line: int  # line number of output[0] in the file
    stderr: list[str] = field(default_factory=list)  # what the captured run wrote to stderr, paths shortened

    @property
    def first_stderr_line(self) -> int:
        """The line number in the sample file of stderr[0] (after stdout and the two marker lines)."""
        return self.first_output_line + len(self.output) + 2

    def file_line(self, output_index: int) -> int:
        """The line number in the sample file of output line ``output_index``."""
        return self.first_output_line + output_index


def _compile(path: Path, line: int, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise SampleError(path, line, f"bad regular expression {pattern!r}: {error}") from None


def _split(path: Path, line: int, text: str) -> list[str]:
    """Split a rule into words; quoted strings keep their spaces."""
    try:
        return shlex.split(text, posix=True)
    except ValueError as error:
        raise SampleError(path, line, f"cannot split rule {text!r}: {error}") from None


def parse_rule(rules: Rules, path: Path, line: int, text: str) -> None:
    """Add the rule written on ``line`` of ``path`` to ``rules``."""
    keyword, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    if keyword == "channel":
        name, _, pattern = rest.partition(" ")
        family = FAMILY_NAME.match(name)
        if not pattern.strip() or not (family or PLAIN_NAME.match(name)):
            raise SampleError(path, line, "write `channel NAME REGEX` or `channel NAME[$1] REGEX`")
        if name == "main":
            raise SampleError(path, line, "`main` is the channel of lines no rule claims; pick another name")
        compiled = _compile(path, line, pattern.strip())
        if family and compiled.groups < 1:
            raise SampleError(path, line, f"family channel {name} needs a capture group for the key")
        channel_name = family.group(1) if family else name
        if any(c.name == channel_name for c in rules.channels):
            raise SampleError(path, line, f"channel {channel_name} is declared twice")
        rules.channels.append(Channel(channel_name, compiled, bool(family), line))
    elif keyword == "redact":
        placeholder, _, pattern = rest.partition(" ")
        if not PLACEHOLDER.match(placeholder) or not pattern.strip():
            raise SampleError(path, line, "write `redact {name} REGEX`, the name in lower case (a-z, 0-9, _)")
        rules.redactions.append(Redaction(placeholder, _compile(path, line, pattern.strip()), line))
    elif keyword == "count":
        words = _split(path, line, rest)
        spec = COUNT_SPEC.match(words[1]) if len(words) == 2 else None
        if spec is None:
            raise SampleError(path, line, 'write `count "LINE" N`, `N..` or `N..M`')
        low = int(spec.group(1))
        high = low if spec.group(2) is None else (int(spec.group(3)) if spec.group(3) else None)
        if high is not None and high < low:
            raise SampleError(path, line, f"count range {words[1]} is empty")
        rules.counts.append(CountRule(words[0], low, high, line))
    elif keyword in ("unordered", "ignore"):
        if not rest:
            raise SampleError(path, line, f"write `{keyword} REGEX`")
        target = rules.unordered if keyword == "unordered" else rules.ignored
        target.append(PatternRule(_compile(path, line, rest), line))
    elif keyword == "order":
        match = re.fullmatch(r'(\S+|"[^"]*")\s*<\s*(\S+|"[^"]*")', rest)
        if match is None:
            raise SampleError(path, line, 'write `order A < B` (channel names or "quoted lines")')
        before, after = match.group(1), match.group(2)
        rules.orders.append(
            OrderRule(before.strip('"'), before.startswith('"'), after.strip('"'), after.startswith('"'), line)
        )
    elif keyword == "range":
        match = re.fullmatch(r"(\{[a-z_][a-z0-9_]*\})\s+(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)", rest)
        if match is None or float(match.group(2)) > float(match.group(3)):
            raise SampleError(path, line, "write `range {name} LOW..HIGH`, two numbers, LOW first")
        rules.ranges.append(RangeRule(match.group(1), float(match.group(2)), float(match.group(3)), line))
    elif keyword == "verdict":
        match = re.fullmatch(r'"([^"]+)"\s+checks((?:\s+\{[a-z_][a-z0-9_]*\})+)', rest)
        if match is None:
            raise SampleError(path, line, 'write `verdict "LINE" checks {name} ...`: the line the program prints')
        rules.verdicts.append(VerdictRule(match.group(1), tuple(match.group(2).split()), line))
    elif keyword == "increasing":
        if not PLACEHOLDER.match(rest):
            raise SampleError(path, line, "write `increasing {name}`: in each stream its sequences only grow")
        rules.increasing[rest] = line
    elif keyword == "free":
        placeholder, _, reason = rest.partition(" ")
        if not PLACEHOLDER.match(placeholder) or not reason.strip():
            raise SampleError(path, line, "write `free {name} REASON`: why any value is right there")
        rules.free[placeholder] = (reason.strip(), line)
    elif keyword == "same":
        match = re.fullmatch(r'(\{[a-z_][a-z0-9_]*\}):\s*"([^"]*)"\s*(==|~=)\s*"([^"]*)"', rest)
        if match is None:
            raise SampleError(path, line, 'write `same {name}: "LINE" == "LINE"` (or ~= for any order)')
        placeholder, left, operator, right = match.groups()
        rules.sames.append(SameRule(placeholder, left, right, operator == "~=", line))
    elif keyword == "timeout":
        try:
            rules.timeout = float(rest)
        except ValueError:
            raise SampleError(path, line, "write `timeout SECONDS`") from None
    elif keyword == "memory":
        if not re.fullmatch(r"[1-9]\d* MiB", rest):
            raise SampleError(path, line, "write `memory N MiB`: what the run's processes may hold together")
        rules.memory_mib = int(rest.split()[0])
    elif keyword == "needs":
        if rest not in KNOWN:
            raise SampleError(path, line, f"write `needs SERVER`, SERVER one of: {', '.join(KNOWN)}")
        rules.needs.append((rest, line))
    elif keyword == "wrong-on-purpose":
        if not re.fullmatch(r"[a-z][\w ,'().-]*", rest):
            raise SampleError(
                path, line, 'write `wrong-on-purpose WHAT`: what it is shown to do, as in "shown to lose items"'
            )
        rules.wrong_on_purpose = rest
    elif keyword == "exclusive":
        if rest not in ("", "untimed"):
            raise SampleError(
                path,
                line,
                "write `exclusive` alone (the run has the machine's cores to itself), or `exclusive untimed` (no "
                "other program runs beside it, but the browser tests may, Chromium at a lower priority)",
            )
        rules.exclusive = True
        rules.untimed = rest == "untimed"
    elif keyword == "no-start-method":
        if not rest:
            raise SampleError(
                path,
                line,
                "write `no-start-method REASON`: why no start method can change this program (it starts no "
                "process, pool or manager, and makes no queue or lock, through multiprocessing's default context)",
            )
        rules.no_start_method = (rest, line)
    elif keyword == "expect":
        words = rest.split()
        if words and words[0] == "hang" and len(words) <= 2:
            rules.expect_hang = True
            if len(words) == 2:
                try:
                    rules.hang_quiet = float(words[1])
                except ValueError:
                    raise SampleError(path, line, "write `expect hang` or `expect hang QUIET_SECONDS`") from None
        elif len(words) == 2 and words[0] == "exit" and re.fullmatch(r"-?\d+", words[1]):
            rules.exit_code = int(words[1])
        else:
            raise SampleError(path, line, "write `expect hang` or `expect exit N`")
    elif keyword == "stderr":
        if not rest:
            raise SampleError(path, line, "write `stderr REGEX`")
        rules.stderr.append(PatternRule(_compile(path, line, rest), line))
    elif keyword == "allow-stderr":
        if not rest:
            raise SampleError(path, line, "write `allow-stderr REGEX` (with `(?s)` to span lines)")
        rules.allowed_stderr.append(PatternRule(_compile(path, line, rest), line))
    elif keyword == "skip-on":
        platform, _, reason = rest.partition(" ")
        if not platform or not reason.strip():
            raise SampleError(path, line, "write `skip-on PLATFORM REASON` (PLATFORM as in sys.platform)")
        rules.skip_on[platform] = reason.strip()
    elif keyword == "members":
        words = rest.split()
        spec = COUNT_SPEC.match(words[1]) if len(words) == 2 else None
        if spec is None:
            raise SampleError(path, line, "write `members FAMILY N..M` (or N.., or N): how many members may appear")
        family = next((c for c in rules.channels if c.name == words[0] and c.family), None)
        if family is None:
            raise SampleError(
                path, line, f"no family channel {words[0]} declared above: `channel {words[0]}[$1] REGEX`"
            )
        low = int(spec.group(1))
        high = low if spec.group(2) is None else (int(spec.group(3)) if spec.group(3) else None)
        if high is not None and high < low:
            raise SampleError(path, line, f"members range {words[1]} is empty")
        rules.members[words[0]] = (low, high, line)
    elif keyword == "when":
        rules.when = _parse_when(path, line, rest, rules.when)
    else:
        raise SampleError(path, line, f"unknown rule {keyword!r}; see CONTRIBUTING.md for the rule language")


def _parse_when(path: Path, line: int, rest: str, earlier: WhenRule | None) -> WhenRule:
    if earlier is not None:
        raise SampleError(path, line, "a sample has one `when` rule; put every condition on it")
    versions: list[tuple[str, tuple[int, ...]]] = []
    as_file: bool | None = None
    for word in rest.split():
        version = VERSION_CONDITION.match(word)
        if version:
            versions.append((version.group(1), tuple(int(part) for part in version.group(2).split("."))))
        elif word in RUN_CONDITIONS:
            as_file = RUN_CONDITIONS[word]
        else:
            raise SampleError(
                path,
                line,
                f"unknown condition {word!r}: write `when` with {CONDITIONS}",
            )
    if not versions and as_file is None:
        raise SampleError(
            path,
            line,
            "write `when CONDITION...`: python>=3.X[.Y], python<3.X[.Y], python!=3.X[.Y], as-file, as-module",
        )
    return WhenRule(tuple(versions), as_file, line)


def parse_sample(path: Path) -> Sample:
    """Read a sample file; raise ``SampleError`` (file and line) on anything malformed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    try:
        marker = lines.index(OUTPUT_MARKER)
    except ValueError:
        raise SampleError(path, 1, f"no line {OUTPUT_MARKER!r}: rules go above it, the recorded run below it") from None
    rules = Rules()
    errors: list[SampleError] = []  # every bad rule, not only the first, so that one fix round is enough
    for index, text in enumerate(lines[:marker]):
        try:
            if not text.startswith(RULE_PREFIX):
                raise SampleError(path, index + 1, f"header lines start with {RULE_PREFIX!r}")
            body = text[len(RULE_PREFIX) :].strip()
            if body and not body.startswith("#"):  # `#| # ...` is a comment
                parse_rule(rules, path, index + 1, body)
        except SampleError as error:
            errors.append(error)
    if errors:
        first, *others = errors
        raise SampleError(path, first.line, "\n".join([first.message, *(str(error) for error in others)]))
    if rules.expect_hang and rules.exit_code != 0:
        raise SampleError(path, 1, "a program cannot both hang and exit with a status")
    if is_variant(path) and rules.when is None:
        raise SampleError(
            path, 1, "a sample variant (<program>.<name>.out) needs a `when` rule: which runs it describes"
        )
    if not is_variant(path) and rules.when is not None:
        raise SampleError(
            path, rules.when.line, "`when` belongs in a sample variant, <program>.<name>.out, beside this sample"
        )
    output, stderr = lines[marker + 1 :], []
    if STDERR_MARKER in output:
        at = output.index(STDERR_MARKER)
        if at == 0 or output[at - 1] != OUTPUT_END:
            raise SampleError(
                path, marker + at + 2, f"the line before {STDERR_MARKER!r} must be {OUTPUT_END!r}, which ends stdout"
            )
        output, stderr = output[: at - 1], output[at + 1 :]
    elif OUTPUT_END in output:
        at = output.index(OUTPUT_END)
        raise SampleError(path, marker + at + 2, f"{OUTPUT_END!r} is only written before {STDERR_MARKER!r}")
    return Sample(path, lines[:marker], rules, output, marker + 2, stderr)


def program_of(path: Path) -> Path:
    """The program a file beside it belongs to: ``p.out``, ``p.main-preloaded.out``, ``p.timeline.json``: ``p.py``."""
    return path.with_name(path.name.split(".")[0] + ".py")


def is_variant(path: Path) -> bool:
    """``p.main-preloaded.out`` is a variant of ``p.out``: the output of ``p.py`` in the runs its `when` names."""
    return "." in path.stem


def render_sample(header: list[str], output: list[str], stderr: list[str] | None = None) -> str:
    """The text of a sample file with this header and this captured run (stdout, and stderr if any)."""
    after = [OUTPUT_END, STDERR_MARKER, *stderr] if stderr else []
    return "\n".join([*header, OUTPUT_MARKER, *output, *after]) + "\n"


# An absolute path to a file: the project's, the interpreter's or a scratch folder's. Each machine has its own.
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~…])/(?:[^\s\"':/]+/)+(?P<file>[^\s\"':/]+)")
KEPT_FROM = re.compile(r"/(?=(?:snippets|lib/python3\.\d+)/)")


def shorten_paths(text: str) -> str:
    """Replace each absolute path's machine-specific start by an ellipsis.

    ``/home/ann/clone/snippets/g/p.py`` -> ``…/snippets/g/p.py``,
    ``/usr/lib/python3.11/multiprocessing/process.py`` -> ``…/lib/python3.11/multiprocessing/process.py``,
    any other ``/tmp/x/cwd/p.py`` -> ``…/p.py``: what differs between machines is left out of a
    recorded stderr, and out of what it is compared with.
    """

    def shorten(found: re.Match[str]) -> str:
        path = found.group(0)
        kept = [at.end() for at in KEPT_FROM.finditer(path)]
        return "…/" + (path[kept[-1] :] if kept else found.group("file"))

    return ABSOLUTE_PATH.sub(shorten, text)


def skip_reason(rules: Rules) -> str | None:
    """Why this program is not run on this platform, if it is not."""
    return rules.skip_on.get(sys.platform)
