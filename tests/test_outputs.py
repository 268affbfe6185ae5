"""Output blocks show which process printed each line and what the checks require, from the sample's rules."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from harness.highlight import HighlightError, output_lines
from harness.outputs import annotate_page
from harness.sample import render_sample

TAG = re.compile(r"<[^>]+>")


def rendered(output: list[str], title: str = "python -m snippets.shown.program") -> str:
    """An output block as pymdownx.highlight renders it."""
    code = html.escape("\n".join(output) + "\n", quote=False)
    return (
        f'<div class="highlight"><span class="filename">{title}</span><pre><span></span><code>{code}</code></pre></div>'
        '\n<p class="program-footer">...</p>'
    )


def annotated(tmp_path: Path, rules: list[str], output: list[str], stderr: list[str] | None = None) -> str:
    guide = tmp_path / "shown"
    guide.mkdir(exist_ok=True)
    (guide / "program.out").write_text(render_sample([f"#| {rule}" for rule in rules], output, stderr))
    return annotate_page(rendered(output), tmp_path)


def shown_text(page: str) -> str:
    """The block's text as a reader copies it: tags gone, labels (CSS-generated) not part of it."""
    code = re.search(r"<code>(.*?)</code>", page, re.S)
    assert code is not None
    return html.unescape(TAG.sub("", code.group(1)))


PRODUCER_CONSUMER = [
    "channel producer ^Producer:",
    r"channel consumer[$1] ^Consumer (\d+):",
    r"redact {item} \d\.\d+",
    'same {item}: "Producer: put {item}" ~= "Consumer {key}: got {item}"',
]
RUN = ["Producer: put 0.25", "Consumer 1: got 0.25", "Producer: put 0.5", "Consumer 2: got 0.5", "Main: done"]


def test_each_line_is_labelled_with_the_process_that_printed_it(tmp_path: Path) -> None:
    page = annotated(tmp_path, PRODUCER_CONSUMER, RUN)
    labels = re.findall(r'<span class="out-line stream-\d" data-stream="([^"]+)">', page)
    assert labels == ["producer", "consumer 1", "producer", "consumer 2", "main"]
    assert shown_text(page) == "\n".join(RUN) + "\n"  # copying gives the output exactly
    assert "--label-width: 11ch" in page  # "consumer 1" and a space


def test_each_process_has_its_own_colour_and_the_legend_names_them(tmp_path: Path) -> None:
    page = annotated(tmp_path, PRODUCER_CONSUMER, RUN)
    colours = dict(re.findall(r'<span class="out-line (stream-\d)" data-stream="([^"]+)">', page))
    assert len(set(colours)) == 4  # producer, consumer 1, consumer 2, main
    legend = re.findall(r'<span class="stream-key (stream-\d)">([^<]+)</span>', page)
    assert legend == [
        ("stream-0", "producer"),
        ("stream-1", "consumer 1"),
        ("stream-2", "consumer 2"),
        ("stream-3", "main"),
    ]


def test_values_that_vary_are_marked(tmp_path: Path) -> None:
    page = annotated(tmp_path, PRODUCER_CONSUMER, RUN)
    marked = re.findall(r'<span class="varies" title="differs between runs">([^<]+)</span>', page)
    assert marked[:4] == ["0.25", "0.25", "0.5", "0.5"]


def test_the_legend_says_what_each_rule_requires(tmp_path: Path) -> None:
    page = annotated(
        tmp_path, [*PRODUCER_CONSUMER, "members consumer 1..", 'count "Consumer {key}: got {item}" 0..'], RUN
    )
    legend = html.unescape(TAG.sub("", re.split(r'<div class="output-legend"[^>]*>', page)[1]))
    assert "Lines of one process keep their order (the producer, each consumer, main)" in legend
    assert (
        "Every consumer prints lines of the same pattern as the others ({key} stands for its number); 1 or more "
        "of them." in legend
    )
    assert "Consumer {key}: got {item} may appear 0 or more times." in legend
    assert (
        "The values in Producer: put {item} lines are those in Consumer {key}: got {item} lines, in any order."
        in legend
    )
    assert "Marked values differ between runs; the lines below call them {item}." in legend


def test_one_process_gets_no_labels_but_still_its_requirements(tmp_path: Path) -> None:
    page = annotated(tmp_path, [], ["one", "two"])
    assert "data-stream" not in page and "labelled-output" not in page  # no label: one process printed it all
    assert '<span class="out-line">one</span>\n<span class="out-line">two</span>' in page  # each wraps on its own
    assert "The same lines in the same order in every run." in page


def test_a_program_meant_to_hang_or_fail_says_so(tmp_path: Path) -> None:
    hangs = annotated(tmp_path, ["expect hang 2"], ["waiting"])
    assert (
        "<strong>Hangs by design</strong>: it prints these lines, then waits forever; stop it with Ctrl-C. "
        "(The checks stop it once it has been silent for 2 s" in hangs
    )
    fails = annotated(tmp_path, ["expect exit 1", "stderr RuntimeError"], ["starting"])
    assert (
        "<strong>Exits with status 1</strong>" in fails
        and "Writes to stderr" in fails
        and "<code>RuntimeError</code>" not in fails
    )


def test_a_line_an_ignore_rule_frees_is_still_labelled_and_shown_as_not_compared(tmp_path: Path) -> None:
    page = annotated(
        tmp_path, ["channel consumer ^Consumer:", "ignore nothing yet$"], ["Consumer: nothing yet", "Main: done"]
    )
    assert '<span class="out-line not-compared stream-0" data-stream="consumer">Consumer: nothing yet</span>' in page
    assert "Lines in italics may appear any number of times, or not at all; they are not compared." in page
    assert "nothing yet$" not in page  # no regular expression in a reader's text


def test_a_block_of_no_known_sample_is_left_as_it_is(tmp_path: Path) -> None:
    page = rendered(["x"], title="python -m snippets.nowhere.missing")
    assert annotate_page(page, tmp_path) == page


def test_a_variant_block_shows_the_variant_whose_output_it_is(tmp_path: Path) -> None:
    guide = tmp_path / "shown"
    guide.mkdir()
    (guide / "program.out").write_text(render_sample([], ["main sample"]))
    (guide / "program.new.out").write_text(render_sample(["#| when as-file", "#| expect exit 1"], ["as a file"]))
    page = annotate_page(rendered(["as a file"], title="python program.py"), tmp_path)
    assert "Exits with status 1" in page


def test_recorded_stderr_is_its_own_block_below_the_output_with_frames_in_italics(tmp_path: Path) -> None:
    stderr = ["Traceback (most recent call last):", '  File "…/p.py", line 3, in f', "ValueError: 0.25"]
    page = annotated(tmp_path, ["stderr ValueError", r"redact {n} \d\.\d+"], ["starting"], stderr)
    block = re.search(
        r'<div class="highlight stderr-output"><span class="filename">stderr</span>(.*?)</div>', page, re.S
    )
    assert block is not None and page.index("starting") < block.start() < page.index("output-legend")
    assert html.unescape(TAG.sub("", block.group(1))) == "\n".join(stderr) + "\n"
    assert '<span class="out-line not-compared">  File &quot;…/p.py&quot;, line 3, in f</span>' in block.group(1)
    assert 'ValueError: <span class="varies" title="differs between runs">0.25</span>' in block.group(1)
    assert "<strong>Writes to stderr</strong>" in page and "<details" not in page
    folded = annotated(tmp_path, ["stderr ValueError"], ["starting"], ["ValueError"] + ["  frame"] * 30)
    assert '<details class="stderr-folded"><summary>stderr: 31 lines, most of them traceback frames' in folded


def test_a_program_without_stderr_shows_no_stderr_block(tmp_path: Path) -> None:
    assert "stderr-output" not in annotated(tmp_path, [], ["starting"])


def test_a_long_output_shows_the_lines_its_fence_names_and_folds_the_rest(tmp_path: Path) -> None:
    """highlight="..." on an output's fence (harness/highlight.py): those lines shaded, long stretches folded away."""
    output = [f"Worker: frame {number}" for number in range(1, 21)]
    guide = tmp_path / "shown"
    guide.mkdir()
    sample = guide / "program.out"
    sample.write_text(render_sample(["#| channel worker ^Worker:"], output))
    assert output_lines(sample, "frame 10;frame 20") == "10 20"
    with pytest.raises(HighlightError, match="no line of the recorded output contains 'frame 99'"):
        output_lines(sample, "frame 99")
    # pymdownx.highlight wraps each hl_lines line, its newline included, in <span class="hll">
    code = "".join(
        f'<span class="hll">{line}\n</span>' if number in (10, 20) else f"{line}\n"
        for number, line in enumerate(output, 1)
    )
    title = '<span class="filename">python -m snippets.shown.program</span>'
    block = f'<div class="highlight">{title}<pre><span></span><code>{code}</code></pre></div>'
    page = annotate_page(block, tmp_path)
    assert '<details class="excerpt-toggle"' in page and "Show all 20 lines" in page
    assert page.count('<span class="hll">') == 2
    assert "⋯ 7 lines" in page and "⋯ 2 lines" not in page  # lines 1-7 folded; 8-9 and 11-12, 18-19 around the shade
    assert page.count('<span class="folded">') == 7 + 5  # 1-7 and 13-17
    copied = shown_text(re.sub(r'<span class="excerpt-gap">[^<]*</span>', "", page))
    assert copied == "\n".join(output) + "\n"  # the copy button copies every line, folded or not


def test_two_samples_with_the_same_output_are_shown_in_the_page_s_order(tmp_path: Path) -> None:
    """A variant of some releases' module runs may print the same stdout and another stderr: each tab gets its own."""
    guide = tmp_path / "shown"
    guide.mkdir()
    (guide / "program.out").write_text(render_sample(["#| stderr older"], ["Main: done"], ["older release"]))
    variant = render_sample(["#| when python>=3.13", "#| stderr newer"], ["Main: done"], ["newer release"])
    (guide / "program.since-3-13.out").write_text(variant)
    page = annotate_page(rendered(["Main: done"]) + rendered(["Main: done"]), tmp_path)
    assert page.index("older release") < page.index("newer release")
    assert page.count("older release") == page.count("newer release") == 1
