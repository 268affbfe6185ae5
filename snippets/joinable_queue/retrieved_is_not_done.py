"""An empty queue means every item was taken, not that the work is finished.

The consumer takes all three items at once, then works on them. The queue is
empty long before the work is done; JoinableQueue.join() waits for the work,
because it counts task_done() calls, not items taken.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from multiprocessing.queues import JoinableQueue
from multiprocessing.synchronize import Event

TASKS = 3


def consumer(q: JoinableQueue[int], took_all: Event) -> None:
    taken = [q.get() for _ in range(TASKS)]
    print(f"Consumer: took all {TASKS} items, now working on them", flush=True)
    took_all.set()
    for task in taken:
        time.sleep(0.1)  # the work
        print(f"Consumer: finished task {task}", flush=True)
        q.task_done()


def main() -> None:
    q: JoinableQueue[int] = mp.JoinableQueue()
    took_all = mp.Event()
    for task in range(TASKS):
        q.put(task)
    consuming = mp.Process(target=consumer, args=(q, took_all))
    consuming.start()
    took_all.wait()
    print(f"Main: every item was taken, queue empty: {q.empty()}", flush=True)
    q.join()  # waits for one task_done() per put()
    print("Main: join() returned: every task is finished", flush=True)
    consuming.join()


if __name__ == "__main__":
    main()
