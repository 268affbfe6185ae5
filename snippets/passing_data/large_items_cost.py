"""What an item's size costs the process that takes it from a queue.

A child keeps the queue's pipe full of bytes objects of one size; main times
each get(), which reads the item out of the pipe in pieces and unpickles it.
The median of those times is printed per size, with the rate it makes, and
the program checks that the largest items took longer than the smallest.
"""

from __future__ import annotations

import multiprocessing as mp
import statistics
import time
from multiprocessing.queues import Queue

SIZES = [1_000, 100_000, 4_000_000]
REPEATS = 10


def sender(q: Queue[bytes], size: int) -> None:
    payload = b"x" * size
    for _ in range(REPEATS):
        q.put(payload)


def median_get_time(size: int) -> float:
    """Median seconds main spends in one get() of a ``size``-byte item."""
    q: Queue[bytes] = mp.Queue()
    sending = mp.Process(target=sender, args=(q, size))
    sending.start()
    q.get()  # the first item also waits for the process to start: not timed
    times = []
    for _ in range(REPEATS - 1):
        started = time.perf_counter()
        q.get()
        times.append(time.perf_counter() - started)
    sending.join()
    return statistics.median(times)


def main() -> None:
    medians = []
    for size in SIZES:
        per_item = median_get_time(size)
        medians.append(per_item)
        rate = size / per_item / 1e6
        print(
            f"{size:>9,} bytes: {per_item * 1e3:8.3f} ms per item, "
            f"{rate:8.1f} MB/s",
            flush=True,
        )
    longer = medians[-1] > medians[0]
    print(
        f"{SIZES[-1]:,} bytes took longer per item than {SIZES[0]:,}: "
        f"{longer}",
        flush=True,
    )


if __name__ == "__main__":
    main()
