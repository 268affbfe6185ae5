"""Without finally:, a failing task skips task_done() and join() waits forever.

The consumer catches the error and moves on, but the failed task is never
marked done, so the unfinished-task counter never reaches zero. The checks
stop this program once it has printed all it will print and stayed silent
for a second; stop yours with Ctrl-C.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import JoinableQueue


def consumer(q: JoinableQueue[int | None]) -> None:
    while (task := q.get()) is not None:
        try:
            print(f"Consumer: task {task} -> {12 // task}", flush=True)
        except ZeroDivisionError:
            print(f"Consumer: task {task} failed, moving on", flush=True)
            continue  # the mistake: this skips task_done() below
        q.task_done()
    q.task_done()  # for the stop value


def main() -> None:
    q: JoinableQueue[int | None] = mp.JoinableQueue()
    consuming = mp.Process(target=consumer, args=(q,))
    consuming.start()
    for task in [3, 0, 4]:
        q.put(task)
    q.put(None)
    print("Main: waiting in join()", flush=True)
    q.join()  # never returns: one task_done() is missing
    print("Main: join() returned", flush=True)  # never printed


if __name__ == "__main__":
    main()
