"""The real signature of every public method of Queue and JoinableQueue.

Read from the running interpreter with inspect, so the page shows what your
Python has, not what a tutorial remembers.
"""

from __future__ import annotations

import inspect
from multiprocessing.queues import JoinableQueue, Queue


def main() -> None:
    for cls in (Queue, JoinableQueue):
        own = [name for name in vars(cls) if not name.startswith("_")]
        inherited = (
            []
            if cls is Queue
            else [n for n in vars(Queue) if not n.startswith("_")]
        )
        print(f"{cls.__name__}:", flush=True)
        for name in own:
            signature = inspect.signature(getattr(cls, name))
            # without self
            parameters = list(signature.parameters.values())[1:]
            shown = signature.replace(parameters=parameters)
            print(f"  {name}{shown}", flush=True)
        if inherited:
            print(
                f"  ... and every method of Queue ({len(inherited)})",
                flush=True,
            )


if __name__ == "__main__":
    main()
