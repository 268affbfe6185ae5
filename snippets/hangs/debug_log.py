"""What multiprocessing says about itself while a program hangs.

log_to_stderr(logging.DEBUG) turns on multiprocessing's own log: each process
writes to stderr as it makes or inherits a queue's locks, starts a queue's
feeder thread, and runs its finalizers at exit.  The hang is the one of
join_before_drain: main joins a worker that cannot exit until main reads what
it put.  The worker's last line says where it stopped.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
from multiprocessing.queues import Queue
from multiprocessing.util import log_to_stderr


def produce(results: Queue[bytes]) -> None:
    results.put(b"x" * 100_000)  # more than the pipe holds
    print("Worker: put 100000 bytes, returning", flush=True)


def main() -> None:
    log_to_stderr(logging.DEBUG)  # a spawned process turns it on too
    context = mp.get_context("spawn")
    results: Queue[bytes] = context.Queue()
    worker = context.Process(target=produce, args=(results,))
    worker.start()
    worker.join()  # waits for a worker that waits for main to read
    print(f"Main: got {len(results.get())} bytes", flush=True)


if __name__ == "__main__":
    main()
