"""Anything picklable travels through a queue, your own classes included.

One put() carries one object, however big; a list of items is one message,
not many. The receiving process must be able to find a class of your own by
its name, which is why Order is defined at the top level of the module.
"""

from __future__ import annotations

import multiprocessing as mp
from dataclasses import dataclass
from multiprocessing.queues import Queue
from typing import Any


@dataclass
class Order:
    number: int
    items: list[str]


def receiver(q: Queue[Any]) -> None:
    while (message := q.get()) is not None:
        print(f"{type(message).__name__:<5} {message!r}", flush=True)


def main() -> None:
    q: Queue[Any] = mp.Queue()
    receiving = mp.Process(target=receiver, args=(q,))
    receiving.start()
    q.put(42)
    q.put("a string")
    q.put([1, 2, 3])  # one message holding three numbers
    q.put({"user": "ada", "roles": ["admin"]})
    q.put(Order(7, ["tea", "cake"]))
    q.put(None)
    receiving.join()


if __name__ == "__main__":
    main()
