"""pool.Turns: shared runs go together, an exclusive run alone, and what an exclusive run waits for."""

from __future__ import annotations

import threading
import time

from harness.pool import Turns


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


def test_every_exclusive_run_waits_for_the_test_process_s_own_checks() -> None:
    """The harness's tests, ruff and mypy run first in the test process: no exclusive run goes beside them."""
    own_checks = threading.Event()
    own_checks.set()
    turns = Turns(own_work_running=own_checks.is_set)
    started: list[bool] = []

    def run(beside_other_work: bool) -> None:
        with turns.turn(True, beside_other_work):
            started.append(beside_other_work)

    threads = [threading.Thread(target=run, args=(beside,)) for beside in (True, False)]
    for thread in threads:
        thread.start()
    time.sleep(0.7)  # past Turns' 0.5 s look
    assert not started, "an exclusive run went while the test process's own checks ran"
    own_checks.clear()
    for thread in threads:
        thread.join(timeout=5)
    assert sorted(started) == [False, True]


def test_a_beside_browser_run_goes_before_an_exclusive_run_waiting_with_it() -> None:
    turns = Turns()
    started: list[str] = []
    sharing = threading.Event()

    def shared() -> None:
        with turns.turn(False):
            sharing.set()
            deadline = time.monotonic() + 5
            while turns.waiting_alone < 2 and time.monotonic() < deadline:  # both exclusive runs wait now
                time.sleep(0.01)

    def run(name: str, beside_other_work: bool) -> None:
        with turns.turn(True, beside_other_work):
            started.append(name)
            time.sleep(0.05)

    first = threading.Thread(target=shared)
    first.start()
    sharing.wait(timeout=5)
    waiting = [threading.Thread(target=run, args=(name, name == "beside")) for name in ("timings", "beside")]
    for thread in waiting:  # the timings run waits first
        thread.start()
        time.sleep(0.05)
    for thread in [first, *waiting]:
        thread.join(timeout=5)
    assert started == ["beside", "timings"]


def test_a_beside_browser_run_still_waiting_for_the_own_checks_goes_first() -> None:
    """The exclusive run stops looking first (its 0.5 s sleeps began earlier), yet the beside-browser run goes first."""
    own_checks = threading.Event()
    own_checks.set()
    turns = Turns(own_work_running=own_checks.is_set)
    started: list[str] = []

    def run(name: str) -> None:
        with turns.turn(True, name == "beside"):
            started.append(name)

    timings = threading.Thread(target=run, args=("timings",))
    beside = threading.Thread(target=run, args=("beside",))
    timings.start()
    time.sleep(0.3)
    beside.start()
    time.sleep(0.1)
    own_checks.clear()  # timings looks again at 0.5 s, beside at 0.8 s
    for thread in (timings, beside):
        thread.join(timeout=5)
    assert started == ["beside", "timings"]
