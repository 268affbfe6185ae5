"""A producer that pauses at random, a consumer that reports each value.

None is the stop value.

The consumer cannot know in advance how many items will come, so the producer
puts None after its last item and the consumer stops when it gets it.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import time
from multiprocessing.queues import Queue


def producer(q: Queue[float | None]) -> None:
    print("Producer: running", flush=True)
    for _ in range(10):
        value = random.random()
        # pretend to work; a tenth keeps the run under a second
        time.sleep(value / 10)
        q.put(value)
        print(f"Producer: put {value:.4f}", flush=True)
    q.put(None)  # the stop value: nothing comes after it
    print("Producer: done", flush=True)


def consumer(q: Queue[float | None]) -> None:
    print("Consumer: running", flush=True)
    while True:
        item = q.get()  # waits for as long as it takes
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
