"""The same consumer, busy-waiting.

It calls get(block=False) and does something else in between.

A non-blocking get() raises queue.Empty at once when no item is there yet, so
the consumer can do other work (here: print and nap) and try again.  It still
stops only on the stop value, never on an empty queue.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import time
from multiprocessing.queues import Queue
from queue import Empty


def producer(q: Queue[float | None]) -> None:
    print("Producer: running", flush=True)
    for _ in range(10):
        value = random.random()
        time.sleep(value / 10)
        q.put(value)
        print(f"Producer: put {value:.4f}", flush=True)
    q.put(None)
    print("Producer: done", flush=True)


def consumer(q: Queue[float | None]) -> None:
    print("Consumer: running", flush=True)
    while True:
        try:
            item = q.get(block=False)
        except Empty:
            print("Consumer: nothing yet, doing something else", flush=True)
            time.sleep(0.02)
            continue
        if item is None:
            break
        print(f"Consumer: got {item:.4f}", flush=True)
    print("Consumer: done", flush=True)


def main() -> None:
    q: Queue[float | None] = mp.Queue()
    consuming = mp.Process(target=consumer, args=(q,))
    producing = mp.Process(target=producer, args=(q,))
    consuming.start()
    producing.start()
    producing.join()
    consuming.join()


if __name__ == "__main__":
    main()
