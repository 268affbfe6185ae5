"""What Python 3.14 and 3.15 change for queue code, checked where it runs.

Each line states a change and checks it where the program runs: the new
behaviour on the version that brings it and later, the old one before. So
every version prints the same lines, and a line that says False is a
change the page got wrong. The 3.14 and 3.15 branches run only where such
an interpreter does: in this project, the GitHub workflow's cells.
"""

from __future__ import annotations

import inspect
import multiprocessing as mp
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.queues import Queue, SimpleQueue
from multiprocessing.synchronize import Event

NEW = sys.version_info >= (3, 14)


def default_start_method() -> bool:
    """forkserver on Linux and other POSIX systems from 3.14; spawn on
    macOS and Windows, as before."""
    if sys.platform in ("win32", "darwin"):
        expected = "spawn"
    else:
        expected = "forkserver" if NEW else "fork"
    return mp.get_all_start_methods()[0] == expected  # the default first


def local_function_error() -> bool:
    """A local function cannot be pickled: PicklingError from 3.14,
    AttributeError before. Catch both to run on every version."""

    def local() -> None:
        pass

    q: SimpleQueue[object] = mp.SimpleQueue()
    raised: type[BaseException] | None = None
    try:
        q.put(local)  # SimpleQueue pickles in put(): the error comes here
    except (pickle.PicklingError, AttributeError) as error:
        raised = type(error)
    q.close()
    return raised is (pickle.PicklingError if NEW else AttributeError)


def patient(ready: Event) -> None:
    try:
        ready.set()  # inside the try: the signal may come before set() ends
        time.sleep(30)
    except KeyboardInterrupt:  # what interrupt() raises here
        sys.exit(3)


def interrupt() -> bool:
    """Process.interrupt() from 3.14: SIGINT, so the child sees
    KeyboardInterrupt and can clean up (POSIX only)."""
    if sys.version_info < (3, 14):
        return not hasattr(mp.Process, "interrupt")
    if sys.platform == "win32":  # documented as undefined there
        return hasattr(mp.Process, "interrupt")
    ready = mp.Event()
    child = mp.Process(target=patient, args=(ready,))
    child.start()
    ready.wait()
    child.interrupt()
    child.join(timeout=10)
    return child.exitcode == 3


def terminate_workers() -> bool:
    """ProcessPoolExecutor.terminate_workers() and kill_workers() from
    3.14: stop workers that are busy, without waiting for their tasks."""
    if sys.version_info < (3, 14):
        return not hasattr(ProcessPoolExecutor, "terminate_workers") and (
            not hasattr(ProcessPoolExecutor, "kill_workers")
        )
    pool = ProcessPoolExecutor(max_workers=1)
    pool.submit(time.sleep, 30)
    time.sleep(0.5)  # the worker has taken the task
    pool.terminate_workers()
    deadline = time.monotonic() + 10
    while mp.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)  # active_children() also joins those that ended
    return not mp.active_children()


def map_buffersize() -> bool:
    """Executor.map(buffersize=) from 3.14: at most that many tasks
    submitted ahead of the results taken."""
    parameters = inspect.signature(ProcessPoolExecutor.map).parameters
    return ("buffersize" in parameters) == NEW


def forkserver_preload_on_error() -> bool:
    """set_forkserver_preload(on_error=) from 3.15: fail or warn when a
    preloaded module does not import (gh-141860); before, it was ignored."""
    parameters = inspect.signature(mp.set_forkserver_preload).parameters
    return ("on_error" in parameters) == (sys.version_info >= (3, 15))


def queue_has_no_shutdown() -> bool:
    """multiprocessing.Queue has no shutdown() in any version, 3.15
    included (gh-147965); queue.Queue has had one since 3.13."""
    return not hasattr(Queue, "shutdown")


def main() -> None:
    checks = [
        ("the default start method", default_start_method),
        ("a local function's pickling error", local_function_error),
        ("Process.interrupt()", interrupt),
        ("terminate_workers() and kill_workers()", terminate_workers),
        ("Executor.map(buffersize=)", map_buffersize),
        ("set_forkserver_preload(on_error=)", forkserver_preload_on_error),
        ("multiprocessing.Queue has no shutdown()", queue_has_no_shutdown),
    ]
    for name, check in checks:
        print(
            f"{name}: as the page says for this Python: {check()}", flush=True
        )


if __name__ == "__main__":
    main()
