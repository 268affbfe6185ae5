"""`for _ in range(2): p.join()` joins the last process twice and the first one never.

After a start loop, `p` names only the last process started.  Keep the
processes in a list and join each of them.
"""

from __future__ import annotations

import multiprocessing as mp
import time


def work(seconds: float) -> None:
    time.sleep(seconds)


def main() -> None:
    for seconds in (0.5, 0.1):  # the first process runs longer
        p = mp.Process(target=work, args=(seconds,))
        p.start()
    for _ in range(2):
        p.join()  # the mistake: `p` is the second process both times
    print(
        f"after the join loop, still running: {[c.name for c in mp.active_children()]}",
        flush=True,
    )
    for child in mp.active_children():
        child.join()  # clean up before the fixed version

    workers = [mp.Process(target=work, args=(seconds,)) for seconds in (0.5, 0.1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(
        "after joining every process in the list, still running:",
        [c.name for c in mp.active_children()],
        flush=True,
    )


if __name__ == "__main__":
    main()
