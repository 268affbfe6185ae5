"""put() starts a thread in main; forking main then warns, from Python 3.12.

A queue's first put() starts its feeder thread in the calling process. fork
copies only the thread that calls it: a lock another thread held at that
moment stays locked in the child for good. Python 3.12 added a
DeprecationWarning for every fork of a process with more than one thread.
It is raised from multiprocessing's own code, so the default warning
filters hide it; pytest and `python -W default` show it. spawn and
forkserver never fork main, and never warn.
"""

from __future__ import annotations

import multiprocessing as mp
import re
import sys
import threading
import warnings
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue

# The message in CPython 3.12 and 3.13 (Modules/posixmodule.c).
FORK_WARNING = re.compile(
    r"This process \(pid=\d+\) is multi-threaded, use of fork\(\) "
    r"may lead to deadlocks in the child\."
)


def warnings_from_start(child: BaseProcess, *, show_all: bool) -> list[str]:
    """Start and join the child; return start()'s DeprecationWarnings."""
    with warnings.catch_warnings(record=True) as caught:
        if show_all:
            warnings.simplefilter("always")
        child.start()
    child.join()
    return [str(w.message) for w in caught if w.category is DeprecationWarning]


def main() -> None:
    items: Queue[str] = mp.Queue()
    items.put("an item")  # starts the feeder thread
    print(
        f"main's threads: {', '.join(t.name for t in threading.enumerate())}",
        flush=True,
    )

    warns_from_312 = sys.version_info >= (3, 12)
    # A Process() without a target does nothing: starting it is what counts.
    fork_warnings = warnings_from_start(
        mp.get_context("fork").Process(), show_all=True
    )
    as_expected = len(fork_warnings) == warns_from_312 and all(
        FORK_WARNING.fullmatch(message) for message in fork_warnings
    )
    print(
        "fork: warned that main is multi-threaded, exactly from 3.12: "
        f"{as_expected}",
        flush=True,
    )
    spawn = warnings_from_start(
        mp.get_context("spawn").Process(), show_all=True
    )
    print(f"spawn: warnings: {len(spawn)}", flush=True)
    forkserver = warnings_from_start(
        mp.get_context("forkserver").Process(), show_all=True
    )
    print(f"forkserver: warnings: {len(forkserver)}", flush=True)
    hidden = warnings_from_start(
        mp.get_context("fork").Process(), show_all=False
    )
    print(
        f"fork, default warning filters: warnings shown: {len(hidden)}",
        flush=True,
    )
    items.get()


if __name__ == "__main__":
    main()
