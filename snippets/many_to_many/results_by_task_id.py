"""Results from several consumers come in any order: tag each with its id.

Main puts eight numbers to square, each with an id, and two consumers send
back (id, square). Which consumer finishes first varies, so the results
arrive in an order main cannot know in advance. Because each carries its
task's id, main can put every result back in task order, and check that
each task came back exactly once.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import time
from multiprocessing.queues import Queue

CONSUMERS = 2
NUMBERS = [3, 1, 4, 1, 5, 9, 2, 6]
Task = tuple[int, int]  # (task id, number)
Result = tuple[int, int]  # (task id, square)


def consumer(tasks: Queue[Task | None], results: Queue[Result]) -> None:
    while (task := tasks.get()) is not None:
        task_id, number = task
        time.sleep(random.uniform(0, 0.05))  # work of uneven length
        results.put((task_id, number * number))


def main() -> None:
    tasks: Queue[Task | None] = mp.Queue()
    results: Queue[Result] = mp.Queue()
    consumers = [
        mp.Process(target=consumer, args=(tasks, results))
        for _ in range(CONSUMERS)
    ]
    for process in consumers:
        process.start()
    for task in enumerate(NUMBERS):
        tasks.put(task)
    for _ in consumers:
        tasks.put(None)
    # read before joining the consumers
    arrived = [results.get() for _ in NUMBERS]
    for process in consumers:
        process.join()
    once = sorted(task_id for task_id, _ in arrived) == list(
        range(len(NUMBERS))
    )
    print(f"each task came back once: {once}", flush=True)
    by_id = dict(arrived)
    squares = [by_id[task_id] for task_id in range(len(NUMBERS))]
    print(f"squares in task order: {squares}", flush=True)


if __name__ == "__main__":
    main()
