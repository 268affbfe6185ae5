"""What a queue holds, and how many a process can make before EMFILE.

On Linux each Queue holds both ends of a pipe: two file descriptors, from
the moment it is made (on macOS five: its three semaphores are descriptors
too). Its first put() starts a feeder thread. A process may
have only so many descriptors open (`ulimit -n`), so a program that makes
a queue per task and keeps them fails at the next Queue() with OSError:
"Too many open files". After a put(), close() and join_thread() give the
pipe and the thread back (on macOS the three semaphores stay until the
queue is garbage-collected).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import threading
from multiprocessing.queues import Queue, SimpleQueue

FREE = 40  # descriptors left free under the lowered limit


def open_descriptors() -> set[int]:
    folder = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    return {int(name) for name in os.listdir(folder)}


def limit_leaving_free(count: int) -> int:
    """The lowest limit under which exactly ``count`` descriptors are free."""
    used, limit, free = open_descriptors(), 0, 0
    while free < count:
        free += limit not in used
        limit += 1
    return limit


def main() -> None:
    # Under spawn and forkserver the first queue also starts the resource
    # tracker, a helper process, which takes one descriptor more, once.
    mp.Queue().close()
    before, threads = len(open_descriptors()), threading.active_count()
    q: Queue[str] = mp.Queue()
    print(
        f"Queue(): {len(open_descriptors()) - before} descriptors", flush=True
    )
    q.put("x")
    print(
        f"first put(): {threading.active_count() - threads} thread", flush=True
    )
    q.get()
    q.close()
    q.join_thread()
    print(
        f"close() and join_thread(): {len(open_descriptors()) - before} "
        f"descriptors, {threading.active_count() - threads} threads",
        flush=True,
    )

    simple: SimpleQueue[str] = mp.SimpleQueue()
    print(
        f"SimpleQueue(): {len(open_descriptors()) - before} descriptors",
        flush=True,
    )
    simple.close()
    ends = mp.Pipe()
    print(
        f"Pipe(): {len(open_descriptors()) - before}, one per end", flush=True
    )
    for end in ends:
        end.close()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (limit_leaving_free(FREE), hard)
    )
    kept: list[Queue[str]] = []
    try:
        while True:
            kept.append(mp.Queue())  # one per task, and never closed
    except OSError as error:
        print(
            f"{FREE} descriptors free: {len(kept)} queues, then OSError: "
            f"{error.strerror}",
            flush=True,
        )
    finally:
        for each in kept:
            each.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


if __name__ == "__main__":
    main()
