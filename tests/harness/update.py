"""Record a program's sample from a real run, keep its rules, and show that they hold."""

from __future__ import annotations

from .checks import judge
from .matching import check_sample
from .pool import run_against_sample
from .programs import Program, start_methods
from .running import run_program
from .sample import Rules, Sample, parse_sample, render_sample

RECHECKS = 3  # runs per start method after recording


def _sample_for(program: Program) -> Sample:
    """The existing sample, or an empty strict one for a new program."""
    if program.sample_path.exists():
        return parse_sample(program.sample_path)
    return Sample(program.sample_path, [], Rules(), [], 2)


def update_sample(program: Program, python: str, rechecks: int = RECHECKS) -> str:
    """Record the sample if it is missing or fails; return what was done. Raise AssertionError on failure."""
    sample = _sample_for(program)
    methods = start_methods()
    run = run_program(program.module, methods[0], sample.rules.timeout, python, root=program.root)
    if program.sample_path.exists() and judge(run, sample) is None:
        return f"{program.relative}: sample still matches; left as it is"
    recorded = Sample(sample.path, sample.header, sample.rules, run.output, len(sample.header) + 2)
    problem = judge(run, recorded)  # everything but the output: exit status, stderr, leftovers, timeout
    if problem:
        raise AssertionError(f"not recorded: the run itself is not acceptable.\n{problem}")
    program.sample_path.write_text(render_sample(sample.header, run.output), encoding="utf-8")
    fresh = parse_sample(program.sample_path)
    check_sample(fresh)
    failures = []
    for method in methods:
        for attempt in range(rechecks):
            again = run_against_sample(program, method, python)
            verdict = judge(again, fresh)
            if verdict:
                failures.append(f"re-run {attempt + 1} under {method}:\n{verdict}")
    if failures:
        raise AssertionError(
            f"recorded {program.sample_path}, but its rules do not hold for other runs. Add a rule for "
            "what legitimately varies (CONTRIBUTING.md), or make the program deterministic:\n\n"
            + "\n\n".join(failures[:3])
        )
    return f"{program.relative}: recorded, and held for {rechecks} re-runs under {', '.join(methods)}"
