"""Dask's Queue: a producer task, two consumer tasks, maxsize, stop values.

A dask.distributed.Queue lives in the scheduler; tasks on any worker put
and get through it. maxsize makes the producer wait while the queue is
full: main starts the consumers only once it has seen that. One stop
value per consumer ends them, as with a process queue, and each consumer
returns what it got: the futures say when all the work is done.
"""

from __future__ import annotations

import logging
import tempfile
import time

import dask
from dask.distributed import Client, LocalCluster, Queue

STOP = "stop"


def producer(name: str, consumers: int) -> str:
    tasks = Queue(name)  # the scheduler's queue of that name
    for task in range(1, 9):
        tasks.put(task, timeout=30)  # waits while the queue is full
    for _ in range(consumers):
        tasks.put(STOP, timeout=30)
    return "producer: put 8 tasks and 2 stop values"


def consumer(name: str) -> list[int]:
    tasks = Queue(name)
    got = []
    while (item := tasks.get(timeout=30)) != STOP:
        got.append(item)
    return got


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as scratch,
        dask.config.set({"temporary-directory": scratch}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=2,  # a thread for each of the three tasks
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        tasks = Queue("tasks", maxsize=3)
        feeder = client.submit(producer, "tasks", 2)
        deadline = time.monotonic() + 30
        while tasks.qsize() < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # room for a 4th put, if maxsize let it in
        print(
            f"Main: {tasks.qsize()} tasks queued, the producer waits: "
            f"{not feeder.done()}",
            flush=True,
        )
        eaters = [client.submit(consumer, "tasks", pure=False) for _ in "ab"]
        print(f"Main: {feeder.result()}", flush=True)
        got = [future.result() for future in eaters]  # waits for both
        print(f"Main: the consumers got {sorted(sum(got, []))}", flush=True)
        print(f"Main: left in the queue: {tasks.qsize()}", flush=True)


if __name__ == "__main__":
    main()
