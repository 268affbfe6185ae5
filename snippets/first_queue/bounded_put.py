"""put() on a full bounded queue: wait, fail at once, or wait a while.

Queue(maxsize=2) holds at most two items that nobody has taken yet.  A third
put() waits for space by default; block=False and put_nowait() raise
queue.Full at once; timeout= waits that long and then raises queue.Full.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from multiprocessing.queues import Queue
from queue import (
    Full,
)  # the exception lives in the queue module, not in multiprocessing


def main() -> None:
    q: Queue[int] = mp.Queue(maxsize=2)
    q.put(1)
    q.put(2)
    print("two items put; the queue is full", flush=True)

    try:
        q.put(3, block=False)
    except Full:
        print("put(3, block=False) raised queue.Full at once", flush=True)

    try:
        q.put_nowait(3)  # the same as put(3, block=False)
    except Full:
        print("put_nowait(3) raised queue.Full at once", flush=True)

    started = time.monotonic()
    try:
        q.put(3, timeout=0.2)
    except Full:
        waited = time.monotonic() - started
        print(
            "put(3, timeout=0.2) raised queue.Full after waiting "
            f"{waited:.2f} s",
            flush=True,
        )

    print(f"get() -> {q.get()}", flush=True)
    q.put_nowait(3)  # one place is free again
    print("put_nowait(3) succeeded after one get()", flush=True)
    print(f"remaining: {q.get()}, {q.get()}", flush=True)


if __name__ == "__main__":
    main()
