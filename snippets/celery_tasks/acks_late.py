"""Celery: a task whose process dies is lost, unless acknowledged late.

By default a worker acknowledges a task when it takes it, before it runs
it: the broker forgets the task then, so a task whose process dies is
lost (main gets WorkerLostError). With acks_late the acknowledgement
comes after the task; with reject_on_worker_lost a task whose process
died goes back on the queue, and runs again.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import uuid

import redis
from celery import Celery
from kombu import Queue

URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")

app = Celery("queues_demo", broker=URL, backend=URL)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
)


def dies_the_first_time(name: str, attempts: str) -> str:
    # Counted in Redis, so that the count outlives the process.
    attempt = redis.Redis.from_url(URL).incr(attempts)
    print(f"Worker: {name}, attempt {attempt}", flush=True)
    if attempt == 1:
        os._exit(1)  # the process running the task dies, as if killed
    return f"{name}: done on attempt {attempt}"


@app.task(name="demo.acked_early")
def acked_early(attempts: str) -> str:
    return dies_the_first_time("acked early", attempts)


@app.task(name="demo.acked_late", acks_late=True, reject_on_worker_lost=True)
def acked_late(attempts: str) -> str:
    return dies_the_first_time("acked late", attempts)


def run_worker(queue: str) -> None:
    app.worker_main([
        "--quiet", "worker",
        "--queues", queue,
        "--hostname", f"{queue}@localhost",
        # Each task runs in a child process of the worker, which replaces
        # a child that dies.
        "--pool", "prefork", "--concurrency", "1",
        "--loglevel", "WARNING",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ])  # fmt: skip


def main() -> None:
    queue = f"demo-{uuid.uuid4().hex}"
    worker = mp.Process(target=run_worker, args=(queue,))
    worker.start()
    for task in (acked_early, acked_late):
        attempts = f"{queue}:{task.name}:attempts"
        result = task.apply_async((attempts,), queue=queue)
        try:
            print(f"Main: {result.get(timeout=30)}", flush=True)
        except Exception as error:  # the worker's report, raised here
            print(f"Main: {type(error).__name__}: {error}", flush=True)
        redis.Redis.from_url(URL).delete(attempts)
    worker.terminate()
    worker.join()
    with app.connection_for_write() as connection:
        Queue(queue, channel=connection.default_channel).delete()


if __name__ == "__main__":
    main()
