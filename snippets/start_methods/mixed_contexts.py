"""Make a queue and the processes that use it from the same context.

A queue holds locks, and a lock made for fork children cannot be sent to a
spawned child: start() refuses with a RuntimeError that says so.
"""

from __future__ import annotations

import multiprocessing as mp
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
    refused = False
    try:
        child.start()
    except RuntimeError as error:
        refused = str(error).startswith(REFUSAL)
    print(f"fork queue, spawn process: start() refused: {refused}", flush=True)


if __name__ == "__main__":
    main()
