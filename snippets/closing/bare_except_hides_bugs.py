"""A bare except: around get() turns every error into "no more items".

The consumer means to stop when get() times out. But its bare except: also
catches the NameError of a typo in the processing code, so it stops after
the first item without a word. Catch queue.Empty, and only around get().
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue
from queue import Empty


def careless_consumer(q: Queue[int]) -> None:
    handled = 0
    while True:
        try:
            item = q.get(timeout=0.5)
            print(f"careless: got {item}", flush=True)
            # itme: a typo for item
            handled += itme  # type: ignore[name-defined]  # noqa: F821
        except:  # noqa: E722  (the mistake this program shows)
            break
    print(
        f"careless: stopped after {handled} of 3 items, and said nothing",
        flush=True,
    )


def careful_consumer(q: Queue[int]) -> None:
    handled = 0
    while True:
        try:
            item = q.get(timeout=0.5)
        except Empty:
            break
        handled += item
    print(
        f"careful: stopped on queue.Empty; the items summed to {handled}",
        flush=True,
    )


def main() -> None:
    for consumer in (careless_consumer, careful_consumer):
        q: Queue[int] = mp.Queue()
        for item in (1, 2, 3):
            q.put(item)
        consuming = mp.Process(target=consumer, args=(q,))
        consuming.start()
        consuming.join()


if __name__ == "__main__":
    main()
