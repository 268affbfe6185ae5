"""Run one program the way a reader would, under a chosen start method.

Each run is a real ``python`` subprocess started in a session of its own, so
that every process it creates can be found and stopped afterwards.  The start
method is set before the program's ``__main__`` code runs; the program itself
is executed exactly as ``python -m snippets.<guide>.<program>`` would.
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parents[2]

# Runs the module as __main__, with its __spec__ set, after choosing the start
# method.  spawn and forkserver children then re-import it by name, as they do
# for `python -m`.
LAUNCHER = (
    "import multiprocessing, runpy, sys\n"
    "method, module = sys.argv[1], sys.argv[2]\n"
    "multiprocessing.set_start_method(method)\n"
    "sys.argv = [module]\n"
    "runpy.run_module(module, run_name='__main__', alter_sys=True)\n"
)

# Environment variables that change how a program prints or behaves and that
# the machine running the checks may have set.  PYTHONUNBUFFERED makes print()
# issue two writes per line, which tears lines from several processes apart.
REMOVED_VARIABLES = ("PYTHONUNBUFFERED", "PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONWARNINGS", "PYTHONDEVMODE")
LEFTOVER_GRACE = 3.0  # seconds a finished run's helper processes get to exit by themselves
STACK_DUMP_WAIT = 0.5  # seconds the processes of a run that overstayed get to write where they are
STARTUP = Path(__file__).resolve().parent / "startup"  # sitecustomize.py: stack dumps on SIGUSR1


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
    stray_files: list[str] = field(default_factory=list)  # files the run left in its working or temporary folder

    @property
    def output(self) -> list[str]:
        text = self.stdout
        return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


def program_environment(root: Path = ROOT, scratch: Path | None = None) -> dict[str, str]:
    """The environment of a run: the caller's, minus what changes printing, plus a private temp folder."""
    env = {name: value for name, value in os.environ.items() if name not in REMOVED_VARIABLES}
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONPATH"] = os.pathsep.join([str(root), str(STARTUP)])
    if scratch is not None:
        for name in ("TMPDIR", "TEMP", "TMP"):
            env[name] = str(scratch / "tmp")
        env["SNIPPETS_STACKS_DIR"] = str(scratch / "stacks")
    return env


def _make_scratch() -> Path:
    """A private folder per run: its working folder, its temp folder and its stack dumps."""
    scratch = Path(tempfile.mkdtemp(prefix="snippet-run-"))
    for name in ("cwd", "tmp", "stacks"):
        (scratch / name).mkdir()
    return scratch


def _stray_files(scratch: Path) -> list[str]:
    return sorted(
        path.relative_to(scratch).as_posix()
        for folder in ("cwd", "tmp")
        for path in (scratch / folder).rglob("*")
    )


def _request_stacks(group: int) -> dict[int, str]:
    """Ask every process of the session to write its threads' stacks; return {pid: command line}."""
    if sys.platform.startswith("linux"):
        processes = dict(described.split(" ", 1) for described in session_processes(group))
    else:
        processes = {str(group): "the program"}
    for pid in processes:
        try:
            os.kill(int(pid), signal.SIGUSR1)
        except (ProcessLookupError, PermissionError):
            pass
    time.sleep(STACK_DUMP_WAIT)
    return {int(pid): command for pid, command in processes.items()}


def shared_memory_entries() -> set[str]:
    """Named semaphores and shared-memory segments that exist now (Linux: /dev/shm; elsewhere unknown)."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return set()
    return {entry.name for entry in shm.iterdir() if entry.name.startswith(("sem.", "psm_", "mp-", "wnsm_"))}


def session_processes(session: int) -> list[str]:
    """Live processes of a session (Linux: read /proc), as 'pid cmdline' strings."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            state, sid = fields[0], int(fields[3])
            if sid != session or state in "ZX":
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError):
            continue  # it exited while we looked
        found.append(f"{entry.name} {command}")
    return found


def alive_in_group(group: int) -> list[str]:
    """Processes still alive in the run's session (Linux) or process group (other POSIX)."""
    if sys.platform.startswith("linux"):
        return session_processes(group)
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return []
    except PermissionError:
        pass
    return [f"process group {group}"]


TRACKER = "multiprocessing.resource_tracker"
# A leak warning the resource tracker prints when it cleans up after processes
# the harness killed; for a run stopped on purpose it reports the kill, not the program.
TRACKER_CLEANUP = re.compile(r"^.*resource_tracker: There appear to be \d+ leaked .*\n(?:.*warnings\.warn\(.*\n)?", re.M)


def kill_group(group: int) -> None:
    """Kill every process of the run, letting its resource tracker go last.

    Under spawn and forkserver, the semaphores of a queue are unlinked by the
    run's resource tracker. Killed together with the program, it would leave
    them in /dev/shm until the machine restarts, so it is spared until the
    program's other processes are dead and it has cleaned up and exited.
    """
    if sys.platform.startswith("linux"):
        processes = [described.split(" ", 1) for described in session_processes(group)]
        for pid, command in processes:
            if TRACKER not in command:
                _kill(int(pid))
        end = time.monotonic() + LEFTOVER_GRACE
        while any(TRACKER not in command for _, command in map(lambda d: d.split(" ", 1), session_processes(group))):
            if time.monotonic() > end:
                break
            time.sleep(0.02)
        _wait_until_gone(group, LEFTOVER_GRACE)  # the tracker exits once nobody holds its pipe
        for described in session_processes(group):  # whatever is still there: a tracker that hung, a stray
            _kill(int(described.split()[0]))
        return
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait_until_gone(group: int, seconds: float) -> list[str]:
    """Poll until the group is empty or ``seconds`` pass; return what is still alive."""
    end = time.monotonic() + seconds
    alive = alive_in_group(group)
    while alive and time.monotonic() < end:
        time.sleep(0.05)
        alive = alive_in_group(group)
    return alive


def _reader(stream: object, chunks: list[bytes]) -> threading.Thread:
    def read() -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
            chunks.append(chunk)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def run_program(
    module: str,
    method: str,
    timeout: float,
    python: str = sys.executable,
    hung: Callable[[str], bool] | None = None,
    quiet: float = 1.0,
    root: Path = ROOT,
) -> Run:
    """Run ``module`` under ``method``; stop it and all its processes after ``timeout`` seconds.

    For a program that is meant to hang, ``hung(stdout)`` says whether it has
    printed everything it should; once that has held for ``quiet`` seconds the
    run is stopped as timed out, without waiting for the full ``timeout``.
    """
    posix = os.name == "posix"
    scratch = _make_scratch()
    process = subprocess.Popen(
        [python, "-c", LAUNCHER, method, module],
        cwd=scratch / "cwd",
        env=program_environment(root, scratch),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=posix,
        creationflags=0 if posix else subprocess.CREATE_NEW_PROCESS_GROUP,  # type: ignore[attr-defined]
    )
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [_reader(process.stdout, out), _reader(process.stderr, err)]
    started = time.monotonic()
    deadline = started + timeout
    timed_out = False
    cpu = 0.0
    settled_since: float | None = None
    stacks: dict[int, str] = {}
    if posix:
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
                break
            now = time.monotonic()
            if hung is not None:
                done = hung(b"".join(out).decode("utf-8", errors="replace"))
                settled_since = (settled_since or now) if done else None
                if settled_since is not None and now - settled_since >= quiet:
                    deadline = now
            if now >= deadline:
                timed_out = True
                if settled_since is None:  # overstayed, rather than a hang that printed everything
                    stacks = _request_stacks(process.pid)
                kill_group(process.pid)
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
                break
            time.sleep(0.01)
    else:  # Windows: no sessions; taskkill stops the whole tree
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True)
            process.wait()
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
            kill_group(process.pid)
            remaining = _wait_until_gone(process.pid, LEFTOVER_GRACE)
        survivors = remaining
    for pid, command in stacks.items():
        dump = scratch / "stacks" / f"{pid}.txt"
        written = dump.read_text(errors="replace").strip() if dump.exists() else ""
        stacks[pid] = f"{command}\n{written or '(wrote no stack: not a Python process, or not yet started)'}"
    stray_files = [] if timed_out else _stray_files(scratch)  # a killed run cannot clean up after itself
    shutil.rmtree(scratch, ignore_errors=True)
    for reader in readers:
        reader.join(timeout=5)
    for pipe in (process.stdout, process.stderr):
        if pipe:
            pipe.close()
    stderr = b"".join(err).decode("utf-8", errors="replace").replace("\r\n", "\n")
    if timed_out:
        stderr = TRACKER_CLEANUP.sub("", stderr)
    return Run(
        module=module,
        method=method,
        python=python,
        pid=process.pid,
        timeout=timeout,
        returncode=process.returncode,
        stdout=b"".join(out).decode("utf-8", errors="replace").replace("\r\n", "\n"),
        stderr=stderr,
        timed_out=timed_out,
        wall=wall,
        cpu=cpu,
        leftovers=leftovers,
        survivors=survivors,
        stacks=stacks,
        stray_files=stray_files,
    )
