"""Options and shared state of the verification: the run pool, update mode, the timing summary."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from harness.pool import RunPool

_STARTED = time.monotonic()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("snippets")
    group.addoption(
        "--update-samples",
        action="store_true",
        help="record missing or failing samples from real runs, keep their rules, re-run to show they hold",
    )
    group.addoption(
        "--python",
        action="append",
        default=[],
        help="an interpreter that runs the programs (repeat for several; default: the one running pytest)",
    )
    group.addoption(
        "--jobs",
        type=int,
        default=max(4, 4 * (os.cpu_count() or 1)),
        help="programs run at once (they mostly sleep)",
    )


POOL = pytest.StashKey[RunPool]()
INTERPRETERS = pytest.StashKey[dict[str, str]]()


def interpreter_version(python: str) -> str:
    """``3.12`` for a CPython 3.12 executable; a clear error for anything unusable."""
    try:
        found = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise pytest.UsageError(f"--python {python}: cannot run it ({error})") from None
    return found.stdout.strip()


def pytest_configure(config: pytest.Config) -> None:
    pythons = config.getoption("--python") or [sys.executable]
    config.stash[INTERPRETERS] = {interpreter_version(python): python for python in pythons}
    versions = {python: version for version, python in config.stash[INTERPRETERS].items()}
    config.stash[POOL] = RunPool(config.getoption("--jobs"), versions)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start every selected program run now, so they overlap with each other and other tests."""
    if session.config.getoption("--update-samples"):
        return
    pool = session.config.stash[POOL]
    for item in session.items:
        params = getattr(item, "callspec", None)
        if params and "program" in params.params and "method" in params.params:
            pool.submit(params.params["program"], params.params["method"], params.params["python"])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "python" in metafunc.fixturenames:
        interpreters = metafunc.config.stash[INTERPRETERS]
        metafunc.parametrize("python", list(interpreters.values()), ids=list(interpreters))


@pytest.fixture(scope="session")
def pool(request: pytest.FixtureRequest) -> RunPool:
    return request.config.stash[POOL]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    pool = config.stash[POOL]
    lines = pool.summary(time.monotonic() - _STARTED)
    if lines:
        terminalreporter.section("verification time")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    config.stash[POOL].close()
