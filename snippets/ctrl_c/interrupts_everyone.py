"""Ctrl-C interrupts every process of the program, not only main.

A terminal sends SIGINT to the whole foreground process group: main and every
worker it started.  This program sends it the same way once each worker holds
a task.  Every worker raises KeyboardInterrupt and dies with a traceback:
the tasks they held are lost with them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Semaphore
from queue import Empty

WORKERS = 2
TASKS = 6


def worker(tasks: Queue[int | None], busy: Semaphore) -> None:
    while tasks.get() is not None:
        busy.release()  # tell main: a task is in hand
        time.sleep(5)  # a long task: Ctrl-C arrives here, or just before


def press_ctrl_c() -> None:
    """Do what a terminal does on Ctrl-C: SIGINT to the whole group."""
    os.killpg(os.getpgrp(), signal.SIGINT)


def main() -> None:
    # started by a script or a tool, not a shell
    if os.getpgrp() != os.getpid():
        # a group of its own: the Ctrl-C below reaches no one else
        os.setpgid(0, 0)
    tasks: Queue[int | None] = mp.Queue()
    busy = mp.Semaphore(0)
    for task in range(TASKS):
        tasks.put(task)
    workers = [
        mp.Process(target=worker, args=(tasks, busy)) for _ in range(WORKERS)
    ]
    for process in workers:
        process.start()
    for _ in workers:
        busy.acquire()  # every worker holds a task
    try:
        press_ctrl_c()
        time.sleep(5)  # not reached: the KeyboardInterrupt comes first
    except KeyboardInterrupt:
        print("Main: KeyboardInterrupt", flush=True)
    for process in workers:
        process.join()
    print(
        f"Main: the workers' exit codes: {[p.exitcode for p in workers]}",
        flush=True,
    )
    left = []
    while True:
        try:
            left.append(tasks.get(timeout=0.1))
        except Empty:
            break
    print(
        f"Main: tasks lost with the workers: {TASKS - len(left)}", flush=True
    )
    print(f"Main: tasks never started: {left}", flush=True)


if __name__ == "__main__":
    main()
