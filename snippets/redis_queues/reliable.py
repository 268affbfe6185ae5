"""A task that survives a dead worker: BLMOVE to a processing list.

BRPOP removes the item from the server as it hands it over: if the
worker dies before it finishes, the task is gone. BLMOVE moves the item,
in one step, into a processing list that the worker empties only when it
is done (LREM, its acknowledgement). A task whose worker died stays
there, and can be put back on the queue.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import uuid

import redis

URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")


def connect() -> redis.Redis:
    # redis-py stops waiting for an answer after 5 s unless told: longer
    # than the 10 s a blocking get may wait here.
    return redis.Redis.from_url(URL, socket_timeout=15)


def dies_at_once(tasks: str, processing: str, reliable: bool) -> None:
    """Takes one task, then dies as a killed worker would."""
    server = connect()
    if reliable:
        server.blmove(tasks, processing, 10, "RIGHT", "LEFT")
    else:
        server.brpop([tasks], timeout=10)
    os._exit(1)  # no cleanup, no acknowledgement


def finishes(tasks: str, processing: str) -> None:
    server = connect()
    while server.llen(tasks):
        raw = server.blmove(tasks, processing, 10, "RIGHT", "LEFT")
        if raw is None:
            raise TimeoutError("no task for 10 s")
        assert isinstance(raw, bytes)  # redis-py returns bytes unless told
        task = raw.decode()
        print(f"Worker: did {task}", flush=True)
        server.lrem(processing, 1, task)  # acknowledged: done with it


def run(server: redis.Redis, reliable: bool) -> None:
    tasks = f"demo:{uuid.uuid4().hex}:tasks"
    processing = tasks.replace(":tasks", ":processing")
    server.lpush(tasks, "task 1", "task 2", "task 3")
    dying = mp.Process(target=dies_at_once, args=(tasks, processing, reliable))
    dying.start()
    dying.join()
    print(f"Main: a worker died, exit code {dying.exitcode}", flush=True)
    print(f"Main: tasks still queued: {server.llen(tasks)} of 3", flush=True)
    while server.lmove(processing, tasks, "RIGHT", "RIGHT"):  # put back
        print("Main: put a task back from the processing list", flush=True)
    if reliable:  # with BRPOP there is nothing to finish: task 1 is gone
        worker = mp.Process(target=finishes, args=(tasks, processing))
        worker.start()
        worker.join()
    server.delete(tasks, processing)


def main() -> None:
    server = connect()
    print("With BRPOP:", flush=True)
    run(server, reliable=False)
    print("With BLMOVE and a processing list:", flush=True)
    run(server, reliable=True)


if __name__ == "__main__":
    main()
