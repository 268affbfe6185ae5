"""Notice a dead worker: get() with a short timeout, check workers in between.

A get() cannot tell "no result yet" from "no result ever".  Process objects
can: is_alive() is False and exitcode is negative once a signal has killed
the process.  Here worker 1 is killed as it starts its first task.  Main
notices, gives up waiting for that task, and runs it again with new queues,
because a queue a process was killed with may be broken (see
killed_mid_put.py).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from queue import Empty

TASKS = 8
WORKERS = 2


def square(
    number: int,
    doomed: int | None,
    tasks: Queue[int | None],
    results: Queue[tuple[int, int]],
    started: Barrier,
) -> None:
    task = tasks.get()
    started.wait()  # every worker holds a task before any finishes one
    while task is not None:
        if number == doomed:
            # killed holding its first task
            os.kill(os.getpid(), signal.SIGKILL)
        results.put((task, task * task))
        task = tasks.get()


def collect(
    results: Queue[tuple[int, int]], workers: Sequence[BaseProcess]
) -> dict[int, int]:
    """Every result that will ever come: stop when no worker is left."""
    squares: dict[int, int] = {}
    while True:
        # Checked before the get(): a process exits only after its puts have
        # reached the pipe, so once all have ended, an empty get() is the end.
        everyone_ended = not any(worker.is_alive() for worker in workers)
        try:
            task, value = results.get(timeout=0.1)
        except Empty:
            if everyone_ended:
                return squares
            continue
        squares[task] = value


def run(
    todo: list[int], doomed: int | None
) -> tuple[dict[int, int], list[int | None]]:
    """Run the tasks with new queues and workers: results, exit codes."""
    tasks: Queue[int | None] = mp.Queue()
    results: Queue[tuple[int, int]] = mp.Queue()
    started = mp.Barrier(WORKERS)
    workers = [
        mp.Process(target=square, args=(n, doomed, tasks, results, started))
        for n in range(WORKERS)
    ]
    for task in todo:
        tasks.put(task)
    for _ in workers:
        tasks.put(None)
    for worker in workers:
        worker.start()
    squares = collect(results, workers)
    for worker in workers:
        worker.join()
    return squares, [worker.exitcode for worker in workers]


def main() -> None:
    squares, exitcodes = run(list(range(TASKS)), doomed=1)
    for number, code in enumerate(exitcodes):
        if code is not None and code < 0:
            print(
                f"Main: worker {number} was killed by "
                f"{signal.Signals(-code).name}",
                flush=True,
            )
    missing = [task for task in range(TASKS) if task not in squares]
    print(f"Main: {len(squares)} of {TASKS} tasks have a result", flush=True)

    retried, exitcodes = run(missing, doomed=None)
    squares.update(retried)
    print(
        f"Main: ran {len(missing)} task again, worker exit codes {exitcodes}",
        flush=True,
    )
    print(
        f"Main: all {TASKS} squares: "
        f"{[squares[task] for task in range(TASKS)]}",
        flush=True,
    )


if __name__ == "__main__":
    main()
