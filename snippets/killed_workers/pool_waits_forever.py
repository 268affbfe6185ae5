"""multiprocessing.Pool does not notice a killed worker: its task's result never comes.

Nothing runs the task the dead worker held again, and nothing tells the
caller.  imap() hands back results in task order, so it stops at task 3
and waits forever.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal


def square(task: int) -> int:
    if task == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # the out-of-memory killer strikes
    return task * task


def main() -> None:
    with mp.Pool(2) as pool:
        for task, value in enumerate(pool.imap(square, range(6))):  # waits forever at 3
            print(f"Main: {task} squared is {value}", flush=True)


if __name__ == "__main__":
    main()
