"""Where is each process stuck? Each one prints the stacks of all its threads.

faulthandler writes every thread's stack from a thread of its own, in C, so it
works while the program's threads are all blocked.  Its dump does not say
which process wrote it, so each process here gives it a pipe whose lines a
thread prints after the process's name.
The hang: main joins the worker before it reads what the worker put.
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


def produce(results: Queue[bytes]) -> None:
    faulthandler.dump_traceback_later(2, file=labelled())
    results.put(b"x" * 100_000)  # more than the pipe holds
    print("Worker: put 100000 bytes, returning", flush=True)


def main() -> None:
    faulthandler.dump_traceback_later(2, file=labelled())
    context = mp.get_context("spawn")  # the same stacks on Linux and macOS
    results: Queue[bytes] = context.Queue()
    worker = context.Process(target=produce, args=(results,))
    worker.start()
    worker.join()  # waits for a worker that waits for main to read
    print(f"Main: got {len(results.get())} bytes", flush=True)


if __name__ == "__main__":
    main()
