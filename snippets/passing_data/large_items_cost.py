"""What an item's size costs: the time to move one item from one process to another.

Each item is pickled, written through a pipe in pieces and unpickled, so the
cost grows with its size. The program sends bytes objects of three sizes
from a child to the parent and reports the time per item and the rate.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from multiprocessing.queues import Queue

SIZES = [1_000, 100_000, 10_000_000]
REPEATS = 20


def sender(q: Queue[bytes], size: int) -> None:
    payload = b"x" * size
    for _ in range(REPEATS):
        q.put(payload)


def main() -> None:
    for size in SIZES:
        q: Queue[bytes] = mp.Queue()
        sending = mp.Process(target=sender, args=(q, size))
        sending.start()
        q.get()  # the first item also pays for starting the process: not timed
        started = time.perf_counter()
        for _ in range(REPEATS - 1):
            q.get()
        per_item = (time.perf_counter() - started) / (REPEATS - 1)
        sending.join()
        rate = size / per_item / 1e6
        print(
            f"{size:>10,} bytes: {per_item * 1e3:8.3f} ms per item, {rate:8.1f} MB/s",
            flush=True,
        )


if __name__ == "__main__":
    main()
