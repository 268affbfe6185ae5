"""Run one program the way a reader would, under a chosen start method.

Each run is a real ``python`` subprocess started in a session of its own, so
that every process it creates can be found and stopped afterwards.  The start
method is set before the program's ``__main__`` code runs; the program itself
is executed exactly as ``python -m snippets.<guide>.<program>`` would.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from . import memory, windows_job

ROOT = Path(__file__).resolve().parents[2]

# Runs the module exactly as `python -m` does (runpy._run_module_as_main, the
# function behind -m), after choosing the start method.  The module's code then
# runs in the real __main__ module, which multiprocessing has already
# registered as __mp_main__: so an object of a class defined in the program,
# pickled by a spawned child, unpickles in the parent as it does for readers.
# spawn and forkserver children re-import the module by name, as for `-m`.
LAUNCHER = (
    "import multiprocessing, runpy, sys\n"
    "method, module = sys.argv[1], sys.argv[2]\n"
    "multiprocessing.set_start_method(method)\n"
    "sys.argv = [module]\n"
    "runpy._run_module_as_main(module)\n"
)

# Environment variables that change how a program prints or behaves and that
# the machine running the checks may have set.  PYTHONUNBUFFERED makes print()
# issue two writes per line, which tears lines from several processes apart.
# PYTHONIOENCODING and PYTHONUTF8 are removed too: a reader's program writes in the system's encoding
# (cp1252 on a Windows console or redirected output, up to CPython 3.14; UTF-8 from 3.15, PEP 686), and
# so must the checked run, to fail where theirs would.
REMOVED_VARIABLES = (
    # Not set on a reader's machine, and costly here: the engines are installed without bytecode
    # (dev.py NO_COMPILE), so every run of a Dask program would compile Dask again.
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PYTHONSTARTUP",
    "PYTHONINSPECT",
    "PYTHONWARNINGS",
    "PYTHONDEVMODE",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
    "PYTHON_CPU_COUNT",  # set by the machine, it would hide that a sample shows its count (see OTHER_CPU_COUNT)
    "PYTHONHASHSEED",  # set by the machine, it would fix the order of every set of strings (see program_environment)
)
# A shell without job control starts background commands with SIGINT ignored, and
# an ignored signal stays ignored in every program started from here: a Ctrl-C
# lesson would then be interrupted by nothing. Restore Python's handler (a caught
# signal is reset to its default in the programs this process starts).
if hasattr(signal, "SIGINT") and signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

POSIX = os.name == "posix"  # read through setting(), so that a test can take the Windows path on Linux
PLATFORM = sys.platform  # likewise, for the Linux-only details (tests/test_platforms.py)
CGROUPS = True  # whether runs go in cgroups where the machine allows it (a test turns it off: GitHub's runners, macOS)
LEFTOVER_GRACE = 3.0  # seconds a finished run's helper processes get to exit by themselves
STACK_DUMP_WAIT = 0.5  # seconds the processes of a run that overstayed get to write where they are
STARTUP = Path(__file__).resolve().parent / "startup"  # sitecustomize.py: stack dumps on SIGUSR1


NAMES_FILE = "names.txt"  # in a run's scratch folder: what its processes created (startup/sitecustomize.py)
# Also there: where a process of a `no-start-method` program first used the default start method.
START_METHOD_FILE = "start-method.txt"


@dataclass(frozen=True)
class NamedResource:
    """What a process of a run created, as startup/sitecustomize.py noted it, and the line that did it."""

    # "semaphore", "shared_memory"; "process" (a child it started); "file" (created outside the run's folder)
    kind: str
    name: str  # "/mp-xxxxxxxx", "/psm_xxxxxxxx"; the child's pid; the file's path
    created_at: str  # "path/to/program.py:12": the innermost frame outside the standard library


def created_names(scratch: Path) -> list[NamedResource]:
    names = scratch / NAMES_FILE
    if not names.exists():
        return []
    created = []
    for line in names.read_text(encoding="utf-8", errors="replace").splitlines():
        kind, name, where = line.split("\t")
        created.append(NamedResource(kind, name, where))
    return created


def remove_leaked(created: list[NamedResource]) -> list[NamedResource]:
    """Unlink each of ``created`` that still exists, and return those: the run leaked them.

    Called once every process of the run has ended, its resource tracker too
    (which unlinks what the program registered and forgot). Unlinking is the
    test: it fails with FileNotFoundError for a name that is gone, on Linux and
    macOS alike, and it leaves the machine clean.
    """
    if os.name != "posix":
        return []  # Windows: a semaphore or segment dies with the last handle to it
    import _multiprocessing
    import _posixshmem

    unlink = {"semaphore": _multiprocessing.sem_unlink, "shared_memory": _posixshmem.shm_unlink}
    leaked = []
    for resource in dict.fromkeys(resource for resource in created if resource.kind in unlink):
        try:
            unlink[resource.kind](resource.name)
        except FileNotFoundError:
            continue
        except OSError:  # not ours to remove (permissions): still a leak
            pass
        leaked.append(resource)
    return leaked


def remove_files_outside(created: list[NamedResource]) -> list[NamedResource]:
    """Remove each file or folder the run created outside its own folder that is still there; return those.

    Only what the run created (the path did not exist when it was opened or made): a file it merely
    changed is not the checks' to delete. Deepest first, so that a folder it made is empty when reached.
    """
    left = []
    files = {resource.name: resource for resource in created if resource.kind == "file"}
    for path in sorted(files, key=len, reverse=True):
        target = Path(path)
        if not (target.exists() or target.is_symlink()):
            continue
        left.append(files[path])
        with contextlib.suppress(OSError):
            if target.is_dir() and not target.is_symlink():
                target.rmdir()  # only if empty: what else is in it is not the run's
            else:
                target.unlink()
    return sorted(left, key=lambda resource: resource.name)


@dataclass
class Run:
    module: str
    method: str
    python: str
    pid: int  # also the id of the run's session and process group
    timeout: float
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    wall: float
    cpu: float  # user + system seconds of the program and every child it waited for
    leftovers: list[str] = field(default_factory=list)  # processes alive after the run, then killed
    survivors: list[str] = field(default_factory=list)  # processes still alive even after the kill
    stacks: dict[int, str] = field(default_factory=dict)  # pid -> where its threads were, for a run that overstayed
    stray_files: list[str] = field(default_factory=list)  # files the run left in its working, temporary or home folder
    pipe_held_open: bool = False  # a process of the run still held stdout or stderr open after it ended
    truncated: bool = False  # it printed more than OUTPUT_LIMIT bytes to stdout or stderr; the rest was dropped
    created: list[NamedResource] = field(default_factory=list)  # named semaphores and segments its processes made
    leaked: list[NamedResource] = field(default_factory=list)  # of those, still there once all had ended; removed
    # files and folders it created outside its own folder that were still there at the end; removed
    outside_files: list[NamedResource] = field(default_factory=list)
    memory_mib: int = memory.DEFAULT_MIB  # what all its processes together were allowed to hold
    memory_peak: int = 0  # bytes: the most they held at once, as the cgroup or the samples saw it (0: unknown)
    over_memory: bool = False  # they held more than memory_mib, and the run was stopped
    used_start_method: str = ""  # where it first used the default start method, if it was asked to note that
    reused: bool = False  # an earlier passing run with the same content, not run again (harness/reuse.py)

    @property
    def output(self) -> list[str]:
        text = self.stdout
        return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


ENGINES = ROOT / ".engines"


# Terminal colour codes (ANSI SGR: ESC [ ... m). A terminal shows them as colour, not as text, so the
# checks and the pages see the text alone. Ray colours parts of the failures it reports.
COLOUR_CODES = re.compile(r"\x1b\[[0-9;]*m")


def printed(chunks: list[bytes]) -> str:
    """What a stream of a run printed, as text a terminal shows: UTF-8, newlines as \\n, no colour codes."""
    return COLOUR_CODES.sub("", b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n"))


@functools.cache
def release(python: str) -> tuple[int, int, int]:
    """(3, 13, 0) for a CPython 3.13.0 executable."""
    found = subprocess.run(
        [python, "-c", "import sys; print(*sys.version_info[:3])"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    major, minor, micro = (int(part) for part in found.stdout.split())
    return major, minor, micro


# Programs run in a virtual environment of each interpreter, made here without pip: they see
# the standard library and .engines, as on a fresh machine, and not what was installed into the
# interpreter itself (this machine's pyenv CPythons hold IPython, attrs and a hundred more, and a
# .pth file that imports certifi at every start: `python -c pass` takes 53 ms there, 17 ms here).
INTERPRETERS = ROOT / ".interpreters"


def isolated_interpreter(python: str) -> str:
    """A virtual environment's python for ``python``, made once under .interpreters (POSIX).

    On Windows a virtual environment's python.exe is a launcher that starts the base
    interpreter as a second process, which the checks would count as the program's own:
    there the interpreter runs as given.
    """
    if os.name != "posix":
        return python
    base = Path(python).resolve()
    major, minor, _ = release(str(base))
    tag = hashlib.sha256(str(base).encode()).hexdigest()[:8]
    folder = INTERPRETERS / f"python{major}.{minor}-{tag}"
    isolated = folder / "bin" / "python"
    if isolated.exists():
        return str(isolated)
    shutil.rmtree(folder, ignore_errors=True)  # made for a base interpreter that is gone: its link is broken
    INTERPRETERS.mkdir(exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=folder.name + "-", dir=INTERPRETERS))
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(building)], check=True, timeout=120)
    try:
        building.rename(folder)  # whole or not at all: the check's pytest processes may race to make it
    except OSError:  # another one made it first
        shutil.rmtree(building, ignore_errors=True)
    return str(isolated)


# The number of cores runs on CPython 3.13+ are told they have (PYTHON_CPU_COUNT): not this machine's.
OTHER_CPU_COUNT = (os.cpu_count() or 1) + 1


def program_environment(root: Path = ROOT, scratch: Path | None = None, python: str | None = None) -> dict[str, str]:
    """The environment of a run: the caller's, minus what changes printing, plus a private temp folder."""
    # No PYTHONHASHSEED: a reader's interpreter orders a set of strings differently in every run, and so
    # must a checked run, so that a sample that depends on that order fails before it is recorded.
    env = {name: value for name, value in os.environ.items() if name not in REMOVED_VARIABLES}
    # .engines: libraries some programs import (redis-py, Celery, Dask), installed there by dev.py; and
    # .engines/python3.X, Ray, whose binaries differ for each version (dev.py RAY_PACKAGES).
    paths = [root, STARTUP, ENGINES]
    if python is not None:
        major, minor, _ = release(python)
        paths.append(ENGINES / f"python{major}.{minor}")
        if (major, minor) >= (3, 13):
            # Runs on 3.13+ see another machine: os.cpu_count() and os.process_cpu_count() answer this.
            # A sample that shows this machine's count then fails on one interpreter and passes on another,
            # before it is recorded; a reader's machine has its own count.
            env["PYTHON_CPU_COUNT"] = str(OTHER_CPU_COUNT)
    env["PYTHONPATH"] = os.pathsep.join(map(str, paths))
    if scratch is not None:
        # A home of its own, checked for files like the others: what a library writes to a reader's home
        # folder (Ray's ~/.ray/auth_token) is something the program left behind.
        for name in ("HOME", "USERPROFILE"):
            env[name] = str(scratch / "home")
        for name in ("TMPDIR", "TEMP", "TMP"):
            env[name] = str(scratch / "tmp")
        env["SNIPPETS_STACKS_DIR"] = str(scratch / "stacks")
        env["SNIPPETS_NAMES_FILE"] = str(scratch / NAMES_FILE)
        env["SNIPPETS_START_METHOD_FILE"] = str(scratch / START_METHOD_FILE)
        env[RUN_MARK] = str(scratch)  # every process of the run inherits it, in a session of its own or not
    return env


# Each run's TMPDIR is <scratch>/tmp, and multiprocessing binds the sockets of the
# forkserver and of managers at <TMPDIR>/pymp-XXXXXXXX/listener-XXXXXXXX. An AF_UNIX
# path holds at most 103 characters on macOS (104 bytes with the NUL; Linux: 107),
# and macOS's TMPDIR is already 48 (/var/folders/xx/<30>/T), which CPython before
# 3.13 does not work around (gh-132124). Readers are fine there (48 + 32 characters),
# but a scratch folder under it was not: it goes under /tmp when the base is too long.
SCRATCH_PREFIX = "snippet-run-"
SOCKET_PATH_LIMIT = 103
SOCKET_PATH_UNDER_SCRATCH = len("/snippet-run-XXXXXXXX/tmp/pymp-XXXXXXXX/listener-XXXXXXXX")
SCRATCH_BASE: str | None = None  # where scratch folders go; None: the temporary folder (the checks set it)
SCRATCH_FALLBACK = True  # whether a scratch folder goes under /tmp when SCRATCH_BASE is too long for sockets

_FAKED = threading.local()  # what a test pretends, in its own thread only (see faked)
FAKEABLE = ("POSIX", "PLATFORM", "SCRATCH_BASE", "SCRATCH_FALLBACK", "CGROUPS")


def setting(name: str) -> Any:
    """One of FAKEABLE as this thread sees it: what a test pretends, or the module's value."""
    return getattr(_FAKED, name, globals()[name])


@contextlib.contextmanager
def faked(**settings: object) -> Iterator[None]:
    """Pretend, in this thread only, that settings of FAKEABLE have these values (tests/test_platforms.py).

    The check's own program runs go on meanwhile in other threads, and must
    not see a faked platform or folder, as they would if a test changed the
    module's values.
    """
    unknown = settings.keys() - set(FAKEABLE)
    if unknown:
        raise ValueError(f"cannot fake {sorted(unknown)}: only {FAKEABLE}")
    before = dict(vars(_FAKED))
    vars(_FAKED).update(settings)
    try:
        yield
    finally:
        vars(_FAKED).clear()
        vars(_FAKED).update(before)


def scratch_parent(base: str | None = None) -> str:
    """The folder a run's scratch folder goes in: ``base`` (default: the temp folder), or /tmp if that is too long."""
    base = base or tempfile.gettempdir()
    too_long = len(base) + SOCKET_PATH_UNDER_SCRATCH > SOCKET_PATH_LIMIT
    if os.name == "posix" and too_long and setting("SCRATCH_FALLBACK"):
        return "/tmp"
    return base


def _make_scratch() -> Path:
    """A private folder per run: its working folder, its temp folder and its stack dumps."""
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=scratch_parent(setting("SCRATCH_BASE"))))
    for name in ("cwd", "tmp", "stacks", "home"):
        (scratch / name).mkdir()
    return scratch


def _stray_files(scratch: Path) -> list[str]:
    return sorted(
        path.relative_to(scratch).as_posix()
        for folder in ("cwd", "tmp", "home")
        for path in (scratch / folder).rglob("*")
    )


def _catches_sigusr1(pid: str) -> bool:
    """Whether the process has a handler for SIGUSR1 (Linux: SigCgt in /proc/<pid>/status).

    A process still starting up has none yet, and SIGUSR1 would kill it, which would
    change what the rest of the run does and mislead whoever reads the failure.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M)
    return bool(caught and int(caught.group(1), 16) >> (signal.SIGUSR1 - 1) & 1)


def _request_stacks(group: int) -> dict[int, str]:
    """Ask every process of the session to write its threads' stacks; return {pid: command line}."""
    processes = dict(described.split(" ", 1) for described in session_processes(group))
    for pid, command in processes.items():
        # Linux tells whether a process handles SIGUSR1; elsewhere, only Python processes are asked.
        if not (_catches_sigusr1(pid) if setting("PLATFORM").startswith("linux") else "python" in command.lower()):
            continue  # reported as "wrote no stack" below
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(int(pid), signal.SIGUSR1)
    time.sleep(STACK_DUMP_WAIT)
    return {int(pid): command for pid, command in processes.items()}


PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
_REAPED_CPU: dict[int, float] = {}  # session -> CPU seconds of its orphans that this process reaped
_REAPED_LOCK = threading.Lock()
_ADOPTING: list[bool] = []  # filled on the first run: whether this process adopts the runs' orphans


def become_subreaper() -> bool:
    """Adopt the orphans of every run (Linux), so their CPU time can be counted when they are reaped.

    A run's forkserver and resource tracker outlive the program's main
    process; without this they would be reparented to init, and their CPU
    time would be missing from the run's total.
    """
    if not setting("PLATFORM").startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


# Containment. A session holds every process a run starts, unless one calls setsid() (a
# daemon does) and leaves it. On Linux, where the checks may create control groups (as root
# on this project's machines), each run also gets a cgroup of its own: a process cannot
# leave it, whatever it does to its session, group or descriptors, so every process of the
# run is found and stopped. Elsewhere (cgroup_parent() is None: GitHub's runners, macOS) a
# process that left the session is found by the variable RUN_MARK, which every process of
# the run inherits: only one that also empties its environment and execs goes unseen there.
# On Windows a Job Object holds the run (harness/windows_job.py); where none can be made, the
# processes descended from the program by parent ids are taken for the run's.
RUN_MARK = "SNIPPETS_RUN"
CGROUP_MOUNTS = ("/sys/fs/cgroup/unified", "/sys/fs/cgroup", "/sys/fs/cgroup/pids")
_CGROUPS: dict[int, Path] = {}  # a run's pid (= its session) -> its cgroup folder
_MARKS: dict[int, tuple[str, float]] = {}  # a run's pid (= its session), where no cgroup holds it -> (RUN_MARK, start)
_CGROUP_PARENT: list[Path | None] = []  # filled on first use: where this check's cgroups go, or None
_CGROUP_LOCK = threading.Lock()
# Moves itself into the cgroup whose cgroup.procs is $0, then becomes the program: no process
# of the run exists before it is inside.
# Its arguments: the cgroup.procs files to join, then "--", then the command.
JOIN_CGROUP = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'


def cgroup_parent() -> Path | None:
    """A cgroup folder for this check's runs, or None where none can be made."""
    if not setting("CGROUPS"):
        return None
    with _CGROUP_LOCK:
        if not _CGROUP_PARENT:
            _CGROUP_PARENT.append(_make_cgroup_parent())
        return _CGROUP_PARENT[0]


def _make_cgroup_parent() -> Path | None:
    if not setting("PLATFORM").startswith("linux") or not setting("POSIX"):
        return None
    for mount in CGROUP_MOUNTS:
        if not (Path(mount) / "cgroup.procs").is_file():
            continue
        parent = Path(mount) / f"snippets-checks-{os.getpid()}"
        try:
            parent.mkdir()
            probe = parent / "probe"
            probe.mkdir()
            probe.rmdir()
        except OSError:
            with contextlib.suppress(OSError):
                parent.rmdir()
            continue
        atexit.register(_remove_cgroup, parent)
        memory.enable_in(parent)
        return parent
    return None


def _remove_cgroup(folder: Path) -> None:
    for child in sorted(folder.glob("*/"), reverse=True):
        if (child / "cgroup.procs").is_file():
            _remove_cgroup(child)
    with contextlib.suppress(OSError):
        folder.rmdir()


def cgroup_members(session: int) -> set[int]:
    folder = _CGROUPS.get(session)
    if folder is None:
        return set()
    try:
        return {int(pid) for pid in (folder / "cgroup.procs").read_text().split()}
    except (OSError, ValueError):
        return set()


def marked_members(session: int) -> set[int]:
    """The processes of a run that no cgroup holds, found by the RUN_MARK in their environment (POSIX)."""
    mark = _MARKS.get(session)
    if mark is None:
        return set()
    value, since = mark
    found = set()
    for process in psutil.process_iter(["create_time"]):
        with contextlib.suppress(psutil.Error):
            created = process.info["create_time"]  # None where psutil was denied it (ad_value): not ours to judge
            if created is not None and created >= since and process.environ().get(RUN_MARK) == value:
                found.add(process.pid)
    return found


def _session_of(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except PermissionError:  # a system that answers getsid() only within one session: the group tells the same
        with contextlib.suppress(OSError):
            return os.getpgid(pid)
    except OSError:
        pass
    return None


def session_processes(session: int) -> list[str]:
    """Live processes of a session (POSIX), as 'pid cmdline' strings.

    Exited members that were adopted by this process are reaped on the way,
    and their CPU time is added to the session's account.
    """
    found = []
    contained = cgroup_members(session) | marked_members(session)
    for pid in psutil.pids():
        if pid not in contained and _session_of(pid) != session:
            continue
        try:
            process = psutil.Process(pid)
            with process.oneshot():
                status, parent = process.status(), process.ppid()
                if status in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
                    if status == psutil.STATUS_ZOMBIE and parent == os.getpid() and pid != session:
                        _reap(pid, session)  # the leader is waited for by its runner
                    continue
                command = " ".join(" ".join(process.cmdline()).split()) or process.name()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue  # it exited while we looked
        found.append(f"{pid} {command}")
    return found


def tree_processes(root: int, since: float) -> list[psutil.Process]:
    """Live processes descended from ``root`` by parent ids, started at or after ``since`` (Windows).

    Windows has no sessions, and does not re-parent orphans: their parent id
    still names the dead program, so the chain of parent ids finds them.
    """
    tree: list[psutil.Process] = []
    parents = {root}
    processes = []
    for process in psutil.process_iter(["ppid", "create_time"]):
        with contextlib.suppress(psutil.Error):
            if process.info["create_time"] >= since - 1:  # an older process only reuses a parent's id
                processes.append(process)
    grew = True
    while grew:
        grew = False
        for process in processes:
            if process.pid not in parents and process.info["ppid"] in parents:
                parents.add(process.pid)
                tree.append(process)
                grew = True
    return [process for process in tree if process.is_running()]


def _reap(pid: int, session: int) -> None:
    try:
        reaped, _, usage = os.wait4(pid, os.WNOHANG)
    except ChildProcessError:
        return  # another thread reaped it first
    if reaped:
        with _REAPED_LOCK:
            _REAPED_CPU[session] = _REAPED_CPU.get(session, 0.0) + usage.ru_utime + usage.ru_stime


def alive_in_group(group: int) -> list[str]:
    """Processes still alive in the run's session (POSIX)."""
    return session_processes(group)


TRACKER = "multiprocessing.resource_tracker"
# A leak warning the resource tracker prints when it cleans up after processes
# the harness killed; for a run stopped on purpose it reports the kill, not the program.
TRACKER_CLEANUP = re.compile(
    r"^.*resource_tracker: There appear to be \d+ leaked .*\n(?:.*warnings\.warn\(.*\n)?", re.M
)


def kill_group(group: int) -> None:
    """Kill every process of the run, letting its resource tracker go last.

    The processes are first frozen with SIGSTOP, all of them, so that none
    can react to another's death: a parent whose join() returned because its
    child died first would print lines the program never prints.

    Under spawn and forkserver, the semaphores of a queue are unlinked by the
    run's resource tracker. Killed together with the program, it would leave
    them in /dev/shm until the machine restarts, so it is spared until the
    program's other processes are dead and it has cleaned up and exited.
    """
    frozen: set[int] = set()
    while True:  # again until no new process appeared while freezing
        pending = [
            int(pid)
            for pid, command in (described.split(" ", 1) for described in session_processes(group))
            if TRACKER not in command and int(pid) not in frozen
        ]
        if not pending:
            break
        for pid in pending:
            _signal(pid, signal.SIGSTOP)
            frozen.add(pid)
    for pid in frozen:
        _signal(pid, signal.SIGKILL)
    _wait_until_gone(group, LEFTOVER_GRACE)  # the tracker exits once nobody holds its pipe
    for described in session_processes(group):  # whatever is still there: a tracker that hung, a stray
        _signal(int(described.split()[0]), signal.SIGKILL)


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, number)


def _wait_until_gone(group: int, seconds: float) -> list[str]:
    """Poll until the group is empty or ``seconds`` pass; return what is still alive."""
    end = time.monotonic() + seconds
    alive = alive_in_group(group)
    while alive and time.monotonic() < end:
        time.sleep(0.05)
        alive = alive_in_group(group)
    return alive


OUTPUT_LIMIT = 1_000_000  # bytes kept of each of stdout and stderr; a run that prints more fails
_ABANDONED: list[object] = []  # pipes a process of a finished run still holds: never closed under a reader


def _reader(fd: int, chunks: list[bytes], overflow: threading.Event) -> threading.Thread:
    """Read ``fd`` to its end, keeping at most OUTPUT_LIMIT bytes (reading on, so the writer never blocks)."""

    def read() -> None:
        kept = 0
        while chunk := os.read(fd, 65536):
            if kept + len(chunk) > OUTPUT_LIMIT:
                chunk = chunk[: max(0, OUTPUT_LIMIT - kept)]
                overflow.set()
            kept += len(chunk)
            if chunk:
                chunks.append(chunk)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _windows_job(memory_mib: int) -> windows_job.Job | None:
    """A Job Object for a run (Windows), or None where one cannot be made: the run is then found by parent ids."""
    try:
        return windows_job.Job(memory_mib * 2**20)
    except OSError:
        return None


def _windows_flags(job: windows_job.Job | None) -> int:
    group = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    return group | (windows_job.CREATE_SUSPENDED if job is not None else 0)


def _contain_in_job(process: subprocess.Popen[bytes], job: windows_job.Job) -> windows_job.Job | None:
    """Put the suspended program in its job, then let it run; without the job if that fails."""
    handle = int(process._handle)  # type: ignore[attr-defined]
    try:
        job.add(handle)
    except OSError:
        job.close()
        job = None  # type: ignore[assignment]
    try:
        windows_job.Job.resume(handle)
    except OSError:
        process.kill()
        raise
    return job


def _job_leftovers(job: windows_job.Job) -> tuple[list[str], list[str]]:
    """The processes of the run still alive after the grace period, killed; and those that survived that."""
    end = time.monotonic() + LEFTOVER_GRACE
    pids = job.pids()
    while pids and time.monotonic() < end:
        time.sleep(0.05)
        pids = job.pids()
    leftovers = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            leftovers.append(f"{pid} {' '.join(psutil.Process(pid).cmdline())}")
    if pids:
        job.kill()
        time.sleep(0.2)
    return leftovers, [str(pid) for pid in job.pids()]


def _kill_tree(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(processes, timeout=LEFTOVER_GRACE)


def run_program(
    module: str,
    method: str,
    timeout: float,
    python: str = sys.executable,
    hung: Callable[[str], bool] | None = None,
    quiet: float = 1.0,
    root: Path = ROOT,
    extra_env: dict[str, str] | None = None,
    alone: Path | None = None,
    memory_mib: int = memory.DEFAULT_MIB,
) -> Run:
    """Run ``module`` under ``method``; stop it and all its processes after ``timeout`` seconds.

    With ``alone``, the program file is instead copied into an empty folder and
    run as ``python <file>.py`` under the platform's default start method: what
    a reader who copied only that file would do. ``module`` and ``method`` then
    only name the run.

    For a program that is meant to hang, ``hung(stdout)`` says whether it has
    printed everything it should; it is asked again whenever the program prints
    more. Once the program has printed nothing new for ``quiet`` seconds after
    that, the run is stopped as timed out, without waiting for the full ``timeout``.

    All its processes together may hold ``memory_mib`` MiB (harness/memory.py says how that is held).
    """
    posix = setting("POSIX")
    if posix and not _ADOPTING:
        _ADOPTING.append(become_subreaper())
    scratch = _make_scratch()
    if alone is not None:
        (scratch / "cwd" / alone.name).write_bytes(alone.read_bytes())
    command = [python, "-c", LAUNCHER, method, module] if alone is None else [python, alone.name]
    cgroup = None
    parent = cgroup_parent() if posix else None
    bounded = None
    if parent is not None:
        cgroup = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
        bounded = memory.bounded_group(cgroup, memory_mib)
        joined = [cgroup / "cgroup.procs"] + ([bounded.procs] if bounded and bounded.version == 1 else [])
        command = ["/bin/sh", "-c", JOIN_CGROUP, "sh", *map(str, joined), "--", *command]
    env = {**program_environment(root, scratch, python), **(extra_env or {})}
    job = None if posix else _windows_job(memory_mib)
    launched = time.time()
    process = subprocess.Popen(
        command,
        cwd=scratch / "cwd",
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=posix,
        creationflags=0 if posix else _windows_flags(job),
    )
    if job is not None:
        job = _contain_in_job(process, job)
    if cgroup is not None:
        _CGROUPS[process.pid] = cgroup
    elif posix:
        _MARKS[process.pid] = (env[RUN_MARK], launched - 1)  # create times are rounded: a second's margin
    out: list[bytes] = []
    err: list[bytes] = []
    overflow = threading.Event()
    assert process.stdout is not None and process.stderr is not None
    readers = [_reader(process.stdout.fileno(), out, overflow), _reader(process.stderr.fileno(), err, overflow)]
    started = time.monotonic()
    started_at = time.time()
    deadline = started + timeout
    timed_out = False
    cpu = 0.0
    settled_since: float | None = None
    judged, done = -1, False  # how many output chunks hung() last saw, and what it said
    stacks: dict[int, str] = {}
    held, over_memory, next_sample = 0, False, started  # sampled where no cgroup holds the bound
    while True:
        if posix:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
                break
        elif process.poll() is not None:
            break
        now = time.monotonic()
        if hung is not None:
            if len(out) != judged:  # new output: judge it again (matching is costly; polling is every 10 ms)
                judged = len(out)
                done = hung(b"".join(out).decode("utf-8", errors="replace").replace("\r\n", "\n"))
                settled_since = None  # and the silence starts again
            settled_since = (settled_since or now) if done else None
            if settled_since is not None and now - settled_since >= quiet:
                deadline = now
        if bounded is not None and now >= next_sample:  # the kernel killed a process: the rest may wait forever
            next_sample = now + memory.SAMPLE_EVERY
            if bounded.killed_a_process():
                over_memory, deadline = True, now
        elif job is None and now >= next_sample:  # a job holds the bound itself
            next_sample = now + memory.SAMPLE_EVERY
            if posix:
                members = [int(described.split()[0]) for described in session_processes(process.pid)]
            else:
                members = [process.pid, *(child.pid for child in tree_processes(process.pid, started_at))]
            held = max(held, memory.resident(members))
            if held > memory_mib * 1024 * 1024:
                over_memory, deadline = True, now
        if now >= deadline:
            timed_out = not over_memory
            if posix:
                if settled_since is None and not over_memory:  # overstayed, rather than a hang that printed everything
                    stacks = _request_stacks(process.pid)
                kill_group(process.pid)
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
            elif job is not None:  # Windows: the job holds every process of the run, and no other
                job.kill()
                process.wait()
            else:  # Windows without a job: the tree by parent ids, orphans included
                _kill_tree([psutil.Process(process.pid), *tree_processes(process.pid, started_at)])
                process.wait()
            break
        time.sleep(0.01)
    wall = time.monotonic() - started
    leftovers: list[str] = []
    survivors: list[str] = []
    if posix:
        # Helpers (forkserver, resource tracker) exit on their own once the
        # program has; anything still there after the grace period was left
        # behind.  After a timeout the group was killed, so only processes
        # that survived SIGKILL remain to report.
        remaining = _wait_until_gone(process.pid, LEFTOVER_GRACE)
        if remaining and not timed_out:
            leftovers = remaining
            stacks = _request_stacks(process.pid)  # where each leftover waits: the line to blame
            kill_group(process.pid)
            remaining = _wait_until_gone(process.pid, LEFTOVER_GRACE)
        survivors = remaining
    elif job is not None:
        leftovers, survivors = _job_leftovers(job)
        held = job.peak_memory()
        over_memory = over_memory or held >= memory_mib * 2**20  # allocations past the bound failed
        job.close()
    else:
        end = time.monotonic() + LEFTOVER_GRACE
        remaining_tree = tree_processes(process.pid, started_at)
        while remaining_tree and time.monotonic() < end:
            time.sleep(0.05)
            remaining_tree = tree_processes(process.pid, started_at)
        if remaining_tree:
            leftovers = [f"{child.pid} {' '.join(child.cmdline())}" for child in remaining_tree]
            _kill_tree(remaining_tree)
        survivors = [f"{child.pid} {child.name()}" for child in tree_processes(process.pid, started_at)]
    for pid, command in stacks.items():
        dump = scratch / "stacks" / f"{pid}.txt"
        written = dump.read_text(errors="replace").strip() if dump.exists() else ""
        stacks[pid] = f"{command}\n{written or '(wrote no stack: not a Python process, or still starting up)'}"
    with _REAPED_LOCK:
        cpu += _REAPED_CPU.pop(process.pid, 0.0)
    created = created_names(scratch)
    start_method_file = scratch / START_METHOD_FILE
    used_start_method = start_method_file.read_text(errors="replace") if start_method_file.exists() else ""
    leaked = remove_leaked(created) if not survivors else []
    outside_files = remove_files_outside(created) if not survivors else []
    copied = {f"cwd/{alone.name}"} if alone is not None else set()
    stray_files = (
        [] if timed_out else [name for name in _stray_files(scratch) if name not in copied]
    )  # a killed run cannot clean up after itself
    shutil.rmtree(scratch, ignore_errors=True)
    _MARKS.pop(process.pid, None)
    if bounded is not None:
        held = bounded.peak()
        over_memory = bounded.killed_a_process()
        bounded.remove()
    if cgroup is not None:
        _CGROUPS.pop(process.pid, None)
        _remove_cgroup(cgroup)  # empty now, unless a process survived SIGKILL (reported as a survivor)
    readers_deadline = time.monotonic() + LEFTOVER_GRACE  # one grace period for both pipes
    for reader in readers:
        reader.join(timeout=max(0.0, readers_deadline - time.monotonic()))
    pipe_held_open = any(reader.is_alive() for reader in readers)
    if pipe_held_open:
        _ABANDONED.append(process)  # its reader still reads: closing the pipe now could close another file
    else:
        for pipe in (process.stdout, process.stderr):
            pipe.close()
    stderr = printed(err)
    if timed_out:
        stderr = TRACKER_CLEANUP.sub("", stderr)
    return Run(
        module=module,
        method=method,
        python=python,
        pid=process.pid,
        timeout=timeout,
        returncode=process.returncode,
        stdout=printed(out),
        stderr=stderr,
        timed_out=timed_out,
        wall=wall,
        cpu=cpu,
        leftovers=leftovers,
        survivors=survivors,
        stacks=stacks,
        stray_files=stray_files,
        pipe_held_open=pipe_held_open,
        truncated=overflow.is_set(),
        created=created,
        leaked=leaked,
        outside_files=outside_files,
        memory_mib=memory_mib,
        memory_peak=held,
        over_memory=over_memory,
        used_start_method=used_start_method,
    )
