"""A consumer loop with no way out keeps the whole program alive forever.

`while True: q.get()` waits for another item after the last one, and main's
join() waits for the consumer.  The checks stop this program once it has
printed all it will print and stayed silent for a second; stop yours with
Ctrl-C.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue


def consumer(q: Queue[int]) -> None:
    while True:
        # after item 2 this waits forever: no more items will come
        item = q.get()
        print(f"Consumer: got {item}", flush=True)


def main() -> None:
    q: Queue[int] = mp.Queue()
    consuming = mp.Process(target=consumer, args=(q,))
    consuming.start()
    for item in range(3):
        q.put(item)
    print(
        "Main: all items sent, waiting for the consumer to finish", flush=True
    )
    consuming.join()  # never returns
    print("Main: finished", flush=True)  # never printed


if __name__ == "__main__":
    main()
