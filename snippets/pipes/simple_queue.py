"""SimpleQueue: a pipe with two locks, and no feeder thread, buffer or limit.

put() pickles the item and writes it into the pipe in the calling thread.
So an object that cannot be pickled raises at the put() that caused it
(Queue's feeder thread would drop it and return normally), and a put()
that does not fit into the pipe waits until a reader makes room. There is
no maxsize, qsize(), full(), timeout or put_nowait(); close() came in 3.9.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from multiprocessing.queues import SimpleQueue

LARGE = bytes(1_000_000)  # far more than a pipe holds (64 KiB on Linux)


def main() -> None:
    q: SimpleQueue[bytes] = mp.SimpleQueue()
    try:
        q.put(threading.Lock())  # type: ignore[arg-type]
    except TypeError as error:
        print(f"put(lock) raised at once: TypeError: {error}", flush=True)

    putting = threading.Thread(target=q.put, args=(LARGE,))
    putting.start()
    putting.join(timeout=0.5)
    print(
        f"put(1 MB), nobody reading: waiting after 0.5 s: "
        f"{putting.is_alive()}",
        flush=True,
    )
    got = q.get()
    putting.join()
    print(f"one get() later: put() returned, {len(got):,} bytes", flush=True)

    missing = [
        name
        for name in ("qsize", "full", "put_nowait", "get_nowait")
        if not hasattr(q, name)
    ]
    print(f"methods it does not have: {', '.join(missing)}", flush=True)
    print(f"empty(): {q.empty()}", flush=True)
    q.close()
    try:
        q.get()
    except OSError as error:
        print(f"get() after close(): OSError: {error}", flush=True)


if __name__ == "__main__":
    main()
