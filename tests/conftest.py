"""Options and shared state of the verification: the run pool, update mode, the timing summary."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Generator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from harness import badges, charts, settings
from harness.gate import DEV_PY, SHARED_SITE, WAIT_AT_GATE, wait_at_gate
from harness.matrix import matrix_table
from harness.pool import (
    ALONE,
    ALONE_3_14,
    DEFAULT_JOBS,
    BrowserTests,
    Coverage,
    RunPool,
    coverage_runs,
    emulating_python,
    is_made,
    release,
)
from harness.programs import (
    Program,
    discover,
    interpreters_of,
    is_exclusive,
    is_untimed,
    methods_for,
    start_methods,
    uses_no_start_method,
    version_tuple,
)
from harness.reuse import RunCache, interpreter_identity, project_digest
from harness.running import ROOT, isolated_interpreter
from harness.services import SERVICES
from harness.weights import PAGE_WEIGHTS
from harness.weights import summary as page_weights

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
        "--fresh",
        action="store_true",
        help="run every program, even where an earlier passing run had exactly the same content",
    )
    group.addoption(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        help=f"programs run at once while the cores are busy ({DEFAULT_JOBS}); up to twice as many while they idle",
    )


POOL = pytest.StashKey[RunPool]()
INTERPRETERS = pytest.StashKey[dict[str, str]]()
OUTCOMES = pytest.StashKey[dict[tuple[str, str, str], str]]()  # (program, version, method) -> outcome
COVERAGE_TEST = "test_every_line_of_every_program_runs"  # measures the runs of one interpreter (measured_runs)
GATE = pytest.StashKey[tuple[Path, int]]()  # in a browser tests' process: its marker, dev.py's ID (harness/gate.py)
SITE_BUILD = pytest.StashKey["SiteBuild"]()  # started at collection when a selected test needs the site
SHARED = pytest.StashKey[Path | None]()  # the folder dev.py gave for one site build shared by its pytest processes
WALLS_CACHE = "snippets/run-walls"  # seconds each run took last time: the longest start first


def interpreter_version(python: str) -> str:
    """``3.12`` for a CPython 3.12 executable; a clear error for anything unusable."""
    try:
        major, minor, _ = release(python)
    except (OSError, ValueError, subprocess.SubprocessError) as error:
        raise pytest.UsageError(f"--python {python}: cannot run it ({error})") from None
    return f"{major}.{minor}"


def isolated(python: str) -> str:
    interpreter_version(python)  # a clear error for an interpreter that does not run
    try:
        return isolated_interpreter(python)
    except (OSError, subprocess.SubprocessError) as error:
        raise pytest.UsageError(f"--python {python}: cannot make a virtual environment of it ({error})") from None


@functools.cache
def own_python() -> str:
    """The interpreter running the checks, isolated like those given with --python (running.isolated_interpreter)."""
    return isolated(sys.executable)


def first_python_of(config: pytest.Config) -> str:
    """The first interpreter given with --python, or the one running the checks: it records and runs alone."""
    return (config.getoption("--python") or [own_python()])[0]


@pytest.fixture(scope="session")
def first_python(request: pytest.FixtureRequest) -> str:
    return first_python_of(request.config)


@pytest.fixture(scope="session")
def interpreters(request: pytest.FixtureRequest) -> dict[str, str]:
    """The interpreters that run the programs: {'3.12': path}, in the order given."""
    return request.config.stash[INTERPRETERS]


def pytest_configure(config: pytest.Config) -> None:
    waiting, dev_py = os.environ.pop(WAIT_AT_GATE, None), os.environ.pop(DEV_PY, None)
    if waiting and dev_py:  # one of the browser tests' processes: see wait_for_the_runs
        config.stash[GATE] = (Path(waiting), int(dev_py))
    shared = os.environ.pop(SHARED_SITE, None)  # not for a nested session of the harness's tests
    config.stash[SHARED] = Path(shared) if shared else None
    # Each interpreter runs the programs from a virtual environment of its own: the standard library and .engines.
    config.option.python = [isolated(python) for python in config.getoption("--python")]
    pythons = config.getoption("--python") or [own_python()]
    config.stash[INTERPRETERS] = {interpreter_version(python): python for python in pythons}
    versions = {python: version for version, python in config.stash[INTERPRETERS].items()}
    config.stash[POOL] = RunPool(config.getoption("--jobs"), versions, BrowserTests.taken_from_environment())
    config.stash[POOL].own_work_done.clear()  # exclusive runs wait for the checks before the waiting tests
    config.stash[OUTCOMES] = {}
    cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    if cache is not None and not config.getoption("--fresh") and not config.getoption("--update-samples"):
        config.stash[POOL].reuse = RunCache(cache.mkdir("runs"))
    badges.write_footers()  # a program added since the last full check gets its "not verified yet" line
    # As on macOS, whose TMPDIR is 48 characters long: the runs must not inherit a long
    # temporary folder, or forkserver and manager sockets overflow AF_UNIX's limit.
    long_base = Path(tempfile.mkdtemp(prefix="temporary-folder-as-long-as-on-macos-"))
    settings.SCRATCH_BASE = str(long_base / ("x" * max(0, 64 - len(str(long_base)))))
    Path(settings.SCRATCH_BASE).mkdir(exist_ok=True)
    config.add_cleanup(lambda: shutil.rmtree(long_base, ignore_errors=True))


PASSED_TESTS = "snippets/passed-tests"  # pytest's cache: the tests that passed, and the content they passed with
PASSED = pytest.StashKey[set[str]]()
REUSED = (
    "passed in an earlier check with every file of the project, the interpreters and the toolchain exactly as "
    "they are now (harness/reuse.py, project_digest); `python3 dev.py check --fresh` runs it again"
)


def content_key(config: pytest.Config) -> str:
    """What a test other than a program run depends on: the project's files, the interpreters, the toolchain."""
    pythons = config.getoption("--python") or [own_python()]
    parts = [project_digest(), sys.version, sys.platform, *(interpreter_identity(python) for python in pythons)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def reusing(config: pytest.Config) -> bool:
    return getattr(config, "cache", None) is not None and not (
        config.getoption("--fresh") or config.getoption("--update-samples")
    )


@pytest.hookimpl(tryfirst=True)  # before -k deselects: the keywords added here count
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests that wait for program runs last: the others (a site build, the harness's own tests)
    run meanwhile, on the CPU the runs leave idle while they sleep.

    The checks of every program (marked ``every_program``: ruff, formatting, mypy, coverage, flushes,
    the Windows console) answer to each program's name too, so that ``-k first_queue/get_forms``,
    a contributor's loop, runs them as well as that program's runs.

    A test that passed in an earlier check with exactly this content is not run again, as a program
    run is not (the program tests reuse their runs; their judging is cheap, so they always run).
    """
    names = [program.name for program in discover()]
    for item in items:
        if item.get_closest_marker("every_program"):
            item.extra_keyword_matches.update(names)
    items.sort(key=waits_for_runs)
    config.stash[PASSED] = set()
    if not reusing(config):
        return
    key = content_key(config)
    passed = config.cache.get(PASSED_TESTS, {})
    for item in items:
        if not waits_for_runs(item) and passed.get(item.nodeid) == key:
            item.add_marker(pytest.mark.skip(reason=REUSED))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """The first test that waits for runs starts: the checks sorted before those have ended (pool.Turns).

    Not later: that test may wait for an exclusive run. pytest's --ff or --nf can put such a test
    first, and then ruff, mypy or the harness's tests may still run beside the exclusive runs.
    """
    if waits_for_runs(item) and POOL in item.config.stash:
        item.config.stash[POOL].own_work_done.set()


def waits_for_runs(item: pytest.Item) -> bool:
    return item.path.name == "test_programs.py" or getattr(item, "originalname", "") == COVERAGE_TEST


def runs_on(config: pytest.Config, program: Program) -> tuple[dict[str, str], str]:
    """The interpreters ({'3.12': path}) ``program`` runs on in this check, and why it skips the others."""
    return interpreters_of(program, config.stash[INTERPRETERS])


def alone_python(config: pytest.Config, program: Program) -> str | None:
    """The interpreter that runs the program file on its own: the first given that runs the program at all."""
    chosen, _ = runs_on(config, program)
    return next(iter(chosen.values()), None)


def wait_for_the_runs(config: pytest.Config) -> None:
    """In a browser tests' process: wait at the gate until the program runs have ended.

    Its collection goes on beside the first runs: not Chromium, and done before the process is at
    the gate, so no benchmark runs beside it. It asks for the site after the gate (SiteBuild).
    """
    marker, dev_py = config.stash[GATE]
    if not wait_at_gate(marker, lambda: psutil.pid_exists(dev_py)):
        pytest.exit("dev.py, which started this process to run the browser tests, has ended", returncode=1)


def selected_not_skipped(items: list[pytest.Item]) -> list[pytest.Item]:
    """The selected tests not marked skip at collection, as a reused test is (a skipif or a skip at run time aside)."""
    return [item for item in items if not any(mark.name == "skip" for mark in item.iter_markers())]


def submission_order(program: Program, wall: float) -> tuple[int, float]:
    """Shared runs first, then the timed exclusive ones, the untimed last (harness/gate.py); longest first in each."""
    return is_exclusive(program) + is_untimed(program), -wall


def pytest_collection_finish(session: pytest.Session) -> None:
    """Wait at the gate (a browser tests' process), start the site build or ask for the shared one, and start every
    selected program run now, so that they overlap with each other and other tests.

    Only the runs a test will judge: not a program's runs on an interpreter it does not run on
    (installs.py), under a method it does not use (methods_for), or on a platform it skips.
    """
    config = session.config
    to_run = selected_not_skipped(session.items)
    if GATE in config.stash and to_run:
        wait_for_the_runs(config)
    if any("built_site" in getattr(item, "fixturenames", ()) for item in to_run):
        build = config.stash[SITE_BUILD] = SiteBuild(config.stash[SHARED])
        config.add_cleanup(build.close)
        if build.process is not None:  # no timed exclusive run beside it
            config.stash[POOL].site_building = lambda: not build.ended.is_set()
    if config.getoption("--update-samples"):
        return
    pool = config.stash[POOL]
    cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    walls: dict[str, float] = cache.get(WALLS_CACHE, {}) if cache else {}
    methods = start_methods()
    runs = []
    emulating = emulating_python(config.getoption("--python") or []) if os.name == "posix" else None
    for item in session.items:
        params = getattr(item, "callspec", None)
        if params is None or "program" not in params.params:
            continue
        program: Program = params.params["program"]
        chosen, _ = runs_on(config, program)
        if item.originalname == "test_program":
            method, python = params.params["method"], params.params["python"]
            if method in methods_for(program, methods) and python in chosen.values():
                runs.append((program, method, python))
        elif item.originalname == "test_program_copied_on_its_own":
            python = alone_python(config, program)
            if python is not None:
                runs.append((program, ALONE, python))
        elif (
            item.originalname == "test_program_copied_on_its_own_as_python_3_14_runs_it"
            and emulating in chosen.values()
            and not uses_no_start_method(program)
        ):
            runs.append((program, ALONE_3_14, emulating))
    if any(getattr(item, "originalname", "") == COVERAGE_TEST for item in session.items):
        # Under -k, only the programs whose runs were selected; with none selected, every program.
        pool.coverage = measured_runs(config, {program.name for program, _, _ in runs})
        runs += coverage_runs(pool.coverage)
    runs = [run for run in runs if is_made(*run)]
    # Longest first, so that no long run starts last and stretches the wall time; unknown runs count
    # as long. Exclusive runs go after all the others (pool.Turns), the untimed ones last, and the
    # browser tests, waiting at their gate meanwhile, once no run is left but those (harness/gate.py).
    runs.sort(key=lambda run: submission_order(run[0], walls.get(pool.key_text(*run), 60.0)))
    for program, method, python in runs:
        pool.submit(program, method, python)
    pool.open_gate_when_idle()


def measured_runs(config: pytest.Config, only: set[str]) -> Coverage:
    """Coverage of the runs of the interpreter of the toolchain's version: those the matrix makes anyway.

    A program that does not run on that version (a Ray program; an engine program or a benchmark
    when the toolchain's version is neither the oldest nor the newest present, as in the workflow's
    site job; every program when no interpreter given has that version) is measured on the newest
    interpreter it runs on. Coverage's compiled tracer is built for the toolchain's version; on
    another one, only sys.monitoring (3.12+) measures at full speed: an older one is a usage error.
    """
    toolchain = f"{sys.version_info[0]}.{sys.version_info[1]}"
    python = config.stash[INTERPRETERS].get(toolchain)
    elsewhere = {}
    for program in discover():
        chosen, why = runs_on(config, program)
        if python is None or toolchain not in chosen:
            newest = max(chosen, key=version_tuple, default=None)
            if newest is not None and version_tuple(newest) < (3, 12) and (not only or program.name in only):
                raise pytest.UsageError(
                    f"coverage cannot measure {program.name} on CPython {newest}, the newest interpreter it runs "
                    f"on here ({why or 'every one given'}): coverage's compiled tracer is built for the toolchain's "
                    f"CPython {toolchain}, and sys.monitoring needs 3.12. Give --python for "
                    + (f"CPython {toolchain}, or " if python is None else "")
                    + "a CPython 3.12+ this program runs on, or leave the coverage check out (-k 'not every_line')."
                )
            elsewhere[program.name] = chosen[newest] if newest else None
    folder = Path(tempfile.mkdtemp(prefix="coverage-"))
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    return Coverage(python, folder, elsewhere, frozenset(only))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each program's outcome per interpreter and start method, for the verification matrix."""
    report = yield
    if report.when == "call" and report.passed and not waits_for_runs(item):
        item.config.stash[PASSED].add(item.nodeid)
    params = getattr(item, "callspec", None)
    decided = report.when == "call" or (report.when == "setup" and not report.passed)
    if decided and params and {"program", "method", "python"} <= params.params.keys():
        version = item.config.stash[POOL].versions[params.params["python"]]
        key = (params.params["program"].name, version, params.params["method"])
        item.config.stash[OUTCOMES][key] = report.outcome
    return report


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "python" in metafunc.fixturenames:
        interpreters = metafunc.config.stash[INTERPRETERS]
        metafunc.parametrize("python", list(interpreters.values()), ids=list(interpreters))


# Built for an address below a folder, as GitHub Pages serves a project site
# (https://<owner>.github.io/<repository>/), so that links that only work at the root fail.
SITE_URL = "http://127.0.0.1/queues-verified/"
REPO_URL = "https://github.com/example/queues-verified"  # as CI passes it: the links under every page


@pytest.fixture(scope="session")
def site_path() -> str:
    """The folder the built site expects to be served from: '/queues-verified/'."""
    return urlsplit(SITE_URL).path


class SiteBuild:
    """The site built with `mkdocs build --strict`, as CI publishes it.

    Without ``shared``: into a temporary folder of its own, removed at the session's end. Started at
    collection when a selected test needs it (pytest_collection_finish), so that it overlaps with the
    tests before that one: after a change to one program, `dev.py check -k` waited 6.8 s for it in the
    first test that needed it. `python3 dev.py build` makes the same site to look at.

    With ``shared``, a folder dev.py gives its three pytest processes (gate.SHARED_SITE): the first
    that asks builds the site there (the test process, at collection; a browser tests' process asks
    only once its gate opens, long after) and the others wait for that build's result. Each process
    built its own before, at about 5 CPU-seconds a build. dev.py removes the folder.
    """

    BUILDER = "builder"  # in the shared folder: the process ID of the pytest process that builds it
    RESULT = "result.json"  # in the shared folder: the build's exit status and what it printed
    LIMIT = 300  # seconds a build may take
    MKDOCS_BUILD = (sys.executable, "-m", "mkdocs", "build", "--strict")

    def __init__(self, shared: Path | None = None, command: tuple[str, ...] = MKDOCS_BUILD) -> None:
        """``command`` builds the site into the folder given after it with ``--site-dir``."""
        self.shared = shared
        self.process: subprocess.Popen[bytes] | None = None
        self.result: tuple[int, str] | None = None  # the build's exit status and what it printed, once it ended
        self.ended = threading.Event()
        self.deadline = time.monotonic() + self.LIMIT
        if shared is None:
            self.folder = Path(tempfile.mkdtemp(prefix="site-"))
        else:
            self.folder = shared / "site"
            if not self.claim(shared):
                return  # another process builds it: finish() waits for its result
        # A file, not a pipe: a build that says much never waits for a reader. Closed by close().
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [*command, "--site-dir", str(self.folder)],
            cwd=ROOT,
            env=dict(os.environ, NO_MKDOCS_2_WARNING="1", SITE_URL=SITE_URL, REPO_URL=REPO_URL),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self.collect, name="site-build", daemon=True).start()

    def claim(self, shared: Path) -> bool:
        """Whether this process is the first to ask: the builder file then holds its process ID, whole, at once
        (a hard link to a file written before, which fails if the builder file exists)."""
        mine = shared / f"{self.BUILDER}-{os.getpid()}"
        mine.write_text(str(os.getpid()), encoding="utf-8")
        try:
            os.link(mine, shared / self.BUILDER)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: created, then written (finish() waits for the ID)
            try:
                claim = os.open(shared / self.BUILDER, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            except FileExistsError:
                return False
            os.write(claim, str(os.getpid()).encode())
            os.close(claim)
        finally:
            with contextlib.suppress(OSError):
                mine.unlink()
        return True

    def collect(self) -> None:
        """Wait for the build; keep its result, and write it to the shared folder for the other processes."""
        assert self.process is not None
        try:
            self.process.wait()
            self.log.seek(0)
            self.result = (self.process.returncode, self.log.read().decode(errors="replace"))
        except (OSError, ValueError) as error:  # the log closed by close() after a build that overran
            self.result = (1, f"reading what mkdocs build printed failed: {error}")
        try:
            if self.shared is not None:
                written = self.shared / (self.RESULT + ".part")
                written.write_text(json.dumps(self.result), encoding="utf-8")
                written.replace(self.shared / self.RESULT)  # whole or not at all
        finally:
            self.ended.set()

    def finish(self, seconds: float | None = None) -> tuple[int, str]:
        """Wait for the build, this process's or the one it shares, until its deadline or for ``seconds``; its exit
        status and what it printed."""
        seconds = max(self.deadline - time.monotonic(), 0) if seconds is None else seconds
        if self.process is not None:
            assert self.ended.wait(seconds), f"mkdocs build still running after {seconds:.0f} s more"
            assert self.result is not None
            return self.result
        assert self.shared is not None
        result, builder = self.shared / self.RESULT, self.shared / self.BUILDER
        given_up = time.monotonic() + seconds
        while not result.exists():
            pid = builder.read_text(encoding="utf-8") or "0"  # empty for a moment without hard links (claim)
            assert pid == "0" or psutil.pid_exists(int(pid)) or result.exists(), (
                f"pytest process {pid}, which built the site for this one, ended before its build did: see its report"
            )
            assert time.monotonic() < given_up, f"the site build of pytest process {pid} still runs after {seconds} s"
            time.sleep(0.2)
        status, printed = json.loads(result.read_text(encoding="utf-8"))
        return status, printed

    def site(self) -> Path:
        status, printed = self.finish()
        assert status == 0, f"mkdocs build --strict failed:\n{printed}"
        assert "WARNING" not in printed, printed
        return self.folder

    def close(self) -> None:
        """At the session's end: stop this process's build and remove its site; a shared one may run until its
        deadline first, as the other processes need it, and is left for dev.py to remove."""
        if self.process is None:
            return
        if self.shared is None or not self.ended.wait(max(self.deadline - time.monotonic(), 0)):
            self.process.kill()
        self.ended.wait(10)  # collect() ends once the process has
        self.log.close()
        if self.shared is None:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def built_site(request: pytest.FixtureRequest) -> Path:
    """The site, built once per session (SiteBuild, started by pytest_collection_finish)."""
    return request.config.stash[SITE_BUILD].site()


@pytest.fixture(scope="session")
def pool(request: pytest.FixtureRequest) -> RunPool:
    return request.config.stash[POOL]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    pool = config.stash[POOL]
    outcomes = config.stash[OUTCOMES]
    if outcomes:
        versions = sorted({version for _, version, _ in outcomes}, key=lambda v: tuple(map(int, v.split("."))))
        terminalreporter.section("verification matrix")
        for line in matrix_table(outcomes, versions, start_methods()):
            terminalreporter.write_line(line)
    weights = config.stash.get(PAGE_WEIGHTS, {})
    if weights:
        terminalreporter.section("page weight")
        for line in page_weights(weights):
            terminalreporter.write_line(line)
    # The whole check's wall time and bounds: dev.py prints them, as it alone sees both test processes.
    lines = pool.summary(time.monotonic() - _STARTED)
    if lines:
        terminalreporter.section("verification time")
        for line in lines:
            terminalreporter.write_line(line)


def record_verification(session: pytest.Session) -> None:
    """After a passing run of every program, record where they were verified, for the badges on the site."""
    config = session.config
    outcomes = config.stash[OUTCOMES]
    versions = set(config.stash[POOL].versions.values())
    expected = len(discover()) * len(start_methods()) * len(versions)
    fresh = not config.stash[POOL].reused()  # a verification is recorded from runs made now, never reused ones
    if config.getoption("--update-samples") or len(outcomes) != expected or session.testsfailed or not fresh:
        return
    passed = badges.passed_runs(outcomes)
    for program in discover():  # its one run per interpreter showed that no start method applies
        if uses_no_start_method(program) and program.name in passed:
            versions = passed[program.name]
            passed[program.name] = {version: [badges.NO_METHOD] if found else [] for version, found in versions.items()}
    benchmarks = charts.kept_outputs(config.stash[POOL], start_methods()[0])
    badges.save_run(passed, badges.platform_name(), datetime.now(UTC), benchmarks=benchmarks)
    programs = {program.name for program in discover()}
    current = {name: entry for name, entry in badges.load().items() if name in programs}  # moved or deleted: gone
    results = badges.merge(current, passed, badges.platform_name(), date.today())
    if results != badges.load():
        badges.save(results)
    badges.write_footers(results=results)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Record where the programs were verified, and how long each run took, for the next session's order.

    A run that leaves a named semaphore or shared-memory segment behind fails its
    own test (harness.running.remove_leaked): leaks are found per run, not here.
    """
    record_verification(session)
    cache = getattr(session.config, "cache", None)
    if cache is not None and session.config.stash.get(PASSED, set()):
        key = content_key(session.config)
        kept = {node: earlier for node, earlier in cache.get(PASSED_TESTS, {}).items() if earlier == key}
        cache.set(PASSED_TESTS, {**kept, **dict.fromkeys(session.config.stash[PASSED], key)})
    if cache is not None:
        pool = session.config.stash[POOL]
        walls = cache.get(WALLS_CACHE, {})
        walls.update({pool.key_text(*key): run.wall for key, run in pool.finished_runs()})
        cache.set(WALLS_CACHE, walls)


def pytest_unconfigure(config: pytest.Config) -> None:
    config.stash[POOL].close()
    SERVICES.close()  # the servers programs needed (redis-server): none outlives the check
