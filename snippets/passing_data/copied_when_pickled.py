"""put() returns before the item is copied: a change right after it travels.

put() only appends the object to a buffer. The queue's feeder thread pickles
it later, and the copy is taken then. Here the object waits, when it is
pickled, until main has changed it, so the timing is certain: the item
arrives with the change, and the feeder thread, not main's thread, pickled
it. Without that wait the outcome would be a race. Change nothing you have
put, or put a copy.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from multiprocessing.queues import Queue

changed = threading.Event()


class Basket:
    def __init__(self) -> None:
        self.items = ["apple"]

    def __getstate__(self) -> dict[str, list[str]]:
        changed.wait(
            timeout=10
        )  # for a certain outcome: be pickled only after main's change
        print(
            f"pickled by the thread {threading.current_thread().name}",
            flush=True,
        )
        return self.__dict__


def main() -> None:
    q: Queue[Basket] = mp.Queue()
    basket = Basket()
    q.put(basket)
    print("put() returned", flush=True)
    basket.items.append("pear")  # after put(): is it in the copy?
    changed.set()
    print(f"got {q.get().items}", flush=True)


if __name__ == "__main__":
    main()
