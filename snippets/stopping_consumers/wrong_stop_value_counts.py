"""One stop value per producer works only with as many consumers as producers.

Two producers each put three items and a None.  With three consumers, one
never gets a stop value and waits forever.  With one consumer, the first None
stops it and the second producer's work is never handled.

Each consumer reports every item it takes, so the program knows which
consumer got a stop value without guessing from how long it has waited.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue
from queue import Empty

PRODUCERS = 2
ITEMS_EACH = 3


def producer(q: Queue[int | None]) -> None:
    for item in range(ITEMS_EACH):
        q.put(item)
    q.put(None)


def consumer(
    number: int, q: Queue[int | None], taken: Queue[tuple[int, int | None]]
) -> None:
    while True:
        item = q.get()
        taken.put((number, item))
        if item is None:
            return


def run(consumer_count: int) -> None:
    q: Queue[int | None] = mp.Queue()
    taken: Queue[tuple[int, int | None]] = mp.Queue()
    consumers = [
        mp.Process(target=consumer, args=(n, q, taken))
        for n in range(consumer_count)
    ]
    for process in consumers:
        process.start()
    for _ in range(
        PRODUCERS
    ):  # the second producer starts after the first has finished
        producing = mp.Process(target=producer, args=(q,))
        producing.start()
        producing.join()
    # Collect reports until every item put has been taken,
    # or no consumer is left to take more.
    reports: list[tuple[int, int | None]] = []
    while len(reports) < PRODUCERS * (ITEMS_EACH + 1):
        try:
            reports.append(taken.get(timeout=0.05))
        except Empty:
            if (
                not any(process.is_alive() for process in consumers)
                and taken.empty()
            ):
                break
    stopped = {number for number, item in reports if item is None}
    stuck = [
        process
        for number, process in enumerate(consumers)
        if number not in stopped
    ]
    for process in stuck:
        # Only to end this demonstration; the queue is discarded below.
        process.terminate()
    for process in consumers:
        process.join()
    left = []
    while True:
        try:
            left.append(q.get(timeout=0.1))
        except Empty:
            break
    print(
        f"{PRODUCERS} producers, {consumer_count} consumer(s): "
        f"{len(stuck)} never got a stop value; "
        f"left in the queue: {left}",
        flush=True,
    )


def main() -> None:
    for consumer_count in (2, 3, 1):
        run(consumer_count)


if __name__ == "__main__":
    main()
