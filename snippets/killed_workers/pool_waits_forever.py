"""multiprocessing.Pool replaces a killed worker, but its task is lost.

The pool notices the death and starts a new worker in its place. Nothing
runs the task the dead worker held again, and nothing tells the caller.
imap() hands back results in task order, so it stops at task 3 and waits
forever: here in a thread, so that main can look at the pool meanwhile.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Iterator


def square(task: int) -> int:
    if task == 3:
        # the out-of-memory killer strikes
        os.kill(os.getpid(), signal.SIGKILL)
    return task * task


def take(results: Iterator[int], three_taken: threading.Event) -> None:
    for task, value in enumerate(results):  # waits forever at 3
        print(f"Main: {task} squared is {value}", flush=True)
        if task == 2:
            three_taken.set()


def main() -> None:
    with mp.Pool(2) as pool:
        before = {child.pid for child in mp.active_children()}
        three_taken = threading.Event()
        taking = threading.Thread(
            target=take,
            args=(pool.imap(square, range(6)), three_taken),
            daemon=True,
        )
        taking.start()
        three_taken.wait()
        # the pool looks for dead workers every 0.1 s
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            now = {child.pid for child in mp.active_children()}
            if len(now) == 2 and now != before:
                break
            time.sleep(0.05)
        print(
            f"Main: the pool has {len(now)} workers, {len(now - before)} of "
            "them new",
            flush=True,
        )
        taking.join(timeout=1)
        print(
            "Main: imap() still waits for the square of 3: "
            f"{taking.is_alive()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
