"""Run many programs at once: they mostly sleep, so even two cores keep up."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from .checks import judge, load_sample
from .gate import BROWSER_PROCESSES, OPENS_GATE, is_open, marker, open_gate
from .matching import match_output
from .memory import DEFAULT_MIB
from .programs import Program, discover, is_exclusive, is_untimed, methods_for, start_methods
from .reuse import RunCache, run_key
from .running import ROOT, THIS_MACHINE, Run, release, run_program
from .sample import DEFAULT_TIMEOUT, Rules, RunKind, Sample, SampleError, parse_sample, skip_reason
from .services import SERVICES

ALONE = "alone"  # the "method" of a run of the program file copied on its own: `python file.py`
# The same, with an older CPython made to start processes as 3.14 does on Linux
# (tests/harness/startup/sitecustomize.py): the forkserver is the default, and it
# imports a program run as a file once, in the server (gh-126631: in 3.13.8 and 3.14.1, not 3.14.0).
ALONE_3_14 = "alone-as-3.14"
EMULATION = {"SNIPPETS_EMULATE_3_14": "1"}
EMULATED_RELEASE = (3, 14, 1)  # the first 3.14 with the preload fix
PRELOADS_MAIN_FROM = (3, 13, 8)  # the first release whose forkserver imports a script's main module


def emulating_python(pythons: list[str]) -> str | None:
    """The newest of ``pythons`` that lacks the 3.13.8/3.14.1 forkserver change: it runs programs as 3.14.1+ would."""
    older = [python for python in pythons if release(python) < PRELOADS_MAIN_FROM or release(python) == (3, 14, 0)]
    return max(older, key=release) if older else None


def run_kind(method: str, python: str) -> RunKind:
    """What a sample variant's `when` rule sees of a run: its Python release and whether it ran as a file."""
    if method == ALONE_3_14:
        return RunKind(EMULATED_RELEASE, as_file=True)
    return RunKind(release(python), as_file=method == ALONE)


def run_against_sample(
    program: Program,
    method: str,
    python: str,
    extra_env: dict[str, str] | None = None,
    slowdown: float = 1.0,
    sample: Sample | None = None,
) -> Run:
    """Run ``program`` with the limits its sample declares (defaults for a broken or missing sample).

    ``method`` is a start method, or ALONE (ALONE_3_14) for the program file run on its own (as
    on Python 3.14). ``slowdown`` multiplies the time limit, for runs made slower on purpose
    (coverage measurement). ``sample`` is the main sample unless given (a variant).
    """
    alone = program.path if method in (ALONE, ALONE_3_14) else None
    if method == ALONE_3_14:
        extra_env = {**(extra_env or {}), **EMULATION}
    try:
        sample = sample or parse_sample(program.sample_path)
    except (OSError, SampleError):
        return run_program(
            program.module, method, DEFAULT_TIMEOUT * slowdown, python, None, 1.0, program.root, extra_env, alone
        )
    rules = sample.rules
    if rules.no_start_method:  # each process notes where it uses the default start method (startup/sitecustomize.py)
        extra_env = {**(extra_env or {}), "SNIPPETS_NO_START_METHOD": "1"}
    if rules.exclusive:
        # A benchmark measures this machine and may name it: CI publishes costs/compare's figures with
        # that name (charts.BENCHMARKS), so its core count must be this machine's. (Ray's tasks_and_queue,
        # exclusive so as not to be starved, sees it too: it fixes num_cpus=2 and prints no count.)
        extra_env = {**(extra_env or {}), **THIS_MACHINE}
    if rules.needs:  # the servers it uses, started at the first run that needs them
        extra_env = {**(extra_env or {}), **SERVICES.environment(rules.needs)}
    bound = rules.memory_mib or DEFAULT_MIB
    if not rules.expect_hang:
        return run_program(
            program.module, method, rules.timeout * slowdown, python, None, 1.0, program.root, extra_env, alone, bound
        )

    def printed_everything(stdout: str) -> bool:
        # Recording a new sample, there is nothing to match yet: it has printed everything once it goes quiet.
        return not sample.output or not match_output(sample, stdout.split("\n")[:-1])

    return run_program(
        program.module,
        method,
        rules.timeout * slowdown,
        python,
        printed_everything,
        rules.hang_quiet,
        program.root,
        extra_env,
        alone,
        bound,
    )


def is_made(program: Program, method: str, python: str) -> bool:
    """Whether the run's sample lets it run here: a run its sample skips on this platform is never made."""
    sample = load_sample(program, run_kind(method, python))
    return not (isinstance(sample, Sample) and skip_reason(sample.rules))


COVERAGE_SLOWDOWN = 3.0  # coverage slows every process down, start-up most: longer time limits
# Coverage is measured under fork alone. Measuring forkserver runs too (a child that imports the
# program afresh, as spawn's do) found no line that fork missed (`dev.py check -k every_line`,
# both ways, 2026-12-07) and cost about 30 CPU-seconds of the check: each measured run took
# twice the CPU of an unmeasured one. A line that runs only in a child that imports the program
# afresh fails the coverage check, which says so: then add forkserver here.
MEASURED_METHODS = ("fork",)


@dataclass(frozen=True)
class Coverage:
    """Line coverage measured in every process of the runs under MEASURED_METHODS: for each program, on one interpreter.

    The check measures the runs it makes anyway, rather than running every
    program again: ``python`` is the interpreter of the toolchain's version
    (coverage's compiled tracer is built for it; None if none was given), and
    each measured run leaves its data in a folder of its own under ``folder``.
    """

    python: str | None
    folder: Path
    # Programs that do not run on ``python`` (a Ray program; an engine program or a benchmark not run on the
    # toolchain's version; every program if ``python`` is None): the newest interpreter they run on, or None.
    elsewhere: dict[str, str | None] = field(default_factory=dict)
    only: frozenset[str] = frozenset()  # the programs measured (their names); empty: every program

    def python_for(self, program: Program) -> str | None:
        return self.elsewhere.get(program.name, self.python)

    def measures(self, program: Program, method: str, python: str) -> bool:
        return python == self.python_for(program) and method in MEASURED_METHODS

    def run_folder(self, program: Program, method: str) -> Path:
        return self.folder / re.sub(r"[^\w.-]", "_", f"{program.name}-{method}")

    def environment(self, program: Program, method: str, python: str) -> dict[str, str]:
        import coverage  # the toolchain's; the measured interpreter finds it through SNIPPETS_COVERAGE_PATH

        found = {
            "COVERAGE_PROCESS_START": str(ROOT / "pyproject.toml"),
            "COVERAGE_FILE": str(self.run_folder(program, method) / ".coverage"),
            "SNIPPETS_DIR": str(ROOT / "snippets"),  # see [tool.coverage.run] source in pyproject.toml
            "SNIPPETS_COVERAGE_PATH": str(Path(coverage.__file__).parents[1]),
        }
        if release(python)[:2] != sys.version_info[:2]:
            # coverage's compiled tracer is built for the toolchain's version; on 3.12+ sys.monitoring
            # is as fast (measured last session on 3.13), where the pure-Python tracer is not.
            found["COVERAGE_CORE"] = "sysmon"
        return found


def coverage_runs(coverage: Coverage) -> list[tuple[Program, str, str]]:
    """The runs coverage measures: each program (of ``coverage.only``) not skipped here, under MEASURED_METHODS."""
    measured = [
        (program, python)
        for program in discover()
        if (not coverage.only or program.name in coverage.only)
        and not skip_reason(parse_sample(program.sample_path).rules)
        and (python := coverage.python_for(program)) is not None
    ]
    return [
        (program, method, python)
        for program, python in measured
        for method in methods_for(program, start_methods())
        if method in MEASURED_METHODS
    ]


# Programs mostly sleep: four at once per core keeps two cores busy (measured on 2 cores:
# wall within 1.1x of max(longest run, CPU / cores)); six made the slowest run 8.4 s
# instead of 4.8 s for no shorter wall time.
DEFAULT_JOBS = 4 * (os.cpu_count() or 1)
# Some runs sleep for seconds: the hang guide's programs wait 5 to 6 s until they are stopped, and
# killed_workers' 3 s. When they held all `jobs` places (eight on two cores), one check of this
# project's machine found its cores 74 to 86 % idle in three of the four 5-second samples between
# 25 and 40 s (2026-12-07). So while the cores idle, more runs go than `jobs` (Turns.limit): after
# each look at the idle cores, one more for each IDLE_CORE of a core that went unused over it, up to
# twice `jobs`; one fewer after a look in which less than BUSY_CORE went unused.
IDLE_CORE = 0.5
BUSY_CORE = 0.1
LOOK = 0.5  # seconds: a look lasts at least this long; one of over twice as long is not judged (IdleCores)
# Not busy time of their own: Linux counts guest time in user (and guest_nice in nice) too; Windows counts
# interrupt and DPC time in its kernel time, psutil's system (perfmon: "DPC Time is a component of Privileged
# Time"; gopsutil's pull request 2125: "Windows' KernelTime already includes interrupt time").
# psutil 8 renames Windows' interrupt to irq (psutil issue 2772); Linux's irq is not within system.
COUNTED_TWICE = ("guest", "guest_nice", "interrupt", "dpc", *(("irq",) if sys.platform == "win32" else ()))


def machine_times() -> tuple[float, float]:
    """CPU seconds the machine's cores have spent busy and idle since boot (dev.py's machine_cpu reads /proc/stat
    alone, with the standard library)."""
    times = psutil.cpu_times()._asdict()
    idle = times.pop("idle") + times.pop("iowait", 0.0)
    busy = sum(value for name, value in times.items() if name not in COUNTED_TWICE)
    return busy, idle


class IdleCores:
    """How many of the machine's cores went unused, measured over looks of LOOK seconds or more.

    A look ends at the first call LOOK seconds after it began. One that lasted over twice LOOK (no call
    while an exclusive run held the machine, say) is not judged: it says little of the cores now.
    """

    def __init__(
        self,
        times: Callable[[], tuple[float, float]] = machine_times,
        cores: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.times, self.clock = times, clock
        self.cores = cores or os.cpu_count() or 1
        self.at = clock()
        self.busy, self.idle = times()
        self.looks = 0  # looks judged so far
        self.found = 0.0  # the cores the latest one found idle

    def latest(self) -> tuple[int, float]:
        """The number of the latest look judged, and the cores it found idle; a new look if LOOK has passed."""
        now = self.clock()
        if now - self.at < LOOK:
            return self.looks, self.found
        busy, idle = self.times()
        if now - self.at <= 2 * LOOK:
            spent = max(busy - self.busy, 0.0) + max(idle - self.idle, 0.0)  # Linux's iowait can go backwards
            self.found = self.cores * max(idle - self.idle, 0.0) / spent if spent > 0 else 0.0
            self.looks += 1
        self.at, self.busy, self.idle = now, busy, idle
        return self.looks, self.found


@dataclass(frozen=True)
class BrowserTests:
    """The browser tests' processes dev.py started beside this one (name, process ID), and their gate; or none.

    harness/gate.py says how they agree.
    """

    processes: tuple[tuple[str, int], ...] = ()
    gate: Path | None = None

    @classmethod
    def taken_from_environment(cls) -> BrowserTests:
        """What dev.py set, removed from the environment: no process this one starts (a nested pytest
        session of the harness's tests, a program) opens the gate or waits for the browser tests."""
        named = os.environ.pop(BROWSER_PROCESSES, "")
        gate = os.environ.pop(OPENS_GATE, None)
        processes = tuple(
            (name, int(pid)) for name, _, pid in (each.partition("=") for each in named.split(",") if each)
        )
        return cls(processes, Path(gate) if gate else None)

    def open_gate(self) -> None:
        if self.gate is not None:
            open_gate(self.gate)

    def at_work(self) -> bool:
        """Whether one of them is at work: not ended (a zombie has), nor waiting at the closed gate."""
        for name, pid in self.processes:
            with contextlib.suppress(psutil.Error):
                at_gate = self.gate is not None and not is_open(self.gate) and marker(self.gate, name).exists()
                if not at_gate and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    return True
        return False


# What the runs' ratio leaves out: the harness's tests, ruff and mypy run first, beside the shared runs.
OWN_CHECKS = (
    "; the bound leaves out the CPU of the test process's own checks, and of the browser tests' collection and the "
    "site build, which may go on beside the first runs, and of the browser tests beside the `exclusive untimed` runs"
)


class RunsCancelled(Exception):
    """A run's turn never came: the session ended first (Turns.close)."""


class Turns:
    """Runs share the machine, except an exclusive run, which waits for the others to end and holds it alone.

    A benchmark that compares timings needs the cores to itself: eight programs at once on two
    cores measure the scheduler, not the tools. So an exclusive run waits for every other run to
    end, and for the browser tests (``browser_tests_at_work``) to be at their gate or ended. An
    exclusive run that waits for runs goes before any shared run that asks for its turn later, so
    that it is never starved (one that asked earlier, and waits for room, goes first: RunPool's
    threads hold twice `jobs` runs); if the browser tests are at work once those runs end, it lets
    the later runs go and waits for them again. It also waits for the test process's own checks that
    start programs or tools (``own_work_running``: the harness's tests, ruff, mypy, and the site build),
    which run first.

    An ``untimed`` exclusive run (`exclusive untimed`: a program that compares no timings and must
    only not be starved) waits for the runs and the own checks too, and for every timed exclusive
    run announced (announce_timed: RunPool announces each as it is submitted) to end, so that the
    browser tests' gate can open before it. It does not wait for the browser tests: Chromium runs
    at a lower priority (dev.py, browsers.give_chromium_this_priority).

    Given ``jobs``, at most that many shared runs go at once while the cores are busy, and up to
    twice as many while they idle (room_for_one_more, IDLE_CORE).

    A timed run announced after an untimed one asked for its turn (a late submit) sends the untimed
    one back to wait for it. Untimed runs that filled every one of RunPool's threads in that wait
    would leave such a timed run no thread: the check submits every timed run before the untimed
    ones (conftest.submission_order), and has two untimed runs for sixteen threads.
    """

    def __init__(
        self,
        browser_tests_at_work: Callable[[], bool] = lambda: False,
        own_work_running: Callable[[], bool] = lambda: False,
        jobs: int | None = None,
        idle_cores: Callable[[], tuple[int, float]] | None = None,
    ) -> None:
        self.browser_tests_at_work = browser_tests_at_work  # what an exclusive run waits for (RunPool: BrowserTests)
        self.own_work_running = own_work_running  # the test process's checks that run before the waiting tests
        # Shared runs at once while the cores are busy, up to twice that while they idle (IDLE_CORE);
        # None: as many as the caller's threads.
        self.jobs = jobs
        self.limit = jobs or 0  # shared runs that may go at once now, given `jobs`
        self.idle_cores = idle_cores or (IdleCores().latest if jobs is not None else None)
        self.looks_seen = 0  # the idle cores' looks the limit has followed
        self.closing = False  # the session ends: a run still waiting for its turn gives up (RunPool.close)
        self.most_sharing = 0  # the most shared runs that went at once
        self.condition = threading.Condition()
        self.sharing = 0  # runs going on now
        self.alone = False  # an exclusive run is going on
        self.timed_alone = False  # the exclusive run going on is a timed one
        self.asked = 0  # the turns asked for so far: each run's number in the queue
        self.waiting_alone: set[int] = set()  # the numbers of the exclusive runs waiting for their turn
        self.waiting_shared: set[int] = set()  # those of the shared runs waiting: the first goes first
        self.timed_to_come = 0  # timed exclusive runs announced that have not ended

    def announce_timed(self) -> None:
        with self.condition:
            self.timed_to_come += 1
            self.condition.notify_all()  # an untimed run waiting for its turn waits for this one first

    def timed_ended(self) -> None:
        with self.condition:
            self.timed_to_come -= 1
            self.condition.notify_all()

    def room_for_one_more(self) -> bool:
        """Whether a shared run may start beside those going on (called holding the lock)."""
        if self.jobs is None or self.idle_cores is None:
            return True
        looks, idle = self.idle_cores()
        if looks != self.looks_seen:
            self.looks_seen = looks
            if idle >= IDLE_CORE:
                self.limit = min(self.limit + int(idle / IDLE_CORE), 2 * self.jobs)
            elif idle < BUSY_CORE:
                self.limit = max(self.limit - 1, self.jobs)
        return self.sharing < self.limit

    def may_share(self, number: int) -> bool:
        """Whether the shared run that asked ``number``-th may go (called holding the lock): no exclusive run holds
        the machine or began to wait before it asked, no shared run that asked before it waits, and there is room."""
        return (
            not self.alone
            and all(number < waiting for waiting in self.waiting_alone)
            and number == min(self.waiting_shared)
            and self.room_for_one_more()
        )

    def may_go_alone(self, number: int, timed: bool) -> bool:
        """Whether the exclusive run that asked ``number``-th may go (called holding the lock): no other run goes, no
        shared run that asked before it waits, and, if it is untimed, no timed one is to come."""
        return (
            not self.alone
            and self.sharing == 0
            and all(number < waiting for waiting in self.waiting_shared)
            and (timed or self.timed_to_come == 0)
        )

    def close(self) -> None:
        """Let every run still waiting for its turn give up (RunsCancelled): the session ends."""
        with self.condition:
            self.closing = True
            self.condition.notify_all()

    def given_up(self) -> None:
        if self.closing:
            raise RunsCancelled("the session ended before this run's turn came")

    @contextmanager
    def turn(self, exclusive: bool, untimed: bool = False) -> Iterator[None]:
        timed = exclusive and not untimed
        while True:
            # Other runs go on meanwhile.
            while exclusive and (self.own_work_running() or (timed and self.browser_tests_at_work())):
                self.given_up()
                time.sleep(0.5)
            with self.condition:
                if exclusive and not timed:
                    # Before it holds back any shared run: a timed run may still wait for one that asked before it.
                    self.condition.wait_for(lambda: self.closing or self.timed_to_come == 0)
                self.given_up()
                self.asked += 1
                number = self.asked
                if not exclusive:
                    self.waiting_shared.add(number)
                    try:
                        while True:
                            self.given_up()
                            if self.may_share(number):
                                break
                            self.condition.wait(timeout=LOOK / 2)  # the idle cores change without a notify
                    finally:
                        self.waiting_shared.discard(number)
                        self.condition.notify_all()  # the next in line may go, or an exclusive run that waited for it
                    self.sharing += 1
                    self.most_sharing = max(self.most_sharing, self.sharing)
                    break
                self.waiting_alone.add(number)
                try:
                    # An untimed run also stops waiting when a timed one is announced since it asked (a late submit).
                    self.condition.wait_for(
                        lambda number=number: (
                            self.closing or self.may_go_alone(number, timed) or (not timed and self.timed_to_come > 0)
                        )
                    )
                    self.given_up()
                finally:
                    self.waiting_alone.discard(number)
                if not timed and self.timed_to_come > 0:
                    self.condition.notify_all()  # the shared runs it held back go on; it waits for the timed run
                    continue
                if not timed or not self.browser_tests_at_work():  # they may have started while this run waited
                    self.alone, self.timed_alone = True, timed
                    break
                self.condition.notify_all()  # the shared runs this one held back go on
        try:
            yield
        finally:
            with self.condition:
                if exclusive:
                    self.alone = self.timed_alone = False
                else:
                    self.sharing -= 1
                self.condition.notify_all()


class RunPool:
    def __init__(self, jobs: int, versions: dict[str, str], browser_tests: BrowserTests | None = None) -> None:
        self.versions = versions  # interpreter path -> "3.12", for reports
        self.browser_tests = browser_tests or BrowserTests()
        self.jobs = jobs
        self.executor = ThreadPoolExecutor(max_workers=2 * jobs, thread_name_prefix="program")  # Turns: up to 2x
        self.futures: dict[tuple[str, str, str], Future[Run]] = {}
        self.untimed: set[tuple[str, str, str]] = set()  # the keys of the `exclusive untimed` runs
        self.timed: set[tuple[str, str, str]] = set()  # the keys of the timed exclusive runs (Turns.announce_timed)
        self.programs: dict[tuple[str, str, str], tuple[Program, str, str]] = {}
        self.started: float | None = None
        self.finished: float = 0.0
        self.coverage: Coverage | None = None  # set before the first run, when the coverage check is selected
        self.reuse: RunCache | None = None  # passing runs kept by content; None: run everything
        # Whether the test process's own checks have ended: set, unless the session's pool clears it (conftest)
        # and sets it again when the first test that waits for runs starts.
        self.own_work_done = threading.Event()
        self.own_work_done.set()
        self.site_building: Callable[[], bool] = lambda: False  # conftest: the test process's site build runs
        self.turns = Turns(self.browser_tests.at_work, self.own_work_running, jobs)

    def own_work_running(self) -> bool:
        """The test process's checks before the tests that wait for runs, or its site build, still going on."""
        return not self.own_work_done.is_set() or self.site_building()

    def key_text(self, program: Program, method: str, python: str) -> str:
        """A run's name that stays the same between sessions: 'guide/program method 3.12'."""
        return f"{program.name} {method} {self.versions.get(python, python)}"

    def finished_runs(self) -> list[tuple[tuple[Program, str, str], Run]]:
        """The runs made in this session, with what they ran."""
        return [
            (self.programs[key], future.result())
            for key, future in self.futures.items()
            if future.done() and not future.cancelled() and not future.exception() and not future.result().reused
        ]

    def submit(self, program: Program, method: str, python: str) -> None:
        key = (program.name, method, python)
        self.programs[key] = (program, method, python)
        if key in self.futures:
            return
        if self.started is None:
            self.started = time.monotonic()
        # The main sample's rules: a variant's `exclusive` rule is the same (checks.load_sample).
        untimed = is_untimed(program)
        timed = is_exclusive(program) and not untimed
        if untimed:
            self.untimed.add(key)
        elif timed:
            self.timed.add(key)
            self.turns.announce_timed()

        coverage = self.coverage if self.coverage and self.coverage.measures(program, method, python) else None
        measured = coverage is not None
        extra_env = coverage.environment(program, method, python) if coverage else None
        coverage_folder = coverage.run_folder(program, method) if coverage else None

        def work() -> Run:
            try:
                return made()
            finally:
                if timed:
                    self.turns.timed_ended()

        def made() -> Run:
            sample = load_sample(program, run_kind(method, python))
            key = run_key(program, method, python, measured) if self.reuse else None
            if self.reuse and key:
                earlier = self.reuse.get(key, coverage_folder)
                if earlier is not None:
                    return earlier
            rules = sample.rules if isinstance(sample, Sample) else Rules()
            with self.turns.turn(rules.exclusive, rules.untimed):
                run = run_against_sample(
                    program,
                    method,
                    python,
                    extra_env,
                    slowdown=COVERAGE_SLOWDOWN if measured else 1.0,
                    sample=sample if isinstance(sample, Sample) else None,
                )
            self.finished = max(self.finished, time.monotonic())
            if self.reuse and key and isinstance(sample, Sample) and judge(run, sample) is None:
                self.reuse.put(key, run, coverage_folder)
            return run

        self.futures[key] = self.executor.submit(work)

    def open_gate_when_idle(self) -> None:
        """Open the browser tests' gate once no run submitted is left but `exclusive untimed` ones: at once if none;
        never without a gate.

        It holds Turns' lock when it looks last, so that no timed exclusive run takes the machine in
        between. A run submitted later goes beside the browser tests; a timed exclusive one waits for
        them to end. Runs cancelled by close() after -x count as ended; dev.py opens the gate anyway
        once this process ends.
        """
        if self.browser_tests.gate is None:
            return

        def unfinished() -> list[Future[Run]]:
            futures = list(self.futures.items())
            return [future for key, future in futures if not future.done() and key not in self.untimed]

        def opener() -> None:
            while True:
                pending = unfinished()
                if not pending:
                    with self.turns.condition:
                        # A run taken by a worker before submit() stored its future is not in the dict yet.
                        if not unfinished() and not self.turns.timed_alone and self.turns.sharing == 0:
                            self.browser_tests.open_gate()
                            return
                    time.sleep(0.1)
                else:
                    wait(pending, timeout=1.0)

        threading.Thread(target=opener, name="browser-gate", daemon=True).start()

    def result(self, program: Program, method: str, python: str) -> Run:
        self.submit(program, method, python)
        return self.futures[(program.name, method, python)].result()

    def runs(self) -> list[Run]:
        """The runs made in this session (not those reused from an earlier one)."""
        return [run for run in self.all_runs() if not run.reused]

    def all_runs(self) -> list[Run]:
        return [
            future.result()
            for future in self.futures.values()
            if future.done() and not future.cancelled() and not future.exception()
        ]

    def reused(self) -> int:
        return len(self.all_runs()) - len(self.runs())

    def memory_peaks(self, runs: list[Run]) -> str:
        """The runs that held the most memory, against their bounds (harness/memory.py)."""
        measured = sorted((run for run in runs if run.memory_peak), key=lambda run: run.memory_peak, reverse=True)
        if not measured:
            return "memory held: not measured (no cgroup, and no run sampled above nothing)"
        return "most memory held, all processes of a run together: " + ", ".join(
            f"{self.describe(run)} {run.memory_peak / 2**20:.0f} of {run.memory_mib} MiB" for run in measured[:5]
        )

    def summary(self, session_wall: float) -> list[str]:
        reused = []
        if self.reused():
            reused.append(
                f"{self.reused()} runs reused: earlier passing runs with the same program, samples, harness and "
                "interpreter (harness/reuse.py); `python3 dev.py check --fresh` runs them again"
            )
        runs = self.runs()
        if not runs or self.started is None:
            return reused
        cores = os.cpu_count() or 1
        longest = max(runs, key=lambda run: run.wall)
        exclusive = {id(run) for (program, _, _), run in self.finished_runs() if is_exclusive(program)}
        alone = sum(run.wall for run in runs if id(run) in exclusive)  # one after another, by design
        cpu = sum(run.cpu for run in runs if id(run) not in exclusive)
        bound = max(longest.wall, alone + cpu / cores)
        programs_wall = self.finished - self.started
        slowest = sorted(runs, key=lambda run: run.wall, reverse=True)[:10]
        return [
            f"{len(runs)} program runs in {programs_wall:.1f} s wall (whole test session {session_wall:.1f} s)",
            f"lower bound {bound:.1f} s = max(longest run {longest.wall:.1f} s [{self.describe(longest)}], "
            f"the {len(exclusive)} exclusive runs one after another {alone:.1f} s + CPU of every process of the "
            f"other runs {cpu:.1f} s / {cores} cores = {alone + cpu / cores:.1f} s)",
            f"wall / lower bound = {programs_wall / bound:.2f} (target: 1.3 or less{OWN_CHECKS})",
            f"shared runs at once: up to {self.turns.most_sharing} ({self.jobs} while the cores were busy, one more "
            f"for each {IDLE_CORE} of a core that idled over {LOOK} s, up to {2 * self.jobs})",
            "slowest runs: " + ", ".join(f"{self.describe(run)} {run.wall:.1f} s" for run in slowest),
            self.memory_peaks(runs),
            *self.cell_estimates(),
            *self.headroom(runs),
            *reused,
        ]

    def cell_estimates(self) -> list[str]:
        """How long a GitHub programs cell would take, from this check's runs of its newest interpreter.

        A cell runs one interpreter: every run this check made with that version (each start method,
        and the engine, exclusive and Ray programs, which run on the newest interpreter too), and each
        program run as a file. Exclusive runs one after another; the others share the runner's cores
        (public repositories: 4 on Linux and Windows, 3 on macOS). Windows runs spawn and alone only,
        not the programs skipped there, and its process start is counted twice as costly.
        """
        made = [(key, run) for key, run in self.finished_runs() if " " not in self.versions.get(key[2], " ")]
        if not made:
            return []
        newest = max(
            {self.versions[key[2]] for key, _ in made}, key=lambda version: tuple(map(int, version.split(".")))
        )
        # The method runs of the newest interpreter, and every program's runs as a file (made here with
        # the first interpreter that runs it; a cell makes them with its own).
        cell = [(key, run) for key, run in made if self.versions[key[2]] == newest or key[1] in (ALONE, ALONE_3_14)]

        def minutes(runs: list[tuple[tuple[Program, str, str], Run]], cores: int, cost: float) -> float:
            alone = sum(run.wall for (program, _, _), run in runs if is_exclusive(program))
            shared = sum(run.cpu * cost for (program, _, _), run in runs if not is_exclusive(program))
            return (alone + shared / cores) / 60

        windows = [
            (key, run)
            for key, run in cell
            if key[1] in ("spawn", ALONE) and "win32" not in parse_sample(key[0].sample_path).rules.skip_on
        ]
        return [
            f"a GitHub programs cell, estimated from this check's {len(cell)} runs of CPython {newest} (plus set-up): "
            f"Linux {minutes(cell, 4, 1.0):.1f} min, macOS {minutes(cell, 3, 1.0):.1f} min, Windows "
            f"{minutes(windows, 4, 2.0):.1f} min ({len(windows)} runs: spawn and alone, process starts counted twice)",
        ]

    def headroom(self, runs: list[Run]) -> list[str]:
        """Each program's slowest run next to its time limit, which should be three times as long or more."""
        slowest: dict[str, Run] = {}
        for run in runs:
            if run.module not in slowest or run.wall > slowest[run.module].wall:
                slowest[run.module] = run
        lines = ["each program's slowest run / its time limit (a run meant to hang is stopped early, by design):"]
        for run in sorted(slowest.values(), key=lambda run: run.wall / run.timeout, reverse=True):
            near = "  <- under 3x headroom: make it faster, or raise `#| timeout`" if run.wall * 3 > run.timeout else ""
            lines.append(f"  {run.wall:5.1f} s / {run.timeout:4.0f} s  {self.describe(run)}{near}")
        return lines

    def describe(self, run: Run) -> str:
        return f"{run.module.removeprefix('snippets.')} {run.method} {self.versions.get(run.python, run.python)}"

    def close(self) -> None:
        self.turns.close()  # runs taken by a thread but waiting for their turn start no program
        self.own_work_done.set()  # a session stopped early (-x) never reached the tests that wait for runs
        for key, future in list(self.futures.items()):
            if future.cancel() and key in self.timed:  # a timed run that never started ends here for Turns
                self.turns.timed_ended()
        self.executor.shutdown(wait=True, cancel_futures=True)
