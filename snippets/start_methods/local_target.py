"""A process's target must be importable under spawn and forkserver.

spawn and forkserver send the target to the child by pickling it, and pickle
sends a function by name: a function defined inside another function, or a
lambda, has no name the child could import. fork hands the child a copy of
main's memory and pickles nothing.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
from multiprocessing.queues import Queue


def main() -> None:
    def work(results: Queue[str]) -> None:  # local: exists only inside main()
        results.put("work() ran")

    for context in (
        mp.get_context("fork"),
        mp.get_context("spawn"),
        mp.get_context("forkserver"),
    ):
        method = context.get_start_method()
        results: Queue[str] = context.Queue()
        child = context.Process(target=work, args=(results,))
        try:
            child.start()
        except (AttributeError, pickle.PicklingError) as error:
            # The type and wording vary by version; each names the function.
            named = "main.<locals>.work" in str(error)
            print(
                f"{method}: start() could not pickle it, error names it: "
                f"{named}",
                flush=True,
            )
            continue
        print(f"{method}: {results.get()}", flush=True)
        child.join()


if __name__ == "__main__":
    main()
