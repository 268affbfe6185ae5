"""A worker killed in the middle of a put() breaks the queue for every process.

put() hands the item to the queue's feeder thread, which writes it into a
pipe while it holds the queue's write lock.  A large item does not fit in
the pipe, so the feeder waits there, lock held, until someone reads.  Killed
at that moment, the process leaves half a message in the pipe and the lock
taken: main's get() waits for the rest of the message, and the next put()
waits for the lock, both forever.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

LARGE = 1_000_000  # bytes: more than a pipe holds, so the write stops halfway


def put_large(results: Queue[bytes]) -> None:
    results.put(bytes(LARGE))
    time.sleep(60)  # still at work when it is killed


def put_small(results: Queue[bytes], put_returned: Event) -> None:
    results.put(b"small")
    print("Second worker: put() returned", flush=True)
    put_returned.set()


def main() -> None:
    results: Queue[bytes] = mp.Queue()
    first = mp.Process(target=put_large, args=(results,))
    first.start()
    # until the first bytes of the large item are in the pipe
    while results.empty():
        time.sleep(0.01)
    first.kill()  # SIGKILL, as the out-of-memory killer sends
    first.join()
    print(
        f"First worker: killed during its put(), exit code {first.exitcode}",
        flush=True,
    )

    put_returned = mp.Event()
    second = mp.Process(target=put_small, args=(results, put_returned))
    second.start()
    put_returned.wait()
    # A thread, so that main can go on: the get() never returns.
    reader = threading.Thread(
        target=results.get, kwargs={"timeout": 0.5}, daemon=True
    )
    reader.start()
    reader.join(2)
    print(
        f"Main: get(timeout=0.5) still waiting after 2 s: {reader.is_alive()}",
        flush=True,
    )
    second.join(1)
    print(
        "Second worker: still not exited 1 s later: "
        f"{second.exitcode is None}",
        flush=True,
    )
    second.kill()
    second.join()


if __name__ == "__main__":
    main()
