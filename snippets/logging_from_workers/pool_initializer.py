"""Logging from a Pool: set up each worker in the pool's initializer.

A pool starts its workers itself, so there is no worker function of yours
in which to configure logging first.  The initializer is that place, and
initargs is the one way to hand the pool's workers a multiprocessing queue:
a queue passed with each task would raise RuntimeError.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import sys
from logging.handlers import QueueHandler, QueueListener
from multiprocessing.queues import Queue


def log_to_queue(log_queue: Queue[logging.LogRecord]) -> None:
    """The pool's initializer: runs in each worker before its first task."""
    root = logging.getLogger()
    root.handlers = [QueueHandler(log_queue)]
    root.setLevel(logging.INFO)


def square(task: int) -> int:
    logging.getLogger("square").info(
        "task %d: %d squared is %d", task, task, task * task
    )
    return task * task


def main() -> None:
    log_queue: Queue[logging.LogRecord] = mp.Queue()
    to_stdout = logging.StreamHandler(sys.stdout)
    to_stdout.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    listener = QueueListener(log_queue, to_stdout)
    with mp.Pool(2, initializer=log_to_queue, initargs=(log_queue,)) as pool:
        listener.start()  # only once Pool() has started its workers
        squares = pool.map(square, range(5))
        pool.close()
        # a worker exits only once its records are in the queue's pipe
        pool.join()
    listener.stop()
    print(f"Main: map() returned {squares}", flush=True)


if __name__ == "__main__":
    main()
