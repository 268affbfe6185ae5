"""Why queue.Queue cannot carry items between processes.

queue.Queue lives in one process's memory.  Under fork the child gets its own
copy, so what it puts never reaches the parent: no race, simply two queues.
Under spawn and forkserver the child needs a pickled copy, and the queue's
lock cannot be pickled, so start() fails.  multiprocessing.Queue works under
all three.  This program picks the start methods itself to show each case.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from typing import Any

METHODS = ("fork", "spawn", "forkserver")


def send(q: Any) -> None:
    q.put("hello from the child")


def attempt(kind: str, method: str) -> None:
    # Every real context has Process; typeshed's BaseContext does not say so.
    context: Any = mp.get_context(method)
    q: Any = queue.Queue() if kind == "queue.Queue" else context.Queue()
    child = context.Process(target=send, args=(q,))
    try:
        child.start()
    except TypeError as error:
        print(
            f"{kind:<21} {method:<10} start() raised TypeError: {error}",
            flush=True,
        )
        return
    child.join()  # safe before get(): one small item never fills the pipe
    try:
        print(
            f"{kind:<21} {method:<10} parent got: {q.get(timeout=1)!r}",
            flush=True,
        )
    except queue.Empty:
        print(
            f"{kind:<21} {method:<10} parent got nothing: "
            "the child filled its own copy",
            flush=True,
        )


def main() -> None:
    for method in METHODS:
        attempt("queue.Queue", method)
    for method in METHODS:
        attempt("multiprocessing.Queue", method)


if __name__ == "__main__":
    main()
