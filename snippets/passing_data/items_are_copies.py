"""The receiver gets a copy: changing it changes nothing in the sender.

Every item is pickled on the way, so the child's list is a new object. The
same object put twice arrives as two separate objects.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue


def child(inbox: Queue[list[int]], outbox: Queue[str]) -> None:
    first, second = inbox.get(), inbox.get()
    first.append(99)
    outbox.put(f"child: changed its copy to {first}")
    outbox.put(f"child: the two items are one object: {first is second}")


def main() -> None:
    inbox: Queue[list[int]] = mp.Queue()
    outbox: Queue[str] = mp.Queue()
    numbers = [1, 2, 3]
    inbox.put(numbers)
    inbox.put(numbers)  # the same list, twice
    receiving = mp.Process(target=child, args=(inbox, outbox))
    receiving.start()
    print(outbox.get(), flush=True)
    print(outbox.get(), flush=True)
    receiving.join()
    print(f"main: the original is still {numbers}", flush=True)


if __name__ == "__main__":
    main()
