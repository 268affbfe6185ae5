"""Thousands of tasks, a fixed set of workers, and memory that stays flat.

cpu_count() - 1 workers (at least one) take tasks from a bounded queue, so
main can never get more than a few tasks ahead of them: its memory stays
flat however many tasks there are. Results and errors come back through a
second queue, which main reads while it feeds, so neither side waits on the
other for long. The same tasks put into an unbounded queue all at once are
measured for comparison.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import tracemalloc
from multiprocessing.queues import Queue

TASKS = 1_000
PAYLOAD = 2_000  # bytes per task, standing in for real work descriptions
WORKERS = max(1, (os.cpu_count() or 2) - 1)
Outcome = tuple[int, str | None]  # (task number, error or None)


def worker(
    tasks: Queue[tuple[int, bytes] | None], results: Queue[Outcome]
) -> None:
    while (task := tasks.get()) is not None:
        number, payload = task
        # the work: slower than handing out a task, as real work is
        time.sleep(0.0005)
        error = "task 123 is broken" if number == 123 else None
        results.put(
            (number, error if len(payload) == PAYLOAD else "bad payload")
        )


def run(maxsize: int) -> tuple[int, int, int]:
    """Feed every task; return (results, errors, peak bytes main allocated)."""
    tasks: Queue[tuple[int, bytes] | None] = mp.Queue(maxsize=maxsize)
    results: Queue[Outcome] = mp.Queue()
    workers = [
        mp.Process(target=worker, args=(tasks, results))
        for _ in range(WORKERS)
    ]
    for process in workers:
        process.start()
    tracemalloc.start()
    received = errors = 0
    for number in range(TASKS):
        # waits while the bounded queue is full
        tasks.put((number, bytes(PAYLOAD)))
        while not results.empty():  # collect what is ready; never wait here
            errors += results.get()[1] is not None
            received += 1
    for _ in workers:
        tasks.put(None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    while received < TASKS:
        errors += results.get()[1] is not None
        received += 1
    for process in workers:
        process.join()
    return received, errors, peak


def main() -> None:
    bounded = run(maxsize=2 * WORKERS)
    unbounded = run(maxsize=0)
    for label, (received, errors, peak) in [
        ("bounded", bounded),
        ("unbounded", unbounded),
    ]:
        megabytes = peak / 1e6
        print(
            f"{label:<9}: {received} results, {errors} error(s), "
            f"main's peak {megabytes:.2f} MB",
            flush=True,
        )
    print(
        "bounded peak under a tenth of unbounded: "
        f"{bounded[2] * 10 < unbounded[2]}",
        flush=True,
    )


if __name__ == "__main__":
    main()
