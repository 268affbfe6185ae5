"""The checks' paths for macOS and Windows, run here: for real where Linux can, with the platform faked otherwise."""

from __future__ import annotations

import ast
import contextlib
import ctypes
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from contribution import LEAVES_A_CHILD_RUNNING, contribute

import dev
from harness import containment, running, settings
from harness.browsers import find_chrome
from harness.checks import judge, load_sample
from harness.pool import release, run_against_sample
from harness.programs import SNIPPETS, Program, discover
from harness.sample import Sample


@pytest.fixture
def fake() -> Iterator[Callable[..., None]]:
    """``fake(PLATFORM="darwin")``: the harness pretends so in this test's thread until the test ends.

    The check's own program runs, in other threads meanwhile, see the real platform.
    """
    with contextlib.ExitStack() as stack:
        yield lambda **values: stack.enter_context(settings.faked(**values))


MACOS_TMPDIR_LENGTH = 64  # macOS runners: 48 characters; Linux allows 4 bytes more per socket path than macOS


def long_folder(tmp_path: Path) -> Path:
    folder = tmp_path / ("t" * max(1, MACOS_TMPDIR_LENGTH - len(str(tmp_path)) - 1))
    folder.mkdir()
    assert len(str(folder)) >= 60
    return folder


def test_a_long_temporary_folder_is_not_where_runs_get_theirs(tmp_path: Path) -> None:
    folder = str(long_folder(tmp_path))
    assert running.scratch_parent(folder) == ("/tmp" if os.name == "posix" else folder)
    assert running.scratch_parent("/tmp") == "/tmp"
    assert len("/tmp") + running.SOCKET_PATH_UNDER_SCRATCH <= running.SOCKET_PATH_LIMIT


@pytest.mark.skipif(os.name != "posix", reason="AF_UNIX sockets and forkserver are POSIX")
@pytest.mark.parametrize(
    ("name", "method"), [("other_queues/queue_to_pool", "spawn"), ("first_queue/get_forms", "forkserver")]
)
def test_manager_and_forkserver_programs_pass_under_a_temporary_folder_as_long_as_macos(
    name: str, method: str, tmp_path: Path, fake: Callable[..., None], first_python: str
) -> None:
    fake(SCRATCH_BASE=str(long_folder(tmp_path)))
    program = Program(SNIPPETS / f"{name}.py")
    sample = load_sample(program)
    assert isinstance(sample, Sample), sample
    assert judge(run_against_sample(program, method, first_python), sample) is None


@pytest.mark.skipif(os.name != "posix", reason="AF_UNIX sockets and forkserver are POSIX")
def test_without_the_short_folder_the_same_run_fails_as_on_a_macos_runner(
    tmp_path: Path, fake: Callable[..., None], first_python: str
) -> None:
    """What the test above guards against: CPython before 3.13 binds the socket under TMPDIR, however long."""
    if release(first_python) >= (3, 13, 0):
        pytest.skip("CPython 3.13+ moves a socket whose path is too long to /tmp (gh-132124)")
    fake(SCRATCH_BASE=str(long_folder(tmp_path)), SCRATCH_FALLBACK=False)
    program = Program(SNIPPETS / "first_queue/get_forms.py")
    run = run_against_sample(program, "forkserver", first_python)
    assert run.returncode != 0 and "AF_UNIX path too long" in run.stderr, run.stderr


def test_chrome_is_found_where_each_system_installs_it() -> None:
    nothing_on_path: dict[str, str] = {}
    mac = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
    assert find_chrome("darwin", nothing_on_path, lambda _: None, lambda path: path == mac) == mac
    windows = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
    found = find_chrome("win32", {"PROGRAMFILES": "C:\\Program Files"}, lambda _: None, lambda path: path == windows)
    assert found == windows
    assert find_chrome("linux", nothing_on_path, {"google-chrome": "/usr/bin/google-chrome"}.get) == (
        "/usr/bin/google-chrome"
    )
    assert find_chrome("linux", {"CHROMIUM": "/opt/chrome"}, lambda _: None) == "/opt/chrome"
    both = {"chromium": "/usr/bin/chromium", "chromium-headless-shell": "/usr/bin/chromium-headless-shell"}
    assert find_chrome("linux", nothing_on_path, both.get) == "/usr/bin/chromium-headless-shell"  # the lighter
    assert find_chrome("darwin", nothing_on_path, lambda _: None, lambda _: False) is None


def test_the_windows_launcher_lists_every_interpreter() -> None:
    listing = (
        " -V:3.14 *        C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python314\\python.exe\n"
        " -V:3.10          C:\\Program Files\\Python310\\python.exe\n"
        " -3.12-64         C:\\Python312\\python.exe\n"
    )
    assert dev.launcher_pythons(listing) == [
        "C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python314\\python.exe",
        "C:\\Program Files\\Python310\\python.exe",
        "C:\\Python312\\python.exe",
    ]


HANGS_AFTER_ONE_LINE = """
import time
if __name__ == "__main__":
    print("waiting", flush=True)
    time.sleep(30)
"""


def test_the_windows_path_ends_an_expected_hang_as_soon_as_it_is_proven(
    tmp_path: Path, fake: Callable[..., None]
) -> None:
    program = contribute(tmp_path, HANGS_AFTER_ONE_LINE, ["expect hang 0.5", "timeout 20"], ["waiting"])
    fake(POSIX=False)  # poll, and stop the tree by parent ids, as on Windows
    run = run_against_sample(program, "spawn", sys.executable)
    assert run.timed_out and run.wall < 5, run.wall
    sample = load_sample(program)
    assert isinstance(sample, Sample) and judge(run, sample) is None


def test_the_process_tree_is_found_by_parent_ids_as_on_windows() -> None:
    started = time.time()
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
            "'import time; time.sleep(30)']); time.sleep(30)",
        ]
    )
    try:
        deadline = time.monotonic() + 10
        while not containment.tree_processes(parent.pid, started) and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = containment.tree_processes(parent.pid, started)
        assert len(tree) == 1 and "time.sleep(30)" in " ".join(tree[0].cmdline())
    finally:
        containment._kill_tree([*containment.tree_processes(parent.pid, started)])
        parent.kill()
        parent.wait()
    assert containment.tree_processes(parent.pid, started) == []


@pytest.mark.skipif(os.name != "posix", reason="start_new_session is POSIX")
def test_a_process_that_keeps_the_output_open_cannot_hold_up_the_checks(tmp_path: Path) -> None:
    """A grandchild in a session of its own keeps stdout: the run still ends, and fails, within seconds."""
    program = contribute(
        tmp_path,
        """
        import subprocess
        if __name__ == "__main__":
            subprocess.Popen(["sleep", "6"], start_new_session=True)  # inherits stdout, leaves the session
            print("done", flush=True)
        """,
        [],
        ["done"],
    )
    started = time.monotonic()
    run = run_against_sample(program, "fork", sys.executable)
    assert time.monotonic() - started < 2 * containment.LEFTOVER_GRACE + 2
    sample = load_sample(program)
    assert isinstance(sample, Sample)
    verdict = judge(run, sample)
    expected = "left processes running" if os.name == "posix" else "still held its output open after it ended"
    assert verdict is not None and expected in verdict, verdict


@pytest.mark.skipif(os.name != "posix", reason="sessions and SIGKILL are POSIX")
def test_a_timed_out_run_on_macos_leaves_no_semaphore_behind(tmp_path: Path, fake: Callable[..., None]) -> None:
    """On macOS too the run's resource tracker is spared until the rest is dead, so it unlinks the semaphores."""
    fake(PLATFORM="darwin")
    program = contribute(
        tmp_path,
        """
        import multiprocessing as mp, time
        def sleeper(q, asleep):
            asleep.set()
            time.sleep(60)
        if __name__ == "__main__":
            q = mp.Queue()
            asleep = mp.Event()
            child = mp.Process(target=sleeper, args=(q, asleep))
            child.start()
            asleep.wait()  # the child is in sleeper(), not still starting, when the time runs out
            print("started", flush=True)
            child.join()
        """,
        # Long enough for a spawned child to start on two busy cores (a full check once took over 2 s).
        ["timeout 10"],
        ["started"],
    )
    run = run_against_sample(program, "spawn", sys.executable)
    assert run.timed_out and run.survivors == []
    assert any("sleeper" in text for text in run.stacks.values()), "the child's stack was not asked for"
    assert any(resource.kind == "semaphore" for resource in run.created), "the queue made no named semaphore"
    assert run.leaked == [], "the resource tracker was killed before it could unlink the queue's semaphores"


def test_a_faked_platform_is_seen_by_the_test_s_own_thread_only(fake: Callable[..., None]) -> None:
    """The check's program runs go on in other threads while these tests fake another platform."""
    fake(PLATFORM="darwin", POSIX=False)
    seen_elsewhere = ThreadPoolExecutor(1).submit(lambda: (settings.setting("PLATFORM"), settings.setting("POSIX")))
    assert (settings.setting("PLATFORM"), settings.setting("POSIX")) == ("darwin", False)
    assert seen_elsewhere.result() == (sys.platform, os.name == "posix")
    with pytest.raises(ValueError, match="cannot fake"):
        settings.faked(ROOT="/elsewhere").__enter__()


def test_the_two_test_processes_give_one_exit_status() -> None:
    """dev.py runs the browser tests beside the others: `-k` may select tests in only one of the two."""
    no_tests = dev.NO_TESTS_SELECTED
    assert dev.combined(0, no_tests) == 0 and dev.combined(no_tests, 0) == 0  # one ran and passed
    assert dev.combined(no_tests, 1) == 1 and dev.combined(1, 0) == 1 and dev.combined(0, 2) == 2
    assert dev.combined(no_tests, no_tests) == no_tests


def module_level_reads(path: Path) -> list[tuple[int, str]]:
    """Where a program's import-time code (outside functions, classes and the main guard) reads sys.argv or sys.path."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, ast.If) and "__main__" in ast.unparse(statement.test):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Attribute) and node.attr in ("argv", "path") and ast.unparse(node.value) == "sys":
                found.append((node.lineno, f"sys.{node.attr}"))
    return found


def test_no_program_reads_at_import_what_the_3_14_emulation_leaves_out(tmp_path: Path) -> None:
    """3.14's forkserver imports a program's main module with main's sys.argv and sys.path (gh-143706,
    gh-144503); the emulation on older Pythons does not. A program whose import-time code read them
    would pass emulated and differ on a real 3.14: it needs a real 3.14 run, or the emulation extended."""
    reads = [
        f"{program.relative}:{line}: {what}"
        for program in discover()
        for line, what in module_level_reads(program.path)
    ]
    assert not reads, "import-time code reads what the 3.14 emulation does not set:\n" + "\n".join(reads)
    planted = tmp_path / "reads_argv.py"
    planted.write_text("import sys\nMODE = sys.argv[1:]\n\nif __name__ == '__main__':\n    print(sys.argv)\n")
    assert module_level_reads(planted) == [(2, "sys.argv")]


def test_the_browser_tests_are_at_work_until_their_process_ends() -> None:
    """dev.py names the browser tests' processes: with no gate, one is at work until it has ended (a zombie has)."""
    from harness import pool

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        browser_tests = pool.BrowserTests((("visits", sleeper.pid),))
        assert browser_tests.at_work()
        sleeper.kill()
        deadline = time.monotonic() + 10
        while browser_tests.at_work() and time.monotonic() < deadline:  # a zombie until waited for
            time.sleep(0.05)
        assert not browser_tests.at_work()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_job_object_structures_have_the_sizes_of_64_bit_windows() -> None:
    """The layouts the Windows cells pass to the kernel (harness/windows_job.py), checked where the checks run.

    JOBOBJECT_EXTENDED_LIMIT_INFORMATION is 144 bytes on x64 (winnt.h: a 64-byte basic limit block,
    48 bytes of IO_COUNTERS, four SIZE_T); the process id list is two DWORDs and then ULONG_PTRs.
    """
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        pytest.skip("the sizes below are those of a 64-bit build")
    from harness import windows_job

    assert ctypes.sizeof(windows_job._BasicLimits) == 64
    assert ctypes.sizeof(windows_job._IoCounters) == 48
    assert ctypes.sizeof(windows_job._ExtendedLimits) == 144
    assert windows_job._ExtendedLimits.JobMemoryLimit.offset == 120
    assert ctypes.sizeof(windows_job._ProcessIds) == 8 + 8 * windows_job.MOST_PROCESSES


def test_where_no_job_object_can_be_made_the_windows_path_goes_on_without_one() -> None:
    """Off Windows (and where the kernel refuses), Job() raises OSError, and a run falls back to parent ids.

    test_the_windows_path_ends_an_expected_hang_as_soon_as_it_is_proven takes that path from start to end.
    """
    from harness import windows_job

    with pytest.raises(OSError, match="Windows only"):
        windows_job.Job(2**20)
    assert containment._windows_job(1024) is None


@pytest.mark.skipif(sys.platform != "win32", reason="a Job Object exists on Windows only: the Windows cells run this")
def test_a_windows_run_is_held_in_a_job_that_finds_and_ends_what_it_leaves(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        LEAVES_A_CHILD_RUNNING,
        [],
        ["main done"],
    )
    run = run_against_sample(program, "spawn", sys.executable)
    assert any("time.sleep(60)" in leftover for leftover in run.leftovers), run.leftovers
    assert run.survivors == [] and run.memory_peak > 0, (run.survivors, run.memory_peak)


SLEEPER_WITH_A_CHILD = (
    "import subprocess, sys, time; "
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); time.sleep(30)"
)


@pytest.mark.parametrize("kind", ["session", "cgroup", "tree"])
def test_each_containment_finds_every_process_of_its_run_and_stops_them_all(kind: str) -> None:
    """Each system's piece on its own: a program and its child are found, and a stop leaves neither."""
    if kind == "cgroup" and containment.cgroup_parent() is None:
        pytest.skip("this machine lets the checks make no cgroup")
    if kind != "tree" and os.name != "posix":
        pytest.skip("sessions and cgroups are POSIX")
    parent = containment.cgroup_parent()
    holder = {
        "session": lambda: containment.SessionContainment(256),
        "cgroup": lambda: containment.CgroupContainment(256, parent),  # type: ignore[arg-type]
        "tree": lambda: containment.TreeContainment(256),
    }[kind]()
    env = {**os.environ, containment.RUN_MARK: f"containment-test-{kind}"}
    command = holder.command([sys.executable, "-c", SLEEPER_WITH_A_CHILD])
    process = subprocess.Popen(command, env=env, **holder.popen_options())
    holder = containment.start_inside(holder, process, env)
    try:
        deadline = time.monotonic() + 10
        while len(holder.members()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        members = holder.members()
        assert process.pid in members and len(members) == 2, members
        holder.stop(ask_where=False)
        assert process.returncode is not None
        _, survivors, _ = holder.leftovers(timed_out=True)
        assert survivors == [] and not [
            pid for pid in members if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        ]
    finally:
        holder.close()
