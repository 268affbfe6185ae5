"""An "unbounded" queue is bounded by the most a semaphore can count to.

Queue() and Queue(maxsize=0) both become Queue(maxsize=SEM_VALUE_MAX): the
queue counts free places with a semaphore, and a semaphore has a ceiling.
It is 2,147,483,647 on Linux and on Windows, but 32,767 on macOS, where a
default queue stops accepting put() after 32,767 items nobody has taken.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing import synchronize
from multiprocessing.queues import Queue

# Not in typeshed's stubs; multiprocessing.synchronize defines it everywhere.
SEM_VALUE_MAX: int = synchronize.SEM_VALUE_MAX  # type: ignore[attr-defined]


def main() -> None:
    print(f"SEM_VALUE_MAX on this platform: {SEM_VALUE_MAX}", flush=True)
    queues: list[tuple[str, Queue[int]]] = [
        ("Queue()", mp.Queue()),
        ("Queue(maxsize=0)", mp.Queue(maxsize=0)),
        ("Queue(maxsize=-5)", mp.Queue(maxsize=-5)),
    ]
    for label, q in queues:
        # _maxsize is private; it is read here only to show the limit.
        print(
            f"{label:<18} holds at most SEM_VALUE_MAX items:",
            q._maxsize == SEM_VALUE_MAX,  # type: ignore[attr-defined]
            flush=True,
        )
        q.close()


if __name__ == "__main__":
    main()
