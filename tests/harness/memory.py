"""A memory bound for each run: all the processes of one run together may hold at most so much.

Where the checks may make cgroups with a memory controller (Linux as root: cgroup v2 with the
controller enabled for the check's cgroup, or cgroup v1's memory hierarchy, as on this project's
machines), the kernel holds the bound: past it, it kills a process of the run (out of memory), and
the check says so. It also gives the run's peak, which the check prints.

Elsewhere (GitHub's runners, which give no cgroup to a job's user; macOS; Windows) the harness
sums the resident memory of the run's processes every SAMPLE_EVERY seconds and stops the run past
the bound. That is a sampled bound: a program can overshoot it between two samples.

Not RLIMIT_AS: it bounds each process's address space, not what the run holds. Ray reserves
gigabytes of address space it never touches, a forked child counts again what it shares with its
parent, and macOS does not enforce the limit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import psutil

DEFAULT_MIB = 1024  # what one run may hold, all its processes together, unless its sample says `memory MIB`
SAMPLE_EVERY = 0.25  # seconds between two samples of the run's resident memory, where no cgroup holds the bound
V1_MOUNT = Path("/sys/fs/cgroup/memory")  # cgroup v1's memory hierarchy (v2 has one tree for every controller)
_V1_PARENT: list[Path | None] = []  # filled on first use: where this check's v1 memory cgroups go, or None
_LOCK = threading.Lock()


@dataclass
class MemoryGroup:
    """The cgroup that holds a run's memory bound: its own cgroup (v2), or one of the v1 memory hierarchy."""

    folder: Path
    version: int  # 1 or 2

    @property
    def procs(self) -> Path:
        return self.folder / "cgroup.procs"

    def peak(self) -> int:
        """The most the run held at once, in bytes (0 where the kernel does not say: v2 before Linux 5.19)."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        with contextlib.suppress(OSError, ValueError):
            return int((self.folder / name).read_text().split()[0])
        return 0

    def killed_a_process(self) -> bool:
        """Whether the kernel killed a process of the run for passing the bound."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        with contextlib.suppress(OSError):
            found = re.search(r"^oom_kill (\d+)$", (self.folder / name).read_text(), re.M)
            return bool(found and int(found.group(1)))
        return False

    def remove(self) -> None:
        if self.version == 1:  # a v2 group is the run's own cgroup, which the runner removes
            with contextlib.suppress(OSError):
                self.folder.rmdir()


def enable_in(parent: Path) -> None:
    """Let the cgroups below ``parent`` (v2) have a memory bound, if the machine allows it."""
    with contextlib.suppress(OSError):
        (parent / "cgroup.subtree_control").write_text("+memory")


def _remove_v1_parent(parent: Path) -> None:
    for group in parent.glob("run-*/"):
        with contextlib.suppress(OSError):
            group.rmdir()
    with contextlib.suppress(OSError):
        parent.rmdir()


def _v1_parent() -> Path | None:
    with _LOCK:
        if not _V1_PARENT:
            parent = V1_MOUNT / f"snippets-checks-{os.getpid()}"
            try:
                parent.mkdir()
            except OSError:
                parent = None  # type: ignore[assignment]
            else:
                atexit.register(_remove_v1_parent, parent)
            _V1_PARENT.append(parent)
        return _V1_PARENT[0]


def bounded_group(run_cgroup: Path | None, mib: int) -> MemoryGroup | None:
    """A cgroup that bounds the run's memory to ``mib`` MiB, or None where the machine allows none.

    ``run_cgroup`` is the run's own cgroup (containment.CgroupContainment), if it has one.
    """
    bound = str(mib * 1024 * 1024)
    if run_cgroup is not None and (run_cgroup / "memory.max").exists():
        with contextlib.suppress(OSError):
            (run_cgroup / "memory.max").write_text(bound)
            (run_cgroup / "memory.swap.max").write_text("0")  # the bound is memory, not memory and swap
            return MemoryGroup(run_cgroup, 2)
    if run_cgroup is None or not V1_MOUNT.is_dir():
        return None  # no cgroup at all for the run (cgroups off, or not Linux): no v1 group either
    parent = _v1_parent()
    if parent is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
    try:
        (folder / "memory.limit_in_bytes").write_text(bound)
        with contextlib.suppress(OSError):  # only where swap is accounted
            (folder / "memory.memsw.limit_in_bytes").write_text(bound)
    except OSError:
        with contextlib.suppress(OSError):
            folder.rmdir()
        return None
    return MemoryGroup(folder, 1)


def resident(pids: list[int]) -> int:
    """The resident memory of these processes together, in bytes (a sample: pages they share count twice)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            total += psutil.Process(pid).memory_info().rss
    return total
