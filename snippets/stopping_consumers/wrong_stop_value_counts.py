"""One stop value per producer works only when there are as many consumers as producers.

Two producers each put three items and a None.  With three consumers, one
never gets a stop value and waits forever.  With one consumer, the first None
stops it and the second producer's work is never handled.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue
from queue import Empty


def producer(q: Queue[int | None]) -> None:
    for item in range(3):
        q.put(item)
    q.put(None)


def consumer(q: Queue[int | None]) -> None:
    while q.get() is not None:
        pass


def run(consumer_count: int) -> None:
    q: Queue[int | None] = mp.Queue()
    consumers = [mp.Process(target=consumer, args=(q,)) for _ in range(consumer_count)]
    for process in consumers:
        process.start()
    for _ in range(2):  # the second producer starts after the first has finished
        producing = mp.Process(target=producer, args=(q,))
        producing.start()
        producing.join()
    for process in consumers:
        process.join(timeout=0.5)
    stuck = [process for process in consumers if process.is_alive()]
    for process in stuck:
        process.terminate()  # only to end this demonstration; the queue is discarded below
        process.join()
    left = []
    while True:
        try:
            left.append(q.get(timeout=0.1))
        except Empty:
            break
    print(
        f"2 producers, {consumer_count} consumer(s): {len(stuck)} still waiting after 0.5 s; "
        f"left in the queue: {left}",
        flush=True,
    )


def main() -> None:
    for consumer_count in (2, 3, 1):
        run(consumer_count)


if __name__ == "__main__":
    main()
