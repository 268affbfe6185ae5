"""Make a queue and the processes that use it from the same context.

A queue holds locks, and a lock made for fork children cannot be sent to a
spawned child. From Python 3.11, start() refuses with a RuntimeError that
says so. On 3.10 the child starts anyway and fails when it uses the queue
(on Linux it crashes).
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from multiprocessing.queues import Queue

REFUSAL = (
    "A SemLock created in a fork context is being shared with a process in a "
    "spawn"
)


def work(results: Queue[str]) -> None:
    results.put("hello")


def main() -> None:
    spawn = mp.get_context("spawn")
    same: Queue[str] = spawn.Queue()
    child = spawn.Process(target=work, args=(same,))
    child.start()
    print(
        f"spawn queue, spawn process: the child put {same.get()!r}", flush=True
    )
    child.join()

    mixed: Queue[str] = mp.get_context("fork").Queue()
    child = spawn.Process(target=work, args=(mixed,))
    try:
        child.start()
    except RuntimeError as error:
        outcome = "refused" if str(error).startswith(REFUSAL) else repr(error)
    else:  # Python 3.10 starts the child
        child.join(timeout=10)
        outcome = "child failed" if child.exitcode != 0 else "child worked"
        if child.exitcode is None:
            child.kill()  # it hung rather than crashed: do not leave it behind
    expected = "refused" if sys.version_info >= (3, 11) else "child failed"
    print(
        "fork queue, spawn process: start() refuses it on 3.11+, "
        f"the child fails on 3.10: {outcome == expected}",
        flush=True,
    )


if __name__ == "__main__":
    main()
