"""Join the producer before the queue.

join() on a queue that nobody has put into yet returns at once.
The producer makes five (index, value) tasks; the consumer works on each and
reports it. Joining the queue straight after starting the producer returns
before the first put(), because the unfinished-task counter is still zero.
Joining the producer first, then the queue, waits for every task.

Starting a process takes milliseconds and join() returns in microseconds, so
the wrong order almost always loses the race. Here the producer waits for a
go-ahead from main, which makes that usual outcome certain.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import time
from multiprocessing.queues import JoinableQueue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event

TASKS = 5
Task = tuple[int, float] | None


def producer(q: JoinableQueue[Task], go: Event) -> None:
    go.wait()
    for index in range(TASKS):
        q.put((index, random.random()))


def consumer(q: JoinableQueue[Task], done: Synchronized[int]) -> None:
    while (task := q.get()) is not None:
        index, value = task
        time.sleep(value / 20)  # the work
        print(f"Consumer: task {index} done ({value:.3f})", flush=True)
        with done.get_lock():
            done.value += 1
        q.task_done()
    q.task_done()


def run(join_producer_first: bool) -> None:
    q: JoinableQueue[Task] = mp.JoinableQueue()
    go = mp.Event()
    done: Synchronized[int] = mp.Value("i", 0)
    consuming = mp.Process(target=consumer, args=(q, done))
    producing = mp.Process(target=producer, args=(q, go))
    consuming.start()
    producing.start()
    if join_producer_first:
        go.set()
        producing.join()  # every put() has happened...
        q.join()  # ...so this waits for every task
        order = "producer, then queue"
    else:
        q.join()  # the mistake: nothing was put yet, so this returns at once
        order = "queue before producer"
    print(
        f"Main ({order}): join() returned, {done.value} of {TASKS} done",
        flush=True,
    )
    go.set()
    producing.join()
    q.put(None)
    consuming.join()


def main() -> None:
    run(join_producer_first=False)
    run(join_producer_first=True)


if __name__ == "__main__":
    main()
