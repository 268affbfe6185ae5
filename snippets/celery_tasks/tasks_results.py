"""Celery: main sends tasks through Redis, a worker runs them, results return.

The worker is a real process (started here with multiprocessing, as
`celery worker` would start it on another machine), and it runs each task
itself (`--pool solo`). A task that fails for a passing reason asks to be
retried; an exception in a task comes back to main as that exception.
Messages are JSON, never pickle (see the page).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import uuid

from celery import Celery, Task
from kombu import Queue

URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")

app = Celery("queues_demo", broker=URL, backend=URL)
app.conf.update(
    # JSON only: a worker that accepts pickle runs what anyone sends it.
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # Leave logging and print() as they are.
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
)


# Fixed names: main and worker may import this file under other names.
@app.task(name="demo.square")
def square(number: int) -> int:
    print(f"Worker: square({number})", flush=True)
    return number * number


@app.task(name="demo.flaky", bind=True, max_retries=3)
def flaky(self: Task[[int], int], number: int) -> int:
    attempt = self.request.retries + 1
    if attempt < 3:
        print(f"Worker: flaky({number}), attempt {attempt} failed", flush=True)
        raise self.retry(countdown=0.1, exc=ConnectionError("try again"))
    print(f"Worker: flaky({number}), attempt {attempt} worked", flush=True)
    return number


def run_worker(queue: str) -> None:
    app.worker_main([
        "--quiet", "worker",  # no banner
        "--queues", queue,
        "--hostname", f"{queue}@localhost",  # its own name on the broker
        "--pool", "solo",  # run each task in this process, one at a time
        "--loglevel", "WARNING",
        # Alone on its queue: no talk with other workers.
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ])  # fmt: skip


def main() -> None:
    queue = f"demo-{uuid.uuid4().hex}"  # a queue of its own per run
    worker = mp.Process(target=run_worker, args=(queue,))
    worker.start()
    sent = [square.apply_async((n,), queue=queue) for n in range(1, 6)]
    results = [result.get(timeout=30) for result in sent]  # waits
    print(f"Main: sent 5 tasks, results {results}", flush=True)
    answer = flaky.apply_async((7,), queue=queue).get(timeout=30)
    print(f"Main: flaky(7) returned {answer}", flush=True)
    try:
        square.apply_async(("seven",), queue=queue).get(timeout=30)
    except TypeError as error:  # raised in the worker, raised again here
        print(f"Main: square('seven') raised TypeError: {error}", flush=True)
    worker.terminate()  # SIGTERM: a warm shutdown, after the task in hand
    worker.join()
    print(f"Main: worker exit code {worker.exitcode}", flush=True)
    with app.connection_for_write() as connection:  # its keys in Redis too
        Queue(queue, channel=connection.default_channel).delete()


if __name__ == "__main__":
    main()
