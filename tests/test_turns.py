"""pool.Turns and the browser tests' gate: shared runs go together, an exclusive run alone, and what each waits for."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from contribution import contribute

from harness import gate
from harness.pool import BrowserTests, RunPool, Turns


def test_an_exclusive_run_waits_for_the_others_and_runs_alone() -> None:
    turns = Turns()
    going: list[str] = []
    overlaps: list[list[str]] = []
    lock = threading.Lock()

    def run(name: str, exclusive: bool) -> None:
        with turns.turn(exclusive):
            with lock:
                going.append(name)
                if len(going) > 1 and any(other.startswith("alone") for other in going):
                    overlaps.append(list(going))
            time.sleep(0.05)
            with lock:
                going.remove(name)

    threads = [
        threading.Thread(target=run, args=(f"{'alone' if index % 3 == 0 else 'shared'}-{index}", index % 3 == 0))
        for index in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads), "a run never got its turn"
    assert not overlaps, f"an exclusive run had company: {overlaps}"


def test_an_exclusive_run_waits_while_the_browser_tests_are_at_work() -> None:
    """A benchmark goes while the browser tests wait at their gate (not at work), and not while they run."""
    browser_at_work = threading.Event()
    turns = Turns(browser_tests_at_work=browser_at_work.is_set)
    started: list[str] = []

    def run(name: str) -> None:
        with turns.turn(True):
            started.append(name)

    first = threading.Thread(target=run, args=("at the gate",))
    first.start()
    first.join(timeout=5)
    assert started == ["at the gate"]
    browser_at_work.set()
    late = threading.Thread(target=run, args=("at work",))
    late.start()
    time.sleep(0.7)  # past Turns' 0.5 s look
    assert started == ["at the gate"], "an exclusive run went beside the browser tests"
    browser_at_work.clear()
    late.join(timeout=5)
    assert started == ["at the gate", "at work"]


def test_every_exclusive_run_waits_for_the_test_process_s_own_checks() -> None:
    """The harness's tests, ruff and mypy run first in the test process: no exclusive run goes beside them."""
    own_checks = threading.Event()
    own_checks.set()
    turns = Turns(own_work_running=own_checks.is_set)
    started: list[int] = []

    def run(number: int) -> None:
        with turns.turn(True):
            started.append(number)

    threads = [threading.Thread(target=run, args=(number,)) for number in (1, 2)]
    for thread in threads:
        thread.start()
    time.sleep(0.7)  # past Turns' 0.5 s look
    assert not started, "an exclusive run went while the test process's own checks ran"
    own_checks.clear()
    for thread in threads:
        thread.join(timeout=5)
    assert sorted(started) == [1, 2]


def test_the_gate_opens_once_the_runs_it_waits_for_have_ended(tmp_path: Path) -> None:
    """RunPool.open_gate_after: each run prints the time it ended; the gate's file appears after the last."""
    browser_tests = BrowserTests(gate=tmp_path)
    clock = "import time\ntime.sleep(0.3)\nprint(time.time(), flush=True)\n"
    programs = [contribute(tmp_path, clock, [], ["-"], guide=f"shared{n}") for n in range(3)]
    runs = RunPool(8, {sys.executable: "this"}, browser_tests)
    try:
        for program in programs:
            runs.submit(program, "fork", sys.executable)
        assert not browser_tests.gate_open()
        runs.open_gate_after([(program, "fork", sys.executable) for program in programs])
        ended = max(float(runs.result(program, "fork", sys.executable).stdout) for program in programs)
        deadline = time.monotonic() + 10
        while not browser_tests.gate_open() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        runs.close()
    assert browser_tests.gate_open(), "the gate stayed shut after its runs ended"
    opened = (tmp_path / gate.OPEN).stat().st_mtime
    assert opened >= ended - 0.05, f"the gate opened at {opened}, before the last run ended at {ended}"


def test_dev_py_s_names_reach_the_session_s_pool_and_no_process_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A nested pytest session of the harness's tests once opened the real gate: its conftest read the same names."""
    monkeypatch.setenv(gate.BROWSER_PIDS, "12,34")
    monkeypatch.setenv(gate.OPENS_GATE, "/the/gate")
    assert BrowserTests.taken_from_environment() == BrowserTests((12, 34), Path("/the/gate"))
    assert gate.BROWSER_PIDS not in os.environ
    assert gate.OPENS_GATE not in os.environ


@pytest.mark.skipif(os.name != "posix", reason="the browser tests' processes are told apart by POSIX process IDs")
def test_a_browser_process_waiting_at_the_gate_is_not_at_work_until_it_opens(tmp_path: Path) -> None:
    """dev.py names the browser tests' processes: a benchmark goes while they wait at the gate, not after."""
    waiting = (
        "import pathlib, sys, time\nfrom harness.gate import wait_at_gate\n"
        "sys.stdin.readline()\nwait_at_gate(pathlib.Path(sys.argv[1]))\npathlib.Path(sys.argv[2]).touch()\n"
        "time.sleep(30)\n"
    )
    passed = tmp_path / "passed the gate"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    browser = subprocess.Popen(
        [sys.executable, "-c", waiting, str(tmp_path), str(passed)], env=env, stdin=subprocess.PIPE, text=True
    )
    try:
        browser_tests = BrowserTests((browser.pid,), tmp_path)
        assert browser_tests.at_work(), "a process that has not reached the gate is at work"
        assert browser.stdin is not None
        browser.stdin.write("go to the gate\n")
        browser.stdin.flush()
        deadline = time.monotonic() + 10
        while browser_tests.at_work() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gate.waiting_marker(tmp_path, browser.pid).exists()
        assert not browser_tests.at_work()
        assert not passed.exists()
        browser_tests.open_gate()
        assert browser_tests.at_work(), "once the gate is open, the process is at work again"
        while not passed.exists() and time.monotonic() < deadline + 10:
            time.sleep(0.05)
        assert passed.exists(), "the process did not go on past the open gate"
    finally:
        browser.kill()
        browser.communicate()
