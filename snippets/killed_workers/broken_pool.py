"""ProcessPoolExecutor notices a killed worker: the pool breaks; submit again.

When one of its processes dies, the executor fails every future that has no
result yet with BrokenProcessPool and refuses new work.  Keep what finished,
make a new executor, and submit the failed tasks again.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

TASKS = 8


def square(task: int, attempt: int) -> int:
    if task == 3 and attempt == 1:
        # the out-of-memory killer strikes
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.1)  # the work
    return task * task


def attempt_all(
    todo: list[int], attempt: int
) -> tuple[dict[int, int], list[int]]:
    """Return the results, and the tasks whose future got BrokenProcessPool."""
    squares: dict[int, int] = {}
    failed: list[int] = []
    with ProcessPoolExecutor(max_workers=2) as executor:
        futures: dict[int, Future[int]] = {
            task: executor.submit(square, task, attempt) for task in todo
        }
        for task, future in futures.items():
            try:
                squares[task] = future.result()
            except BrokenProcessPool:
                failed.append(task)
        if failed:
            try:
                executor.submit(square, 0, attempt)
            except BrokenProcessPool:
                print(
                    f"Attempt {attempt}: submit() now raises "
                    "BrokenProcessPool",
                    flush=True,
                )
    return squares, failed


def main() -> None:
    squares, failed = attempt_all(list(range(TASKS)), attempt=1)
    print(
        f"Attempt 1: {len(squares)} results, {len(failed)} BrokenProcessPool",
        flush=True,
    )
    print(f"Attempt 1: task 3 among the failed: {3 in failed}", flush=True)
    retried, still_failed = attempt_all(failed, attempt=2)
    squares.update(retried)
    print(
        f"Attempt 2: {len(retried)} results, "
        f"{len(still_failed)} BrokenProcessPool",
        flush=True,
    )
    print(
        f"All {TASKS} squares: {[squares[task] for task in range(TASKS)]}",
        flush=True,
    )


if __name__ == "__main__":
    main()
