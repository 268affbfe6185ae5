"""There is no peek(), and multiprocessing has no LIFO or priority queue.

The only way to look at an item is to take it with get().  For a priority
order between processes, serve a queue.PriorityQueue from a manager process:
every process then talks to that one queue through a proxy.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from multiprocessing.managers import BaseManager
from multiprocessing.queues import Queue
from typing import Any


class PriorityManager(BaseManager):
    """A manager process holding one kind of object: queue.PriorityQueue."""


PriorityManager.register("PriorityQueue", queue.PriorityQueue)


def submit(jobs: Any) -> None:
    for priority, name in [
        (3, "tidy up"),
        (1, "fix outage"),
        (2, "answer email"),
    ]:
        jobs.put((priority, name))


def main() -> None:
    q: Queue[int] = mp.Queue()
    print(f"Queue has peek(): {hasattr(q, 'peek')}", flush=True)
    print(
        f"multiprocessing has LifoQueue: {hasattr(mp, 'LifoQueue')}",
        flush=True,
    )
    print(
        f"multiprocessing has PriorityQueue: {hasattr(mp, 'PriorityQueue')}",
        flush=True,
    )
    q.close()

    with PriorityManager() as manager:
        jobs = manager.PriorityQueue()  # type: ignore[attr-defined]
        worker = mp.Process(target=submit, args=(jobs,))
        worker.start()
        worker.join()
        while (
            not jobs.empty()
        ):  # safe here: every put has finished and nobody else gets
            priority, name = jobs.get()
            print(f"priority {priority}: {name}", flush=True)


if __name__ == "__main__":
    main()
