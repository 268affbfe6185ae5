"""Two producers each end with a stop value, two consumers.

Correct, but slower than the estimate.

Ten items of 0.25 s shared by two consumers should take 10 x 0.25 / 2 = 1.25 s.
But the first producer's stop value sits right behind its own five items,
ahead of all five of the second producer's.  One consumer takes it early and
leaves; the other handles the remaining items alone.

Putting six items takes microseconds and starting a process takes
milliseconds, so the first producer has usually put everything before the
second starts.  This program starts the second producer after the first has
finished, which makes that usual order certain, and starts the consumers
once everything is queued, so the order of the queue alone decides who
takes the first stop value: not how fast each process starts.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

WORK = 0.25  # seconds of work per item
ITEMS_EACH = 5


def producer(q: Queue[float | None]) -> None:
    for _ in range(ITEMS_EACH):
        q.put(WORK)
    q.put(None)  # each producer ends its own items with a stop value


def consumer(
    q: Queue[float | None], handled: Queue[int], ready: Barrier
) -> None:
    ready.wait()
    count = 0
    while (seconds := q.get()) is not None:
        time.sleep(seconds)  # the work
        count += 1
    handled.put(count)


def main() -> None:
    q: Queue[float | None] = mp.Queue()
    handled: Queue[int] = mp.Queue()
    ready = mp.Barrier(3)  # both consumers and main
    consumers = [
        mp.Process(target=consumer, args=(q, handled, ready)) for _ in range(2)
    ]
    for process in consumers:
        process.start()
    for _ in range(2):
        producing = mp.Process(target=producer, args=(q,))
        producing.start()
        producing.join()
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
