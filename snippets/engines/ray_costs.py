"""What Ray costs next to a process queue, measured as in costs.py.

The same task two ways: a worker process behind a multiprocessing.Queue,
started with spawn because Ray too starts each worker as a new
interpreter, and a Ray cluster of one worker. For each, the start-up
(from starting the worker to the first answer in main), the time per task
one at a time (a round trip), the time per task with many in flight, and
the time to stop.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

ONE_AT_A_TIME = 50  # tasks sent one after the other's answer
IN_FLIGHT = 200  # tasks sent before the first answer is read
SPAWN = mp.get_context("spawn")

# Each way gives main one function: send tasks, return their answers.
Send = Callable[[range], list[int]]
Figures = tuple[
    float, float, float, float
]  # seconds: start-up, per task (2 ways), stop


def square(number: int) -> int:
    return number * number


def queue_worker(tasks: mp.Queue[int | None], answers: mp.Queue[int]) -> None:
    for number in iter(tasks.get, None):
        answers.put(square(number))


@contextmanager
def with_queue() -> Iterator[Send]:
    tasks: mp.Queue[int | None] = SPAWN.Queue()
    answers: mp.Queue[int] = SPAWN.Queue()
    worker = SPAWN.Process(target=queue_worker, args=(tasks, answers))
    worker.start()

    def send(numbers: range) -> list[int]:
        for number in numbers:
            tasks.put(number)
        return [answers.get(timeout=30) for _ in numbers]

    yield send
    tasks.put(None)
    worker.join()


@contextmanager
def with_ray() -> Iterator[Send]:
    # Imported here: the Queue's worker imports this file, not Ray.
    import ray

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
            num_cpus=1,
            include_dashboard=False,
            _temp_dir=folder,
            logging_level=logging.ERROR,
            log_to_driver=False,
        )
        try:
            remote_square = ray.remote(square)

            def send(numbers: range) -> list[int]:
                return ray.get([remote_square.remote(n) for n in numbers])

            yield send
        finally:
            ray.shutdown()


def measure(way: Callable[[], AbstractContextManager[Send]]) -> Figures:
    """Start-up, the time per task one at a time and in flight, and stop."""
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
        began = time.perf_counter()
    stop = time.perf_counter() - began
    return startup, one, many, stop


def main() -> None:
    print(
        f"machine: {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} logical CPUs\n"
        f"python: CPython {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}",
        flush=True,
    )
    ways = {"multiprocessing.Queue": with_queue, "Ray, one worker": with_ray}
    figures = {name: measure(way) for name, way in ways.items()}
    print(
        f"{'ms':22}{'start-up':>10}{'per task':>10}{'in flight':>11}"
        f"{'stop':>8}",
        flush=True,
    )
    for name, (startup, one, many, stop) in figures.items():
        print(
            f"{name:22}{startup * 1e3:10.0f}{one * 1e3:10.2f}"
            f"{many * 1e3:11.2f}{stop * 1e3:8.0f}",
            flush=True,
        )
    # The comparisons the page states, with a wide margin: checked.
    queue, ray_ = figures["multiprocessing.Queue"], figures["Ray, one worker"]
    per_task = ray_[1] > 3 * queue[1] and ray_[2] > 3 * queue[2]
    print(f"Ray: over 3x a Queue item: {per_task}", flush=True)
    print(
        f"Ray: start-up over 10x a Queue's: {ray_[0] > 10 * queue[0]}",
        flush=True,
    )


if __name__ == "__main__":
    main()
