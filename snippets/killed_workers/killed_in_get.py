"""A consumer killed while waiting in get() takes the read lock with it.

get() holds the queue's read lock while it waits for a message. Killed
there, the consumer never releases it. Main then puts an item, and its own
get(timeout=1) waits a second for the lock and raises queue.Empty although
the item is in the queue: so would every reader after it. This is what
terminate() or kill() does to a consumer that is idle in get().
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event


def consumer(q: Queue[str], waiting: Event) -> None:
    waiting.set()
    q.get()  # holds the read lock while it waits


def main() -> None:
    q: Queue[str] = mp.Queue()
    waiting = mp.Event()
    consuming = mp.Process(target=consumer, args=(q, waiting))
    consuming.start()
    waiting.wait()
    # from waiting.set() into get() takes microseconds: ample time
    time.sleep(0.5)
    consuming.kill()
    consuming.join()
    print(
        "Main: the consumer was killed in get(), exit code "
        f"{consuming.exitcode}",
        flush=True,
    )
    q.put("item")
    # until the feeder thread has written the item into the pipe
    while q.empty():
        time.sleep(0.01)
    try:
        q.get(timeout=1)
    except queue.Empty:
        print(
            "Main: get(timeout=1) raised queue.Empty with an item in the pipe",
            flush=True,
        )


if __name__ == "__main__":
    main()
