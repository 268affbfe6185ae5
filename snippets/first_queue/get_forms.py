"""get() on an empty queue: wait, fail at once, or wait a while.

get() with no arguments waits as long as it takes (timeout=None is the
default).  block=False, get_nowait() and timeout=0 raise queue.Empty at once;
timeout=0.2 waits that long first.
"""

from __future__ import annotations

import inspect
import multiprocessing as mp
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from queue import Empty


def put_later(q: Queue[str], delay: float) -> None:
    time.sleep(delay)
    q.put("late item")


def main() -> None:
    print(f"get{inspect.signature(Queue.get)}", flush=True)
    q: Queue[str] = mp.Queue()

    forms: list[tuple[str, Callable[[], str]]] = [
        ("get(block=False)", lambda: q.get(block=False)),
        ("get_nowait()", q.get_nowait),
        ("get(timeout=0)", lambda: q.get(timeout=0)),
        ("get(timeout=0.2)", lambda: q.get(timeout=0.2)),
    ]
    for label, attempt in forms:
        started = time.monotonic()
        try:
            attempt()
        except Empty:
            waited = time.monotonic() - started
            print(
                f"{label} on an empty queue raised queue.Empty after "
                f"{waited:.2f} s",
                flush=True,
            )

    try:
        q.get(blocking=False)  # type: ignore[call-arg]
    except TypeError:
        print(
            "get(blocking=False) raised TypeError: "
            "the parameter is called block",
            flush=True,
        )

    sender = mp.Process(target=put_later, args=(q, 0.5))
    sender.start()
    started = time.monotonic()
    item = q.get()  # no timeout: waits for the child's put
    waited = time.monotonic() - started
    print(f"get() waited {waited:.2f} s and returned {item!r}", flush=True)
    print(
        f"get() waited for the item rather than failing: {waited >= 0.4}",
        flush=True,
    )
    sender.join()


if __name__ == "__main__":
    main()
