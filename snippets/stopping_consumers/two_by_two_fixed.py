"""The same work with the stop values sent by main after both producers.

It runs as fast as estimated.

Producers put only items.  Main joins them and then puts one None per
consumer, so no stop value overtakes any work and the two consumers share
the ten items evenly.  As in two_by_two_timing, the consumers start once
everything is queued, so the order of the queue alone decides the split.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

WORK = 0.25
ITEMS_EACH = 5


def producer(q: Queue[float | None]) -> None:
    for _ in range(ITEMS_EACH):
        q.put(WORK)


def consumer(
    q: Queue[float | None], handled: Queue[int], ready: Barrier
) -> None:
    ready.wait()
    count = 0
    while (seconds := q.get()) is not None:
        time.sleep(seconds)
        count += 1
    handled.put(count)


def main() -> None:
    q: Queue[float | None] = mp.Queue()
    handled: Queue[int] = mp.Queue()
    ready = mp.Barrier(3)
    consumers = [
        mp.Process(target=consumer, args=(q, handled, ready)) for _ in range(2)
    ]
    for process in consumers:
        process.start()
    producers = [mp.Process(target=producer, args=(q,)) for _ in range(2)]
    for process in producers:
        process.start()
    for process in producers:
        process.join()
    for _ in consumers:
        q.put(None)  # one stop value per consumer, behind every item
    ready.wait()  # everything is queued: both consumers start now
    started = time.monotonic()
    counts = sorted(handled.get() for _ in consumers)
    for process in consumers:
        process.join()
    elapsed = time.monotonic() - started
    print(
        f"estimate: {2 * ITEMS_EACH} items x {WORK} s / 2 consumers "
        f"= {2 * ITEMS_EACH * WORK / 2:.2f} s",
        flush=True,
    )
    print(f"measured: {elapsed:.2f} s", flush=True)
    print(f"items handled by each consumer: {counts}", flush=True)


if __name__ == "__main__":
    main()
