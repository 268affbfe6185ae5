"""Dask: a cluster of worker processes on this machine, and futures.

LocalCluster starts a scheduler in this process and two worker processes,
each watched by a nanny process that starts it again if it dies.
client.submit() sends one function call and returns a future at once;
as_completed() gives the futures back as they finish. A task's exception
is raised again by result(); retries= runs a failing task again; a task
whose worker dies runs again on a worker that lives.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import dask
from dask.distributed import Client, LocalCluster, as_completed


def square(number: int) -> int:
    if number < 0:
        raise ValueError(f"{number} is negative")
    time.sleep(0.1 * (number % 3))  # finish out of order
    return number * number


def count_attempt(folder: str, name: str) -> int:
    """How many times this task has started, this time included."""
    Path(folder, f"{name}-{time.monotonic_ns()}").touch()
    return len(list(Path(folder).glob(f"{name}-*")))


def flaky(folder: str) -> str:
    attempt = count_attempt(folder, "flaky")
    if attempt < 3:
        raise ConnectionError(f"attempt {attempt} failed")
    return f"flaky worked on attempt {attempt}"


def dies_once(folder: str) -> str:
    attempt = count_attempt(folder, "dies")
    if attempt == 1:
        os._exit(1)  # the worker process dies mid-task, as if killed
    return f"dies_once finished on attempt {attempt}"


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        # Scratch files in a folder of its own, not /tmp/dask-scratch-space.
        dask.config.set({"temporary-directory": folder}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            # Its web server on loopback only, on a free port (the default,
            # ":8787", is every address of the machine).
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        web = urlsplit(cluster.dashboard_link)
        print(
            f"Main: web server on {web.hostname}, port {web.port}", flush=True
        )
        futures = [client.submit(square, n) for n in range(1, 7)]
        for future in as_completed(futures):  # in the order they finish
            print(f"Main: got {future.result()}", flush=True)
        try:
            client.submit(square, -7).result()
        except ValueError as error:  # raised in a worker, raised again here
            print(f"Main: square(-7) raised ValueError: {error}", flush=True)
        retried = client.submit(flaky, folder, retries=2)
        print(f"Main: {retried.result()}", flush=True)
        print(f"Main: {client.submit(dies_once, folder).result()}", flush=True)


if __name__ == "__main__":
    main()
