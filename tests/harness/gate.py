"""The browser tests' gate: how dev.py, the test process and the browser tests' processes agree (standard library only).

dev.py starts the browser tests in pytest processes of their own, beside the test process, and tells
that one their process IDs (BROWSER_PIDS) and a gate, a folder (OPENS_GATE; the browser tests'
processes get the same folder as WAIT_AT_GATE). They wait at the gate until every program run has
ended, so that no run shares the cores with Chromium: beside it, a fresh clone's check measured a
Queue round trip at 2.02 ms instead of 0.14, Ray's comparison failed, Ray's tasks_and_queue took 23 s
instead of 9 (Ray gives up on a node not started within 30 s), and the runs took 1.7 times their
lower bound. The test process opens the gate (pool.RunPool.open_gate_after); dev.py opens it too once
that process has ended, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

BROWSER_PIDS = "SNIPPETS_BROWSER_PIDS"
OPENS_GATE = "SNIPPETS_OPENS_GATE"
WAIT_AT_GATE = "SNIPPETS_WAIT_AT_GATE"
OPEN = "open"  # the file that opens the gate


def waiting_marker(gate: Path, pid: int) -> Path:
    return gate / f"waiting-{pid}"


def wait_at_gate(gate: Path) -> None:
    """In a browser tests' process: say it waits, and wait until the gate opens or dev.py is gone."""
    parent = os.getppid()
    waiting_marker(gate, os.getpid()).touch()
    while not (gate / OPEN).exists() and os.getppid() == parent:
        time.sleep(0.1)


def open_gate(gate: Path) -> None:
    """Let the browser tests' processes go on; a gate already gone is a check that is over."""
    with contextlib.suppress(FileNotFoundError):
        (gate / OPEN).touch()
