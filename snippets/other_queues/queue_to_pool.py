"""A Queue cannot be a Pool task's argument; hand it over as workers start.

Arguments of pool.apply() and pool.map() are pickled and sent through a pipe
to workers that are already running, and a Queue refuses to be pickled
except while a new process is being started. Two ways that work: give it to
each worker once, through the pool's initializer, or use a manager's queue,
whose proxy can be pickled at any time.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue
from queue import Queue as ThreadQueue

_results: Queue[int] | None = None  # set in each worker by remember_queue()


def square_into(q: Queue[int] | ThreadQueue[int], n: int) -> None:
    q.put(n * n)


def remember_queue(q: Queue[int]) -> None:
    global _results
    _results = q


def square_into_remembered(n: int) -> None:
    assert _results is not None, "the pool's initializer sets it"
    _results.put(n * n)


def main() -> None:
    q: Queue[int] = mp.Queue()
    with mp.Pool(2) as pool:
        try:
            pool.apply(square_into, (q, 3))
        except RuntimeError as error:
            print(f"as a task argument: RuntimeError: {error}", flush=True)

    with mp.Pool(2, initializer=remember_queue, initargs=(q,)) as pool:
        pool.map(square_into_remembered, [1, 2, 3])
        # Let the workers exit normally: leaving the with block terminates
        # them, which can lose items their feeder threads have not written.
        pool.close()
        pool.join()
    print(
        f"through the initializer: {sorted(q.get() for _ in range(3))}",
        flush=True,
    )

    with mp.Manager() as manager:
        managed: ThreadQueue[int] = manager.Queue()
        with mp.Pool(2) as pool:
            pool.starmap(square_into, [(managed, n) for n in [1, 2, 3]])
            pool.close()
            pool.join()
        print(
            f"a manager's queue: {sorted(managed.get() for _ in range(3))}",
            flush=True,
        )


if __name__ == "__main__":
    main()
