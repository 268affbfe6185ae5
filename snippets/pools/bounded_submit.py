"""Submit thousands of tasks to an executor without holding them all.

ProcessPoolExecutor.submit() never waits: every call adds a future and its
task to the executor's memory, however far behind the workers are. A
semaphore that each submit() takes and each finished task gives back
bounds how many are in flight, so main submits only as fast as the
workers finish. as_completed() then yields each future as it finishes.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

TASKS = 2_000
WORKERS = 2
IN_FLIGHT = 4 * WORKERS  # enough to keep every worker busy


def square(number: int) -> int:
    return number * number


def main() -> None:
    room = threading.BoundedSemaphore(IN_FLIGHT)
    in_flight = peak = total = 0
    lock = threading.Lock()

    def finished(future: Future[int]) -> None:  # in one of main's threads
        nonlocal in_flight, total
        with lock:
            in_flight -= 1
            total += future.result()
        room.release()

    with ProcessPoolExecutor(WORKERS) as executor:
        for number in range(TASKS):
            room.acquire()  # waits while IN_FLIGHT tasks are unfinished
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            future = executor.submit(square, number)
            future.add_done_callback(finished)
    print(
        f"never more than {IN_FLIGHT} tasks in flight: {peak <= IN_FLIGHT}",
        flush=True,
    )
    expected = sum(number * number for number in range(TASKS))
    print(f"all {TASKS} results arrived: {total == expected}", flush=True)

    with ProcessPoolExecutor(WORKERS) as executor:
        futures = [executor.submit(square, number) for number in range(5)]
        done = sorted(future.result() for future in as_completed(futures))
    print(f"as_completed(): {done}", flush=True)


if __name__ == "__main__":
    main()
