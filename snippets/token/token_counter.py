"""A counter passed around through a queue: correct, but one process at a time.

Only the process holding the number can change it, so no update is lost and
no Lock is needed. But only one process works at a time, and each handover
costs a trip through the pipe. The same count is timed with a Lock around a
shared Value, and in one process. Both multi-process versions are timed the
same way: from the moment every worker has started and waits for a go, to
the moment the last one has finished.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event

WORKERS = 4
ROUNDS = 1_000  # increments per worker


def pass_token(go: Event, q: Queue[int]) -> None:
    go.wait()
    for _ in range(ROUNDS):
        count = q.get()  # only the holder of the token can count
        q.put(count + 1)


def add_with_lock(go: Event, total: Synchronized[int]) -> None:
    go.wait()
    for _ in range(ROUNDS):
        with total.get_lock():
            total.value += 1


def timed(
    target: Callable[..., None], shared: object, first: Callable[[], None]
) -> float:
    """Seconds from the go (all workers started) until the last finished."""
    go = mp.Event()
    workers = [
        mp.Process(target=target, args=(go, shared)) for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    started = time.perf_counter()
    go.set()
    first()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def main() -> None:
    q: Queue[int] = mp.Queue()
    token_seconds = timed(pass_token, q, lambda: q.put(0))
    token_count = q.get()
    total: Synchronized[int] = mp.Value("i", 0)
    lock_seconds = timed(add_with_lock, total, lambda: None)
    started = time.perf_counter()
    count = 0
    for _ in range(WORKERS * ROUNDS):
        count += 1
    alone_seconds = time.perf_counter() - started
    for label, counted, seconds in [
        ("token through a queue", token_count, token_seconds),
        ("Lock around a Value", total.value, lock_seconds),
        ("one process, no sharing", count, alone_seconds),
    ]:
        print(
            f"{label:<24} count {counted:>6,} in {seconds:7.4f} s", flush=True
        )


if __name__ == "__main__":
    main()
