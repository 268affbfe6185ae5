"""A variable named `queue` hides the queue module: the except clause breaks.

queue.Full and queue.Empty live in the standard `queue` module.  Inside a
function whose queue variable is called `queue`, the expression `queue.Full`
looks the name up on the Queue object, which has no such attribute.  The
error appears only when the queue really is full, so a test that never fills
it passes.
"""

from __future__ import annotations

import multiprocessing as mp
import queue  # the module that defines Full and Empty
from multiprocessing.queues import Queue


def add_shadowed(item: int) -> None:
    # the mistake shown here: this name hides the queue module
    queue: Queue[int] = mp.Queue(maxsize=1)  # noqa: F811
    queue.put(item)
    try:
        queue.put_nowait(item)
    # Evaluated only now: `queue` is the Queue object here.
    # (mypy reports it too.)
    except queue.Full:  # type: ignore[attr-defined]
        print("queue full, item dropped", flush=True)


def add_fixed(item: int) -> None:
    tasks: Queue[int] = mp.Queue(maxsize=1)
    tasks.put(item)
    try:
        tasks.put_nowait(item)
    except queue.Full:  # `queue` is the module again
        print("fixed version: queue.Full caught, item dropped", flush=True)


def main() -> None:
    try:
        add_shadowed(7)
    except AttributeError as error:
        print(f"shadowed version: AttributeError: {error}", flush=True)
        context = type(error.__context__)
        print(
            "raised while handling:",
            f"{context.__module__}.{context.__name__}",
            flush=True,
        )
    add_fixed(7)


if __name__ == "__main__":
    main()
