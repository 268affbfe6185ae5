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
from multiprocessing.queues import Queue

SHORTER = (
    sysconfig.get_path("stdlib") + os.sep,
    os.path.dirname(__file__) + os.sep,
)


def labelled() -> int:
    """A pipe for faulthandler: each line written to it is printed
    after this process's name, by a thread of this process."""
    read_end, write_end = os.pipe()

    def print_lines() -> None:
        name = mp.current_process().name
        own = threading.get_ident()  # this thread's stack is left out
        shown = True
        with open(read_end) as lines:
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
