"""Every one-line change of a sample that its rules accept is a freedom a rule declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import mutants
from harness.programs import SNIPPETS, Program, discover
from harness.sample import render_sample

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
        ],
        ["Worker 1: got 10", "Worker 2: got 20", "tick", "Worker 1: got 11", "Worker 2: got 21"],
    )
    report = mutants.check(program)
    assert report.unexplained == []
    assert set(report.explained) == {"channel", "ignore", "count"}


def test_a_mutation_accepted_without_a_rule_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = make(tmp_path, [], ["first", "second"])
    monkeypatch.setattr(mutants, "match_output", lambda sample, output: [])  # a matcher that accepts anything
    report = mutants.check(program)
    assert report.unexplained == [
        "program.out: delete of line 2 is accepted",
        "program.out: duplicate of line 2 is accepted",
        "program.out: swap of lines 2 and 3 is accepted",
        "program.out: delete of line 3 is accepted",
        "program.out: duplicate of line 3 is accepted",
    ]
