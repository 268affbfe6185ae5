"""Dask's Queue: a producer task, two consumer tasks, maxsize, stop values.

A dask.distributed.Queue lives in the scheduler; tasks on any worker put
and get through it. maxsize makes the producer wait while the queue is
full, and one stop value per consumer ends them, as with a process
queue. Each consumer returns what it got: the futures say when all the
work is done.
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
    most = 0
    for task in range(1, 9):
        tasks.put(task, timeout=30)  # waits while the queue is full
        most = max(most, tasks.qsize())
    for _ in range(consumers):
        tasks.put(STOP, timeout=30)
    return f"producer: put 8 tasks; the queue held at most {most}"


def consumer(name: str) -> list[int]:
    tasks = Queue(name)
    got = []
    while (item := tasks.get(timeout=30)) != STOP:
        got.append(item)
        time.sleep(0.1)  # slower than the producer: the queue fills
    return got


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as scratch,
        # Scratch files in a folder of its own, not /tmp/dask-scratch-space.
        dask.config.set({"temporary-directory": scratch}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=2,  # a producer and a consumer fit on one
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        tasks = Queue("tasks", maxsize=3)
        eaters = [client.submit(consumer, "tasks", pure=False) for _ in "ab"]
        feeder = client.submit(producer, "tasks", len(eaters))
        print(f"Main: {feeder.result()}", flush=True)
        got = [future.result() for future in eaters]  # waits for both
        print(f"Main: the consumers got {sorted(sum(got, []))}", flush=True)
        print(f"Main: left in the queue: {tasks.qsize()}", flush=True)


if __name__ == "__main__":
    main()
