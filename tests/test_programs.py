"""Every program on the site, run under every start method, against its sample."""

from __future__ import annotations

import pytest

from harness.checks import judge, load_sample
from harness.pool import ALONE, RunPool
from harness.programs import Program, discover, start_methods
from harness.sample import Sample, skip_reason
from harness.update import update_sample

PROGRAMS = discover()
METHODS = start_methods()


def checked_sample(program: Program) -> Sample:
    """The program's sample; the test fails if it is broken and is skipped where its rules say so."""
    sample = load_sample(program)
    if isinstance(sample, str):
        pytest.fail(sample, pytrace=False)
    reason = skip_reason(sample.rules)
    if reason:
        pytest.skip(reason)
    return sample


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program.name)
def test_program(
    program: Program, method: str, python: str, first_python: str, pool: RunPool, request: pytest.FixtureRequest
) -> None:
    if request.config.getoption("--update-samples"):
        if method != METHODS[0] or python != first_python:
            pytest.skip(
                f"update mode records each sample once, under {METHODS[0]} with the first --python, "
                "then re-checks it under every method"
            )
        print(update_sample(program, python))
        return
    failure = judge(pool.result(program, method, python), checked_sample(program))
    if failure:
        pytest.fail(failure, pytrace=False)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program.name)
def test_program_copied_on_its_own(
    program: Program, first_python: str, pool: RunPool, request: pytest.FixtureRequest
) -> None:
    """The page offers `python <file>.py`: the file alone, in an empty folder, under the default start method."""
    if request.config.getoption("--update-samples"):
        pytest.skip("update mode records samples; this run only checks them")
    sample = checked_sample(program)
    failure = judge(pool.result(program, ALONE, first_python), sample)
    if failure:
        pytest.fail(f"copied on its own and run as `python {program.path.name}`:\n{failure}", pytrace=False)
