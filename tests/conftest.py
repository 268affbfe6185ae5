"""Options and shared state of the verification: the run pool, update mode, the timing summary."""

from __future__ import annotations

import os
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
    group.addoption("--python", default=sys.executable, help="the interpreter that runs the programs")
    group.addoption(
        "--jobs",
        type=int,
        default=max(4, 4 * (os.cpu_count() or 1)),
        help="programs run at once (they mostly sleep)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[POOL] = RunPool(config.getoption("--python"), config.getoption("--jobs"))


POOL = pytest.StashKey[RunPool]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start every selected program run now, so they overlap with each other and other tests."""
    if session.config.getoption("--update-samples"):
        return
    pool = session.config.stash[POOL]
    for item in session.items:
        params = getattr(item, "callspec", None)
        if params and "program" in params.params and "method" in params.params:
            pool.submit(params.params["program"], params.params["method"])


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
