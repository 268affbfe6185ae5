"""join_thread() only after close(); and what a closed queue still answers.

join_thread() waits for this process's feeder thread, which ends only once
close() has told it to: before close() it would wait forever, so it refuses
with an AssertionError instead. After close() and join_thread() in a process
that has put items, the feeder has closed that process's ends of the pipe:
full() still answers (it reads a semaphore), empty() raises OSError (it polls
the pipe), and get() raises ValueError.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue


def main() -> None:
    q: Queue[str] = mp.Queue()
    q.put("item")  # starts main's feeder thread
    try:
        q.join_thread()
    except AssertionError as error:
        said = str(error).endswith("not closed")
        print(
            "join_thread() before close(): AssertionError 'not closed': "
            f"{said}",
            flush=True,
        )
    q.close()
    q.join_thread()  # now it returns, once the item is in the pipe
    print("close(), then join_thread(): returned", flush=True)
    print(f"full(): {q.full()}", flush=True)
    try:
        q.empty()
    except OSError as error:
        print(f"empty(): OSError: {error}", flush=True)
    try:
        q.get(timeout=0.1)
    except ValueError as error:
        print(
            "get(): ValueError 'is closed': "
            f"{str(error).endswith('is closed')}",
            flush=True,
        )


if __name__ == "__main__":
    main()
