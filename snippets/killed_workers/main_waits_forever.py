"""A worker killed by a signal sends nothing: a get() for its result waits.

SIGKILL, which the Linux out-of-memory killer sends, ends a process at once:
no exception, no finally block, no last message.  The worker here kills
itself when it receives task 3, as if that task had taken too much memory.
Main asks for one result after another and waits for the fourth forever.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from multiprocessing.queues import Queue


def square(tasks: Queue[int | None], results: Queue[int]) -> None:
    while (task := tasks.get()) is not None:
        if task == 3:
            # the out-of-memory killer strikes
            os.kill(os.getpid(), signal.SIGKILL)
        results.put(task * task)


def main() -> None:
    tasks: Queue[int | None] = mp.Queue()
    results: Queue[int] = mp.Queue()
    worker = mp.Process(target=square, args=(tasks, results))
    worker.start()
    for task in range(6):
        tasks.put(task)
        print(
            f"Main: {task} squared is {results.get()}", flush=True
        )  # task 3: waits forever
    tasks.put(None)
    worker.join()


if __name__ == "__main__":
    main()
