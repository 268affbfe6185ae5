"""put() of an object that cannot be pickled returns; the object is lost.

put() only appends to a buffer; the feeder thread pickles the object later,
fails, prints a traceback on stderr and drops it. The receiver waits for an
item that never comes. Pickling the object yourself before put() turns the
silent loss into an exception at the line that caused it.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import threading
from multiprocessing.queues import Queue
from queue import Empty
from typing import Any


def main() -> None:
    q: Queue[Any] = mp.Queue()
    lock = threading.Lock()  # locks cannot be pickled
    q.put(lock)
    print("put(lock) returned normally", flush=True)
    try:
        q.get(timeout=0.5)
    except Empty:
        print(
            "get() found nothing: the lock was dropped by the feeder thread",
            flush=True,
        )

    try:
        pickle.dumps(lock)
    except TypeError as error:
        print(
            f"pickle.dumps(lock) first raises at once: TypeError: {error}",
            flush=True,
        )


if __name__ == "__main__":
    main()
