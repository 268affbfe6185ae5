"""Re-putting the stop value stops every consumer; two producers lose work.

Each consumer that gets None puts it back for the next one.  With one
producer that stops everyone after the last item, and one None stays behind.
With two, the first producer's None stops every consumer while the second
producer is still working: its items are never handled.  Here the second
producer starts only once the consumers have stopped, so that the loss shows
on every run; in real programs it only has to be the slower one.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from queue import Empty

CONSUMERS = 3
ITEMS_EACH = 5


def producer(label: str, go: Event, q: Queue[str | None]) -> None:
    go.wait()
    for index in range(ITEMS_EACH):
        q.put(f"{label}-{index}")
    q.put(None)


def consumer(q: Queue[str | None], handled: Queue[int]) -> None:
    count = 0
    while True:
        item = q.get()
        if item is None:
            q.put(None)  # pass the stop value on to the next consumer
            break
        count += 1
    handled.put(count)


def run(labels: list[str]) -> None:
    q: Queue[str | None] = mp.Queue()
    handled: Queue[int] = mp.Queue()
    first_go, later_go = mp.Event(), mp.Event()
    first_go.set()
    consumers = [
        mp.Process(target=consumer, args=(q, handled))
        for _ in range(CONSUMERS)
    ]
    producers = [
        mp.Process(
            target=producer, args=(label, later_go if n else first_go, q)
        )
        for n, label in enumerate(labels)
    ]
    for process in consumers + producers:
        process.start()
    total = sum(handled.get() for _ in consumers)  # every consumer has stopped
    later_go.set()  # the slower producers put their items only now
    for process in consumers + producers:
        process.join()
    left = []
    while True:
        try:
            left.append(q.get(timeout=0.1))
        except Empty:
            break
    items = sum(item is not None for item in left)
    print(
        f"{len(producers)} producer(s), {CONSUMERS} consumers: handled "
        f"{total} of "
        f"{ITEMS_EACH * len(producers)} items; left in the queue: "
        f"{items} items, {len(left) - items} stop value(s)",
        flush=True,
    )


def main() -> None:
    run(["A"])
    run(["A", "B"])


if __name__ == "__main__":
    main()
