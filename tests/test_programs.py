"""Every program on the site, run under every start method, against its sample."""

from __future__ import annotations

import os

import pytest

from harness.checks import judge, load_sample
from harness.pool import ALONE, ALONE_3_14, RunPool, emulating_python, release, run_kind
from harness.programs import Program, discover, interpreters_of, methods_for, rules_of, start_methods
from harness.sample import Sample, shown, skip_reason
from harness.services import Services
from harness.update import update_sample

PROGRAMS = discover()
METHODS = start_methods()


def checked_sample(program: Program, method: str, python: str) -> Sample:
    """The program's sample for this run; the test fails if it is broken, and is skipped where its rules say so."""
    sample = load_sample(program, run_kind(method, python))
    if isinstance(sample, str):
        pytest.fail(sample, pytrace=False)
    reason = skip_reason(sample.rules)
    if reason:
        pytest.skip(reason)
    missing = Services.missing(sample.rules.needs, sample.path)
    if missing:
        pytest.fail(missing, pytrace=False)
    return sample


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program.name)
def test_program(
    program: Program,
    method: str,
    python: str,
    interpreters: dict[str, str],
    pool: RunPool,
    request: pytest.FixtureRequest,
) -> None:
    if request.config.getoption("--update-samples"):
        runs_on = list(interpreters_of(program, interpreters)[0].values())
        if method != METHODS[0] or not runs_on or python != runs_on[0]:
            pytest.skip(
                f"update mode records each sample once, under {METHODS[0]} with the first interpreter that runs "
                "the program, then re-checks it under every method with every interpreter that runs it"
            )
        print(update_sample(program, python, others=tuple(runs_on[1:])))
        return
    runs_on, why = interpreters_of(program, interpreters)
    if python not in runs_on.values():
        pytest.skip(f"not run on this interpreter: {why}")
    sample = checked_sample(program, method, python)
    if method not in methods_for(program, METHODS):
        main_rules = rules_of(program)  # where methods_for read the rule, whichever sample this run uses
        assert main_rules is not None and main_rules.no_start_method is not None
        reason, line = main_rules.no_start_method
        pytest.skip(
            f"no start method can change it ({shown(program.sample_path)}:{line}: {reason}); it runs under "
            f"{METHODS[0]} alone, and that run fails if it uses the default start method"
        )
    failure = judge(pool.result(program, method, python), sample)
    if failure:
        pytest.fail(failure, pytrace=False)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program.name)
def test_program_copied_on_its_own(
    program: Program, interpreters: dict[str, str], pool: RunPool, request: pytest.FixtureRequest
) -> None:
    """The page offers `python <file>.py`: the file alone, in an empty folder, under the default start method.

    With the first interpreter given that runs the program (tests/harness/installs.py).
    """
    if request.config.getoption("--update-samples"):
        pytest.skip("update mode records samples; this run only checks them")
    runs_on, why = interpreters_of(program, interpreters)
    if not runs_on:
        pytest.skip(f"no interpreter given runs it: {why}")
    python = next(iter(runs_on.values()))
    sample = checked_sample(program, ALONE, python)
    failure = judge(pool.result(program, ALONE, python), sample)
    if failure:
        pytest.fail(f"copied on its own and run as `python {program.path.name}`:\n{failure}", pytrace=False)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: program.name)
def test_program_copied_on_its_own_as_python_3_14_runs_it(
    program: Program, interpreters: dict[str, str], pool: RunPool, request: pytest.FixtureRequest
) -> None:
    """`python <file>.py` as CPython 3.14 runs it on Linux, emulated on an older CPython.

    3.14 makes forkserver the default on Linux, and its forkserver imports a program
    run as a file once, in the server, before it forks the children (gh-126631, also
    in 3.13.8+ and 3.14.1+, not 3.14.0). No such interpreter is here, so the harness's sitecustomize makes an
    older one behave so (see emulate_3_14 there); the CI cells with 3.13 and 3.14 run
    the real thing in the test above.
    """
    if request.config.getoption("--update-samples"):
        pytest.skip("update mode records samples; this run only checks them")
    if os.name == "nt":
        pytest.skip("Windows has no forkserver: Python 3.14 starts processes there as before")
    python = emulating_python(request.config.getoption("--python") or [])
    if python is None:
        pytest.skip("every interpreter given has the 3.13.8/3.14.1 forkserver already: the run above is the real one")
    runs_on, why = interpreters_of(program, interpreters)
    if python not in runs_on.values():
        pytest.skip(f"the emulating interpreter ({'.'.join(map(str, release(python)[:2]))}) does not run it: {why}")
    sample = checked_sample(program, ALONE_3_14, python)
    if sample.rules.no_start_method:
        pytest.skip(
            "3.14 changes the default start method and what the forkserver imports; this program uses no "
            f"default start method ({shown(sample.path)}:{sample.rules.no_start_method[1]}), which every run checks"
        )
    failure = judge(pool.result(program, ALONE_3_14, python), sample)
    if failure:
        pytest.fail(
            f"copied on its own and run as `python {program.path.name}` as Python 3.14 would (emulated on "
            f"{'.'.join(map(str, release(python)))}):\n{failure}",
            pytrace=False,
        )
