"""Run one program the way a reader would, under a chosen start method.

Each run is a real ``python`` subprocess started in a session of its own, so
that every process it creates can be found and stopped afterwards.  The start
method is set before the program's ``__main__`` code runs; the program itself
is executed exactly as ``python -m snippets.<guide>.<program>`` would.
"""

from __future__ import annotations

import contextlib
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import memory
from .containment import LEFTOVER_GRACE, RUN_MARK, TRACKER_CLEANUP, Containment, contain, start_inside
from .settings import setting

ROOT = Path(__file__).resolve().parents[2]

# A module run is `python -m <module>`, as a reader runs it; the start method comes through
# $START_METHOD_VARIABLE, which startup/sitecustomize.py sets in the main process alone before
# the module runs (multiprocessing.set_start_method). So nothing of the checks stands in the
# program's stacks: the hang guide prints them.
START_METHOD_VARIABLE = "SNIPPETS_START_METHOD"

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
# What a run that must see this machine's cores adds to its environment: the runs a sample and a
# timeline are recorded from, and an `exclusive` program's: a benchmark measures this machine and
# may name it (CI publishes what costs/compare prints: charts.BENCHMARKS).
THIS_MACHINE = {"PYTHON_CPU_COUNT": "default"}


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
            # A sample that shows this machine's count then fails in the re-checks on 3.13+ right after it
            # is recorded, and on older interpreters passes; a reader's machine has its own count. The
            # callers give THIS_MACHINE to the runs that must see the true count (update.py: recordings;
            # pool.py: `exclusive`).
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


@dataclass
class _Watched:
    """How the wait for a run's program ended."""

    cpu: float = 0.0  # the program's CPU seconds and those of the children it waited for
    timed_out: bool = False
    over_memory: bool = False
    held: int = 0  # bytes: the most the run's processes held in the runner's samples
    stacks: dict[int, str] = field(default_factory=dict)  # pid -> command line, of those asked where they waited


def _watch(
    holder: Containment,
    out: list[bytes],
    deadline: float,
    memory_mib: int,
    hung: Callable[[str], bool] | None,
    quiet: float,
) -> _Watched:
    """Wait for the program to end, or stop the run: at its deadline, once a hang is proven, or past its memory."""
    watched = _Watched()
    settled_since: float | None = None
    judged, done = -1, False  # how many output chunks hung() last saw, and what it said
    next_sample = time.monotonic()
    while True:
        cpu = holder.exited()
        if cpu is not None:
            watched.cpu = cpu
            return watched
        now = time.monotonic()
        if hung is not None:
            if len(out) != judged:  # new output: judge it again (matching is costly; polling is every 10 ms)
                judged = len(out)
                done = hung(b"".join(out).decode("utf-8", errors="replace").replace("\r\n", "\n"))
                settled_since = None  # and the silence starts again
            settled_since = (settled_since or now) if done else None
            if settled_since is not None and now - settled_since >= quiet:
                deadline = now
        if now >= next_sample:
            next_sample = now + memory.SAMPLE_EVERY
            if holder.holds_memory():  # a cgroup killed a process, or a job refused memory: the rest may wait forever
                watched.over_memory = holder.passed_memory()
            else:
                watched.held = max(watched.held, memory.resident(holder.members()))
                watched.over_memory = watched.held > memory_mib * 2**20
            if watched.over_memory:
                deadline = now
        if now >= deadline:
            watched.timed_out = not watched.over_memory
            # Where each process waits, for a run that overstayed (not a hang that printed everything)
            ask_where = settled_since is None and not watched.over_memory
            watched.stacks, watched.cpu = holder.stop(ask_where)
            return watched
        time.sleep(0.01)


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
    The run's environment is program_environment's; what holds its processes, containment.contain's.
    """
    scratch = _make_scratch()
    if alone is not None:
        (scratch / "cwd" / alone.name).write_bytes(alone.read_bytes())
    command = [python, "-m", module] if alone is None else [python, alone.name]
    env = {**program_environment(root, scratch, python), **(extra_env or {})}
    if alone is None:
        env[START_METHOD_VARIABLE] = method
    holder = contain(memory_mib)
    process = subprocess.Popen(
        holder.command(command),
        cwd=scratch / "cwd",
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **holder.popen_options(),
    )
    holder = start_inside(holder, process, env)
    out: list[bytes] = []
    err: list[bytes] = []
    overflow = threading.Event()
    assert process.stdout is not None and process.stderr is not None
    readers = [_reader(process.stdout.fileno(), out, overflow), _reader(process.stderr.fileno(), err, overflow)]
    started = time.monotonic()
    outcome = _watch(holder, out, started + timeout, memory_mib, hung, quiet)
    wall = time.monotonic() - started
    leftovers, survivors, asked = holder.leftovers(outcome.timed_out)
    stacks = {**outcome.stacks, **asked}
    held = holder.memory_peak() if holder.holds_memory() else outcome.held
    over_memory = outcome.over_memory or holder.passed_memory()
    cpu = outcome.cpu + holder.reaped_cpu()
    timed_out = outcome.timed_out
    for pid, command_line in stacks.items():
        dump = scratch / "stacks" / f"{pid}.txt"
        written = dump.read_text(errors="replace").strip() if dump.exists() else ""
        stacks[pid] = f"{command_line}\n{written or '(wrote no stack: not a Python process, or still starting up)'}"
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
    holder.close()
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
