"""Judge one run of a program against its sample: exit, stderr, leftovers, stray files, output.

Every failure starts with ``path:line:`` and says what to do about it.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from .matching import check_sample, match_output, match_stderr, report
from .programs import Program
from .running import OUTPUT_LIMIT, NamedResource, Run
from .sample import Rules, RunKind, Sample, SampleError, parse_sample, program_of, shown

SHARED_MEMORY_LEAK = re.compile(r"resource_tracker: There appear to be \d+ leaked shared_memory objects[^\n]*")
HELPER = re.compile(r"multiprocessing\.(resource_tracker|forkserver) import main")  # helper processes' commands


def _excerpt(text: str, limit: int = 3000) -> str:
    text = text.rstrip("\n")
    return text if len(text) <= limit else "...\n" + text[-limit:]


def program_line(text: str, program: Path, default: int = 1) -> int:
    """The line of ``program`` named by the innermost frame of a traceback or stack dump; ``default`` if none."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', text)
    ours = [
        int(line)
        for path, line in frames
        # snippets/<guide>/<program>.py, or the copy a run of the file on its own makes in its folder cwd/
        if Path(path).name == program.name and Path(path).parent.name in (program.parent.name, "cwd")
    ]
    if not ours:
        return default
    # Tracebacks list the innermost frame last, faulthandler dumps list it first.
    return ours[0] if "most recent call first" in text else ours[-1]


def _created_line(resource: NamedResource, program: Path) -> int:
    path, _, line = resource.created_at.rpartition(":")
    return program_line(f'File "{path}", line {line}', program)


def _stacks(run: Run) -> str:
    parts = []
    for pid, text in run.stacks.items():
        command, _, dump = text.partition("\n")
        if f"-m {run.module}" in command or pid == run.pid:
            command = f"the program (python -m {run.module})"
        parts.append(f"process {pid}: {command}\n{dump}")
    return "\n\n".join(parts)


def load_sample(program: Program, kind: RunKind | None = None) -> Sample | str:
    """The program's sample for a run of this kind, checked against its own rules; or why it cannot be used.

    A sample variant (``<program>.<name>.out``) replaces the main sample for the
    runs its ``when`` rule names; without ``kind``, the main sample is meant.
    """
    if not program.sample_path.exists():
        return (
            f"{program.relative}:1: no sample {program.sample_path.name}. Record one from a real run with "
            f"`python3 dev.py update -k {program.name}`."
        )
    try:
        samples = [parse_sample(path) for path in [program.sample_path, *program.variant_paths]]
        for sample in samples:
            check_sample(sample)
    except SampleError as error:
        return str(error)
    main = samples[0].rules
    for variant in samples[1:]:  # pool.Turns and the gate read the main sample's
        if (variant.rules.exclusive, variant.rules.untimed) != (main.exclusive, main.untimed):
            return (
                f"{shown(variant.path)}:1: its `exclusive` rule is not {shown(samples[0].path)}'s. Whether a run "
                "has the machine to itself, and whether the browser tests go on beside it, belong to the program, "
                "not to a variant: write the same rule in both."
            )
    if kind is None:
        return samples[0]
    chosen = [(sample, sample.rules.when) for sample in samples[1:] if sample.rules.when]
    chosen = [(sample, when) for sample, when in chosen if when.holds(kind)]
    if len(chosen) > 1:
        (first, _), (second, when) = chosen[:2]
        return (
            f"{shown(second.path)}:{when.line}: describes the same runs as {shown(first.path)} "
            f"({kind.describe()}). Make their `when` rules exclude each other."
        )
    return chosen[0][0] if chosen else samples[0]


def without_allowed_stderr(run: Run, rules: Rules) -> Run:
    """The run with every match of the sample's `allow-stderr` rules cut from its stderr.

    That text depends on the machine or on chance, not on the program (Celery warns when its worker
    runs as root, as on this project's own CI machine but not on GitHub's runners; Dask's workers now
    and then log a failed heartbeat while the cluster closes): it is neither recorded nor compared,
    and what remains must pass every other stderr check.
    """
    stderr = run.stderr
    for rule in rules.allowed_stderr:
        stderr = rule.pattern.sub("", stderr)
    return run if stderr == run.stderr else dataclasses.replace(run, stderr=stderr)


def judge(run: Run, sample: Sample) -> str | None:
    """A failure message naming the file, the line and what to do; None if the run is good."""
    rules = sample.rules
    run = without_allowed_stderr(run, rules)
    program_path = program_of(sample.path)
    program = shown(program_path)
    where = shown(sample.path)
    how = f"(under {run.method})"
    failures: list[str] = []
    if run.over_memory:
        peak = f" (the most it held at once: {run.memory_peak / 2**20:,.0f} MiB)" if run.memory_peak else ""
        failures.append(
            f"{program}:1: its processes together held more than {run.memory_mib:,} MiB {how}{peak}, and it was "
            f"stopped. A lesson that needs more says so in {where}: `#| memory N MiB`. Otherwise hold less: "
            "put fewer or smaller items in flight at once."
        )
    elif run.timed_out and not rules.expect_hang:
        # main's line; if main waits outside the program (an exit handler joining a feeder thread), a child's
        others = "\n".join(text for pid, text in run.stacks.items() if pid != run.pid)
        stuck_at = program_line(run.stacks.get(run.pid, ""), program_path, 0) or program_line(others, program_path)
        after = "nothing of the run was left" if not run.survivors else "some processes survived (below)"
        failures.append(
            f"{program}:{stuck_at}: did not finish within {run.timeout:g} s {how}; every process of the run was "
            f"killed, and {after}. If the lesson needs longer, raise `#| timeout` in {where}; if it is meant to "
            "hang, add `#| expect hang`; otherwise find where it waits below.\nPartial output:\n"
            + (_excerpt(run.stdout) or "(none)")
            + ("\nWhere each process was when the time ran out:\n" + _stacks(run) if run.stacks else "")
        )
    elif rules.expect_hang and not run.timed_out:
        failures.append(
            f"{program}:1: expected to hang (`#| expect hang` in {where}) but exited with status "
            f"{run.returncode} after {run.wall:.2f} s {how}. Remove the rule if it should exit."
        )
    elif not rules.expect_hang and run.returncode != rules.exit_code:
        line = program_line(run.stderr, program_path)
        failures.append(
            f"{program}:{line}: exited with status {run.returncode} {how}; {where} expects {rules.exit_code}. "
            "Fix the program, or declare the status with `#| expect exit N`.\nstderr:\n"
            + (_excerpt(run.stderr) or "(empty)")
        )
    if run.leftovers:
        helpers = [left for left in run.leftovers if HELPER.search(left)]
        own = [
            left + f"  (the program's own code, forked: python -m {run.module})"
            if left.endswith(f" -m {run.module}")
            else left
            for left in run.leftovers
            if left not in helpers
        ]
        waiting = {pid: text for pid, text in run.stacks.items() if pid != run.pid and not HELPER.search(text)}
        started = {
            resource.name: _created_line(resource, program_path)
            for resource in run.created
            if resource.kind == "process"
        }
        own = [
            f"{left}  (started at line {started[left.split()[0]]})" if started.get(left.split()[0], 1) > 1 else left
            for left in own
        ]
        # The line that started a leftover, else the line one waits on (a grandchild's start is not seen)
        lines = [started.get(left.split()[0], 0) for left in run.leftovers if left.split()[0] in started]
        line = next((line for line in lines if line > 1), 0) or program_line("\n".join(waiting.values()), program_path)
        failures.append(
            f"{program}:{line}: left processes running after it exited {how}. Join or stop every process it starts "
            "before main() returns. They were killed:\n  "
            + "\n  ".join(
                own + [f"{left}  (multiprocessing's helper: it stays while the above live)" for left in helpers]
            )
            + ("\nWhere each was:\n" + _stacks(run) if waiting else "")
        )
    if run.survivors:
        failures.append(
            f"{program}:1: processes survived SIGKILL of the run's group {how}:\n  " + "\n  ".join(run.survivors)
        )
    for resource in run.outside_files:
        at = _created_line(resource, program_path)
        failures.append(
            f"{program}:{at}: created {resource.name} {how}, outside the folders a run may write to (its working "
            f"folder, its temporary folder, its home), and left it there; the checks removed it. A reader's "
            "machine would keep it: write into a tempfile.TemporaryDirectory, or remove what you create."
            + ("" if at != 1 else f" (made at {resource.created_at})")
        )
    if run.stray_files:
        failures.append(
            f"{program}:1: left files behind in its working, temporary or home folder {how}. Remove what it creates "
            "(a tempfile.TemporaryDirectory does it for you):\n  " + "\n  ".join(run.stray_files)
        )
    if run.pipe_held_open:
        failures.append(
            f"{program}:1: a process it started still held its output open after it ended {how}; the checks "
            f"stopped waiting for it. Join or stop every process it starts, and their children."
        )
    if run.truncated:
        failures.append(
            f"{program}:1: printed more than {OUTPUT_LIMIT:,} bytes to stdout or stderr {how}; the rest was "
            "dropped unread. A program on a page prints what a reader can read: print less."
        )
    if rules.no_start_method and run.used_start_method:
        call, _, stack = run.used_start_method.partition("\n")
        failures.append(
            f"{program}:{program_line(stack, program_path)}: used multiprocessing's default start method through "
            f"{call} {how}, but {where}:{rules.no_start_method[1]} says `no-start-method`, so the check runs it "
            "under one start method alone. Remove that rule, so it runs under every method; or pass the context "
            "it needs (multiprocessing.get_context('spawn')) where the stack below shows the use:\n" + _excerpt(stack)
        )
    stderr = run.stderr.strip("\n")
    leaked = SHARED_MEMORY_LEAK.search(run.stderr)
    if leaked:  # no lesson here leaks shared memory, so no `stderr` rule can excuse it
        segments = [resource for resource in run.created if resource.kind == "shared_memory"]
        at = _created_line(segments[0], program_path) if segments else 1
        failures.append(
            f"{program}:{at}: leaked shared memory {how}: the resource tracker removed it at the end and said so "
            f"({leaked.group(0).strip()!r}). Call close() on every SharedMemory in each process that opened "
            "it, and unlink() once, in the process that owns it."
        )
    for resource in run.leaked:  # per run, so another program on the machine can never be blamed
        at = _created_line(resource, program_path)
        what = "shared-memory segment" if resource.kind == "shared_memory" else "named semaphore"
        fix = (
            "Call close() on every SharedMemory in each process that opened it, and unlink() once, in the "
            "process that owns it."
            if resource.kind == "shared_memory"
            else "multiprocessing unlinks its own semaphores; keep the resource tracker running and registered."
        )
        failures.append(
            f"{program}:{at}: left the {what} {resource.name} behind {how}: it was still there once every process "
            f"of the run had ended (created at {resource.created_at}; the checks removed it). {fix}"
        )
    if sample.stderr:
        differs = match_stderr(sample, run.stderr)
        if differs:
            failures.append(
                f"{where}:{sample.first_stderr_line}: stderr differs from the recorded one {how} (its unindented "
                "lines are compared, in any order, after redaction):\n" + differs + "\nstderr:\n" + _excerpt(stderr)
            )
    for rule in rules.stderr:
        if not rule.pattern.search(run.stderr):
            failures.append(
                f"{where}:{rule.line}: stderr does not contain {rule.pattern.pattern!r} {how}. Fix the rule or "
                "the program.\nstderr:\n" + (_excerpt(stderr) or "(empty)")
            )
    if stderr and not sample.stderr and run.returncode == rules.exit_code:
        failures.append(
            f"{program}:{program_line(stderr, program_path)}: wrote to stderr {how}, and {where} records no "
            "stderr. Fix the program; or, if the lesson is what it writes, record it with `python3 dev.py update "
            f"-k {Program(program_path).name}`. stderr:\n" + _excerpt(stderr)
        )
    problems = match_output(sample, run.output)
    if problems:
        failures.append(report(sample, run.output, problems))
    if not failures:
        return None
    return "\n\n".join(failures)


# A traceback frame of the program itself, as a sample records it: `  File "…/snippets/g/p.py", line 12, in f`.
OWN_FRAME = re.compile(r'^\s+File "…/(?:snippets/\w+/)?(?P<name>\w+\.py)", line (?P<line>\d+)')


def stale_traceback(sample: Sample, program_path: Path) -> str | None:
    """Whether a recorded traceback quotes a line of the program that now reads otherwise (the program changed).

    The check does not compare traceback frames, so only this notices that a page would show old line numbers.
    """
    source = program_path.read_text(encoding="utf-8").split("\n")
    for index, raw in enumerate(sample.stderr[:-1]):
        frame = OWN_FRAME.match(raw)
        if not frame or frame["name"] != program_path.name:
            continue
        number = int(frame["line"])
        now = source[number - 1].strip() if number <= len(source) else "(no such line)"
        if sample.stderr[index + 1].strip() != now:
            return (
                f"{shown(sample.path)}:{sample.first_stderr_line + index}: the recorded traceback shows line {number} "
                f"of {program_path.name} as {sample.stderr[index + 1].strip()!r}; it now reads {now!r}. Record the "
                f"sample again with `python3 dev.py update -k {Program(program_path).name}`."
            )
    return None
