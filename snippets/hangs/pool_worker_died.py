"""A pool worker died while imap() waits: main waits in next() for good.

Task 2 ends its worker at once, as a crash in C code or the out-of-memory
killer would.  The pool starts a new worker, but nothing runs task 2 again,
and imap() returns results in task order.  Main prints its stacks once 2 s
pass without a result, each live worker 2 s after it starts, labelled (see
join_before_drain).
"""

from __future__ import annotations

import faulthandler
import multiprocessing as mp
import os
import sysconfig
import threading
import time

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


def square(number: int) -> int:
    if number == 2:
        os._exit(1)  # the worker dies with its task
    return number * number


def stacks_later(seconds: float) -> None:
    faulthandler.dump_traceback_later(seconds, file=labelled())


def main() -> None:
    pipe = labelled()
    context = mp.get_context("spawn")  # the same stacks on Linux and macOS
    with context.Pool(1, initializer=stacks_later, initargs=(2,)) as pool:
        for result in pool.imap(square, range(4)):  # waits for task 2 forever
            print(f"Main: got {result}", flush=True)
            # armed again at each result: it dumps after 2 s without one
            faulthandler.dump_traceback_later(2, file=pipe)


if __name__ == "__main__":
    main()
