"""`for _ in range(2): p.join()` joins the last process twice, the first never.

After a start loop, `p` names only the last process started.  Keep the
processes in a list and join each of them.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.synchronize import Event


def work(finish: Event) -> None:
    finish.wait()  # stands in for work that lasts until main sets `finish`


def main() -> None:
    long_job, short_job = mp.Event(), mp.Event()
    # the second process ends at once; the first runs until main says
    short_job.set()
    for job in (long_job, short_job):
        p = mp.Process(target=work, args=(job,))
        p.start()
    for _ in range(2):
        p.join()  # the mistake: `p` is the second process both times
    print(
        "after the join loop, still running: "
        f"{[c.name for c in mp.active_children()]}",
        flush=True,
    )
    long_job.set()  # from here on, both jobs end at once
    for child in mp.active_children():
        child.join()  # clean up before the fixed version

    workers = [
        mp.Process(target=work, args=(job,)) for job in (long_job, short_job)
    ]
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
