"""What each engine costs next to a process queue, measured.

The same task four ways: a worker process behind a multiprocessing.Queue,
a worker process behind a Redis list (redis-py), a Celery worker with a
Redis broker, and a Dask cluster of one worker process. For each, the
start-up (from starting the worker to the first answer in main), the
time per task one at a time (a round trip), and the time per task with
many in flight. Each engine is imported inside the functions that use it:
under spawn, and under forkserver unless the server has imported it
already, every worker process imports this file again (Dask's worker is
always spawned), and a worker should pay for its own engine only.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing as mp
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis
    from celery import Celery

URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
ONE_AT_A_TIME = 50  # tasks sent one after the other's answer
IN_FLIGHT = 200  # tasks sent before the first answer is read


@functools.cache
def celery_app() -> Celery:
    """The Celery app, made once per process: main's and the worker's."""
    from celery import Celery

    app = Celery("queues_demo", broker=URL, backend=URL)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )

    @app.task(name="demo.square")
    def square(number: int) -> int:
        return number * number

    return app


# Each way gives main one function: send tasks, return their answers.
Send = Callable[[range], list[int]]
Figures = tuple[float, float, float]  # seconds: start-up, per task (2 ways)


def queue_worker(tasks: mp.Queue[int | None], answers: mp.Queue[int]) -> None:
    for number in iter(tasks.get, None):
        answers.put(number * number)


@contextmanager
def with_queue() -> Iterator[Send]:
    tasks: mp.Queue[int | None] = mp.Queue()
    answers: mp.Queue[int] = mp.Queue()
    worker = mp.Process(target=queue_worker, args=(tasks, answers))
    worker.start()

    def send(numbers: range) -> list[int]:
        for number in numbers:
            tasks.put(number)
        return [answers.get(timeout=30) for _ in numbers]

    yield send
    tasks.put(None)
    worker.join()


def connect() -> redis.Redis:
    import redis

    # A blocking get waits up to 30 s here (a worker process on a busy
    # machine starts slowly): redis-py must wait longer.
    return redis.Redis.from_url(URL, socket_timeout=45)


def list_worker(tasks: str, answers: str) -> None:
    server = connect()
    while True:
        popped = server.brpop([tasks], timeout=30)
        if popped is None or popped[1] == b"stop":
            break
        server.lpush(answers, int(popped[1]) ** 2)


@contextmanager
def with_redis_list() -> Iterator[Send]:
    server = connect()
    tasks, answers = (f"demo:{uuid.uuid4().hex}:{n}" for n in "ta")
    worker = mp.Process(target=list_worker, args=(tasks, answers))
    worker.start()

    def send(numbers: range) -> list[int]:
        for number in numbers:
            server.lpush(tasks, number)
        got = [server.brpop([answers], timeout=30) for _ in numbers]
        return [int(popped[1]) for popped in got if popped]

    yield send
    server.lpush(tasks, "stop")
    worker.join()
    server.delete(tasks, answers)


def celery_worker(queue: str) -> None:
    celery_app().worker_main([
        "--quiet", "worker",
        "--queues", queue,
        "--hostname", f"{queue}@localhost",
        "--pool", "solo",
        "--loglevel", "WARNING",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ])  # fmt: skip


@contextmanager
def with_celery() -> Iterator[Send]:
    queue = f"demo-{uuid.uuid4().hex}"
    worker = mp.Process(target=celery_worker, args=(queue,))
    worker.start()

    app = celery_app()

    def send(numbers: range) -> list[int]:
        sent = [
            app.send_task("demo.square", (n,), queue=queue) for n in numbers
        ]
        return [result.get(timeout=30) for result in sent]

    yield send
    worker.terminate()  # a warm shutdown
    worker.join()
    from kombu import Queue

    with app.connection_for_write() as connection:
        Queue(queue, channel=connection.default_channel).delete()


def square_in_dask(number: int) -> int:
    return number * number


@contextmanager
def with_dask() -> Iterator[Send]:
    import dask
    from dask.distributed import Client, LocalCluster

    with (
        tempfile.TemporaryDirectory() as scratch,
        dask.config.set({"temporary-directory": scratch}),
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):

        def send(numbers: range) -> list[int]:
            sent = [
                client.submit(square_in_dask, n, pure=False) for n in numbers
            ]
            return [future.result() for future in sent]

        yield send


def measure(way: Callable[[], AbstractContextManager[Send]]) -> Figures:
    """Start-up, then the time per task one at a time and in flight."""
    began = time.perf_counter()
    with way() as send:
        assert send(range(1)) == [0]
        startup = time.perf_counter() - began
        began = time.perf_counter()
        for number in range(ONE_AT_A_TIME):
            assert send(range(number, number + 1)) == [number * number]
        one = (time.perf_counter() - began) / ONE_AT_A_TIME
        began = time.perf_counter()
        answers = send(range(IN_FLIGHT))
        many = (time.perf_counter() - began) / IN_FLIGHT
        assert sorted(answers) == [n * n for n in range(IN_FLIGHT)]
    return startup, one, many


def main() -> None:
    print(
        f"machine: {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} logical CPUs\n"
        f"python: CPython {platform.python_version()}, start method "
        f"{mp.get_start_method()}, {time.strftime('%Y-%m-%d')}",
        flush=True,
    )
    ways = {
        "multiprocessing.Queue": with_queue,
        "Redis list": with_redis_list,
        "Celery, Redis broker": with_celery,
        "Dask, LocalCluster": with_dask,
    }
    figures = {name: measure(way) for name, way in ways.items()}
    print(
        f"{'ms':22}{'start-up':>10}{'per task':>10}{'in flight':>11}",
        flush=True,
    )
    for name, (startup, one, many) in figures.items():
        ms = startup * 1e3, one * 1e3, many * 1e3
        print(f"{name:22}{ms[0]:10.0f}{ms[1]:10.2f}{ms[2]:11.2f}", flush=True)
    # The comparisons the page states, with a wide margin: checked.
    queue = figures["multiprocessing.Queue"]
    for name in ("Celery, Redis broker", "Dask, LocalCluster"):
        engine = figures[name]
        holds = engine[1] > 3 * queue[1] and engine[2] > 3 * queue[2]
        print(f"{name}: over 3x a Queue item: {holds}", flush=True)


if __name__ == "__main__":
    main()
