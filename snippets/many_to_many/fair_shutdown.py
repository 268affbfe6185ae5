"""Three producers, two consumers, one queue, a shutdown that loses nothing.

Main starts everyone, joins the producers, and only then puts one stop value
per consumer. Each consumer reports what it took. Every item is handled
exactly once; each producer's items reach each consumer in the order they
were put; how the items split between the consumers varies from run to run.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue

PRODUCERS = 3
CONSUMERS = 2
ITEMS_EACH = 200
Item = tuple[int, int]  # (producer, sequence number)


def producer(number: int, q: Queue[Item | None]) -> None:
    for sequence in range(ITEMS_EACH):
        q.put((number, sequence))


def consumer(q: Queue[Item | None], results: Queue[list[Item]]) -> None:
    taken = []
    while (item := q.get()) is not None:
        taken.append(item)
    results.put(taken)


def in_order_per_producer(taken: list[Item]) -> bool:
    return all(
        [s for p, s in taken if p == producer]
        == sorted(s for p, s in taken if p == producer)
        for producer in range(PRODUCERS)
    )


def main() -> None:
    q: Queue[Item | None] = mp.Queue()
    results: Queue[list[Item]] = mp.Queue()
    consumers = [
        mp.Process(target=consumer, args=(q, results))
        for _ in range(CONSUMERS)
    ]
    producers = [
        mp.Process(target=producer, args=(n, q)) for n in range(PRODUCERS)
    ]
    for process in consumers + producers:
        process.start()
    for process in producers:
        process.join()
    for _ in consumers:
        q.put(None)  # after every producer: no stop value overtakes an item
    # before joining: see the closing guide
    taken = [results.get() for _ in consumers]
    for process in consumers:
        process.join()
    everything = sorted(item for part in taken for item in part)
    expected = [(p, s) for p in range(PRODUCERS) for s in range(ITEMS_EACH)]
    print(
        f"every item handled exactly once: {everything == expected}",
        flush=True,
    )
    in_order = all(in_order_per_producer(part) for part in taken)
    print(
        f"each producer's order kept at each consumer: {in_order}", flush=True
    )
    print(
        f"items per consumer: {sorted(len(part) for part in taken)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
