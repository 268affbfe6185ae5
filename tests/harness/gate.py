"""The browser tests' gate: how dev.py, the test process and the browser tests' processes agree (standard library only).

dev.py starts the browser tests in pytest processes of their own, beside the test process, and tells
that one their names and process IDs (BROWSER_PROCESSES) and a gate, a folder (OPENS_GATE); each
browser tests' process gets the file it makes there while it waits (WAIT_AT_GATE) and dev.py's
process ID (DEV_PY). All three get a folder for one site build they share (SHARED_SITE,
conftest.SiteBuild). A browser tests' process collects its tests (no Chromium yet), then waits at
the gate until every program run has ended but the `exclusive untimed` ones
(a Ray program that compares no timings), so that no other run shares the cores with Chromium:
beside it (when Chromium's session was at nice 0: browsers.give_chromium_this_priority), a fresh
clone's check measured a Queue round trip at 2.02 ms instead of 0.14 and Ray's comparison failed
(benchmarks), Ray's tasks_and_queue took 23 s instead of 9 (Ray gives
up on a node not started within 30 s), and the runs took 1.7 times their lower bound. Even at the
lowest priority (tried on 2026-12-07: the browser tests and Chromium each in a session whose
autogroup was at nice 19, as a nice alone does not count against the runs' sessions where Linux's
autogroups are in effect, as here: sched(7)), Chromium beside the benchmarks made a Queue round
trip take up to 3.16 ms, where the same benchmarks alone, that hour, took 0.18 to 0.25, and 2 of
8 benchmark runs failed their comparisons: so the gate opens only once every run but the
`exclusive untimed` ones has ended.
The test process opens it then (pool.RunPool.open_gate_when_idle); dev.py opens it too once that
process has ended, whatever happened.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

BROWSER_PROCESSES = "SNIPPETS_BROWSER_PROCESSES"  # for the test process: name=pid,name=pid
OPENS_GATE = "SNIPPETS_OPENS_GATE"  # for the test process: the gate's folder
WAIT_AT_GATE = "SNIPPETS_WAIT_AT_GATE"  # for a browser tests' process: its marker
DEV_PY = "SNIPPETS_DEV_PY"  # for a browser tests' process: dev.py's process ID
OPEN = "open"  # the file that opens the gate
SHARED_SITE = "SNIPPETS_SHARED_SITE"  # for each pytest process: where the first that needs the site builds it


def marker(gate: Path, name: str) -> Path:
    """The file a browser tests' process makes while it waits at ``gate``.

    Named by dev.py, not by the waiting process's ID: on Windows a virtual environment's python.exe
    is a launcher that runs the interpreter as a child, so the ID dev.py knows is the launcher's.
    """
    return gate / f"waiting-{name}"


def is_open(gate: Path) -> bool:
    return (gate / OPEN).exists()


def wait_at_gate(waiting: Path, dev_py_running: Callable[[], bool]) -> bool:
    """In a browser tests' process: make the marker ``waiting`` and wait until its gate opens.

    False if dev.py ended first: its gate folder is gone (it was interrupted), or its process is
    (it was killed; the caller knows how to tell, as the standard library cannot on Windows).
    """
    try:
        waiting.touch()
    except FileNotFoundError:  # the folder is gone already
        return False
    while not is_open(waiting.parent):
        if not waiting.parent.exists() or not dev_py_running():
            return False
        time.sleep(0.1)
    return True


def open_gate(gate: Path) -> None:
    """Let the browser tests' processes go on; a gate already gone is a check that is over."""
    with contextlib.suppress(FileNotFoundError):
        (gate / OPEN).touch()
