"""pool.Turns and the browser tests' gate: shared runs go together, an exclusive run alone, and what each waits for."""

from __future__ import annotations

import collections
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
from conftest import REUSED, SiteBuild, selected_not_skipped, submission_order
from contribution import contribute

from harness import gate
from harness.pool import LOOK, BrowserTests, IdleCores, RunPool, RunsCancelled, Turns, machine_times
from harness.programs import discover
from harness.running import ROOT


def started_thread(target: Callable[..., None], *args: object) -> threading.Thread:
    """A daemon thread, so that a run that never gets its turn fails the test instead of hanging pytest's exit."""
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def until(condition: Callable[[], bool], seconds: float = 10) -> bool:
    """Whether ``condition`` became true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


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
        started_thread(run, f"{'alone' if index % 3 == 0 else 'shared'}-{index}", index % 3 == 0) for index in range(12)
    ]
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
        assert until(lambda: turns.sharing == 1)
        waiting = started_thread(exclusive)
        assert until(lambda: len(turns.waiting_alone) == 1), "the exclusive run never waited for the shared run"
        browser_at_work.set()
        shared_may_end.set()
        time.sleep(0.7)
        assert not started, "the exclusive run went beside the browser tests"
    finally:
        shared_may_end.set()
        browser_at_work.clear()
    waiting.join(timeout=5)
    assert started == ["exclusive"]


def test_an_untimed_exclusive_run_goes_beside_the_browser_tests_but_not_beside_a_timed_one() -> None:
    """`exclusive untimed` (a program that must only not be starved): no run beside it, but the browser tests may."""
    browser_at_work, timed_may_end = threading.Event(), threading.Event()
    turns = Turns(browser_tests_at_work=browser_at_work.is_set)
    started: list[str] = []

    def timed() -> None:
        with turns.turn(True):
            started.append("timed")
            timed_may_end.wait(timeout=10)

    def untimed() -> None:
        with turns.turn(True, untimed=True):
            started.append("untimed")

    try:
        first = started_thread(timed)
        assert until(lambda: started == ["timed"])
        second = started_thread(untimed)
        assert until(lambda: len(turns.waiting_alone) == 1), "the untimed run never asked for its turn"
        time.sleep(0.7)  # past Turns' 0.5 s look
        assert started == ["timed"], "an untimed run went beside a timed one"
        browser_at_work.set()
        timed_may_end.set()
        second.join(timeout=5)
        assert started == ["timed", "untimed"], "the untimed run waited for the browser tests"
    finally:
        timed_may_end.set()
        browser_at_work.clear()
    first.join(timeout=5)


@pytest.mark.parametrize("untimed_asks_first", [True, False])
def test_an_untimed_exclusive_run_waits_for_every_timed_one_announced(untimed_asks_first: bool) -> None:
    """RunPool announces each timed exclusive run as it submits it: the untimed one goes after them all, even
    after one that has not asked for its turn yet (it waited for the test process's own checks), so that the
    browser tests' gate can open before it."""
    own_checks = threading.Event()
    own_checks.set()
    turns = Turns(own_work_running=own_checks.is_set)
    started: list[str] = []

    def exclusive(name: str, untimed: bool) -> None:
        try:
            with turns.turn(True, untimed):
                started.append(name)
                time.sleep(0.2)
        finally:
            if not untimed:
                turns.timed_ended()

    turns.announce_timed()
    order = [("untimed", True), ("timed", False)] if untimed_asks_first else [("timed", False), ("untimed", True)]
    try:
        threads = [started_thread(exclusive, name, untimed) for name, untimed in order]
        time.sleep(0.7)  # past Turns' 0.5 s look
        assert not started, "an exclusive run went while the test process's own checks ran"
    finally:
        own_checks.clear()
    for thread in threads:
        thread.join(timeout=5)
    assert started == ["timed", "untimed"]


class Holding:
    """Shared runs that each hold their turn until released, and how many went at once."""

    def __init__(self, turns: Turns) -> None:
        self.turns = turns
        self.release = threading.Event()
        self.going = 0
        self.most = 0
        self.lock = threading.Lock()

    def start(self, count: int) -> list[threading.Thread]:
        return [started_thread(self.run) for _ in range(count)]

    def run(self) -> None:
        with self.turns.turn(False):
            with self.lock:
                self.going += 1
                self.most = max(self.most, self.going)
            self.release.wait(timeout=10)
            with self.lock:
                self.going -= 1


class Looks:
    """A stand-in for IdleCores.latest: each call to ``show`` ends a look that found ``idle`` cores unused."""

    def __init__(self) -> None:
        self.looks, self.idle = 0, 0.0

    def show(self, idle: float) -> None:
        self.looks, self.idle = self.looks + 1, idle

    def latest(self) -> tuple[int, float]:
        return self.looks, self.idle


def test_shared_runs_beyond_jobs_go_only_while_the_cores_idle_and_keep_their_places() -> None:
    looks = Looks()
    holding = Holding(Turns(jobs=3, idle_cores=looks.latest))
    threads = holding.start(7)
    try:
        assert until(lambda: holding.going == 3)
        looks.show(0.3)
        time.sleep(0.6)  # past Turns' looks at the idle cores
        assert holding.going == 3, "a run beyond `jobs` went while less than half a core idled"
        looks.show(0.6)
        assert until(lambda: holding.going == 4), "no run beyond `jobs` went while half a core idled"
        time.sleep(0.6)
        assert holding.going == 4, "one look at half a core idle let more than one run go"
        looks.show(1.0)
        assert until(lambda: holding.going == 6), "one core idle makes room for two runs"
        time.sleep(0.6)
        assert holding.going == 6
        looks.show(2.0)
        time.sleep(0.6)
        assert holding.going == 6, "more than twice `jobs` went at once"
    finally:
        holding.release.set()
    for thread in threads:
        thread.join(timeout=5)
    assert holding.most == 6


class Runs:
    """Runs that ask ``turns`` for their turn, each on a thread: the names of those that went, in order, and of those
    that gave up; each holds its turn until ended (end() before it starts: it does not hold it)."""

    def __init__(self, turns: Turns) -> None:
        self.turns = turns
        self.started: list[object] = []
        self.gave_up: list[object] = []
        self.may_end: dict[object, threading.Event] = {}
        self.threads: list[threading.Thread] = []

    def start(self, name: object, exclusive: bool = False, untimed: bool = False) -> None:
        self.may_end.setdefault(name, threading.Event())
        self.threads.append(started_thread(self.run, name, exclusive, untimed))

    def run(self, name: object, exclusive: bool, untimed: bool) -> None:
        try:
            with self.turns.turn(exclusive, untimed):
                beside = exclusive and self.turns.sharing > 0
                self.started.append(f"{name} beside a shared run" if beside else name)
                self.may_end[name].wait(timeout=10)
        except RunsCancelled:
            self.gave_up.append(name)
        finally:
            if exclusive and not untimed:
                self.turns.timed_ended()

    def end(self, *names: object) -> None:
        for name in names:
            self.may_end.setdefault(name, threading.Event()).set()

    def end_all(self) -> None:
        self.end(*self.may_end)
        for thread in self.threads:
            thread.join(timeout=5)


def test_a_timed_run_announced_after_an_untimed_one_asked_goes_before_it() -> None:
    """The untimed run goes back to waiting for the timed one, and lets the shared run it held back go (found by the
    review of ec302bd: all three waited for ever)."""
    turns = Turns()
    runs = Runs(turns)
    runs.end("untimed", "shared", "timed")  # none holds its turn but the first
    runs.start("first")
    assert until(lambda: runs.started == ["first"])
    runs.start("untimed", exclusive=True, untimed=True)
    assert until(lambda: len(turns.waiting_alone) == 1), "the untimed run never waited"
    turns.announce_timed()
    runs.start("shared")
    assert until(lambda: turns.asked == 3)
    runs.start("timed", exclusive=True)
    runs.end_all()
    assert runs.started == ["first", "shared", "timed", "untimed"]


def test_a_shared_run_waits_for_every_shared_run_that_asked_before_it() -> None:
    turns = Turns(jobs=2, idle_cores=Looks().latest)
    with turns.condition:
        turns.waiting_shared = {2, 3}
        assert not turns.may_share(3), "it went before the one that asked before it"
        assert turns.may_share(2)


def test_shared_runs_go_in_the_order_they_asked_and_a_closing_session_stops_those_still_waiting() -> None:
    turns = Turns(jobs=1, idle_cores=Looks().latest)
    runs = Runs(turns)
    for number in range(4):
        runs.start(number)
        assert until(lambda number=number: turns.asked == number + 1)
    runs.end(0, 1, 2, 3)
    assert until(lambda: runs.started == [0, 1, 2, 3]), f"not in the order they asked: {runs.started}"
    runs.start(4)
    assert until(lambda: runs.started[-1:] == [4]), "4 never went"
    runs.start(5)
    assert until(lambda: turns.asked == 6), "5 never asked"
    turns.close()
    assert until(lambda: runs.gave_up == [5]), "the run waiting for its turn did not give up when the session closed"
    runs.end_all()
    assert 5 not in runs.started, "a run that waited for its turn started after the session closed"


def test_a_closing_session_stops_a_shared_run_waiting_behind_an_exclusive_one() -> None:
    """When the exclusive run gives up, the shared run that waited behind it must not go instead."""
    turns = Turns()
    runs = Runs(turns)
    runs.start("going")
    assert until(lambda: runs.started == ["going"])
    runs.start("exclusive", exclusive=True)
    assert until(lambda: len(turns.waiting_alone) == 1)
    runs.start("behind")
    assert until(lambda: turns.asked == 3)
    turns.close()
    assert until(lambda: sorted(map(str, runs.gave_up)) == ["behind", "exclusive"]), f"gave up: {runs.gave_up}"
    runs.end_all()
    assert runs.started == ["going"]


def test_an_untimed_run_waiting_for_a_timed_one_holds_back_no_shared_run() -> None:
    """The timed run may wait for a shared run that asked before it: if the untimed one held that shared run back,
    all three would wait for ever (found by the review of 6bf6c31)."""
    turns = Turns()
    runs = Runs(turns)
    runs.end("untimed", "timed")  # only the shared run holds its turn
    turns.announce_timed()  # submitted, not yet taken by a thread
    runs.start("untimed", exclusive=True, untimed=True)
    time.sleep(0.3)
    runs.start("shared")
    assert until(lambda: runs.started == ["shared"]), f"the shared run was held back by the untimed one: {runs.started}"
    runs.start("timed", exclusive=True)
    time.sleep(0.3)
    runs.end_all()
    assert runs.started == ["shared", "timed", "untimed"]


def test_a_shared_run_that_asked_before_an_exclusive_one_waited_goes_first_and_one_that_asked_later_after() -> None:
    """RunPool's threads hold twice `jobs` runs: one that waits for room when an exclusive run begins to wait must not
    wait through every exclusive run (the browser tests' gate waits for it too)."""
    turns = Turns(jobs=1, idle_cores=Looks().latest)
    runs = Runs(turns)
    try:
        runs.start("A")
        assert until(lambda: runs.started == ["A"])
        runs.start("B")
        assert until(lambda: turns.asked == 2), "B never asked"
        runs.start("E", exclusive=True)
        assert until(lambda: len(turns.waiting_alone) == 1), "the exclusive run never waited"
        runs.start("C")
        assert until(lambda: turns.asked == 4), "C never asked"
        for name, then in (("A", ["A", "B"]), ("B", ["A", "B", "E"]), ("E", ["A", "B", "E", "C"])):
            runs.end(name)
            assert until(lambda then=then: runs.started == then), f"after {name}: {runs.started}"
    finally:
        runs.end_all()
    assert runs.started == ["A", "B", "E", "C"]


def test_the_limit_comes_back_to_jobs_one_run_per_busy_look() -> None:
    looks = Looks()
    turns = Turns(jobs=2, idle_cores=looks.latest)
    with turns.condition:
        looks.show(2.0)
        assert turns.room_for_one_more()
        assert turns.limit == 4
        for expected in (3, 2, 2):
            looks.show(0.05)
            turns.room_for_one_more()
            assert turns.limit == expected
        looks.show(0.3)  # neither busy nor idle: the limit stays
        turns.room_for_one_more()
        assert turns.limit == 2


def test_the_idle_cores_are_measured_over_each_look_and_a_look_too_long_is_not_judged() -> None:
    readings = iter([(0.0, 0.0), (3.0, 1.0), (4.0, 4.0), (9.0, 4.0), (9.0, 3.0), (8.0, 5.0)])  # busy, idle seconds
    now = [0.0]
    cores = IdleCores(lambda: next(readings), cores=2, clock=lambda: now[0])
    assert cores.latest() == (0, 0.0), "no look has ended yet"
    now[0] = LOOK
    assert cores.latest() == (1, pytest.approx(0.5)), "busy 3 s of 4: a quarter of 2 cores idled"
    now[0] = 1.5 * LOOK
    assert cores.latest() == (1, pytest.approx(0.5)), "the next look has not ended"
    now[0] = 2 * LOOK
    assert cores.latest() == (2, pytest.approx(1.5)), "busy 1 s of 4"
    now[0] = 5 * LOOK
    assert cores.latest() == (2, pytest.approx(1.5)), "a look of 3 LOOKs (no call meanwhile) is not judged"
    now[0] = 6 * LOOK
    assert cores.latest() == (3, 0.0), "idle time that went backwards (Linux's iowait) is no idle core"
    now[0] = 7 * LOOK
    assert cores.latest() == (4, 2.0), "busy time that went backwards is no busy time"


@pytest.mark.parametrize(
    ("fields", "busy", "idle"),
    [
        # Linux: guest time is counted in user too, guest_nice in nice; iowait is idle
        (
            {
                "user": 10,
                "nice": 1,
                "system": 2,
                "idle": 50,
                "iowait": 5,
                "irq": 1,
                "softirq": 1,
                "steal": 1,
                "guest": 4,
                "guest_nice": 1,
            },
            16,
            55,
        ),
        ({"user": 10, "nice": 1, "system": 2, "idle": 50}, 13, 50),  # macOS
        ({"user": 10, "system": 6, "idle": 50, "interrupt": 2, "dpc": 1}, 16, 50),  # Windows: both within system
    ],
)
def test_the_machine_s_busy_and_idle_time_counts_no_field_twice(
    monkeypatch: pytest.MonkeyPatch, fields: dict[str, float], busy: float, idle: float
) -> None:
    times = collections.namedtuple("times", list(fields))  # type: ignore[misc]  # psutil's are namedtuples
    monkeypatch.setattr(psutil, "cpu_times", lambda: times(**fields))
    assert machine_times() == (busy, idle)


def test_runs_are_submitted_shared_first_then_timed_exclusive_then_untimed_longest_first_in_each() -> None:
    programs = {program.name: program for program in discover()}
    runs = [("ray_tasks/tasks_and_queue", 99.0), ("costs/compare", 2.0), ("first_queue/get_forms", 1.0)]
    runs += [("costs/compare", 3.0), ("first_queue/get_forms", 5.0)]
    runs.sort(key=lambda run: submission_order(programs[run[0]], run[1]))
    assert runs == [
        ("first_queue/get_forms", 5.0),
        ("first_queue/get_forms", 1.0),
        ("costs/compare", 3.0),
        ("costs/compare", 2.0),
        ("ray_tasks/tasks_and_queue", 99.0),
    ]


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
        until(lambda: gate.is_open(tmp_path))
    finally:
        runs.close()
    assert gate.is_open(tmp_path), "the gate stayed shut after its runs ended"
    opened = (tmp_path / gate.OPEN).stat().st_mtime
    assert opened >= ended - 0.05, f"the gate opened at {opened}, before the last run ended at {ended}"


def test_the_gate_opens_for_an_untimed_exclusive_run_but_not_for_a_timed_one(tmp_path: Path) -> None:
    """Each run prints when it started and ended: the gate opens after the timed exclusive run, while the untimed one
    (submitted last, a Ray program that must only not be starved) goes on."""
    folder = tmp_path / "gate"
    folder.mkdir()
    timed_lines = "import time\nprint(time.time(), flush=True)\ntime.sleep({})\nprint(time.time(), flush=True)\n"
    timed = contribute(tmp_path, timed_lines.format(0.5), ["exclusive"], ["-", "-"], guide="benchmark")
    untimed = contribute(tmp_path, timed_lines.format(3), ["exclusive untimed"], ["-", "-"], guide="ray")
    runs = RunPool(8, {sys.executable: "this"}, BrowserTests(gate=folder))
    try:
        runs.submit(timed, "fork", sys.executable)
        runs.open_gate_when_idle()
        runs.submit(untimed, "fork", sys.executable)
        assert not gate.is_open(folder)
        benchmark = [float(line) for line in runs.result(timed, "fork", sys.executable).stdout.split()]
        assert until(lambda: gate.is_open(folder)), "the gate stayed shut while only the untimed run was left"
        opened = (folder / gate.OPEN).stat().st_mtime
        ray = [float(line) for line in runs.result(untimed, "fork", sys.executable).stdout.split()]
    finally:
        runs.close()
    assert opened >= benchmark[1] - 0.05, f"the gate opened at {opened}, before the benchmark ended at {benchmark[1]}"
    assert opened < ray[1], f"the gate opened at {opened}, after the untimed run ended at {ray[1]}"


def test_the_gate_stays_shut_while_a_run_holds_its_turn_before_its_future_is_stored(tmp_path: Path) -> None:
    """A worker can take a run, and its turn, before submit() stores the run's future: the opener looks at Turns."""
    runs = RunPool(1, {sys.executable: "this"}, BrowserTests(gate=tmp_path))
    try:
        with runs.turns.turn(False):  # as that run would: sharing the machine, with no future in the pool yet
            runs.open_gate_when_idle()
            time.sleep(0.5)
            assert not gate.is_open(tmp_path), "the gate opened while a run was going on"
        assert until(lambda: gate.is_open(tmp_path)), "the gate stayed shut once the run ended"
    finally:
        runs.close()


@pytest.mark.parametrize("untimed", [False, True])
def test_the_gate_stays_shut_while_a_timed_exclusive_run_holds_the_machine(tmp_path: Path, untimed: bool) -> None:
    """As above, with an exclusive run holding the machine: a timed one keeps the gate shut, an untimed one not."""
    runs = RunPool(1, {sys.executable: "this"}, BrowserTests(gate=tmp_path))
    try:
        with runs.turns.turn(True, untimed):
            runs.open_gate_when_idle()
            if untimed:
                assert until(lambda: gate.is_open(tmp_path)), "the gate stayed shut for an untimed run"
            else:
                time.sleep(0.5)
                assert not gate.is_open(tmp_path), "the gate opened while a benchmark had the machine"
        assert until(lambda: gate.is_open(tmp_path)), "the gate stayed shut once the run ended"
    finally:
        runs.close()


def test_dev_py_s_names_reach_the_session_s_pool_and_no_process_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A nested pytest session of the harness's tests once opened the real gate: its conftest read the same names."""
    monkeypatch.setenv(gate.BROWSER_PROCESSES, "visits=12,others=34")
    monkeypatch.setenv(gate.OPENS_GATE, "/the/gate")
    assert BrowserTests.taken_from_environment() == BrowserTests((("visits", 12), ("others", 34)), Path("/the/gate"))
    assert gate.BROWSER_PROCESSES not in os.environ
    assert gate.OPENS_GATE not in os.environ


def harness_on_path() -> dict[str, str]:
    """The environment of a small script that imports the harness, as the test process does."""
    return dict(os.environ, PYTHONPATH=str(Path(__file__).parent))


# A process that waits at the gate through a launcher, as a virtual environment's python.exe runs
# the interpreter on Windows: dev.py knows the launcher's process ID, not the waiting process's.
LAUNCHER = """
import subprocess, sys
sys.exit(subprocess.call([sys.executable, "-c", sys.argv[1], *sys.argv[2:]]))
"""
WAITS_THEN_TOUCHES = """
import pathlib, sys, time
from harness.gate import wait_at_gate
sys.stdin.readline()
if wait_at_gate(pathlib.Path(sys.argv[1]), lambda: True):
    pathlib.Path(sys.argv[2]).touch()
    time.sleep(30)
"""


def test_a_browser_process_waiting_at_the_gate_through_a_launcher_is_not_at_work_until_it_opens(
    tmp_path: Path,
) -> None:
    """dev.py names the browser tests' processes: a benchmark goes while they wait at the gate, not after."""
    passed = tmp_path / "passed the gate"
    env = harness_on_path()
    waiting = gate.marker(tmp_path, "visits")
    command = [sys.executable, "-c", LAUNCHER, WAITS_THEN_TOUCHES, str(waiting), str(passed)]
    launcher = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, text=True)
    try:
        browser_tests = BrowserTests((("visits", launcher.pid),), tmp_path)
        assert browser_tests.at_work(), "a process that has not reached the gate is at work"
        assert launcher.stdin is not None
        launcher.stdin.write("go to the gate\n")
        launcher.stdin.flush()
        assert until(lambda: not browser_tests.at_work()), "the process at the gate still counts as at work"
        assert waiting.exists()
        assert not passed.exists()
        browser_tests.open_gate()
        assert browser_tests.at_work(), "once the gate is open, the process is at work again"
        assert until(passed.exists), "the process did not go on past the open gate"
    finally:
        for process in psutil.Process(launcher.pid).children(recursive=True):
            process.kill()
        launcher.kill()
        launcher.communicate()


# Waits at the gate while the process argv[3] (dev.py) runs, then writes what wait_at_gate returned.
GIVES_UP = """
import pathlib, sys, psutil
from harness.gate import wait_at_gate
dev_py = int(sys.argv[3])
pathlib.Path(sys.argv[2]).write_text(str(wait_at_gate(pathlib.Path(sys.argv[1]), lambda: psutil.pid_exists(dev_py))))
"""


@pytest.mark.parametrize("how", ["interrupted", "killed"])
def test_a_process_waiting_at_the_gate_gives_up_when_dev_py_is_gone(tmp_path: Path, how: str) -> None:
    """dev.py interrupted removes the gate's folder; dev.py killed leaves it: either way the process stops waiting."""
    env = harness_on_path()
    folder = tmp_path / "gate"
    folder.mkdir()
    waiting, answer = gate.marker(folder, "visits"), tmp_path / "answer"
    dev_py = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    process = subprocess.Popen([sys.executable, "-c", GIVES_UP, str(waiting), str(answer), str(dev_py.pid)], env=env)
    try:
        assert until(waiting.exists), "the process never reached the gate"
        if how == "interrupted":
            shutil.rmtree(folder)
        else:
            dev_py.kill()
            dev_py.wait()
        assert until(answer.exists), "the process still waits at the gate"
        assert answer.read_text() == "False"
    finally:
        for started in (process, dev_py):
            started.kill()
            started.wait()


def test_a_site_build_ends_and_leaves_nothing_once_closed() -> None:
    """pytest's cleanup closes the build it started at collection, even one still running (a session cut short)."""
    build = SiteBuild()
    build.close()
    assert build.process is not None and build.process.returncode is not None
    assert not build.folder.exists()


def quick_build(seconds: float, status: int = 0) -> tuple[str, ...]:
    """A stand-in for mkdocs build: makes the folder after --site-dir, prints, and ends after ``seconds``."""
    code = (
        f"import os, sys, time; os.makedirs(sys.argv[-1]); time.sleep({seconds}); print('built', end=''); "
        f"sys.exit({status})"
    )
    return (sys.executable, "-c", code)


def test_the_first_process_that_needs_the_shared_site_builds_it_and_the_others_wait_for_its_result(
    tmp_path: Path,
) -> None:
    """dev.py's three pytest processes make one build (gate.SHARED_SITE), not three."""
    builder = SiteBuild(tmp_path, quick_build(0.5))
    waiter = SiteBuild(tmp_path, quick_build(0))
    try:
        assert builder.process is not None and waiter.process is None, "the second process built it again"
        assert waiter.finish() == (0, "built") == builder.finish()
        assert waiter.folder == builder.folder == tmp_path / "site"
    finally:
        builder.close()
        waiter.close()
    assert (tmp_path / "site").is_dir(), "a process removed the shared site: dev.py removes it, once all have ended"


def test_a_shared_build_that_failed_fails_every_process_that_waits_for_it(tmp_path: Path) -> None:
    builder = SiteBuild(tmp_path, quick_build(0, status=1))
    waiter = SiteBuild(tmp_path, quick_build(0))
    try:
        with pytest.raises(AssertionError, match=r"mkdocs build --strict failed:\s+built"):
            waiter.site()
    finally:
        builder.close()


def test_a_process_waiting_for_a_shared_build_fails_clearly_when_its_builder_ended_without_a_result(
    tmp_path: Path,
) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / SiteBuild.BUILDER).write_text(ended.stdout.strip())
    waiter = SiteBuild(tmp_path, quick_build(0))
    with pytest.raises(AssertionError, match="ended before its build did"):
        waiter.finish(seconds=5)


def test_closing_a_shared_build_lets_it_end_for_the_processes_that_wait(tmp_path: Path) -> None:
    builder = SiteBuild(tmp_path, quick_build(0.5))
    builder.close()  # the session of the process that started it ended first
    assert (tmp_path / SiteBuild.RESULT).exists()
    assert SiteBuild(tmp_path, quick_build(0)).finish() == (0, "built")


def test_a_shared_build_still_running_at_its_deadline_is_stopped_when_its_process_ends(tmp_path: Path) -> None:
    builder = SiteBuild(tmp_path, quick_build(60))
    builder.deadline = time.monotonic() + 0.5
    started = time.monotonic()
    builder.close()
    assert time.monotonic() - started < 10, "close() waited past the build's deadline"
    assert builder.process is not None and builder.process.returncode is not None
    status, _ = SiteBuild(tmp_path, quick_build(0)).finish()
    assert status != 0, "a build stopped at its deadline passed"


class CollectedTest:
    """What selected_not_skipped reads of a collected test: its marks."""

    def __init__(self, *marks: pytest.MarkDecorator) -> None:
        self.marks = [each.mark for each in marks]

    def iter_markers(self) -> list[pytest.Mark]:
        return self.marks


def test_a_reused_test_is_not_among_the_selected_tests_that_run() -> None:
    """pytest_collection_finish starts the site build and waits at the gate only for those: a check with
    nothing changed reuses every browser test, so their processes end at once (the wiring is not tested here)."""
    reused, fresh = CollectedTest(pytest.mark.skip(reason=REUSED)), CollectedTest(pytest.mark.every_program)
    assert selected_not_skipped([reused, fresh]) == [fresh]  # type: ignore[list-item]


def run_browser_tests(folder: Path, selection: str, *extra: str) -> subprocess.Popen[str]:
    """pytest on the browser tests as dev.py starts them, told to wait at a closed gate, ``folder``."""
    folder.mkdir()
    env = {**os.environ, gate.WAIT_AT_GATE: str(gate.marker(folder, "visits")), gate.DEV_PY: str(os.getpid())}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/test_browser.py", "-k", selection]
    return subprocess.Popen([*command, *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)


def test_a_browser_process_that_selected_no_test_ends_without_waiting(tmp_path: Path) -> None:
    """dev.py check -k first_queue/get_forms starts the browser tests' processes too: they select none."""
    browser = run_browser_tests(tmp_path / "gate", "no_such_test")
    stdout, _ = browser.communicate(timeout=60)
    assert browser.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, stdout
    assert not gate.marker(tmp_path / "gate", "visits").exists()


def test_a_browser_process_waits_at_the_gate_after_collecting_its_tests(tmp_path: Path) -> None:
    """It collects its tests first (it asks for the site only once the gate opens), then waits; when the gate's folder
    goes, it stops with a reason."""
    folder = tmp_path / "gate"
    browser = run_browser_tests(folder, "test_content_tabs_switch", "--collect-only")
    try:
        assert until(gate.marker(folder, "visits").exists, 60), "it never reached the gate"
        time.sleep(0.5)
        assert browser.poll() is None, "it did not wait at the closed gate"
        shutil.rmtree(folder)
        stdout, _ = browser.communicate(timeout=30)
    finally:
        browser.kill()
        browser.communicate()
    assert browser.returncode == 1, stdout
    assert "dev.py, which started this process to run the browser tests, has ended" in stdout
