"""Pool.map() keeps the order of its input; imap_unordered() does not.

A Pool is a task queue, a result queue and worker processes that take
from one and put into the other. map() waits for every result and returns
them in input order. imap_unordered() yields each result as soon as it is
back. Here task 0 is held until main sets an event, so task 1 always
finishes first. With chunksize, a worker takes several tasks at once:
fewer trips through the task queue, and the tasks of a chunk always run in
one worker, one after the other.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from multiprocessing.synchronize import Event

_go: Event | None = None  # set in each worker by share_event()


def share_event(event: Event) -> None:
    global _go
    _go = event


def square(number: int) -> int:
    assert _go is not None, "the pool's initializer sets it"
    if number == 0:
        _go.wait()  # task 0 finishes only once main says so
    return number * number


def worker_of(number: int) -> tuple[int, int]:
    return number, os.getpid()


def main() -> None:
    go = mp.Event()
    with mp.Pool(2, initializer=share_event, initargs=(go,)) as pool:
        threading.Timer(0.2, go.set).start()  # task 1 is done well before
        print(f"map():            {pool.map(square, [0, 1])}", flush=True)
        go.clear()
        results = pool.imap_unordered(square, [0, 1])
        first = next(results)  # task 0 is still held: this is task 1's
        go.set()
        print(f"imap_unordered(): {[first, *results]}", flush=True)
        pool.close()  # let the workers exit normally: the with block would
        pool.join()  # terminate() them
    with mp.Pool(2) as pool:
        ran_in = dict(pool.map(worker_of, range(12), chunksize=4))
        pool.close()
        pool.join()
    chunks = [[ran_in[task] for task in range(at, at + 4)] for at in (0, 4, 8)]
    print(
        "chunksize=4: each chunk ran in one worker: "
        f"{all(len(set(chunk)) == 1 for chunk in chunks)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
