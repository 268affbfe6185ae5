"""A worker started by spawn or forkserver has none of main's logging setup.

Main configures logging when it runs.  A child started by fork is a copy of
main, handlers included, so its records are written.  A child started by
spawn or forkserver is a new interpreter: its root logger has no handler and
the default level WARNING, so its INFO record is dropped without a word.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import sys


def report() -> int:
    """In the worker: count the root logger's handlers, then log at INFO."""
    handlers = len(logging.getLogger().handlers)
    logging.getLogger("worker").info("an INFO record from the worker")
    return handlers


def main() -> None:
    logging.basicConfig(
        stream=sys.stdout,
        level=logging.INFO,
        format="%(processName)s: %(message)s",
    )
    for method in ("fork", "spawn", "forkserver"):
        with mp.get_context(method).Pool(1) as pool:
            handlers = pool.apply(report)
            pool.close()
            # the worker exits on its own, rather than being terminated
            pool.join()
        logging.info(
            "the worker started by %s had %d handler(s)", method, handlers
        )


if __name__ == "__main__":
    main()
