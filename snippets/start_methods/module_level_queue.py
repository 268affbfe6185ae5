"""A queue made when the module is imported is made again in each child.

Every forkserver (or spawn) child imports this module, so each makes a queue
of its own, and main never sees what the children put there. Under
forkserver, each child's queue also outlives it: after the import, the child
drops the clean-up handlers that the import registered (Python resets them
as after a fork), so no one removes the queue's three semaphores. At the
end, the resource tracker removes them and warns on stderr.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from multiprocessing.queues import Queue

forkserver = mp.get_context("forkserver")
shared: Queue[str] = forkserver.Queue()  # runs again in every child


def work() -> None:
    shared.put("hello")  # into this child's own queue


def main() -> None:
    children = [forkserver.Process(target=work) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    try:
        got = repr(shared.get(timeout=0.5))
    except queue.Empty:
        got = "nothing"
    print(f"main got {got} from the module-level queue", flush=True)


if __name__ == "__main__":
    main()
