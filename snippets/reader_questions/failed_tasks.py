"""Failing tasks: result envelopes, retries, a dead-letter queue, join().

Each result says whether its task succeeded, so main learns about failures
instead of losing them in a worker's stderr. A task that fails is put back
with its attempt count, up to three attempts; after that it goes to a
dead-letter queue for a human to look at. task_done() runs in finally:, so
join() returns whatever happened.
"""

from __future__ import annotations

import multiprocessing as mp
from dataclasses import dataclass
from multiprocessing.queues import JoinableQueue, Queue

MAX_ATTEMPTS = 3


@dataclass
class Task:
    number: int
    attempt: int = 1


@dataclass
class Result:
    number: int
    ok: bool
    detail: str


def work(task: Task) -> str:
    if task.number == 4:
        raise ValueError("bad input")  # fails every time
    if task.number == 2 and task.attempt == 1:
        raise TimeoutError("server busy")  # fails once, then works
    return f"{task.number} squared is {task.number**2}"


def handle(
    task: Task,
    tasks: JoinableQueue[Task | None],
    results: Queue[Result | None],
    dead: Queue[Task | None],
) -> None:
    try:
        results.put(Result(task.number, True, work(task)))
    # every failure is reported, none is lost
    except Exception as error:  # noqa: BLE001
        results.put(
            Result(task.number, False, f"attempt {task.attempt}: {error!r}")
        )
        if task.attempt < MAX_ATTEMPTS:
            # counted before task_done
            tasks.put(Task(task.number, task.attempt + 1))
        else:
            dead.put(task)


def worker(
    tasks: JoinableQueue[Task | None],
    results: Queue[Result | None],
    dead: Queue[Task | None],
) -> None:
    while (task := tasks.get()) is not None:
        try:
            handle(task, tasks, results, dead)
        finally:
            tasks.task_done()
    tasks.task_done()
    results.put(None)  # nothing more will come: main can stop reading
    dead.put(None)


def main() -> None:
    tasks: JoinableQueue[Task | None] = mp.JoinableQueue()
    results: Queue[Result | None] = mp.Queue()
    dead: Queue[Task | None] = mp.Queue()
    working = mp.Process(target=worker, args=(tasks, results, dead))
    working.start()
    for number in range(1, 6):
        tasks.put(Task(number))
    tasks.join()  # returns: every task, failed or not, was marked done
    tasks.put(None)
    received: list[Result] = []
    while (result := results.get()) is not None:
        received.append(result)
    # A retry is taken when it reaches the front of the queue, after the
    # tasks already there: group the results by task. The sort is stable,
    # so a task's failed attempts keep their order.
    for result in sorted(received, key=lambda each: (each.number, each.ok)):
        status = "ok" if result.ok else "FAILED"
        print(f"task {result.number}: {status} {result.detail}", flush=True)
    while (task := dead.get()) is not None:
        print(f"dead letter: task {task.number}", flush=True)
    working.join()


if __name__ == "__main__":
    main()
