"""Why Celery's messages are JSON: a pickle message runs code as it loads.

pickle.loads() calls whatever the sender's data names: here print(), in
a real attack os.system(). A worker that accepts pickle runs code that
anyone who can write to the broker sends. This worker accepts JSON only:
it refuses the pickle message before loading it, and goes on working.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import uuid

from celery import Celery
from kombu import Queue

URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")

app = Celery("queues_demo", broker=URL, backend=URL)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],  # the worker refuses anything else
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
)


class Payload:
    """Its pickle says: call print() with this text (an attack: os.system)."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return print, ("  !! code chosen by the sender ran here",)


@app.task(name="demo.echo")
def echo(item: object) -> str:
    print(f"Worker: echo got {item!r}", flush=True)
    return "echoed"


def run_worker(queue: str) -> None:
    app.worker_main([
        "--quiet", "worker",
        "--queues", queue,
        "--hostname", f"{queue}@localhost",
        "--pool", "solo",
        "--loglevel", "WARNING",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ])  # fmt: skip


def main() -> None:
    print("Main: pickle.loads() on the payload:", flush=True)
    pickle.loads(pickle.dumps(Payload()))  # what a pickle worker would do
    queue = f"demo-{uuid.uuid4().hex}"
    worker = mp.Process(target=run_worker, args=(queue,))
    worker.start()
    echo.apply_async((Payload(),), queue=queue, serializer="pickle")
    print("Main: sent the payload as a pickle message", flush=True)
    answer = echo.apply_async(("plain text",), queue=queue).get(timeout=30)
    print(f"Main: a JSON task after it: {answer}", flush=True)
    worker.terminate()
    worker.join()
    with app.connection_for_write() as connection:
        Queue(queue, channel=connection.default_channel).delete()


if __name__ == "__main__":
    main()
