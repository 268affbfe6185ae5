"""Manager().Queue() is a proxy: every call is a message to a server process.

The manager starts a server process that holds an ordinary queue.Queue;
the proxy sends each put() and get() to it and waits for the answer. That
costs a round trip per call, and the proxy works only as long as the
manager runs. In exchange the proxy can be pickled at any time, and from
Python 3.13 the queue behind it has shutdown().
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import sys
import time
from multiprocessing.managers import SyncManager
from multiprocessing.queues import Queue
from typing import Any

CALLS = 1_000


def seconds_per_put(q: Any) -> float:
    """One put(), from the fastest of five rounds of CALLS; gets untimed.

    The fastest round, as timeit reports: a slower one measured whatever
    else the machine was doing too.
    """
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for number in range(CALLS):
            q.put(number)
        rounds.append((time.perf_counter() - started) / CALLS)
        for _ in range(CALLS):
            q.get()
    return min(rounds)


def main() -> None:
    with mp.Manager() as manager:
        shared = manager.Queue()
        print(f"manager.Queue() returns: {type(shared).__name__}", flush=True)
        through_manager = seconds_per_put(shared)
        own: Queue[int] = mp.Queue()
        direct = seconds_per_put(own)
        own.close()
        print(
            f"one put(): manager queue {through_manager * 1e6:.1f} us, "
            f"multiprocessing.Queue {direct * 1e6:.1f} us",
            flush=True,
        )
        print(
            "the manager queue's put() is slower by more than 2x: "
            f"{through_manager > 2 * direct}",
            flush=True,
        )
        print(
            f"shutdown() from 3.13 on, and only there: {shuts_down(manager)}",
            flush=True,
        )
    try:
        shared.put("after the with block")
    except (OSError, EOFError) as error:
        print(
            f"once the manager stopped, put() raised {type(error).__name__}",
            flush=True,
        )


def shuts_down(manager: SyncManager) -> bool:
    """Whether shutdown() exists exactly from 3.13, and then ends get()."""
    q = manager.Queue()
    if sys.version_info < (3, 13):
        return not hasattr(q, "shutdown")
    q.put("left in the queue")
    q.shutdown(immediate=True)  # drop what is left, wake every waiter
    try:
        left = q.get()
    except queue.ShutDown:
        left = None
    return left is None


if __name__ == "__main__":
    main()
