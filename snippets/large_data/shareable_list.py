"""A ShareableList: a fixed list of small values that processes share.

Each slot holds an int, a float, a bool, None, a str or bytes. Workers
open the list by name and write their own slot; nothing is pickled or
copied, and main reads the results in place. A str or bytes slot keeps
the room its first value was given, the next multiple of 8 bytes above
its length: a longer value raises ValueError.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing import shared_memory


def square_into(name: str, index: int) -> None:
    squares: shared_memory.ShareableList[int]
    squares = shared_memory.ShareableList(name=name)
    squares[index] = index * index
    squares.shm.close()


def main() -> None:
    squares = shared_memory.ShareableList([0, 0, 0, 0])
    workers = [
        mp.Process(target=square_into, args=(squares.shm.name, index))
        for index in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    written = [squares[index] for index in range(len(squares))]
    print(f"written in place by four workers: {written}", flush=True)
    squares.shm.close()
    squares.shm.unlink()

    words = shared_memory.ShareableList(["four"])
    words[0] = "eight ch"  # 8 bytes: the room "four" was given
    print(f"an 8-byte str where a 4-byte one was: {words[0]!r}", flush=True)
    try:
        words[0] = "twenty-five"
    except ValueError as error:
        print(f"an 11-byte str: ValueError: {error}", flush=True)
    words.shm.close()
    words.shm.unlink()


if __name__ == "__main__":
    main()
