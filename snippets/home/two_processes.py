"""Two processes and one queue: main puts three words, a consumer gets them.

None is the stop value: the consumer stops when it gets it, and main joins
the consumer once it has put everything.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.queues import Queue


def consumer(words: Queue[str | None]) -> None:
    while (word := words.get()) is not None:
        print(f"Consumer: got {word}", flush=True)


def main() -> None:
    words: Queue[str | None] = mp.Queue()
    consuming = mp.Process(target=consumer, args=(words,))
    consuming.start()
    for word in ("apple", "pear", "plum"):
        words.put(word)
        print(f"Main: put {word}", flush=True)
    words.put(None)  # the stop value
    consuming.join()
    print("Main: the consumer has stopped", flush=True)


if __name__ == "__main__":
    main()
