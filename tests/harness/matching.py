"""Compare a program's output with its sample, under the sample's rules.

The output is split into streams, one per process: each line belongs to the
one channel whose regular expression it matches, or to ``main``.  Lines of
different streams may interleave freely; within a stream the order and the
counts are those of the sample unless a rule says otherwise.  Values that
differ from run to run are redacted to ``{placeholders}`` in the sample and
in the run alike before anything is compared.

Each stream is matched against its template by a small automaton without
backtracking, so a check is linear in the length of the output.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from .sample import Channel, Rules, Sample, SampleError, shorten_paths, shown

MAIN = "main"
UNDECLARED_STDERR = (
    "the run wrote to stderr, and no `stderr REGEX` rule says that it should. If writing to stderr is the "
    "lesson, add a rule naming the line it must contain (say `#| stderr KeyboardInterrupt`); otherwise fix "
    "the program"
)


@dataclass
class Line:
    """One output line after classification and redaction."""

    number: int  # 1-based position in the output
    raw: str
    channel: str  # rule name, or "main"
    stream: str  # channel, or "channel[key]" for a family member
    text: str  # normalised: family key as {key}, variable values as {placeholders}
    values: dict[str, list[str]] = field(default_factory=dict)
    unordered: bool = False


@dataclass
class Problem:
    rule: str  # which rule or check failed: "stream", "family", "order", "same", "channel"
    stream: str | None
    message: str
    diff: str = ""


@dataclass
class Element:
    """One step of a stream's template: a line repeated low..high times, or an unordered block."""

    text: str | None
    bag: Counter[str] | None
    low: int
    high: int | None
    sample_line: int  # line of the sample file it was made from


@dataclass
class Token:
    """A run line, or a block of consecutive lines claimed by an ``unordered`` rule."""

    lines: list[Line]

    @property
    def is_block(self) -> bool:
        return self.lines[0].unordered

    @property
    def bag(self) -> Counter[str]:
        return Counter(line.text for line in self.lines)


def claims(raw: str, rules: Rules) -> list[tuple[Channel, re.Match[str]]]:
    """Every channel whose pattern matches the line, in rule order: more than one is an error."""
    found = [(channel, channel.pattern.search(raw)) for channel in rules.channels]
    return [(channel, match) for channel, match in found if match]


def stream_of(raw: str, rules: Rules) -> str:
    """The stream of a line: its channel, ``name[key]`` for a family member, or ``main``; ignored lines too."""
    return _stream(claims(raw, rules))


def stream_label(stream: str) -> str:
    """``consumer[1]`` -> ``consumer 1``: how a reader names the process."""
    name, _, key = stream.partition("[")
    return f"{name} {key.rstrip(']')}" if key else name


def _stream(matched: list[tuple[Channel, re.Match[str]]]) -> str:
    if not matched:
        return MAIN
    channel, found = matched[0]
    return f"{channel.name}[{found.group(1)}]" if channel.family else channel.name


def classify(output: list[str], rules: Rules, first: int = 1) -> tuple[list[Line], list[Problem]]:
    """Assign every line a stream and normalise it; report lines two channels claim.

    Lines are numbered from ``first``: 1 for a run, the file line for a sample.
    """
    lines: list[Line] = []
    problems: list[Problem] = []
    for number, raw in enumerate(output, start=first):
        if any(rule.pattern.search(raw) for rule in rules.ignored):
            continue
        matched = claims(raw, rules)
        if len(matched) > 1:
            names = " and ".join(channel.name for channel, _ in matched)
            problems.append(
                Problem(
                    "channel",
                    None,
                    f"line {number} {raw!r} matches channels {names}: either the channel "
                    "rules overlap or two processes' lines were torn together",
                )
            )
        text, channel_name, stream = raw, MAIN, _stream(matched)
        if matched:
            channel, found = matched[0]
            channel_name = channel.name
            if channel.family:
                text = raw[: found.start(1)] + "{key}" + raw[found.end(1) :]
        values: dict[str, list[str]] = {}
        for redaction in rules.redactions:
            taken = values.setdefault(redaction.placeholder, [])

            def substitute(found: object, taken: list[str] = taken, placeholder: str = redaction.placeholder) -> str:
                taken.append(found.group(0))  # type: ignore[attr-defined]
                return placeholder

            text = redaction.pattern.sub(substitute, text)
        for placeholder, side, pattern in _captures(rules):
            found = pattern.fullmatch(text)
            if found:  # a `same` rule's own placeholder: free in this side's lines only
                values.setdefault(placeholder, []).extend(found.groups())
                text = side
                break
        unordered = any(rule.pattern.search(raw) for rule in rules.unordered)
        lines.append(Line(number, raw, channel_name, stream, text, values, unordered))
    return lines, problems


def _captures(rules: Rules) -> list[tuple[str, str, re.Pattern[str]]]:
    """(placeholder, side, pattern) for each side of a `same` rule whose placeholder no `redact` rule declares.

    Such a placeholder stands for any text, in the lines that side names and
    nowhere else: other lines stay literal.
    """
    redacted = {redaction.placeholder for redaction in rules.redactions}
    captures = []
    for same in rules.sames:
        if same.placeholder in redacted:
            continue
        for side in (same.left, same.right):
            pattern = re.escape(side).replace(re.escape(same.placeholder), "(.+?)")
            captures.append((same.placeholder, side, re.compile(pattern)))
    return captures


def streams_of(lines: list[Line]) -> dict[str, list[Line]]:
    streams: dict[str, list[Line]] = {}
    for line in lines:
        streams.setdefault(line.stream, []).append(line)
    return streams


def tokens_of(lines: list[Line]) -> list[Token]:
    tokens: list[Token] = []
    for line in lines:
        if line.unordered and tokens and tokens[-1].is_block:
            tokens[-1].lines.append(line)
        else:
            tokens.append(Token([line]))
    return tokens


def template_of(lines: list[Line], rules: Rules) -> list[Element]:
    """Collapse a sample stream into elements, applying ``count`` rules."""
    counts = {rule.template: rule for rule in rules.counts}
    elements: list[Element] = []
    for token in tokens_of(lines):
        first = token.lines[0]
        if token.is_block:
            elements.append(Element(None, token.bag, 1, 1, first.number))
        elif elements and elements[-1].text == first.text and elements[-1].bag is None:
            elements[-1].low += 1
            elements[-1].high = elements[-1].low
        else:
            elements.append(Element(first.text, None, 1, 1, first.number))
    for element in elements:
        rule = counts.get(element.text or "")
        if rule is not None:
            element.low, element.high = rule.low, rule.high
    return elements


def describe(element: Element) -> str:
    if element.bag is not None:
        return f"an unordered block of {sum(element.bag.values())} lines (sample file line {element.sample_line})"
    times = (
        f"{element.low}"
        if element.high == element.low
        else f"{element.low}..{element.high if element.high is not None else ''}"
    )
    return f"{element.text!r} x{times} (sample file line {element.sample_line})"


def _closure(states: set[tuple[int, int]], elements: list[Element]) -> set[tuple[int, int]]:
    pending = list(states)
    closed = set(states)
    while pending:
        index, taken = pending.pop()
        if index < len(elements) and taken >= elements[index].low and (index + 1, 0) not in closed:
            closed.add((index + 1, 0))
            pending.append((index + 1, 0))
    return closed


def match_stream(stream: str, lines: list[Line], elements: list[Element]) -> Problem | None:
    """Match one stream's lines against its template; describe the first mismatch."""
    states = _closure({(0, 0)}, elements)
    for token in tokens_of(lines):
        following: set[tuple[int, int]] = set()
        for index, taken in states:
            if index == len(elements):
                continue
            element = elements[index]
            if token.is_block:
                if element.bag is not None and taken == 0 and token.bag == element.bag:
                    following.add((index, 1))
            elif (
                element.bag is None
                and token.lines[0].text == element.text
                and (element.high is None or taken < element.high)
            ):
                following.add((index, min(taken + 1, max(element.low, 1)) if element.high is None else taken + 1))
        if not following:
            return _mismatch(stream, token, states, elements, lines)
        states = _closure(following, elements)
    if (len(elements), 0) in states:
        return None
    waiting = max((index for index, _ in states if index < len(elements)), default=len(elements))
    missing = elements[waiting] if waiting < len(elements) else None
    what = describe(missing) if missing else "more lines"
    return Problem(
        "stream",
        stream,
        f"stream {stream} ended after {len(lines)} lines; the sample still expects {what} (missing line)",
    )


def _mismatch(
    stream: str, token: Token, states: set[tuple[int, int]], elements: list[Element], lines: list[Line]
) -> Problem:
    first = token.lines[0]
    expected = sorted(
        {
            index
            for index, taken in states
            if index < len(elements) and (elements[index].high is None or taken < elements[index].high)
        }
    )
    wanted = "; or ".join(describe(elements[index]) for index in expected) or "nothing more"
    if token.is_block:
        sample_bags = [element.bag for element in elements if element.bag is not None]
        extra = token.bag - sample_bags[0] if sample_bags else token.bag
        lacking = sample_bags[0] - token.bag if sample_bags else Counter()
        detail = (
            f"unordered block at output line {first.number} differs: "
            f"missing {sorted(lacking.elements())}, unexpected {sorted(extra.elements())}"
        )
    else:
        known = any(element.text == first.text for element in elements)
        kind = "reordered, or repeated more often than the sample allows" if known else "unexpected line"
        detail = f"output line {first.number} {first.raw!r} ({kind})"
    return Problem("stream", stream, f"stream {stream}: {detail}; the sample expects here {wanted}")


def _family_problems(
    sample_streams: dict[str, list[Line]], run_streams: dict[str, list[Line]], rules: Rules
) -> tuple[dict[str, str], list[Problem]]:
    """Map each run stream to the sample stream whose template it must follow."""
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    for channel in rules.channels:
        if not channel.family:
            mapping[channel.name] = channel.name
            continue
        prefix = channel.name + "["
        sample_members = [name for name in sample_streams if name.startswith(prefix)]
        run_members = [name for name in run_streams if name.startswith(prefix)]
        low, high, line = rules.members.get(channel.name, (len(sample_members), len(sample_members), channel.line))
        if len(run_members) < low or (high is not None and len(run_members) > high):
            allowed = f"{low}" if low == high else f"{low}..{'' if high is None else high}"
            problems.append(
                Problem(
                    "family",
                    channel.name,
                    f"channel family {channel.name} (rule at line {line}): {allowed} members allowed "
                    f"(the sample has {len(sample_members)} {sample_members}), the run has {len(run_members)} "
                    f"{run_members}",
                )
            )
        if sample_members:
            longest = max(sample_members, key=lambda name: len(sample_streams[name]))
            for member in run_members:
                mapping[member] = longest
    mapping[MAIN] = MAIN
    return mapping, problems


def _where(lines: list[Line], side: str, is_template: bool) -> list[Line]:
    if is_template:
        return [line for line in lines if line.text == side]
    return [line for line in lines if line.channel == side]


# A value of an `increasing` rule: the text before its last number (which names the sequence), the number, the rest.
SEQUENCE = re.compile(r"(.*?)(\d+)(\D*)")


def match_output(sample: Sample, output: list[str]) -> list[Problem]:
    """Every way ``output`` breaks the rules of ``sample``; empty when it matches."""
    rules = sample.rules
    sample_lines, sample_overlaps = classify(sample.output, rules, sample.first_output_line)
    if sample_overlaps:
        raise SampleError(sample.path, sample.first_output_line, f"in the sample, {sample_overlaps[0].message}")
    run_lines, problems = classify(output, rules)
    sample_streams = streams_of(sample_lines)
    run_streams = streams_of(run_lines)
    mapping, family_problems = _family_problems(sample_streams, run_streams, rules)
    problems += family_problems
    for stream, lines in run_streams.items():
        template_stream = mapping.get(stream)
        if template_stream is None or template_stream not in sample_streams:
            problems.append(
                Problem(
                    "stream",
                    stream,
                    f"stream {stream} has {len(lines)} lines; the sample has no such stream (unexpected)",
                )
            )
            continue
        elements = template_of(sample_streams[template_stream], rules)
        problem = match_stream(stream, lines, elements)
        if problem:
            problem.diff = _diff(sample_streams[template_stream], lines, template_stream, stream)
            problems.append(problem)
    expected_plain = {name for name in sample_streams if "[" not in name}
    for stream in sorted(expected_plain - set(run_streams)):
        elements = template_of(sample_streams[stream], rules)
        problem = match_stream(stream, [], elements)
        if problem:
            problem.diff = _diff(sample_streams[stream], [], stream, stream)
            problems.append(problem)
    for order in rules.orders:
        before = _where(run_lines, order.before, order.before_is_template)
        after = _where(run_lines, order.after, order.after_is_template)
        if before and after and max(line.number for line in before) > min(line.number for line in after):
            late = max(before, key=lambda line: line.number)
            early = min(after, key=lambda line: line.number)
            problems.append(
                Problem(
                    "order",
                    None,
                    f"order rule at line {order.line} ({order.before} < {order.after}): output line "
                    f"{late.number} {late.raw!r} comes after output line {early.number} {early.raw!r}",
                )
            )
    for bound in rules.ranges:
        for line in run_lines:
            for value in line.values.get(bound.placeholder, []):
                try:
                    inside = bound.low <= float(value) <= bound.high
                except ValueError:
                    inside = False
                if not inside:
                    problems.append(
                        Problem(
                            "range",
                            line.stream,
                            f"range rule at line {bound.line}: {bound.placeholder} is {value.strip()!r} in output "
                            f"line {line.number} {line.raw!r}, outside {bound.low:g}..{bound.high:g}",
                        )
                    )
    for placeholder, rule_line in rules.increasing.items():
        for stream, lines in run_streams.items():
            last: dict[tuple[str, str], tuple[int, Line]] = {}
            for line in lines:
                for value in line.values.get(placeholder, []):
                    parts = SEQUENCE.fullmatch(value.strip())
                    if parts is None:
                        continue
                    key, number = (parts.group(1), parts.group(3)), int(parts.group(2))
                    if key in last and number <= last[key][0]:
                        earlier = last[key][1]
                        problems.append(
                            Problem(
                                "increasing",
                                stream,
                                f"increasing rule at line {rule_line}: in stream {stream}, output line {line.number} "
                                f"{line.raw!r} comes after output line {earlier.number} {earlier.raw!r}",
                            )
                        )
                    last[key] = (number, line)
    for same in rules.sames:
        left = [
            value for line in run_lines if line.text == same.left for value in line.values.get(same.placeholder, [])
        ]
        right = [
            value for line in run_lines if line.text == same.right for value in line.values.get(same.placeholder, [])
        ]
        if same.as_multiset:
            if Counter(left) != Counter(right):
                only_left = sorted((Counter(left) - Counter(right)).elements())
                only_right = sorted((Counter(right) - Counter(left)).elements())
                problems.append(
                    Problem(
                        "same",
                        None,
                        f"same rule at line {same.line}: values {only_left} appear in {same.left!r} lines only "
                        f"and {only_right} in {same.right!r} lines only",
                    )
                )
        elif left != right:
            first = next(
                (i for i, pair in enumerate(zip(left, right, strict=False)) if pair[0] != pair[1]),
                min(len(left), len(right)),
            )
            got_left = left[first] if first < len(left) else "nothing"
            got_right = right[first] if first < len(right) else "nothing"
            problems.append(
                Problem(
                    "same",
                    None,
                    f"same rule at line {same.line}: value #{first + 1} differs: {same.left!r} has {got_left}, "
                    f"{same.right!r} has {got_right}",
                )
            )
    return problems


def _diff(expected: list[Line], actual: list[Line], expected_name: str, actual_name: str) -> str:
    return "\n".join(
        difflib.unified_diff(
            [line.text for line in expected],
            [line.text for line in actual],
            f"sample {expected_name} (normalised)",
            f"run {actual_name} (normalised)",
            lineterm="",
        )
    )


def tagged(output: list[str], rules: Rules) -> str:
    """The whole output with each line's stream, for failure messages."""
    lines, _ = classify(output, rules)
    by_number = {line.number: line for line in lines}
    width = max([len(line.stream) for line in lines] + [len("ignored")])
    rows = []
    for number, raw in enumerate(output, start=1):
        line = by_number.get(number)
        rows.append(f"{number:4} {line.stream if line else 'ignored':>{width}} | {raw}")
    return "\n".join(rows)


def report(sample: Sample, output: list[str], problems: list[Problem]) -> str:
    """A failure message: each problem with its rule, stream and diff, then the tagged run."""
    line = sample.first_output_line
    if problems:
        pointed = re.search(r"(?:sample file line|rule at line) (\d+)", problems[0].message)
        line = int(pointed.group(1)) if pointed else line
    name = sample.path.parent.name + "/" + sample.path.stem.split(".")[0]  # a variant's program too
    parts = [
        f"{shown(sample.path)}:{line}: the run does not match the sample under its rules. "
        f"If the output changed on purpose, re-record it with `python3 dev.py update -k {name}`; "
        "if a freedom is missing, add a rule (CONTRIBUTING.md); otherwise fix the program."
    ]
    for problem in problems:
        parts.append(f"FAIL [{problem.rule}] {problem.message}")
        if problem.diff:
            parts.append(problem.diff)
    parts.append("--- the whole run, each line tagged with its stream ---")
    parts.append(tagged(output, sample.rules) or "(no output)")
    return "\n".join(parts)


def check_sample(sample: Sample) -> None:
    """Raise ``SampleError`` if the sample does not satisfy its own rules, or a rule is unused."""
    rules = sample.rules
    lines, overlaps = classify(sample.output, rules, sample.first_output_line)
    if overlaps:
        raise SampleError(sample.path, sample.first_output_line, f"in the sample, {overlaps[0].message}")
    raw = sample.output
    texts = {line.text for line in lines}
    for channel in rules.channels:
        if not any(line.channel == channel.name for line in lines):
            raise SampleError(sample.path, channel.line, f"channel {channel.name} claims no line of the recorded run")
    for group in (rules.ignored, rules.unordered):
        for rule in group:
            if not any(rule.pattern.search(text) for text in raw):
                raise SampleError(
                    sample.path, rule.line, f"{rule.pattern.pattern!r} matches no line of the recorded run"
                )
    for redaction in rules.redactions:
        if not any(redaction.pattern.search(text) for text in [*raw, *sample.stderr]):
            raise SampleError(
                sample.path, redaction.line, f"redact {redaction.placeholder} matches nothing in the recorded run"
            )
    for count in rules.counts:
        if count.template not in texts:
            raise SampleError(
                sample.path,
                count.line,
                f"count rule names {count.template!r}, which is not a normalised line of the recorded run",
            )
    for order in rules.orders:
        for side, is_template in ((order.before, order.before_is_template), (order.after, order.after_is_template)):
            if not _where(lines, side, is_template):
                raise SampleError(sample.path, order.line, f"order rule: {side!r} names no line of the recorded run")
    for same in rules.sames:
        for side in (same.left, same.right):
            if side not in texts or same.placeholder not in side:
                raise SampleError(
                    sample.path,
                    same.line,
                    f"same rule: {side!r} is not a normalised line of the recorded run containing {same.placeholder}",
                )
    redacted = {redaction.placeholder for redaction in rules.redactions}
    named = [(bound.placeholder, bound.line) for bound in rules.ranges]
    named += [(placeholder, line) for placeholder, (_, line) in rules.free.items()]
    named += list(rules.increasing.items())
    named += [(placeholder, verdict.line) for verdict in rules.verdicts for placeholder in verdict.placeholders]
    for placeholder, line in named:
        if placeholder not in redacted:
            raise SampleError(sample.path, line, f"no `redact {placeholder} REGEX` rule declares {placeholder}")
    for verdict in rules.verdicts:
        found = [line for line in lines if line.raw == verdict.text]
        if not found or any(line.text != line.raw for line in found):
            raise SampleError(
                sample.path,
                verdict.line,
                f"verdict {verdict.text!r} is not a line of the recorded run that every run must print as it is "
                "(no rule may redact or ignore it)",
            )
    if sample.stderr and not rules.stderr:
        raise SampleError(sample.path, sample.first_stderr_line, UNDECLARED_STDERR)
    for rule in rules.stderr:
        if not rule.pattern.search("\n".join(sample.stderr)):
            raise SampleError(
                sample.path,
                rule.line,
                f"stderr {rule.pattern.pattern!r} matches nothing the recorded run wrote to stderr"
                + ("" if sample.stderr else " (it recorded none: record it with `python3 dev.py update`)"),
            )
    for rule in rules.allowed_stderr:
        if sample.stderr and rule.pattern.search("\n".join(sample.stderr) + "\n"):
            raise SampleError(
                sample.path,
                rule.line,
                f"allow-stderr {rule.pattern.pattern!r} matches the recorded stderr, which should never hold what "
                "it cuts: record it again with `python3 dev.py update`",
            )
    problems = match_output(sample, sample.output)
    if problems:
        pointed = re.search(r"(?:rule at line|sample file line) (\d+)", problems[0].message)
        raise SampleError(
            sample.path,
            int(pointed.group(1)) if pointed else sample.first_output_line,
            "the recorded run does not satisfy its own rules:\n" + "\n".join(p.message for p in problems),
        )


def stderr_lines(stderr: str) -> list[str]:
    """A run's stderr as a sample records it: its lines, each absolute path shortened (sample.shorten_paths)."""
    text = shorten_paths(stderr)
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


def is_compared(stderr_line: str) -> bool:
    """Whether the check compares this stderr line: not a traceback's frames, source lines or markers.

    Those are indented, and they differ between Python versions (3.11 added the ``^^^`` markers,
    each version has its own bootstrap frames) and start methods; the unindented lines, such as
    ``Process Process-1:``, ``Traceback (most recent call last):`` and the exception itself, do not.
    """
    return bool(stderr_line.strip()) and stderr_line[:1] not in (" ", "\t")


def _messages(lines: list[str], rules: Rules) -> Counter[str]:
    counted: Counter[str] = Counter()
    for line in filter(is_compared, lines):
        for redaction in rules.redactions:
            line = redaction.pattern.sub(redaction.placeholder, line)
        counted[line] += 1
    return counted


def match_stderr(sample: Sample, stderr: str) -> str | None:
    """How the run's stderr differs from the recorded one, or None.

    The unindented lines, after redaction, must be the same lines the same number of times, in any
    order: two processes writing tracebacks at once interleave them.
    """
    expected, actual = _messages(sample.stderr, sample.rules), _messages(stderr_lines(stderr), sample.rules)
    if expected == actual:
        return None
    missing, extra = expected - actual, actual - expected
    parts = [f"  missing {count}x: {line}" for line, count in missing.items()]
    parts += [f"  extra {count}x:   {line}" for line, count in extra.items()]
    return "\n".join(parts)
