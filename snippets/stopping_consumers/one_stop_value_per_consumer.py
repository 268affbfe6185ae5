"""Any number of producers and consumers: one stop value per consumer.

Producers only put work.  Main waits until every producer has finished, and
only then puts one None for each consumer.  Every stop value is therefore
behind every item, each consumer takes exactly one, and nothing is left over.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue

PRODUCERS = 3
CONSUMERS = 2
ITEMS_EACH = 4


def producer(number: int, q: Queue[str | None]) -> None:
    for index in range(ITEMS_EACH):
        item = f"p{number}-{index}"
        q.put(item)
        print(f"Producer {number}: put {item}", flush=True)


def consumer(number: int, q: Queue[str | None]) -> None:
    handled = 0
    while (item := q.get()) is not None:
        handled += 1
        print(f"Consumer {number}: got {item}", flush=True)
    print(
        f"Consumer {number}: stop value received after {handled} items",
        flush=True,
    )


def main() -> None:
    q: Queue[str | None] = mp.Queue()
    consumers = [
        mp.Process(target=consumer, args=(n, q)) for n in range(CONSUMERS)
    ]
    producers = [
        mp.Process(target=producer, args=(n, q)) for n in range(PRODUCERS)
    ]
    for process in consumers + producers:
        process.start()
    for process in producers:  # a list, so every producer is joined
        process.join()
    print(
        f"Main: all producers finished; sending {CONSUMERS} stop values",
        flush=True,
    )
    for _ in consumers:
        q.put(None)
    for process in consumers:
        process.join()
    print("Main: every consumer stopped", flush=True)


if __name__ == "__main__":
    main()
