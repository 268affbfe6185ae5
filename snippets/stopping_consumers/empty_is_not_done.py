"""Stopping when the queue looks empty, or when a get() times out, loses work.

An empty queue means "nothing right now", not "nothing ever".  Here the
producer starts slowly (part 1) and pauses once in the middle (part 2), as
real producers do; each consumer gives up too early and the items it never
saw are left in the queue.

The producer starts its work only once the consumer is running, so the
outcome does not depend on which process happened to start faster.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from queue import Empty


def slow_start_producer(q: Queue[int], consumer_running: Event) -> None:
    consumer_running.wait()
    time.sleep(0.3)  # e.g. opening a file before the first item
    for item in range(3):
        q.put(item)


def pausing_producer(q: Queue[int], consumer_running: Event) -> None:
    consumer_running.wait()
    for item in range(4):
        if item == 2:
            time.sleep(1.0)  # e.g. waiting for a slow network read
        q.put(item)


def stop_when_empty(q: Queue[int], running: Event) -> None:
    running.set()
    handled = 0
    while not q.empty():
        q.get()
        handled += 1
    print(
        f"stop-when-empty consumer: handled {handled} items, then stopped",
        flush=True,
    )


def stop_on_timeout(q: Queue[int], running: Event) -> None:
    running.set()
    q.get()  # waiting for the first item is fine...
    handled = 1
    while True:
        try:
            q.get(timeout=0.2)
        except Empty:
            break  # ...but then a pause is taken for the end: the mistake
        handled += 1
    print(
        f"stop-on-timeout consumer: handled {handled} items, then stopped",
        flush=True,
    )


def drain(q: Queue[int]) -> list[int]:
    """Take what is left; call only after every producer has been joined."""
    left = []
    while True:
        try:
            left.append(q.get(timeout=0.1))
        except Empty:
            return left


def main() -> None:
    for produce, consume in [
        (slow_start_producer, stop_when_empty),
        (pausing_producer, stop_on_timeout),
    ]:
        q: Queue[int] = mp.Queue()
        consumer_running = mp.Event()
        producing = mp.Process(target=produce, args=(q, consumer_running))
        consuming = mp.Process(target=consume, args=(q, consumer_running))
        producing.start()
        consuming.start()
        consuming.join()
        producing.join()
        print(f"  never handled: {drain(q)}", flush=True)


if __name__ == "__main__":
    main()
