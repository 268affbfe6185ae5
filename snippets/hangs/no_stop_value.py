"""A consumer that never got its stop value: main waits in join(), it in get().

Main sends three items and no stop value, then joins the consumer.  The
consumer has taken all three and waits for a fourth that never comes.
Each process prints its stacks after a delay, labelled (see join_before_drain).
"""

from __future__ import annotations

import faulthandler
import multiprocessing as mp
import os
import sysconfig
import threading
import time
from multiprocessing.queues import Queue

SHORTER = (
    sysconfig.get_path("stdlib") + os.sep,
    os.path.dirname(__file__) + os.sep,
)


def labelled() -> int:
    """A pipe for faulthandler: every half second, a thread of this process
    prints what was written to it, each line after this process's name."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)

    def print_lines() -> None:
        name = mp.current_process().name
        own = threading.get_ident()  # this thread's stack is left out
        shown, rest = True, ""
        while True:
            # Asleep in C while faulthandler writes: it reads every thread's
            # stack without a lock: a thread running meanwhile can crash it.
            time.sleep(0.5)
            try:
                rest += os.read(read_end, 1 << 16).decode()
            except BlockingIOError:
                continue
            *lines, rest = rest.split("\n")
            for line in lines:
                if line.startswith(("Thread ", "Current thread ")):
                    shown = int(line.split("0x")[1].split()[0], 16) != own
                for prefix in SHORTER:
                    line = line.replace(prefix, "")
                if line.strip() and shown:
                    print(f"{name}| {line.rstrip()}", flush=True)

    threading.Thread(target=print_lines, daemon=True).start()
    return write_end


def consume(items: Queue[int | None]) -> None:
    faulthandler.dump_traceback_later(2, file=labelled())
    while (item := items.get()) is not None:  # a fourth get() waits forever
        print(f"Consumer: got {item}", flush=True)


def main() -> None:
    faulthandler.dump_traceback_later(2, file=labelled())
    context = mp.get_context("spawn")  # the same stacks on Linux and macOS
    items: Queue[int | None] = context.Queue()
    consumer = context.Process(target=consume, args=(items,))
    consumer.start()
    for item in range(3):
        items.put(item)
    # missing: items.put(None)
    consumer.join()


if __name__ == "__main__":
    main()
