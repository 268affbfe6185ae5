"""Containment: what holds the processes of one run, finds each of them, and stops them all.

One piece per system, each readable and testable on its own:

- ``SessionContainment`` (Linux, macOS): the run is a session of its own. A process that
  leaves the session (a daemon calls setsid()) is still found by the variable RUN_MARK,
  which every process of the run inherits: only one that also empties its environment and
  execs goes unseen.
- ``CgroupContainment`` (Linux, where the checks may make control groups: as root on this
  project's machines): a session, and a cgroup no process can leave, whatever it does to its
  session, group or descriptors; it also holds the run's memory bound (harness/memory.py).
- ``JobContainment`` (Windows): a Job Object holds every process the program starts
  (harness/windows_job.py), and holds the memory bound.
- ``TreeContainment`` (Windows, where no Job Object can be made): the processes descended
  from the program by parent ids; Windows does not re-parent orphans, so their parent id
  still names the dead program.

Where no piece holds the memory bound itself, the runner samples the members' resident
memory (``members()``).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from . import memory, windows_job
from .settings import setting

LEFTOVER_GRACE = 3.0  # seconds a finished run's helper processes get to exit by themselves
STACK_DUMP_WAIT = 0.5  # seconds the processes of a run that overstayed get to write where they are


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


def _windows_job(memory_mib: int) -> windows_job.Job | None:
    """A Job Object for a run (Windows), or None where one cannot be made: the run is then found by parent ids."""
    try:
        return windows_job.Job(memory_mib * 2**20)
    except OSError:
        return None


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


class Containment:
    """Holds the processes of one run: how to start the program inside, find its processes, and stop them."""

    def __init__(self, memory_mib: int) -> None:
        self.memory_mib = memory_mib
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = time.time()

    def command(self, command: list[str]) -> list[str]:
        """The command that starts the program inside."""
        return command

    def popen_options(self) -> dict[str, Any]:
        return {}

    def started(self, process: subprocess.Popen[bytes], env: dict[str, str]) -> None:
        self.process = process

    def exited(self) -> float | None:
        """If the program has exited: the CPU seconds it and the children it waited for used; else None."""
        assert self.process is not None
        return 0.0 if self.process.poll() is not None else None

    def holds_memory(self) -> bool:
        """Whether something other than the runner's samples holds the memory bound (a cgroup, a job)."""
        return False

    def passed_memory(self) -> bool:
        """Whether what holds the bound says it was passed (a process killed, an allocation refused)."""
        return False

    def members(self) -> list[int]:
        """The run's processes alive now."""
        raise NotImplementedError

    def stop(self, ask_where: bool) -> tuple[dict[int, str], float]:
        """Kill every process of the run; first, with ``ask_where``, ask each where it waits.

        Returns {pid: command line} of those asked, and the program's CPU seconds.
        """
        raise NotImplementedError

    def leftovers(self, timed_out: bool) -> tuple[list[str], list[str], dict[int, str]]:
        """After the program ended: the processes still alive after the grace period (then killed), those that
        survived the kill, and {pid: command line} of the leftovers asked where they wait."""
        raise NotImplementedError

    def memory_peak(self) -> int:
        """The most memory the run held at once, in bytes, where what holds the bound says (0: unknown)."""
        return 0

    def reaped_cpu(self) -> float:
        """CPU seconds of the run's orphans this process reaped."""
        return 0.0

    def close(self) -> None:
        """Forget the run; remove what was made for it."""


class SessionContainment(Containment):
    """Linux and macOS: the run is a session of its own, and the processes that left it carry RUN_MARK."""

    def popen_options(self) -> dict[str, Any]:
        return {"start_new_session": True}

    def started(self, process: subprocess.Popen[bytes], env: dict[str, str]) -> None:
        super().started(process, env)
        _MARKS[process.pid] = (env[RUN_MARK], self.started_at - 1)  # create times are rounded: a second's margin

    @property
    def session(self) -> int:
        assert self.process is not None
        return self.process.pid

    def exited(self) -> float | None:
        assert self.process is not None
        pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
        if not pid:
            return None
        self.process.returncode = os.waitstatus_to_exitcode(status)
        return float(usage.ru_utime + usage.ru_stime)

    def members(self) -> list[int]:
        return [int(described.split()[0]) for described in session_processes(self.session)]

    def stop(self, ask_where: bool) -> tuple[dict[int, str], float]:
        assert self.process is not None
        stacks = _request_stacks(self.session) if ask_where else {}
        kill_group(self.session)
        _, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        return stacks, float(usage.ru_utime + usage.ru_stime)

    def leftovers(self, timed_out: bool) -> tuple[list[str], list[str], dict[int, str]]:
        # Helpers (forkserver, resource tracker) exit on their own once the program has; anything still
        # there after the grace period was left behind. After a timeout the group was killed, so only
        # processes that survived SIGKILL remain to report.
        remaining = _wait_until_gone(self.session, LEFTOVER_GRACE)
        if not remaining or timed_out:
            return [], remaining, {}
        stacks = _request_stacks(self.session)  # where each leftover waits: the line to blame
        kill_group(self.session)
        return remaining, _wait_until_gone(self.session, LEFTOVER_GRACE), stacks

    def reaped_cpu(self) -> float:
        with _REAPED_LOCK:
            return _REAPED_CPU.pop(self.session, 0.0)

    def close(self) -> None:
        if self.process is not None:
            _MARKS.pop(self.process.pid, None)


class CgroupContainment(SessionContainment):
    """Linux as root: a session, and a cgroup of the run's own that no process can leave; the memory bound."""

    def __init__(self, memory_mib: int, parent: Path) -> None:
        super().__init__(memory_mib)
        self.cgroup = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
        self.bounded = memory.bounded_group(self.cgroup, memory_mib)

    def command(self, command: list[str]) -> list[str]:
        joined = [self.cgroup / "cgroup.procs"]
        if self.bounded is not None and self.bounded.version == 1:
            joined.append(self.bounded.procs)
        return ["/bin/sh", "-c", JOIN_CGROUP, "sh", *map(str, joined), "--", *command]

    def started(self, process: subprocess.Popen[bytes], env: dict[str, str]) -> None:
        Containment.started(self, process, env)  # no mark needed: the cgroup holds every process
        _CGROUPS[process.pid] = self.cgroup

    def holds_memory(self) -> bool:
        return self.bounded is not None

    def passed_memory(self) -> bool:
        return self.bounded is not None and self.bounded.killed_a_process()

    def memory_peak(self) -> int:
        return self.bounded.peak() if self.bounded is not None else 0

    def close(self) -> None:
        if self.bounded is not None:
            self.bounded.remove()
        if self.process is not None:
            _CGROUPS.pop(self.process.pid, None)
        _remove_cgroup(self.cgroup)  # empty now, unless a process survived SIGKILL (reported as a survivor)


class TreeContainment(Containment):
    """Windows without a Job Object: the processes descended from the program by parent ids, orphans included."""

    def popen_options(self) -> dict[str, Any]:
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}

    def members(self) -> list[int]:
        assert self.process is not None
        return [self.process.pid, *(child.pid for child in tree_processes(self.process.pid, self.started_at))]

    def stop(self, ask_where: bool) -> tuple[dict[int, str], float]:
        assert self.process is not None
        _kill_tree([psutil.Process(self.process.pid), *tree_processes(self.process.pid, self.started_at)])
        self.process.wait()
        return {}, 0.0

    def leftovers(self, timed_out: bool) -> tuple[list[str], list[str], dict[int, str]]:
        assert self.process is not None
        end = time.monotonic() + LEFTOVER_GRACE
        remaining = tree_processes(self.process.pid, self.started_at)
        while remaining and time.monotonic() < end:
            time.sleep(0.05)
            remaining = tree_processes(self.process.pid, self.started_at)
        left = []
        if remaining:
            left = [f"{child.pid} {' '.join(child.cmdline())}" for child in remaining]
            _kill_tree(remaining)
        survivors = [f"{child.pid} {child.name()}" for child in tree_processes(self.process.pid, self.started_at)]
        return left, survivors, {}


class JobContainment(TreeContainment):
    """Windows: a Job Object holds every process of the run, and no other's; it holds the memory bound too."""

    def __init__(self, memory_mib: int, job: windows_job.Job) -> None:
        super().__init__(memory_mib)
        self.job = job

    def popen_options(self) -> dict[str, Any]:
        group = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        return {"creationflags": group | windows_job.CREATE_SUSPENDED}

    def holds_memory(self) -> bool:
        return True

    def passed_memory(self) -> bool:
        return self.memory_peak() >= self.memory_mib * 2**20  # allocations past the bound failed

    def members(self) -> list[int]:
        return self.job.pids()

    def stop(self, ask_where: bool) -> tuple[dict[int, str], float]:
        assert self.process is not None
        self.job.kill()
        self.process.wait()
        return {}, 0.0

    def leftovers(self, timed_out: bool) -> tuple[list[str], list[str], dict[int, str]]:
        left, survivors = _job_leftovers(self.job)
        return left, survivors, {}

    def memory_peak(self) -> int:
        return self.job.peak_memory()

    def close(self) -> None:
        self.job.close()


def contain(memory_mib: int) -> Containment:
    """The containment this system allows for one run (settings.POSIX and CGROUPS may be faked by a test)."""
    if setting("POSIX"):
        if not _ADOPTING:
            _ADOPTING.append(become_subreaper())
        parent = cgroup_parent()
        return CgroupContainment(memory_mib, parent) if parent is not None else SessionContainment(memory_mib)
    job = _windows_job(memory_mib)
    return JobContainment(memory_mib, job) if job is not None else TreeContainment(memory_mib)


def start_inside(holder: Containment, process: subprocess.Popen[bytes], env: dict[str, str]) -> Containment:
    """Tell ``holder`` its program started; a suspended program is put in its job and let run.

    Returns the containment that holds the run: a tree instead of a job the kernel refused.
    """
    if isinstance(holder, JobContainment):
        job = _contain_in_job(process, holder.job)
        if job is None:
            holder = TreeContainment(holder.memory_mib)
    holder.started(process, env)
    return holder
