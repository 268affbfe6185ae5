"""qsize(), empty() and full() are hints about a moment already past.

put() does not write into the pipe itself: it appends the item to a buffer
that a feeder thread flushes a little later.  qsize() and full() count puts
at once, while empty() looks at the pipe, so right after a put() they can
contradict each other, and get_nowait() can fail although qsize() says 1.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from multiprocessing.queues import Queue
from queue import Empty

TRIALS = 200


def main() -> None:
    q: Queue[int] = mp.Queue(maxsize=1)
    q.put(1)
    # Read all three at once, straight after the put.
    print(
        f"right after put(): qsize()={q.qsize()} full()={q.full()} "
        f"empty()={q.empty()}",
        flush=True,
    )
    # up to 5 s; the feeder thread writes the item meanwhile
    for _ in range(500):
        time.sleep(0.01)
        if not q.empty():
            break
    print(
        f"moments later:     qsize()={q.qsize()} full()={q.full()} "
        f"empty()={q.empty()}",
        flush=True,
    )
    q.get()

    # The first put() on a new queue also has to start the feeder thread,
    # so the hint is stale for longest there.
    empty_after_put = 0
    nowait_failed = 0
    for trial in range(TRIALS):
        fresh: Queue[int] = mp.Queue()
        fresh.put(trial)
        empty_after_put += fresh.empty()
        try:
            fresh.get_nowait()
        except Empty:
            nowait_failed += 1
            fresh.get()  # the item does arrive; get() waits for it
        fresh.close()
        fresh.join_thread()
    print(
        f"empty() was True right after the first put() "
        f"in {empty_after_put} of {TRIALS} new queues",
        flush=True,
    )
    print(
        f"get_nowait() raised Empty right after the first put() "
        f"in {nowait_failed} of {TRIALS} new queues",
        flush=True,
    )
    print(
        "the hint was wrong at least once:",
        empty_after_put > 0 and nowait_failed > 0,
        flush=True,
    )


if __name__ == "__main__":
    main()
