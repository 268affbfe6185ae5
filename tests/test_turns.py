"""pool.Turns and the order of the runs: shared runs go together, exclusive runs alone and first."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from contribution import contribute

from harness import pool
from harness.pool import RunPool, Turns


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


def test_an_exclusive_run_waits_for_other_work_unless_beside_browser() -> None:
    """`exclusive` waits for the browser tests (other work) to end; `exclusive beside-browser` only for other runs."""
    browser_running = threading.Event()
    browser_running.set()
    turns = Turns(others_running=browser_running.is_set)
    started: list[str] = []

    def run(name: str, beside_other_work: bool) -> None:
        with turns.turn(True, beside_other_work):
            started.append(name)

    timings = threading.Thread(target=run, args=("timings", False))
    beside = threading.Thread(target=run, args=("beside-browser", True))
    timings.start()
    beside.start()
    beside.join(timeout=5)
    assert started == ["beside-browser"], "only the beside-browser run goes while the browser tests run"
    browser_running.clear()
    timings.join(timeout=5)
    assert started == ["beside-browser", "timings"]


def test_the_exclusive_runs_end_before_the_gate_opens_and_the_others_start_after(tmp_path: Path) -> None:
    """RunPool.submit_in_turn: what each run prints is the time it started and ended."""
    clock = "import time\nprint(time.time(), flush=True)\ntime.sleep(0.3)\nprint(time.time(), flush=True)\n"
    benchmarks = [contribute(tmp_path, clock, ["exclusive"], ["-"], guide=f"benchmark{n}") for n in range(2)]
    shared = [contribute(tmp_path, clock, [], ["-"], guide=f"shared{n}") for n in range(4)]
    runs = RunPool(8, {sys.executable: "this"})
    opened: list[float] = []
    try:
        runs.submit_in_turn(
            [(program, "fork", sys.executable) for program in benchmarks],
            [(program, "fork", sys.executable) for program in shared],
            lambda: opened.append(time.time()),
        )
        times = {
            program.name: [float(line) for line in runs.result(program, "fork", sys.executable).stdout.split()]
            for program in [*benchmarks, *shared]
        }
    finally:
        runs.close()
    assert len(opened) == 1
    alone = sorted(times[program.name] for program in benchmarks)
    assert alone[0][1] <= alone[1][0], f"the exclusive runs overlapped: {alone}"
    assert alone[1][1] <= opened[0] <= min(times[program.name][0] for program in shared), (alone, opened, times)


@pytest.mark.skipif(os.name != "posix", reason="the browser tests' processes are told apart by POSIX process IDs")
def test_a_browser_process_waiting_at_the_gate_is_not_at_work_until_it_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dev.py names the browser tests' processes: a benchmark goes while they wait at the gate, not after."""
    gate = tmp_path / "gate"
    gate.mkdir()
    monkeypatch.setenv(pool.OPENS_GATE, str(gate))
    waiting = (
        "import pathlib, sys, time\nfrom harness.pool import wait_at_gate\n"
        "sys.stdin.readline()\nwait_at_gate(pathlib.Path(sys.argv[1]))\npathlib.Path(sys.argv[2]).touch()\ntime.sleep(30)\n"
    )
    passed = tmp_path / "passed the gate"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    browser = subprocess.Popen(
        [sys.executable, "-c", waiting, str(gate), str(passed)], env=env, stdin=subprocess.PIPE, text=True
    )
    try:
        monkeypatch.setenv(pool.OTHER_WORK, str(browser.pid))
        assert pool.others_running(), "a process that has not reached the gate is at work"
        assert browser.stdin is not None
        browser.stdin.write("go to the gate\n")
        browser.stdin.flush()
        deadline = time.monotonic() + 10
        while pool.others_running() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.waiting_marker(gate, browser.pid).exists()
        assert not pool.others_running()
        assert not passed.exists()
        pool.open_gate()
        assert pool.others_running(), "once the gate is open, the process is at work again"
        while not passed.exists() and time.monotonic() < deadline + 10:
            time.sleep(0.05)
        assert passed.exists(), "the process did not go on past the open gate"
    finally:
        browser.kill()
        browser.communicate()
