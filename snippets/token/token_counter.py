"""A counter passed around through a queue: correct, but no faster than one process.

Only the process holding the number can change it, so no update is lost and
no Lock is needed. But only one process works at a time, and each handover
costs a trip through the pipe. The same count is timed in one process and
with a Lock around a shared Value.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized

WORKERS = 4
ROUNDS = 1_000  # increments per worker


def pass_token(q: Queue[int]) -> None:
    for _ in range(ROUNDS):
        count = q.get()  # only the holder of the token can count
        q.put(count + 1)


def add_with_lock(total: Synchronized[int]) -> None:
    for _ in range(ROUNDS):
        with total.get_lock():
            total.value += 1


def timed_token() -> tuple[int, float]:
    q: Queue[int] = mp.Queue()
    workers = [mp.Process(target=pass_token, args=(q,)) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    started = time.perf_counter()
    q.put(0)
    for worker in workers:
        worker.join()
    return q.get(), time.perf_counter() - started


def timed_lock() -> tuple[int, float]:
    total: Synchronized[int] = mp.Value("i", 0)
    workers = [mp.Process(target=add_with_lock, args=(total,)) for _ in range(WORKERS)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return total.value, time.perf_counter() - started


def timed_one_process() -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    for _ in range(WORKERS * ROUNDS):
        count += 1
    return count, time.perf_counter() - started


def main() -> None:
    for label, measure in [
        ("token through a queue", timed_token),
        ("Lock around a Value", timed_lock),
        ("one process, no sharing", timed_one_process),
    ]:
        count, seconds = measure()
        print(f"{label:<24} count {count:>6,} in {seconds:7.4f} s", flush=True)


if __name__ == "__main__":
    main()
