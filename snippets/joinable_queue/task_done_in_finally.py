"""Call task_done() in a finally: clause: a task that fails still counts.

Task 0 raises ZeroDivisionError. The consumer reports it and goes on, and
because task_done() sits in finally:, join() in main still returns.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import JoinableQueue


def handle(task: int) -> int:
    return 12 // task


def consumer(q: JoinableQueue[int | None]) -> None:
    while True:
        task = q.get()
        try:
            if task is None:
                return
            print(f"Consumer: task {task} -> {handle(task)}", flush=True)
        except ZeroDivisionError as error:
            print(f"Consumer: task {task} failed: {error!r}", flush=True)
        finally:
            # runs on success, on failure, and for the stop value
            q.task_done()


def main() -> None:
    q: JoinableQueue[int | None] = mp.JoinableQueue()
    consuming = mp.Process(target=consumer, args=(q,))
    consuming.start()
    for task in [3, 0, 4]:
        q.put(task)
    q.put(None)
    q.join()
    print("Main: join() returned: every task was marked done", flush=True)
    consuming.join()


if __name__ == "__main__":
    main()
