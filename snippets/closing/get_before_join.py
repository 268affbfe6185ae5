"""Get a process's items before joining it: it cannot exit before they leave.

The child puts one item of a million bytes. A pipe holds far less, so the
child's feeder thread waits for the parent to read, and the child does not
exit until its feeder has written everything. Joining it first would wait
forever; here join() gets a one-second limit to show that. After get(),
the child exits at once.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue

SIZE = 1_000_000


def child(q: Queue[bytes]) -> None:
    q.put(b"x" * SIZE)


def main() -> None:
    q: Queue[bytes] = mp.Queue()
    putting = mp.Process(target=child, args=(q,))
    putting.start()
    putting.join(timeout=1.0)  # without the timeout, this would never return
    print(
        "join() first: after 1 s the child is still alive: "
        f"{putting.is_alive()}",
        flush=True,
    )
    item = q.get()
    putting.join()
    print(
        f"get() first: got {len(item):,} bytes; the child then exited",
        flush=True,
    )
    print(f"child's exit code: {putting.exitcode}", flush=True)


if __name__ == "__main__":
    main()
