"""Run one program the way a reader would, under a chosen start method.

Each run is a real ``python`` subprocess started in a session of its own, so
that every process it creates can be found and stopped afterwards.  The start
method is set before the program's ``__main__`` code runs; the program itself
is executed exactly as ``python -m snippets.<guide>.<program>`` would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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

    @property
    def output(self) -> list[str]:
        text = self.stdout
        return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


def program_environment(root: Path = ROOT) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in REMOVED_VARIABLES}
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONPATH"] = str(root)
    return env


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


def kill_group(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if sys.platform.startswith("linux"):  # members that moved to another group
        for described in session_processes(group):
            try:
                os.kill(int(described.split()[0]), signal.SIGKILL)
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
    process = subprocess.Popen(
        [python, "-c", LAUNCHER, method, module],
        cwd=root,
        env=program_environment(root),
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
    for reader in readers:
        reader.join(timeout=5)
    for pipe in (process.stdout, process.stderr):
        if pipe:
            pipe.close()
    return Run(
        module=module,
        method=method,
        python=python,
        pid=process.pid,
        timeout=timeout,
        returncode=process.returncode,
        stdout=b"".join(out).decode("utf-8", errors="replace").replace("\r\n", "\n"),
        stderr=b"".join(err).decode("utf-8", errors="replace").replace("\r\n", "\n"),
        timed_out=timed_out,
        wall=wall,
        cpu=cpu,
        leftovers=leftovers,
        survivors=survivors,
    )
