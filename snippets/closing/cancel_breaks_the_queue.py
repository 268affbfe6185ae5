"""cancel_join_thread() can leave half a message in the pipe: readers stick.

The worker puts an item larger than the pipe holds. Its feeder thread writes
the first part and waits for a reader. Once main sees data in the pipe, the
worker calls cancel_join_thread() and returns: the process exits without
waiting for its feeder, which dies in the middle of the message. The item is
not just lost: main's get() reads the first part and waits for the rest,
and its timeout does not help, because it bounds only the wait for the
first bytes.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

LARGE = 1_000_000  # bytes: far more than a pipe holds (64 KiB on Linux)


def worker(q: Queue[bytes], seen: Event) -> None:
    q.put(bytes(LARGE))  # the feeder writes what fits, then waits for a reader
    seen.wait()  # until main has seen the first part in the pipe
    q.cancel_join_thread()  # exit now, without waiting for the feeder


def main() -> None:
    q: Queue[bytes] = mp.Queue()
    seen = mp.Event()
    working = mp.Process(target=worker, args=(q, seen))
    working.start()
    while q.empty():  # nothing in the pipe yet
        time.sleep(0.01)
    seen.set()
    working.join()
    print(
        f"worker exited with code {working.exitcode}, without waiting",
        flush=True,
    )
    print(f"empty(): {q.empty()}", flush=True)
    taken = threading.Thread(target=q.get, kwargs={"timeout": 1}, daemon=True)
    taken.start()
    taken.join(timeout=2)
    print(
        f"get(timeout=1) still waiting after 2 s: {taken.is_alive()}",
        flush=True,
    )


if __name__ == "__main__":
    main()
