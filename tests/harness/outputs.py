"""Show, on every output block, which process printed each line and what the checks require.

The sample's own rules already know it: a ``channel`` names the process that
printed a line, a family channel one process of several (``consumer 1``), a
``redact`` rule a value that differs between runs. This Python-Markdown
extension (``tests.harness.outputs`` in mkdocs.yml) rewrites each rendered
output block, the one titled ``python -m snippets.<guide>.<program>`` (or
``python <program>.py`` for a sample variant), from its sample file:

- each line gets a label and a colour per process (``data-stream``, shown by
  CSS before the line, so the text readers copy is the output unchanged);
- each redacted value is marked "differs between runs";
- below the block, a legend of the processes and one short list of what the
  checks require, each item derived from one rule (see ``requirements``).

Nothing here is typed per page: a new program gets all of it from its sample.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

from . import timeline
from .excerpts import CONTEXT, LINE, SHORTEST_FOLD, TAG, fold_toggle
from .matching import MAIN, classify, is_compared, stream_label, stream_of
from .programs import SNIPPETS
from .sample import Rules, Sample, parse_sample, program_of

OUTPUT_BLOCK = re.compile(
    r'(?P<head><div class="highlight"><span class="filename">(?P<title>python (?:-m [\w.]+|\w+\.py))</span>'
    r"<pre[^>]*>(?:<span></span>)?<code>)(?P<code>.*?)(?P<tail></code></pre></div>)",
    re.S,
)
PLATFORM_NAMES = {"win32": "Windows", "darwin": "macOS", "linux": "Linux"}
COLOURS = 8  # .stream-0 ... .stream-7 in docs/stylesheets/extra.css, light and dark
VARIES = '<span class="varies" title="differs between runs">{}</span>'
HLL = '<span class="hll">'
FOLDED = '<span class="folded">'
STDERR_OPEN_LINES = 24  # a longer stderr (a traceback per process) starts folded, one click away


def sample_for(title: str, text: str, snippets: Path = SNIPPETS, shown: set[Path] | None = None) -> Sample | None:
    """The sample a block titled ``title`` shows: the main one, or the variant whose output is ``text``.

    Two samples can have the same output and differ in stderr (a variant of some releases' module
    runs): the page shows them in order, so the first not yet ``shown`` on the page is the one.
    """
    if title.startswith("python -m snippets."):
        path = snippets.joinpath(*title.removeprefix("python -m snippets.").split(".")).with_suffix(".out")
        if not path.exists():
            return None
        main = parse_sample(path)
        variants = [parse_sample(variant) for variant in sorted(path.parent.glob(f"{path.stem}.*.out"))]
        candidates = [sample for sample in [main, *variants] if "\n".join(sample.output) == text.rstrip("\n")]
        return next((sample for sample in candidates if sample.path not in (shown or set())), main)
    stem = title.removeprefix("python ").removesuffix(".py")
    for variant in sorted(snippets.glob(f"*/{stem}.*.out")):
        sample = parse_sample(variant)
        if "\n".join(sample.output) == text.rstrip("\n"):
            return sample
    return None


def _marked(raw: str, rules: Rules) -> str:
    """The line, escaped, with every value a ``redact`` rule matches marked as varying."""
    spans: list[tuple[int, int]] = []
    for redaction in rules.redactions:
        for found in redaction.pattern.finditer(raw):
            if found.end() > found.start() and all(found.end() <= a or found.start() >= b for a, b in spans):
                spans.append((found.start(), found.end()))
    out, position = [], 0
    for start, end in sorted(spans):
        out += [html.escape(raw[position:start], quote=False), VARIES.format(html.escape(raw[start:end], quote=False))]
        position = end
    out.append(html.escape(raw[position:], quote=False))
    return "".join(out)


def _amount(low: int, high: int | None) -> str:
    """``2``, ``2 or more``, ``2 to 5``: a `count` or `members` range in words."""
    return f"{low} or more" if high is None else f"{low}" if low == high else f"{low} to {high}"


def _quoted(template: str) -> str:
    """A line template as the legend shows it: ``{key}`` and other placeholders stand for what varies."""
    return f"<code>{html.escape(template)}</code>"


def requirements(
    rules: Rules, streams: list[str], texts: list[str] | None = None, raw: list[str] | None = None
) -> list[str]:
    """What the checks require of every run, in plain words, one item per rule (HTML).

    ``texts``: the sample's lines as the rules read them (``{placeholders}`` for marked values), so that
    an item about one value can show the line it is in; ``raw``: the lines as printed, for an example.
    """

    def in_line(placeholder: str) -> str:
        found = next((text for text in texts or [] if placeholder in text), None)
        return f"In {_quoted(found)}, " if found else ""

    items = []
    named = rules.channels
    if not named:
        items.append("The same lines in the same order in every run.")
    else:
        processes = ", ".join(f"each {channel.name}" if channel.family else f"the {channel.name}" for channel in named)
        if MAIN in streams:
            processes += ", main"
        items.append(
            f"Lines of one process keep their order ({processes}); how the processes' lines interleave varies "
            "between runs."
        )
    for channel in named:
        if channel.family:
            low, high, _ = rules.members.get(channel.name, (None, None, 0))
            how_many = "as many of them as here" if low is None else f"{_amount(low, high)} of them"
            items.append(
                f"Every {channel.name} prints lines of the same pattern as the others (<code>{{key}}</code> stands "
                f"for its number); {how_many}."
            )
    if rules.redactions:
        # Named only where an item below says more about one of them.
        said = [bound.placeholder for bound in rules.ranges] + list(rules.increasing) + list(rules.free)
        said += [name for verdict in rules.verdicts for name in verdict.placeholders]
        said += [same.placeholder for same in rules.sames]
        named = [name for name in dict.fromkeys(rule.placeholder for rule in rules.redactions) if name in said]
        called = (
            f"; the lines below call them {', '.join(f'<code>{html.escape(n)}</code>' for n in named)}" if named else ""
        )
        items.append(f"{VARIES.format('Marked values')} differ between runs{called}.")
    for count in rules.counts:
        items.append(f"{_quoted(count.template)} may appear {_amount(count.low, count.high)} times.")
    for rule in rules.unordered:
        example = next((line for line in raw or [] if rule.pattern.search(line)), None)
        like = f" like {_quoted(example)}" if example else ""
        items.append(f"Consecutive lines{like} may come in any order.")
    if rules.ignored:
        items.append("Lines in italics may appear any number of times, or not at all; they are not compared.")
    for order in rules.orders:
        before = _quoted(order.before) if order.before_is_template else f"Every {order.before} line"
        after = _quoted(order.after) if order.after_is_template else f"any {order.after} line"
        items.append(f"{before} comes before {after}.")
    for same in rules.sames:
        how = "in any order" if same.as_multiset else "in the same order"
        items.append(f"The values in {_quoted(same.left)} lines are those in {_quoted(same.right)} lines, {how}.")
    for bound in rules.ranges:
        items.append(
            f"{in_line(bound.placeholder)}each <code>{html.escape(bound.placeholder)}</code> is from "
            f"{bound.low:g} to {bound.high:g}."
        )
    for placeholder in rules.increasing:
        items.append(
            f"The <code>{html.escape(placeholder)}</code> values of one sequence (the same text before the last "
            "number) come in increasing order in each process's lines."
        )
    for verdict in rules.verdicts:
        names = ", ".join(f"<code>{html.escape(name)}</code>" for name in verdict.placeholders)
        items.append(
            f"{_quoted(verdict.text)}: the program checks what the page claims from the {names} values and prints "
            "the answer; True in every checked run."
        )
    for placeholder, (reason, _) in rules.free.items():
        items.append(f"Any <code>{html.escape(placeholder)}</code> value is right: {html.escape(reason)}.")
    if rules.expect_hang:
        items.append(
            "<strong>Hangs by design</strong>: it prints these lines, then waits forever; stop it with Ctrl-C. "
            f"(The checks stop it once it has been silent for {rules.hang_quiet:g} s, and make sure nothing it "
            "started is left running.)"
        )
    if rules.exit_code:
        items.append(f"<strong>Exits with status {rules.exit_code}</strong>, on purpose.")
    if rules.stderr:
        items.append(
            "<strong>Writes to stderr</strong> (the block titled stderr): the same unindented lines in every run, "
            "in any order; the indented traceback frames, in italics, differ between Python versions and are not "
            "compared."
        )
    for platform, reason in sorted(rules.skip_on.items()):
        items.append(f"Not checked on {PLATFORM_NAMES.get(platform, html.escape(platform))}: {html.escape(reason)}.")
    return items


def annotate(block: re.Match[str], snippets: Path = SNIPPETS, shown: set[Path] | None = None) -> str:
    """The output block with its lines labelled by process, and its legend."""
    code = block.group("code")
    # Lines a highlight="..." on the fence named (harness/highlight.py): pymdownx wrapped each in <span class="hll">
    shaded = {index for index, line in enumerate(LINE.findall(code)) if line.startswith(HLL)}
    text = html.unescape(TAG.sub("", code))
    sample = sample_for(block.group("title"), text, snippets, shown)
    if sample is None:
        return block.group(0)
    if shown is not None:
        shown.add(sample.path)
    ignored = [any(rule.pattern.search(raw) for rule in sample.rules.ignored) for raw in sample.output]
    line_streams = [stream_of(raw, sample.rules) for raw in sample.output]
    streams = list(dict.fromkeys(line_streams))
    labelled = len(streams) > 1
    out = []
    for raw, stream, not_compared in zip(sample.output, line_streams, ignored, strict=True):
        marked = _marked(raw, sample.rules)
        classes = "out-line" + (" not-compared" if not_compared else "")
        if labelled:
            classes += f" stream-{streams.index(stream) % COLOURS}"
            marked = f'<span class="{classes}" data-stream="{html.escape(stream_label(stream))}">{marked}</span>'
        else:  # every line its own span: a long one wraps under itself, not under the block's edge
            marked = f'<span class="{classes}">{marked}</span>'
        out.append(marked)
    width = max((len(stream_label(stream)) for stream in streams), default=0) + 1
    head = block.group("head")
    if labelled:
        head = head.replace(
            '<div class="highlight">',
            f'<div class="highlight program-output labelled-output" style="--label-width: {width}ch">',
            1,
        )
    else:
        head = head.replace('<div class="highlight">', '<div class="highlight program-output">', 1)
    legend = []
    if labelled:
        keys = "".join(
            f'<span class="stream-key stream-{index % COLOURS}">{html.escape(stream_label(stream))}</span>'
            for index, stream in enumerate(streams)
        )
        legend.append(f'<p class="output-streams"><span class="output-legend-title">Printed by</span> {keys}</p>')
    texts = [line.text for line in classify(sample.output, sample.rules)[0]]
    items = "".join(f"<li>{item}</li>" for item in requirements(sample.rules, streams, texts, sample.output))
    legend.append(f'<p class="output-legend-title">On your machine</p><ul>{items}</ul>')
    trailing = "\n" if text.endswith("\n") else ""
    body = f"{chr(10).join(out)}{trailing}"
    if shaded:
        body = _folded(out, shaded)
    stderr = f"\n{stderr_block(sample)}" if sample.stderr else ""
    drawn = ""
    recorded = timeline.timeline_path(program_of(sample.path))
    if sample.path.suffixes == [".out"] and recorded.exists():  # the main sample's run, not a variant's
        anchor = f"timeline-{sample.path.parent.name}-{sample.path.stem}".replace("_", "-")
        drawn = timeline.figure(timeline.load(recorded), sample, streams, COLOURS, anchor)
    shown = f"{head}{body}{block.group('tail')}"
    folded = body.count(FOLDED)
    if folded:
        shown = f'<div class="excerpt">{fold_toggle(len(out), folded)}{shown}</div>'
    return f'{shown}{stderr}\n<div class="output-legend" data-search-exclude>{"".join(legend)}</div>{drawn}'


def _folded(lines: list[str], shaded: set[int]) -> str:
    """The lines, the shaded ones marked, each long stretch far from them folded away, as a program excerpt folds."""
    near = {index for shade in shaded for index in range(shade - CONTEXT, shade + CONTEXT + 1)}
    out, stretch = [], []
    for index, line in enumerate([*lines, None]):
        if line is not None and index not in near:
            stretch.append(line)
            continue
        if len(stretch) >= SHORTEST_FOLD:
            out.append(f'<span class="excerpt-gap">⋯ {len(stretch)} lines\n</span>')
            out += [f"{FOLDED}{folded}\n</span>" for folded in stretch]
        else:
            out += [f"{kept}\n" for kept in stretch]
        stretch = []
        if line is not None:
            out.append(f"{HLL}{line}\n</span>" if index in shaded else f"{line}\n")
    return "".join(out)


def stderr_block(sample: Sample) -> str:
    """The recorded stderr as its own block, below stdout: compared lines plain, traceback frames in italics."""
    lines = [
        f'<span class="out-line">{_marked(raw, sample.rules)}</span>'
        if is_compared(raw)
        else f'<span class="out-line not-compared">{html.escape(raw)}</span>'
        for raw in sample.stderr
    ]
    block = (
        '<div class="highlight stderr-output"><span class="filename">stderr</span><pre><code>'
        + "\n".join(lines)
        + "\n</code></pre></div>"
    )
    if len(sample.stderr) <= STDERR_OPEN_LINES:
        return block
    return (
        f'<details class="stderr-folded"><summary>stderr: {len(sample.stderr)} lines, most of them traceback '
        f"frames</summary>{block}</details>"
    )


def annotate_page(page_html: str, snippets: Path = SNIPPETS) -> str:
    shown: set[Path] = set()  # the samples shown so far on this page, in order
    return OUTPUT_BLOCK.sub(lambda block: annotate(block, snippets, shown), page_html)


class OutputsPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        return annotate_page(text)


class OutputsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # After pymdownx.superfences has put the highlighted blocks back (raw HTML, priority 30).
        md.postprocessors.register(OutputsPostprocessor(md), "snippet_outputs", 5)


def makeExtension(**kwargs: Any) -> OutputsExtension:  # noqa: N802 (Python-Markdown's name)
    return OutputsExtension(**kwargs)
