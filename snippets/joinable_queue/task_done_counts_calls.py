"""task_done() counts calls against puts; it neither checks nor removes items.

One call more than there were puts raises ValueError. But three calls after
three puts and no get() at all are accepted: join() returns while all three
items are still in the queue.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import JoinableQueue


def main() -> None:
    q: JoinableQueue[int] = mp.JoinableQueue()
    q.put(0)
    q.get()
    q.task_done()
    try:
        q.task_done()  # a second call for one put
    except ValueError as error:
        print(f"one put, two task_done(): ValueError: {error}", flush=True)

    q = mp.JoinableQueue()
    for item in range(3):
        q.put(item)
    for _ in range(3):
        q.task_done()  # no get() at all
    q.join()
    print(
        "three puts, no get(), three task_done(): join() returned", flush=True
    )
    # The three items are still there: take them (the feeder thread may
    # still be writing them into the pipe, so wait for each).
    left = [q.get(timeout=5) for _ in range(3)]
    print(f"still in the queue after join(): {left}", flush=True)


if __name__ == "__main__":
    main()
