"""The same consumer, waiting at most 50 ms per get() and reporting each wait.

get(timeout=0.05) waits up to 50 ms and then raises queue.Empty.  The timeout
is a chance to do something else, not a signal that the producer is finished:
the consumer still stops only on the stop value.
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
            item = q.get(timeout=0.05)
        except Empty:
            print("Consumer: waited 50 ms, nothing yet", flush=True)
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
