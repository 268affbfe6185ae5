"""A watchdog: when a result is late, main asks the worker for its stacks.

faulthandler.register() makes a signal dump the stacks of every thread of the
process that receives it, whatever its threads are doing.  Here main sends the
signal itself when a result is late, then stops the worker; on your machine,
`kill -USR1 PID` in a shell does the same for any process that registered.
POSIX only: Windows has no SIGUSR1, and no faulthandler.register().
"""

from __future__ import annotations

import faulthandler
import multiprocessing as mp
import os
import queue
import signal
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


def slow_call() -> None:
    # stands for a call that never returns: a read with no timeout
    time.sleep(3600)


def work(tasks: Queue[int | None], results: Queue[int]) -> None:
    faulthandler.register(signal.SIGUSR1, file=labelled(), all_threads=True)
    while (task := tasks.get()) is not None:
        if task == 2:
            slow_call()
        results.put(task * task)


def main() -> None:
    context = mp.get_context("spawn")  # the same stacks on Linux and macOS
    tasks: Queue[int | None] = context.Queue()
    results: Queue[int] = context.Queue()
    worker = context.Process(target=work, args=(tasks, results))
    worker.start()
    for task in range(4):
        tasks.put(task)
        try:
            squared = results.get(timeout=5)
            print(f"Main: {task} squared is {squared}", flush=True)
        except queue.Empty:
            print(
                f"Main: no result for {task} in 5 s; asking for the stacks",
                flush=True,
            )
            assert worker.pid is not None
            os.kill(worker.pid, signal.SIGUSR1)
            time.sleep(1)  # the worker prints them meanwhile
            worker.terminate()
            worker.join()
            print(
                f"Main: stopped the worker, exit code {worker.exitcode}",
                flush=True,
            )
            return


if __name__ == "__main__":
    main()
