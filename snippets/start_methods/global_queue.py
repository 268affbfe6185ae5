"""A queue kept in a global reaches the child only under fork.

fork copies main's memory, so the child finds the queue that main() stored
in the global. spawn and forkserver start a new interpreter that imports
this module but does not run main(): there the global is still None. A
queue passed in Process(args=...) reaches the child under all three.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue

shared: Queue[str] | None = None  # set by main(), not by importing this module


def work(passed: Queue[str]) -> None:
    if shared is None:
        passed.put("the child found None in the global")
    else:
        shared.put("hello")
        passed.put("the child found the queue in the global")


def main() -> None:
    global shared
    for context in (
        mp.get_context("fork"),
        mp.get_context("spawn"),
        mp.get_context("forkserver"),
    ):
        method = context.get_start_method()
        shared = context.Queue()
        passed: Queue[str] = context.Queue()
        child = context.Process(target=work, args=(passed,))
        child.start()
        report = passed.get()
        if report.endswith("the queue in the global"):
            report += f"; main got {shared.get()!r} from it"
        child.join()
        print(f"{method}: {report}", flush=True)


if __name__ == "__main__":
    main()
