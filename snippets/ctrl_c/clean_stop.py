"""Stop cleanly on Ctrl-C or SIGTERM: finish or hand back every task.

Workers ignore SIGINT.  Main ignores it while it starts them, so they are born
ignoring it (the program checks), and each worker also ignores it itself.
Main's handler for SIGINT and SIGTERM only takes a note, so main stops where
it chooses and never in the middle of a get().  It then takes back the tasks
nobody has started, sends one stop value per worker, and collects the results
of the tasks in progress before it joins the workers.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from queue import Empty
from types import FrameType

WORKERS = 2
TASKS = 20


def worker(
    tasks: Queue[int | None], results: Queue[int], born: Queue[bool]
) -> None:
    born.put(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)
    # Ctrl-C is for main to handle
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (task := tasks.get()) is not None:
        time.sleep(0.05)  # the work
        results.put(task)


def take_back(tasks: Queue[int | None]) -> list[int]:
    """The tasks still in the queue: nobody has started them."""
    left: list[int] = []
    while True:
        try:
            task = tasks.get(timeout=0.1)
        except Empty:
            return left
        if task is not None:
            left.append(task)


def run(label: str, send_signal: Callable[[], None]) -> None:
    received: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        received.append(signum)  # only a note: main stops at its next check

    tasks: Queue[int | None] = mp.Queue()
    results: Queue[int] = mp.Queue()
    born: Queue[bool] = mp.Queue()
    for task in range(TASKS):
        tasks.put(task)
    workers = [
        mp.Process(target=worker, args=(tasks, results, born))
        for _ in range(WORKERS)
    ]
    # inherited at start
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    for process in workers:
        process.start()
    signal.signal(signal.SIGINT, request_stop)
    previous_term = signal.signal(signal.SIGTERM, request_stop)

    finished: list[int] = []
    while not received and len(finished) < TASKS:
        try:
            finished.append(results.get(timeout=0.1))
        except Empty:
            continue
        if len(finished) == 3:
            send_signal()  # in real life: the user, `kill`, or `docker stop`
    handed_back = take_back(tasks)
    for _ in workers:
        tasks.put(None)
    while len(finished) + len(handed_back) < TASKS:
        finished.append(results.get())  # the tasks that were in progress
    ignoring = sum(born.get() for _ in workers)
    for process in workers:
        process.join()
    signal.signal(signal.SIGINT, previous_int)
    signal.signal(signal.SIGTERM, previous_term)

    lost = set(range(TASKS)) - set(finished) - set(handed_back)
    print(
        f"{label}: {ignoring} of {WORKERS} workers were born ignoring SIGINT",
        flush=True,
    )
    print(
        f"{label}: {signal.Signals(received[0]).name} received; "
        f"{len(finished)} tasks finished, {len(handed_back)} handed back, "
        f"{len(lost)} lost; worker exit codes {[p.exitcode for p in workers]}",
        flush=True,
    )


def main() -> None:
    # started by a script or a tool, not a shell
    if os.getpgrp() != os.getpid():
        # a group of its own: the Ctrl-C below reaches no one else
        os.setpgid(0, 0)
    # every process
    run("Ctrl-C", lambda: os.killpg(os.getpgrp(), signal.SIGINT))
    run("kill", lambda: os.kill(os.getpid(), signal.SIGTERM))  # main only


if __name__ == "__main__":
    main()
