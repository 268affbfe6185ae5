"""Several processes put into one queue at once.

Nothing is lost, torn or reordered per writer.

Each put() is pickled and written to the pipe as one message under a lock, so
concurrent writers never mix their bytes.  Each writer's items arrive in the
order that writer put them; between writers the order is whatever the
scheduler made of it.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

WRITERS = 3
ITEMS = 1000


def writer(
    number: int, q: Queue[tuple[int, int]], start_together: Barrier
) -> None:
    start_together.wait()  # all writers begin at the same moment
    for sequence in range(ITEMS):
        q.put((number, sequence))


def main() -> None:
    q: Queue[tuple[int, int]] = mp.Queue()
    start_together = mp.Barrier(WRITERS)
    writers = [
        mp.Process(target=writer, args=(n, q, start_together))
        for n in range(WRITERS)
    ]
    for process in writers:
        process.start()
    received = [
        q.get() for _ in range(WRITERS * ITEMS)
    ]  # take everything before joining
    for process in writers:
        process.join()

    print(f"received {len(received)} items from {WRITERS} writers", flush=True)
    print(
        "every item exactly once:",
        sorted(received)
        == [(n, s) for n in range(WRITERS) for s in range(ITEMS)],
        flush=True,
    )
    in_order = all(
        [s for n, s in received if n == w] == list(range(ITEMS))
        for w in range(WRITERS)
    )
    print(
        f"each writer's items in the order it put them: {in_order}", flush=True
    )
    print(
        "writers of the first 24 items: "
        + " ".join(str(n) for n, _ in received[:24]),
        flush=True,
    )


if __name__ == "__main__":
    main()
