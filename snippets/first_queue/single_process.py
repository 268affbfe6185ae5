"""Put three items on a process queue and get them back, all in one process.

A multiprocessing queue works inside one process too: put() hands each item to
a background feeder thread that writes it into a pipe, and get() reads it back.
Items come out in the order they went in (first in, first out).
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue  # the class, for type hints only


def main() -> None:
    words: Queue[str] = mp.Queue()  # unbounded: put() never waits for space
    for word in ("first", "second", "third"):
        words.put(word)
        print(f"put {word!r}", flush=True)
    for _ in range(3):
        # get() waits until an item is there
        print(f"got {words.get()!r}", flush=True)


if __name__ == "__main__":
    main()
