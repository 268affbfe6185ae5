"""Record a program's samples from real runs, keep their rules, and show that they hold."""

from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import timeline
from .checks import judge, stale_traceback, without_allowed_stderr
from .matching import UNDECLARED_STDERR, check_sample, match_output, stderr_lines
from .pool import ALONE, ALONE_3_14, EMULATED_RELEASE, release, run_against_sample
from .programs import Program, methods_for, start_methods, uses_no_start_method
from .running import THIS_MACHINE, Run
from .sample import Rules, RunKind, Sample, parse_sample, program_of, render_sample, shown

RECHECKS = 3  # runs per start method after recording


def _sample_at(path: Path) -> Sample:
    """The existing sample, or an empty strict one for a new program."""
    if path.exists():
        return parse_sample(path)
    return Sample(path, [], Rules(), [], 2)


def _record(
    sample: Sample, run_once: Callable[[Sample], Run], again: list[tuple[str, Callable[[Sample], Run]]], rechecks: int
) -> str:
    """Record ``sample`` from ``run_once`` if it is empty or fails, then judge it on the ``again`` runs."""
    run = without_allowed_stderr(run_once(sample), sample.rules)
    kept = (
        bool(sample.output) and judge(run, sample) is None and stale_traceback(sample, program_of(sample.path)) is None
    )
    if not kept:
        stderr = stderr_lines(run.stderr)
        recorded = Sample(sample.path, sample.header, sample.rules, run.output, len(sample.header) + 2, stderr)
        problem = judge(run, recorded)  # everything but the output: exit status, stderr rules, leftovers, timeout
        if problem:
            raise AssertionError(f"not recorded: the run itself is not acceptable.\n{problem}")
        if stderr and not sample.rules.stderr:
            raise AssertionError(f"not recorded: {shown(sample.path)}: {UNDECLARED_STDERR}. stderr:\n{run.stderr}")
        sample.path.write_text(render_sample(sample.header, run.output, stderr), encoding="utf-8")
    fresh = parse_sample(sample.path)
    check_sample(fresh)
    failures = []
    for name, run_again in again:
        for attempt in range(rechecks):
            verdict = judge(run_again(fresh), fresh)
            if verdict:
                failures.append(f"re-run {attempt + 1} {name}:\n{verdict}")
    done = "kept: it still matches" if kept else "recorded"
    if failures:
        raise AssertionError(
            f"{done} {shown(sample.path)}, but its rules do not hold for other runs. Add a rule for "
            "what legitimately varies (CONTRIBUTING.md), or make the program deterministic:\n\n"
            + "\n\n".join(failures[:3])
        )
    return f"{shown(sample.path)}: {done}, and held for {rechecks} re-runs {', '.join(name for name, _ in again)}"


def update_sample(program: Program, python: str, rechecks: int = RECHECKS, others: tuple[str, ...] = ()) -> str:
    """Record the program's samples that are missing or fail; return what was done. Raise AssertionError on failure.

    The main sample is recorded under the first start method, then re-run under every
    one, with ``python`` and with each of ``others`` (the other interpreters that run
    it) whose runs no variant describes. A variant (``<program>.<name>.out``, its header
    written by hand) is recorded from a run the check makes for it, with the first of
    these interpreters its ``when`` rule names: the file run on its own, as it is or as
    Python 3.14 would run it, or the module run on a release it names.
    """
    methods = start_methods()

    def under(method: str, interpreter: str = python, env: dict[str, str] | None = None) -> Callable[[Sample], Run]:
        return lambda sample: run_against_sample(program, method, interpreter, extra_env=env, sample=sample)

    def version(interpreter: str) -> str:
        return ".".join(map(str, release(interpreter)[:2]))

    used = methods_for(program, methods)
    variants = [parse_sample(path) for path in program.variant_paths]

    def main_sample_holds(interpreter: str) -> bool:
        """Whether the module runs on ``interpreter`` answer to the main sample, not to a variant."""
        kind = RunKind(release(interpreter), as_file=False)
        return not any(variant.rules.when is not None and variant.rules.when.holds(kind) for variant in variants)

    interpreters = (python, *others)  # a variant is recorded with the first of them its `when` rule names
    others = tuple(other for other in others if main_sample_holds(other))
    # The runs a sample and its timeline are recorded from see this machine's cores (THIS_MACHINE), as a reader's
    # run sees theirs: what they print about the machine is true. The re-checks on 3.13+ see another count
    # (running.OTHER_CPU_COUNT), so that a sample which shows it fails; those of a sample that says plain
    # `exclusive` do not (pool.run_against_sample).
    done = [
        _record(
            _sample_at(program.sample_path),
            under(methods[0], env=THIS_MACHINE),
            [(f"under {m}", under(m)) for m in used]
            + [(f"under {m} on {version(other)}", under(m, other)) for other in others for m in used],
            rechecks,
        ),
        record_timeline(program, python, methods[0]),
    ]
    for variant in variants:
        path = variant.path
        assert variant.rules.when is not None  # parse_sample requires it in a variant
        # Real runs first, the module runs before the file's (the main sample, too, is a module run's);
        # the emulated 3.14 run last, and never for a program that uses no start method (it gets none).
        candidates = [(m, i, RunKind(release(i), as_file=False)) for i in interpreters for m in methods]
        candidates += [(ALONE, i, RunKind(release(i), as_file=True)) for i in interpreters]
        if os.name == "posix" and not uses_no_start_method(program):
            candidates.append((ALONE_3_14, python, RunKind(EMULATED_RELEASE, as_file=True)))
        found = next(((m, i) for m, i, kind in candidates if variant.rules.when.holds(kind)), None)
        if found is None:
            raise AssertionError(
                f"{shown(path)}:{variant.rules.when.line}: no run made here matches this `when` rule with "
                f"{', '.join(interpreters)}. Record it with an interpreter it names."
            )
        method, interpreter = found
        done.append(
            _record(
                variant,
                under(method, interpreter, THIS_MACHINE),
                [(f"as {method}", under(method, interpreter))],
                rechecks,
            )
        )
    return "\n".join(done)


def record_timeline(program: Program, python: str, method: str) -> str:
    """Make one more run, noting when each process starts, prints and ends; keep it if it passes the sample."""
    sample = parse_sample(program.sample_path)
    with tempfile.TemporaryDirectory() as folder:
        events = Path(folder) / "events.txt"
        noting = {"SNIPPETS_TIMELINE_FILE": str(events), "SNIPPETS_TIMELINE_MAIN": "1", **THIS_MACHINE}
        run = run_against_sample(program, method, python, extra_env=noting)
        verdict = judge(run, sample)
        if verdict:
            raise AssertionError(f"timeline not recorded: its run under {method} failed.\n{verdict}")
        noted = events.read_text(encoding="utf-8") if events.exists() else ""
    version = ".".join(map(str, release(python)))
    path = timeline.record(program.path, noted, method, version, datetime.date.today().isoformat())
    if path is None:
        return f"{program.relative}: one process, no timeline"
    problems = match_output(sample, timeline.load(path).output)
    if problems:  # the lines as written, in time order, must be a run the sample accepts
        path.unlink()
        raise AssertionError(f"timeline not recorded: its lines in time order fail the sample: {problems[0].message}")
    return f"{shown(path)}: recorded under {method}"
