"""Ray: tasks, results, an actor, retries, a dying worker, a bounded queue.

ray.init() starts a cluster on this machine: a control server, a scheduler
and worker processes. f.remote() sends one call to a worker and returns a
reference at once; ray.get() waits for the results, in the order asked. An
actor is one process that keeps its state between calls. A task's
exception is raised again by ray.get(); max_retries= runs a task again
when its worker dies, and retry_exceptions= when it raises.
ray.util.queue.Queue is an actor that tasks put to and get from, with a
maxsize that makes put() wait.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import tempfile
import time

import psutil
import ray
from ray.actor import ActorHandle
from ray.exceptions import RayTaskError
from ray.util.queue import Queue

STOP = None  # one per consumer: it stops at the first it gets


class Attempts:
    """Run as an actor: one process, whose state outlives each call."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def next(self, name: str) -> int:
        self.counts[name] = self.counts.get(name, 0) + 1
        return self.counts[name]

    def all(self) -> dict[str, int]:
        return self.counts


@ray.remote
def square(number: int) -> int:
    if number < 0:
        raise ValueError(f"{number} is negative")
    return number * number


@ray.remote(max_retries=3, retry_exceptions=True)
def flaky(attempts: ActorHandle[Attempts]) -> str:
    attempt = ray.get(attempts.next.remote("flaky"))
    if attempt < 3:
        raise ConnectionError(f"attempt {attempt} failed")
    return f"flaky worked on attempt {attempt}"


@ray.remote(max_retries=1)
def dies_once(attempts: ActorHandle[Attempts]) -> str:
    attempt = ray.get(attempts.next.remote("dies_once"))
    if attempt == 1:
        os._exit(1)  # the worker process dies mid-task, as if killed
    return f"dies_once finished on attempt {attempt}"


@ray.remote
def producer(tasks: Queue, count: int, consumers: int) -> str:
    for number in range(count):
        tasks.put(number)  # waits while the queue holds maxsize items
    for _ in range(consumers):
        tasks.put(STOP)
    return f"producer put {count} numbers and {consumers} stop values"


@ray.remote
def consumer(tasks: Queue) -> int:
    total = 0
    while (number := tasks.get()) is not STOP:
        total += number
    return total


def listens_on_every_address() -> bool:
    """Whether a process this one started (Ray's servers) listens on every
    address of the machine."""
    every = {"0.0.0.0", "::"}
    return any(
        connection.status == psutil.CONN_LISTEN
        and connection.laddr.ip in every
        for child in psutil.Process().children(recursive=True)
        for connection in child.net_connections(kind="tcp")
    )


def main() -> None:
    # Ray turns token authentication on for a cluster that ray.init() starts,
    # and without a token it writes a new one to ~/.ray/auth_token.
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    # On macOS, under its 48-character TMPDIR, Ray's socket paths would pass
    # the 103 characters an AF_UNIX path may have: Ray itself uses /tmp there.
    near = "/tmp" if sys.platform == "darwin" else None
    with tempfile.TemporaryDirectory(dir=near) as folder:
        # Ray's processes make temporary files too, and one that
        # ray.shutdown() kills cannot remove its own: this folder
        # takes them, and goes at the end.
        os.environ["TMPDIR"] = folder
        ray.init(
            num_cpus=2,
            include_dashboard=False,  # no web server
            _temp_dir=folder,  # its session files here, not in /tmp/ray
            logging_level=logging.ERROR,
            log_to_driver=False,  # the tasks print nothing
        )
        try:
            every = listens_on_every_address()
            print(f"Main: servers on every address: {every}", flush=True)
            token = os.environ["RAY_AUTH_MODE"] == "token"
            print(f"Main: token required: {token}", flush=True)
            refs = [square.remote(n) for n in range(1, 7)]
            print(f"Main: got {ray.get(refs)}", flush=True)  # in order
            try:
                ray.get(square.remote(-7))
            except RayTaskError as error:  # raised in a worker, and here
                cause, caught = error.cause, isinstance(error, ValueError)
                print(
                    f"Main: square(-7) raised {type(cause).__name__}: {cause}"
                    f"; caught by `except ValueError` too: {caught}",
                    flush=True,
                )
            attempts = ray.remote(Attempts).remote()
            print(f"Main: {ray.get(flaky.remote(attempts))}", flush=True)
            print(f"Main: {ray.get(dies_once.remote(attempts))}", flush=True)
            counted = ray.get(attempts.all.remote())
            print(f"Main: the actor counted {counted}", flush=True)

            tasks = Queue(maxsize=3)
            made = producer.remote(tasks, 8, 2)
            while tasks.qsize() < 3:
                time.sleep(0.01)
            ready, _ = ray.wait([made], timeout=0.5)
            print(
                f"Main: queue full ({tasks.qsize()}), "
                f"producer still waiting: {not ready}",
                flush=True,
            )
            totals = ray.get([consumer.remote(tasks) for _ in range(2)])
            print(
                f"Main: {ray.get(made)}; "
                f"the consumers' totals add up to {sum(totals)}",
                flush=True,
            )
        finally:
            ray.shutdown()


if __name__ == "__main__":
    main()
