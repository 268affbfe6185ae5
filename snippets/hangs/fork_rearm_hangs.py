"""A forked child that arms faulthandler's timer again waits forever.

dump_traceback_later() runs a watchdog thread, and a fork copies only the
thread that calls it.
The child still holds the parent's timer state, with a lock that only the
watchdog thread would release, so its first dump_traceback_later() (or
cancel_dump_traceback_later()) waits for it.  Arm the timer in each process
after it starts, with spawn or forkserver, or cancel it in main before a fork.
POSIX only: Windows has no fork.
"""

from __future__ import annotations

import faulthandler
import multiprocessing as mp


def work() -> None:
    print("Worker: arming faulthandler's timer", flush=True)
    faulthandler.dump_traceback_later(60)
    print("Worker: armed", flush=True)  # never printed


def main() -> None:
    faulthandler.dump_traceback_later(60)  # armed in main before the fork
    worker = mp.get_context("fork").Process(target=work)
    worker.start()
    worker.join(3)
    print(f"Main: the worker waits after 3 s: {worker.is_alive()}", flush=True)
    worker.terminate()
    worker.join()
    faulthandler.cancel_dump_traceback_later()


if __name__ == "__main__":
    main()
