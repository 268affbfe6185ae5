"""Every one-line change of a sample that its rules accept is a freedom a rule declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import mutants
from harness.matching import check_sample, match_output
from harness.programs import SNIPPETS, Program, discover
from harness.sample import SampleError, parse_sample, render_sample

SAMPLES = [
    (program, path)
    for program in discover()
    if program.sample_path.exists()
    for path in [program.sample_path, *program.variant_paths]
]


@pytest.mark.parametrize(
    ("program", "path"), SAMPLES, ids=[path.relative_to(SNIPPETS).as_posix() for _, path in SAMPLES]
)
def test_rules_accept_no_mutation_they_do_not_declare(program: Program, path: Path) -> None:
    report = mutants.check(program, path)
    assert report.rejected > 0, (
        f"{path.relative_to(program.root).as_posix()}:1: no one-line change of this sample is "
        "rejected by its rules, so the check proves nothing. Loosen fewer lines: narrow its `ignore`, `count` "
        "and `unordered` rules to the lines that really vary."
    )
    assert not report.unexplained, "\n".join(report.unexplained)


def make(tmp_path: Path, rules: list[str], output: list[str]) -> Program:
    guide = tmp_path / "snippets" / "demo"
    guide.mkdir(parents=True)
    (guide / "program.py").write_text("")
    (guide / "program.out").write_text(render_sample([f"#| {rule}" for rule in rules], output))
    return Program(guide / "program.py")


def test_each_declared_freedom_is_named(tmp_path: Path) -> None:
    program = make(
        tmp_path,
        [
            r"channel worker[$1] ^Worker (\d):",
            r"redact {n} \d+$",
            "ignore ^tick$",
            'count "Worker {key}: got {n}" 1..3',
            "range {n} 10..99",
        ],
        ["Worker 1: got 10", "Worker 2: got 20", "tick", "Worker 1: got 11", "Worker 2: got 21"],
    )
    report = mutants.check(program)
    assert report.unexplained == []
    assert set(report.explained) == {"channel", "ignore", "count", "range"}


def test_a_mutation_accepted_without_a_rule_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = make(tmp_path, [], ["first", "second"])
    monkeypatch.setattr(mutants, "match_output", lambda sample, output: [])  # a matcher that accepts anything
    report = mutants.check(program)
    assert report.unexplained == [
        "program.out: delete of line 2 is accepted: make the rules stricter there",
        "program.out: duplicate of line 2 is accepted: make the rules stricter there",
        "program.out: swap of lines 2 and 3 is accepted: make the rules stricter there",
        "program.out: delete of line 3 is accepted: make the rules stricter there",
        "program.out: duplicate of line 3 is accepted: make the rules stricter there",
    ]


# The trial's hand edits of a recorded run that passed before values were probed (issue 28).
TRIAL = [
    "Worker: testing 3",
    "Worker: testing 4",
    "Worker: got priority 1",
    "Worker: got priority 5",
    "Worker: finished after 0.38 s",
]
TRIAL_REDACTIONS = [r"redact {n} (?<=testing )\d+", r"redact {p} (?<=priority )\d+", r"redact {s} \d+\.\d\d(?= s)"]


def test_wrong_values_and_swaps_a_redaction_hides_are_reported_with_what_would_close_them(tmp_path: Path) -> None:
    report = mutants.check(make(tmp_path, TRIAL_REDACTIONS, TRIAL))
    holes = "\n".join(report.unexplained)
    assert "line 5 with {n} '3' changed to '8' is accepted" in holes  # "testing 92": a number never queued
    assert "swap of lines 7 and 8 is accepted" in holes  # the most urgent no longer first
    assert "line 9 with {s} '0.38' changed to '5.83' is accepted" in holes  # "finished after 9.99 s"
    assert "bound it with `range`" in holes


def test_range_increasing_and_free_close_what_they_declare_and_reject_the_rest(tmp_path: Path) -> None:
    rules = [*TRIAL_REDACTIONS, "free {n} any test", "increasing {p}", "range {s} 0..1"]
    report = mutants.check(make(tmp_path, rules, TRIAL))
    assert report.unexplained == []
    assert report.explained["free"] == 3  # the two values of {n}, and the swap of their lines
    sample = parse_sample(make(tmp_path / "again", rules, TRIAL).sample_path)
    assert match_output(sample, [*TRIAL[:4], "Worker: finished after 9.99 s"])  # out of range: rejected
    assert match_output(sample, [TRIAL[0], TRIAL[1], TRIAL[3], TRIAL[2], TRIAL[4]])  # priorities swapped
    assert not match_output(sample, [*TRIAL[:4], "Worker: finished after 0.52 s"])  # another real run


def test_a_verdict_line_closes_the_values_the_program_checks_itself(tmp_path: Path) -> None:
    output = ["Queue: 38.5 us", "Pipe: 3.2 us", "Pipe faster: True"]
    rules = [r"redact {us} [\d.]+(?= us)", 'verdict "Pipe faster: True" checks {us}']
    report = mutants.check(make(tmp_path, rules, output))
    assert report.unexplained == [] and report.explained["verdict"] == 2
    assert any(line.endswith("verdict (line 2)") for line in report.accepted), report.accepted


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("range {x} 0..1", "no `redact {x} REGEX` rule declares {x}"),
        ('verdict "Pipe slower: True" checks {us}', "verdict 'Pipe slower: True' is not a line of the recorded run"),
        ("range {us} 10..20", "range rule at line 2: {us} is '3.2'"),
    ],
)
def test_a_closing_rule_that_does_not_hold_on_the_recorded_run_is_rejected(
    tmp_path: Path, rule: str, message: str
) -> None:
    program = make(tmp_path, [r"redact {us} [\d.]+(?= us)", rule], ["Queue: 38.5 us", "Pipe: 3.2 us"])
    with pytest.raises(SampleError, match=re.escape(message)):
        check_sample(parse_sample(program.sample_path))


def test_v_lists_each_accepted_change_with_the_rule_that_allows_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert mutants.main(["-v", "-k", "asyncio_bridge/bridge_thread"]) == 0
    printed = capsys.readouterr().out
    assert "accepted: bridge_thread.out: swap of lines 8 and 9: channel (line 2)" in printed
    assert re.search(r"accepted: bridge_thread\.out: delete of line 8: count \(line \d+\)", printed)
    assert re.search(
        r"accepted: bridge_thread\.out: line \d+ with \{item\} '\d' changed to '\d': range \(line", printed
    )
    assert "0 accepted mutation(s) no rule explains" in printed
