"""The output matcher: for each rule, a legitimate different run passes and a wrong run fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.matching import check_sample, match_output, report
from harness.sample import RunKind, Sample, SampleError, parse_sample, render_sample, shorten_paths


def make_sample(tmp_path: Path, header: list[str], output: list[str]) -> Sample:
    path = tmp_path / "program.out"
    path.write_text(render_sample([f"#| {rule}" for rule in header], output), encoding="utf-8")
    sample = parse_sample(path)
    check_sample(sample)
    return sample


PRODUCER_CONSUMER = [
    "channel producer ^Producer:",
    "channel consumer ^Consumer:",
    r"redact {value} \d\.\d+",
]

# name, rules, sample, a different run the rules accept, a wrong run, what the failure says
CASES = [
    (
        "strict by default",
        [],
        ["one", "two", "three"],
        ["one", "two", "three"],
        ["one", "three", "two"],
        "[stream] stream main: output line 2 'three'",
    ),
    (
        "strict: a dropped line",
        [],
        ["one", "two"],
        ["one", "two"],
        ["one"],
        "stream main ended after 1 lines; the sample still expects 'two'",
    ),
    (
        "channel: streams interleave freely, order kept within each",
        ["channel producer ^Producer:", "channel consumer ^Consumer:"],
        ["Producer: a", "Consumer: a", "Producer: b", "Consumer: b"],
        ["Producer: a", "Producer: b", "Consumer: a", "Consumer: b"],
        ["Producer: a", "Consumer: b", "Producer: b", "Consumer: a"],
        "stream consumer: output line 2 'Consumer: b'",
    ),
    (
        "channel family: each member follows the template; as many members as in the sample",
        [r"channel worker[$1] ^Worker (\d+):"],
        ["Worker 1: start", "Worker 2: start", "Worker 1: done", "Worker 2: done"],
        ["Worker 2: start", "Worker 2: done", "Worker 1: start", "Worker 1: done"],
        ["Worker 1: start", "Worker 2: start", "Worker 1: done", "Worker 2: done", "Worker 3: start", "Worker 3: done"],
        "channel family worker (rule at line 1): 2 members allowed (the sample has 2",
    ),
    (
        "members: a family may have a range of members, for cpu_count() workers",
        [r"channel worker[$1] ^Worker (\d+):", "members worker 1.."],
        ["Worker 1: start", "Worker 2: start", "Worker 1: done", "Worker 2: done"],
        ["Worker 1: start", "Worker 1: done", "Worker 3: start", "Worker 3: done", "Worker 2: start", "Worker 2: done"],
        ["Main: no worker started"],
        "channel family worker (rule at line 2): 1.. members allowed (the sample has 2",
    ),
    (
        "channel family: a member out of order",
        [r"channel worker[$1] ^Worker (\d+):"],
        ["Worker 1: start", "Worker 2: start", "Worker 1: done", "Worker 2: done"],
        ["Worker 1: start", "Worker 1: done", "Worker 2: start", "Worker 2: done"],
        ["Worker 1: done", "Worker 2: start", "Worker 1: start", "Worker 2: done"],
        "stream worker[1]: output line 1 'Worker 1: done'",
    ),
    (
        "redact: new values in the same places",
        PRODUCER_CONSUMER,
        ["Producer: put 0.52", "Consumer: got 0.52"],
        ["Producer: put 0.91", "Consumer: got 0.13"],
        ["Producer: put 0.91", "Consumer: got nothing"],
        "'Consumer: got nothing' (unexpected line)",
    ),
    (
        "count: a range instead of the sample's number",
        ["channel consumer ^Consumer:", r"redact {n} \d+", 'count "Consumer: got {n}" 1..3'],
        ["Consumer: got 1", "Consumer: got 2", "Consumer: done"],
        ["Consumer: got 1", "Consumer: got 2", "Consumer: got 3", "Consumer: done"],
        ["Consumer: got 1", "Consumer: got 2", "Consumer: got 3", "Consumer: got 4", "Consumer: done"],
        "repeated more often than the sample allows",
    ),
    (
        "count: too few",
        [r"redact {n} \d+", 'count "got {n}" 2..'],
        ["got 1", "got 2", "done"],
        ["got 1", "got 2", "got 3", "got 4", "done"],
        ["got 1", "done"],
        "the sample expects here 'got {n}' x2..",
    ),
    (
        "unordered: a block in any order, same lines",
        [r"unordered ^result "],
        ["start", "result 0 -> 0", "result 1 -> 1", "result 2 -> 4", "end"],
        ["start", "result 2 -> 4", "result 0 -> 0", "result 1 -> 1", "end"],
        ["start", "result 2 -> 4", "result 0 -> 0", "result 1 -> 2", "end"],
        "missing ['result 1 -> 1'], unexpected ['result 1 -> 2']",
    ),
    (
        "ignore: any number of such lines anywhere",
        [r"ignore ^waiting\.\.\.$"],
        ["start", "waiting...", "got 1", "end"],
        ["waiting...", "start", "got 1", "waiting...", "waiting...", "end"],
        ["start", "waiting...", "end"],
        "'end' (reordered",
    ),
    (
        "order: every line of one side before every line of the other",
        [r"channel worker[$1] ^Worker (\d+):", 'order worker < "Main: all workers joined"'],
        ["Worker 1: done", "Worker 2: done", "Main: all workers joined"],
        ["Worker 2: done", "Worker 1: done", "Main: all workers joined"],
        ["Worker 1: done", "Main: all workers joined", "Worker 2: done"],
        "[order] order rule at line 2 (worker < Main: all workers joined): output line 3 'Worker 2: done'",
    ),
    (
        "same ==: values put are the values got, in order",
        [*PRODUCER_CONSUMER, 'same {value}: "Producer: put {value}" == "Consumer: got {value}"'],
        ["Producer: put 0.5", "Consumer: got 0.5", "Producer: put 0.25", "Consumer: got 0.25"],
        ["Producer: put 0.7", "Producer: put 0.1", "Consumer: got 0.7", "Consumer: got 0.1"],
        ["Producer: put 0.7", "Producer: put 0.1", "Consumer: got 0.7", "Consumer: got 0.3"],
        "[same] same rule at line 4: value #2 differs: "
        "'Producer: put {value}' has 0.1, 'Consumer: got {value}' has 0.3",
    ),
    (
        "same without redact: the value is free in the two lines it names, and only there",
        ['same {value}: "Producer: put {value}" == "Consumer: got {value}"'],
        ["Producer: put 0.5", "Consumer: got 0.5", "Main: 2 items"],
        ["Producer: put 0.7", "Consumer: got 0.7", "Main: 2 items"],
        ["Producer: put 0.7", "Consumer: got 0.7", "Main: 3 items"],
        "'Main: 3 items' (unexpected line)",
    ),
    (
        "same without redact: still the same value on both sides",
        ['same {value}: "Producer: put {value}" == "Consumer: got {value}"'],
        ["Producer: put 0.5", "Consumer: got 0.5"],
        ["Producer: put 0.7", "Consumer: got 0.7"],
        ["Producer: put 0.7", "Consumer: got 0.8"],
        "value #1 differs: 'Producer: put {value}' has 0.7, 'Consumer: got {value}' has 0.8",
    ),
    (
        "same ~=: the same values in any order",
        [
            r"channel consumer[$1] ^Consumer (\d+):",
            r"redact {item} i\d",
            'count "Consumer {key}: got {item}" 0..',
            'same {item}: "put {item}" ~= "Consumer {key}: got {item}"',
        ],
        ["put i1", "put i2", "put i3", "Consumer 1: got i1", "Consumer 2: got i2", "Consumer 1: got i3"],
        ["put i1", "put i2", "put i3", "Consumer 2: got i2", "Consumer 2: got i1", "Consumer 1: got i3"],
        ["put i1", "put i2", "put i3", "Consumer 1: got i1", "Consumer 2: got i1", "Consumer 1: got i3"],
        "values ['i2'] appear in 'put {item}' lines only and ['i1'] in 'Consumer {key}: got {item}' lines only",
    ),
]


@pytest.mark.parametrize(
    ("rules", "sample", "good", "bad", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_rule(
    tmp_path: Path, rules: list[str], sample: list[str], good: list[str], bad: list[str], message: str
) -> None:
    checked = make_sample(tmp_path, rules, sample)
    if rules:  # a rule grants a freedom: show a run that uses it
        assert good != sample
    assert match_output(checked, good) == []
    problems = match_output(checked, bad)
    assert problems, "the wrong run was accepted"
    assert message in report(checked, bad, problems)


def test_report_tags_every_line_with_its_stream(tmp_path: Path) -> None:
    checked = make_sample(tmp_path, PRODUCER_CONSUMER, ["Producer: put 0.1", "Consumer: got 0.1", "Main: end"])
    run = ["Consumer: got 0.1", "Producer: put 0.1", "Main: end", "extra"]
    text = report(checked, run, match_output(checked, run))
    assert "   1 consumer | Consumer: got 0.1" in text
    assert "   2 producer | Producer: put 0.1" in text
    assert "   4     main | extra" in text
    assert "+extra" in text  # the normalised diff of stream main


def test_a_line_claimed_by_two_channels_fails(tmp_path: Path) -> None:
    checked = make_sample(
        tmp_path, ["channel producer Producer:", "channel consumer Consumer:"], ["Producer: 1", "Consumer: 1"]
    )
    problems = match_output(checked, ["Producer: 1Consumer: 1"])
    assert any("matches channels producer and consumer" in problem.message for problem in problems)


@pytest.mark.parametrize(
    ("header", "output", "message"),
    [
        (["channel worker ^Worker"], ["Main: start"], ":1: channel worker claims no line of the recorded run"),
        (["ignore ^waiting"], ["start"], ":1: '^waiting' matches no line"),
        ([r"redact {n} \d+", 'count "got {x}" 2'], ["got 1"], ":2: count rule names 'got {x}'"),
        (['same {v}: "c {v}" == "b {v}"'], ["a 1", "b 1"], ":1: same rule: 'c {v}' is not a normalised line"),
        (['same {v}: "a" == "b {v}"'], ["a", "b 1"], ":1: same rule: 'a' is not a normalised line"),
        (["channel a ^Both", "channel b Both$"], ["Both"], "matches channels a and b"),
        ([r"redact {n} \d+", 'count "got {n}" 3'], ["got 1", "got 2"], "does not satisfy its own rules"),
        (["frobnicate x"], ["a"], ":1: unknown rule 'frobnicate'"),
        (["channel w[$1] ^W"], ["W"], ":1: family channel w[$1] needs a capture group"),
        (["redact n \\d"], ["a"], ":1: write `redact {name} REGEX`"),
        (["ignore ("], ["a"], ":1: bad regular expression '('"),
        (["exclusive 2"], ["a"], ":1: write `exclusive` alone (the run has the machine's cores to itself), or"),
        (["needs postgres"], ["a"], ":1: write `needs SERVER`, SERVER one of: redis-server"),
    ],
)
def test_sample_errors_name_file_and_line(tmp_path: Path, header: list[str], output: list[str], message: str) -> None:
    with pytest.raises(SampleError) as raised:
        make_sample(tmp_path, header, output)
    assert str(raised.value).startswith(str(tmp_path / "program.out") + ":")
    assert message in str(raised.value)


def test_sample_without_marker_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "program.out"
    path.write_text("just output\n", encoding="utf-8")
    with pytest.raises(SampleError, match=r"program\.out:1: no line '#\| --8<-- \[start:output\]'"):
        parse_sample(path)


def test_a_variant_says_which_runs_it_describes(tmp_path: Path) -> None:
    variant = tmp_path / "program.main-preloaded.out"
    variant.write_text("#| when python>=3.13.8 as-file\n#| --8<-- [start:output]\nx\n", encoding="utf-8")
    when = parse_sample(variant).rules.when
    assert when is not None
    assert when.holds(RunKind((3, 14, 0), as_file=True)) and when.holds(RunKind((3, 13, 8), as_file=True))
    assert not when.holds(RunKind((3, 13, 7), as_file=True))
    assert not when.holds(RunKind((3, 14, 0), as_file=False))


def test_a_variant_can_leave_out_one_release(tmp_path: Path) -> None:
    """The preload fix is in 3.13.8 and 3.14.1, not 3.14.0 (gh-126631): `python!=3.14.0` says so."""
    variant = tmp_path / "program.main-preloaded.out"
    variant.write_text("#| when python>=3.13.8 python!=3.14.0 as-file\n#| --8<-- [start:output]\nx\n", encoding="utf-8")
    when = parse_sample(variant).rules.when
    assert when is not None
    held = [
        release
        for release in [(3, 13, 7), (3, 13, 8), (3, 14, 0), (3, 14, 1), (3, 15, 0)]
        if when.holds(RunKind(release, as_file=True))
    ]
    assert held == [(3, 13, 8), (3, 14, 1), (3, 15, 0)]


@pytest.mark.parametrize(
    ("name", "header", "message"),
    [
        ("program.v.out", [], "program.v.out:1: a sample variant (<program>.<name>.out) needs a `when` rule"),
        ("program.out", ["when as-file"], "program.out:1: `when` belongs in a sample variant"),
        ("program.v.out", ["when python=3.12"], "program.v.out:1: unknown condition 'python=3.12'"),
        ("program.v.out", ["when as-file", "when as-module"], "program.v.out:2: a sample has one `when` rule"),
    ],
)
def test_a_misplaced_or_malformed_when_rule_is_reported(
    tmp_path: Path, name: str, header: list[str], message: str
) -> None:
    path = tmp_path / name
    path.write_text("".join(f"#| {rule}\n" for rule in header) + "#| --8<-- [start:output]\nx\n", encoding="utf-8")
    with pytest.raises(SampleError) as raised:
        parse_sample(path)
    assert message in str(raised.value)


def test_stderr_is_recorded_after_stdout_and_its_markers_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "program.out"
    path.write_text(render_sample(["#| stderr Boom"], ["out"], ["Traceback (most recent call last):", "Boom"]))
    sample = parse_sample(path)
    assert (sample.output, sample.stderr, sample.first_stderr_line) == (
        ["out"],
        ["Traceback (most recent call last):", "Boom"],
        6,
    )
    path.write_text("#| --8<-- [start:output]\nout\n#| --8<-- [start:stderr]\nBoom\n")
    with pytest.raises(SampleError, match=r"program.out:3: the line before .* must be '#\| --8<-- \[end:output\]'"):
        parse_sample(path)
    path.write_text("#| --8<-- [start:output]\nout\n#| --8<-- [end:output]\n")
    with pytest.raises(SampleError, match=r"program.out:3: .* is only written before"):
        parse_sample(path)


def test_recorded_stderr_needs_a_rule_that_declares_it(tmp_path: Path) -> None:
    path = tmp_path / "program.out"
    path.write_text(render_sample([], ["out"], ["a stray warning"]))
    with pytest.raises(SampleError, match=r"program.out:5: the run wrote to stderr, and no `stderr REGEX` rule"):
        check_sample(parse_sample(path))


@pytest.mark.parametrize(
    ("written", "recorded"),
    [
        ('  File "/home/ann/clone/snippets/g/p.py", line 3', '  File "…/snippets/g/p.py", line 3'),
        ("/usr/lib/python3.12/multiprocessing/process.py:9: W", "…/lib/python3.12/multiprocessing/process.py:9: W"),
        ('  File "/tmp/snippets-x/cwd/p.py", line 1', '  File "…/p.py", line 1'),
        ("see https://docs.python.org/3/library/x.html", "see https://docs.python.org/3/library/x.html"),
        ("…/lib/python3.12/x.py", "…/lib/python3.12/x.py"),  # already short: left alone
    ],
)
def test_stderr_paths_keep_only_what_every_machine_shares(written: str, recorded: str) -> None:
    assert shorten_paths(written) == recorded
