"""close() in one process tells the other processes nothing.

Main puts two items and calls close(). The consumer gets both, and then its
next get() simply waits: no end-of-data signal ever arrives, because close()
only ends the calling process's own use of the queue: main itself can no
longer get. The consumer can even go on putting and getting on the same queue.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue
from queue import Empty


def consumer(q: Queue[str]) -> None:
    for _ in range(2):
        print(f"Consumer: got {q.get()!r}", flush=True)
    try:
        q.get(timeout=0.5)
    except Empty:
        print(
            "Consumer: no signal from main's close(); get() waited 0.5 s",
            flush=True,
        )
    q.put("still works")
    print(
        f"Consumer: put and got back {q.get()!r} on the same queue", flush=True
    )


def main() -> None:
    q: Queue[str] = mp.Queue()
    consuming = mp.Process(target=consumer, args=(q,))
    # before close(): a child started later would inherit closed ends
    consuming.start()
    q.put("first")
    q.put("second")
    q.close()  # main will put nothing more; the consumer is not told
    q.join_thread()  # wait until both items are in the pipe
    print("Main: closed the queue", flush=True)
    try:
        q.get(timeout=0.1)
    except ValueError as error:  # close() ended main's reading too
        closed = str(error).endswith("is closed")
        print(
            f"Main: get() after close() raised ValueError, closed: {closed}",
            flush=True,
        )
    consuming.join()


if __name__ == "__main__":
    main()
