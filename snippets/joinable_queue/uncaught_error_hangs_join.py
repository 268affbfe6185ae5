"""task_done() in finally: cannot save join() when an error kills the consumer.

The consumer handles ZeroDivisionError and marks every task done in a
finally: clause. A task it does not expect raises TypeError: finally: still
marks that task done, but the exception ends the consumer, and the tasks
after it are never taken. join() then waits for them forever. Catch every
exception a task can raise (or Exception) inside the loop, as the recipe
handle_tasks does.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from multiprocessing.queues import JoinableQueue

TASKS: list[int | str | None] = [5, 0, "x", 2, None]


def consumer(tasks: JoinableQueue[int | str | None]) -> None:
    while True:
        task = tasks.get()
        try:
            if task is None:
                return
            result = 10 // task  # type: ignore[operator]
            print(f"Consumer: 10 // {task!r} = {result}", flush=True)
        except ZeroDivisionError:
            print(f"Consumer: 10 // {task!r} fails; skipped", flush=True)
        finally:
            tasks.task_done()


def main() -> None:
    tasks: JoinableQueue[int | str | None] = mp.JoinableQueue()
    consuming = mp.Process(target=consumer, args=(tasks,))
    consuming.start()
    for task in TASKS:
        tasks.put(task)
    consuming.join()
    print(
        f"Main: the consumer exited with code {consuming.exitcode}", flush=True
    )
    joining = threading.Thread(target=tasks.join, daemon=True)
    joining.start()
    joining.join(timeout=1)
    print(
        f"Main: join() still waiting after 1 s: {joining.is_alive()}",
        flush=True,
    )


if __name__ == "__main__":
    main()
