"""A forkserver child sees the server's world, not main's as it is now.

The forkserver starts once, at the first forkserver child, with main's
environment as it is at that moment. Every later child is forked from the
server and imports main's module afresh: a variable main sets in
os.environ afterwards, or a global it changes at run time, does not reach
it. A fork child is a copy of main as it is now, and sees both. And the
modules the server preloads are there in every child, but a module a
function imports inside itself is imported again by each (gh-157216).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Callable
from multiprocessing.context import ForkContext, ForkServerContext

SETTING = "set at import"


def report(method: str) -> None:
    stage = os.environ.get("STAGE")
    print(f"{method} child: STAGE={stage!r}, SETTING={SETTING!r}", flush=True)


def imports_inside() -> None:
    before = "sched" in sys.modules
    import sched  # noqa: F401  (imported inside a function, as code often is)

    print(
        f"preloaded colorsys there: {'colorsys' in sys.modules}; sched "
        f"there before the function imported it: {before}",
        flush=True,
    )


def run(
    context: ForkContext | ForkServerContext,
    target: Callable[..., None],
    *args: str,
) -> None:
    child = context.Process(target=target, args=args)
    child.start()
    child.join()


def main() -> None:
    global SETTING
    forkserver = mp.get_context("forkserver")
    forkserver.set_forkserver_preload(["colorsys"])  # imported by the server
    run(forkserver, report, "forkserver")  # starts the server
    os.environ["STAGE"] = "set after the server started"
    SETTING = "changed at run time"
    run(mp.get_context("fork"), report, "fork")
    run(forkserver, report, "forkserver")
    run(forkserver, imports_inside)


if __name__ == "__main__":
    main()
