"""Hand large data over in shared memory: the queue carries only its name.

put() of 8 MB pickles it, writes it through a pipe and unpickles a copy on
the other side. A SharedMemory block exists once, for every process that
opens it by name. Main fills a block and puts its name on the queue; the
consumer opens the same memory, reads it and says so. Every process
close()s its own handle, and exactly one unlink()s the block, once nobody
needs it: here main, which created it. Main creates the block before it
starts the consumer, so that both report to one resource tracker.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
from multiprocessing import shared_memory
from multiprocessing.queues import Queue

SIZE = 8 * 1024 * 1024


def consumer(names: Queue[tuple[str, int]], counts: Queue[int]) -> None:
    name, value = names.get()
    block = shared_memory.SharedMemory(name=name)
    memory = block.buf
    assert memory is not None  # None only once closed
    counts.put(bytes(memory[:SIZE]).count(value))
    block.close()  # this process is done with it; main unlinks


def main() -> None:
    block = shared_memory.SharedMemory(create=True, size=SIZE)
    memory = block.buf
    assert memory is not None
    memory[:SIZE] = bytes([7]) * SIZE  # 8 MB of sevens
    names: Queue[tuple[str, int]] = mp.Queue()
    counts: Queue[int] = mp.Queue()
    # Started after the block exists: a child forked before any resource
    # tracker runs starts its own, which unlinks the block when it exits.
    consuming = mp.Process(target=consumer, args=(names, counts))
    consuming.start()
    message = (block.name, 7)
    names.put(message)
    sent = len(pickle.dumps(message))
    print(
        f"the queue carried {sent} bytes, under 100: {sent < 100}", flush=True
    )
    print(f"the consumer counted {counts.get():,} sevens", flush=True)
    consuming.join()
    block.close()
    block.unlink()  # once, by one process, after every other has closed
    print("main closed and unlinked the block", flush=True)


if __name__ == "__main__":
    main()
