"""How to annotate a process queue, on every Python from 3.10.

multiprocessing.Queue is a function, so it cannot be a type. The class is
multiprocessing.queues.Queue. It accepts Queue[int] at run time only from
Python 3.12; with `from __future__ import annotations` annotations are never
evaluated, so Queue[int] in an annotation works on every version. mypy
checks this file in the site's tests.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from multiprocessing.queues import JoinableQueue, Queue


def total(q: Queue[int], count: int) -> int:
    return sum(q.get() for _ in range(count))


def main() -> None:
    # fine on 3.10+: this annotation is never evaluated
    q: Queue[int] = mp.Queue()
    tasks: JoinableQueue[str] = mp.JoinableQueue()
    for n in (1, 2, 3):
        q.put(n)
    print(f"total: {total(q, 3)}", flush=True)
    tasks.put("done")
    tasks.get()
    tasks.task_done()
    tasks.join()

    print(
        f"multiprocessing.Queue is a class: {isinstance(mp.Queue, type)}",
        flush=True,
    )
    try:
        Queue[int]  # evaluated at run time  # noqa: B018
        subscriptable = True
    except TypeError:
        subscriptable = False
    expected = sys.version_info >= (3, 12)
    print(
        "Queue[int] at run time works exactly from 3.12: "
        f"{subscriptable == expected}",
        flush=True,
    )


if __name__ == "__main__":
    main()
