"""Every program on the site, run under every start method, against its sample."""

from __future__ import annotations

import sys

import pytest

from harness.checks import judge, load_sample
from harness.pool import ALONE, RunPool
from harness.programs import Program, discover, start_methods
from harness.sample import skip_reason
from harness.update import update_sample

PROGRAMS = discover()
METHODS = start_methods()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program.name)
def test_program(program: Program, method: str, python: str, pool: RunPool, request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--update-samples"):
        first_python = (request.config.getoption("--python") or [sys.executable])[0]
        if method != METHODS[0] or python != first_python:
            pytest.skip(
                f"update mode records each sample once, under {METHODS[0]} with the first --python, "
                "then re-checks it under every method"
            )
        print(update_sample(program, python))
        return
    sample = load_sample(program)
    if isinstance(sample, str):
        pytest.fail(sample, pytrace=False)
    reason = skip_reason(sample.rules)
    if reason:
        pytest.skip(reason)
    failure = judge(pool.result(program, method, python), sample)
    if failure:
        pytest.fail(failure, pytrace=False)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program.name)
def test_program_copied_on_its_own(program: Program, pool: RunPool, request: pytest.FixtureRequest) -> None:
    """The page offers `python <file>.py`: the file alone, in an empty folder, under the default start method."""
    if request.config.getoption("--update-samples"):
        pytest.skip("update mode records samples; this run only checks them")
    sample = load_sample(program)
    if isinstance(sample, str):
        pytest.fail(sample, pytrace=False)
    reason = skip_reason(sample.rules)
    if reason:
        pytest.skip(reason)
    python = (request.config.getoption("--python") or [sys.executable])[0]
    failure = judge(pool.result(program, ALONE, python), sample)
    if failure:
        pytest.fail(f"copied on its own and run as `python {program.path.name}`:\n{failure}", pytrace=False)
