"""Judge one run of a program against its sample: exit, stderr, leftovers, output."""

from __future__ import annotations

from .matching import match_output, report
from .running import Run
from .sample import Sample


def _excerpt(text: str, limit: int = 3000) -> str:
    text = text.rstrip("\n")
    return text if len(text) <= limit else "...\n" + text[-limit:]


def judge(run: Run, sample: Sample) -> str | None:
    """A failure message naming the program, the sample and what to do; None if the run is good."""
    rules = sample.rules
    where = f"{sample.path.relative_to(sample.path.parents[2])}"
    program = f"{run.module} under {run.method}"
    failures: list[str] = []
    if run.timed_out and not rules.expect_hang:
        failures.append(
            f"{program} did not finish within {run.timeout:g} s and was killed with its whole process "
            f"group. If the lesson needs longer, raise `#| timeout` in {where}; if it is meant to hang, "
            "add `#| expect hang`.\nPartial output:\n" + (_excerpt(run.stdout) or "(none)")
        )
    elif rules.expect_hang and not run.timed_out:
        failures.append(
            f"{program} was expected to hang (`#| expect hang` in {where}) but exited with status "
            f"{run.returncode} after {run.wall:.2f} s"
        )
    elif not rules.expect_hang and run.returncode != rules.exit_code:
        failures.append(
            f"{program} exited with status {run.returncode}; {where} expects {rules.exit_code} "
            "(declare another with `#| expect exit N`)"
        )
    if run.leftovers:
        failures.append(
            f"{program} left processes running after it exited (join or stop every process it starts):\n  "
            + "\n  ".join(run.leftovers)
        )
    if run.survivors:
        failures.append(f"{program}: processes survived SIGKILL of the run's group:\n  " + "\n  ".join(run.survivors))
    stderr = run.stderr.strip("\n")
    if rules.stderr:
        for rule in rules.stderr:
            if not rule.pattern.search(run.stderr):
                failures.append(
                    f"{program}: stderr does not contain {rule.pattern.pattern!r} (rule at {where}:{rule.line}).\n"
                    "stderr:\n" + (_excerpt(stderr) or "(empty)")
                )
    elif stderr:
        failures.append(
            f"{program} wrote to stderr, which must stay empty unless {where} declares `#| stderr REGEX`:\n"
            + _excerpt(stderr)
        )
    problems = match_output(sample, run.output)
    if problems:
        failures.append(report(sample, run.output, problems))
    if not failures:
        return None
    return "\n\n".join(failures)
