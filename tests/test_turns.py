"""pool.Turns and the browser tests' gate: shared runs go together, an exclusive run alone, and what each waits for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
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


def started_thread(target: Callable[..., None], *args: object) -> threading.Thread:
    """A daemon thread, so that a run that never gets its turn fails the test instead of hanging pytest's exit."""
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def test_an_exclusive_run_waits_while_the_browser_tests_are_at_work() -> None:
    """A benchmark goes while the browser tests wait at their gate (not at work), and not while they run."""
    browser_at_work = threading.Event()
    turns = Turns(browser_tests_at_work=browser_at_work.is_set)
    started: list[str] = []

    def run(name: str) -> None:
        with turns.turn(True):
            started.append(name)

    started_thread(run, "at the gate").join(timeout=5)
    assert started == ["at the gate"]
    browser_at_work.set()
    try:
        late = started_thread(run, "at work")
        time.sleep(0.7)  # past Turns' 0.5 s look
        assert started == ["at the gate"], "an exclusive run went beside the browser tests"
    finally:
        browser_at_work.clear()
    late.join(timeout=5)
    assert started == ["at the gate", "at work"]


def test_an_exclusive_run_looks_at_the_browser_tests_again_once_the_other_runs_end() -> None:
    """It passed its first look while they waited at the gate; the gate opened while it waited for a shared run."""
    browser_at_work, shared_may_end = threading.Event(), threading.Event()
    turns = Turns(browser_tests_at_work=browser_at_work.is_set)
    started: list[str] = []

    def shared() -> None:
        with turns.turn(False):
            shared_may_end.wait(timeout=10)

    def exclusive() -> None:
        with turns.turn(True):
            started.append("exclusive")

    try:
        started_thread(shared)
        while turns.sharing == 0:
            time.sleep(0.01)
        waiting = started_thread(exclusive)
        while turns.waiting_alone == 0:  # past its look at the browser tests, waiting for the shared run
            time.sleep(0.01)
        browser_at_work.set()
        shared_may_end.set()
        time.sleep(0.7)
        assert not started, "the exclusive run went beside the browser tests"
    finally:
        shared_may_end.set()
        browser_at_work.clear()
    waiting.join(timeout=5)
    assert started == ["exclusive"]


def test_every_exclusive_run_waits_for_the_test_process_s_own_checks() -> None:
    """The harness's tests, ruff and mypy run first in the test process: no exclusive run goes beside them."""
    own_checks = threading.Event()
    own_checks.set()
    turns = Turns(own_work_running=own_checks.is_set)
    started: list[int] = []

    def run(number: int) -> None:
        with turns.turn(True):
            started.append(number)

    try:
        threads = [started_thread(run, number) for number in (1, 2)]
        time.sleep(0.7)  # past Turns' 0.5 s look
        assert not started, "an exclusive run went while the test process's own checks ran"
    finally:
        own_checks.clear()
    for thread in threads:
        thread.join(timeout=5)
    assert sorted(started) == [1, 2]


def test_the_gate_opens_once_no_run_is_left(tmp_path: Path) -> None:
    """RunPool.open_gate_when_idle: each run prints when it ended; the gate opens after the last, including a run
    submitted after the call."""
    browser_tests = BrowserTests(gate=tmp_path)
    programs = [
        contribute(
            tmp_path,
            f"import time\ntime.sleep({seconds})\nprint(time.time(), flush=True)\n",
            [],
            ["-"],
            guide=f"sleeps{n}",
        )
        for n, seconds in enumerate((0.2, 0.5, 1.5))
    ]
    runs = RunPool(8, {sys.executable: "this"}, browser_tests)
    try:
        for program in programs[:2]:
            runs.submit(program, "fork", sys.executable)
        runs.open_gate_when_idle()
        runs.submit(programs[2], "fork", sys.executable)  # the longest, submitted last
        assert not gate.is_open(tmp_path)
        ended = max(float(runs.result(program, "fork", sys.executable).stdout) for program in programs)
        deadline = time.monotonic() + 10
        while not gate.is_open(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        runs.close()
    assert gate.is_open(tmp_path), "the gate stayed shut after its runs ended"
    opened = (tmp_path / gate.OPEN).stat().st_mtime
    assert opened >= ended - 0.05, f"the gate opened at {opened}, before the last run ended at {ended}"


def test_dev_py_s_names_reach_the_session_s_pool_and_no_process_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A nested pytest session of the harness's tests once opened the real gate: its conftest read the same names."""
    monkeypatch.setenv(gate.BROWSER_PROCESSES, "visits=12,others=34")
    monkeypatch.setenv(gate.OPENS_GATE, "/the/gate")
    assert BrowserTests.taken_from_environment() == BrowserTests((("visits", 12), ("others", 34)), Path("/the/gate"))
    assert gate.BROWSER_PROCESSES not in os.environ
    assert gate.OPENS_GATE not in os.environ


# A process that waits at the gate through a launcher, as a virtual environment's python.exe runs
# the interpreter on Windows: dev.py knows the launcher's process ID, not the waiting process's.
LAUNCHER = """
import subprocess, sys
sys.exit(subprocess.call([sys.executable, "-c", sys.argv[1], *sys.argv[2:]]))
"""
WAITING = """
import pathlib, sys, time
from harness.gate import wait_at_gate
sys.stdin.readline()
if wait_at_gate(pathlib.Path(sys.argv[1])):
    pathlib.Path(sys.argv[2]).touch()
    time.sleep(30)
"""


def test_a_browser_process_waiting_at_the_gate_through_a_launcher_is_not_at_work_until_it_opens(
    tmp_path: Path,
) -> None:
    """dev.py names the browser tests' processes: a benchmark goes while they wait at the gate, not after."""
    passed = tmp_path / "passed the gate"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    waiting = gate.marker(tmp_path, "visits")
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, WAITING, str(waiting), str(passed)], env=env, stdin=subprocess.PIPE, text=True
    )
    try:
        browser_tests = BrowserTests((("visits", launcher.pid),), tmp_path)
        assert browser_tests.at_work(), "a process that has not reached the gate is at work"
        assert launcher.stdin is not None
        launcher.stdin.write("go to the gate\n")
        launcher.stdin.flush()
        deadline = time.monotonic() + 10
        while browser_tests.at_work() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting.exists()
        assert not browser_tests.at_work()
        assert not passed.exists()
        browser_tests.open_gate()
        assert browser_tests.at_work(), "once the gate is open, the process is at work again"
        while not passed.exists() and time.monotonic() < deadline + 10:
            time.sleep(0.05)
        assert passed.exists(), "the process did not go on past the open gate"
    finally:
        for process in psutil.Process(launcher.pid).children(recursive=True):
            process.kill()
        launcher.kill()
        launcher.communicate()


# Waits at the gate, then writes what wait_at_gate returned.
GIVES_UP = """
import pathlib, sys
from harness.gate import wait_at_gate
pathlib.Path(sys.argv[2]).write_text(str(wait_at_gate(pathlib.Path(sys.argv[1]))))
"""


def answer(path: Path) -> str:
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.read_text() if path.exists() else "no answer within 10 s"


@pytest.mark.skipif(os.name != "posix", reason="only a POSIX process sees its parent change when dev.py is killed")
def test_a_process_waiting_at_the_gate_gives_up_when_dev_py_is_gone(tmp_path: Path) -> None:
    """Its folder removed (dev.py interrupted), or its parent gone (dev.py killed): it returns False, not waits."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    folder = tmp_path / "gate"
    folder.mkdir()
    waiting = gate.marker(folder, "visits")
    process = subprocess.Popen([sys.executable, "-c", GIVES_UP, str(waiting), str(tmp_path / "interrupted")], env=env)
    try:
        while not waiting.exists() and process.poll() is None:
            time.sleep(0.05)
        shutil.rmtree(folder)
        assert answer(tmp_path / "interrupted") == "False"
    finally:
        process.kill()
        process.wait()
    # dev.py killed: the shell that starts the waiting process ends once it waits, and the process is orphaned.
    folder.mkdir()
    killed = tmp_path / "killed"
    shell = '"$0" -c "$1" "$2" "$3" >/dev/null 2>&1 & while [ ! -e "$2" ]; do sleep 0.05; done'
    subprocess.run(["sh", "-c", shell, sys.executable, GIVES_UP, str(waiting), str(killed)], env=env, timeout=30)
    assert answer(killed) == "False"
