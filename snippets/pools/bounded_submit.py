"""Submit thousands of tasks to an executor without holding them all.

ProcessPoolExecutor.submit() never waits: every call adds a future and its
task to the executor's memory, however far behind the workers are. A
semaphore that each submit() takes and each finished task gives back
bounds how many are in flight, so main submits only as fast as the
workers finish. The callback gives the place back in `finally`: a task
that raised makes future.result() raise inside the callback, where
concurrent.futures logs the exception and drops it, so a place given back
after it would be lost for good, and after IN_FLIGHT failures main would
wait forever. as_completed() then yields each future as it finishes.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

TASKS = 2_000
WORKERS = 2
IN_FLIGHT = 4 * WORKERS  # enough to keep every worker busy


def square(number: int) -> int:
    if number % 100 == 99:  # one task in a hundred fails, as real ones do
        raise ValueError(f"task {number} failed")
    return number * number


def main() -> None:
    room = threading.BoundedSemaphore(IN_FLIGHT)
    in_flight = peak = total = failed = 0
    lock = threading.Lock()

    def finished(future: Future[int]) -> None:  # in one of main's threads
        nonlocal in_flight, total, failed
        try:
            with lock:
                in_flight -= 1
                if future.exception() is None:  # exception() does not raise
                    total += future.result()
                else:
                    failed += 1
        finally:
            room.release()  # whatever the task did, or its place is lost

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
    expected = sum(n * n for n in range(TASKS) if n % 100 != 99)
    print(
        f"{TASKS - failed} results and {failed} failures; the results add "
        f"up: {total == expected}",
        flush=True,
    )
    given_back = all(room.acquire(blocking=False) for _ in range(IN_FLIGHT))
    print(f"all {IN_FLIGHT} places given back: {given_back}", flush=True)

    with ProcessPoolExecutor(WORKERS) as executor:
        futures = [executor.submit(square, number) for number in range(5)]
        done = sorted(future.result() for future in as_completed(futures))
    print(f"as_completed(): {done}", flush=True)


if __name__ == "__main__":
    main()
