"""Wait for whichever comes first: a result, or a worker that ended.

multiprocessing.connection.wait() takes Connections and Process.sentinel
values and returns those that are ready. A sentinel is ready once its
process has ended, however it ended. So one loop hears each result as it
arrives, and also notices a worker that died without sending one, where a
plain recv() would wait forever.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import time
from multiprocessing.connection import Connection, wait


def square(number: int, results: Connection) -> None:
    time.sleep(0.1 * number)
    if number == 2:
        os._exit(3)  # dies before it sends anything, as a crash would
    results.send(number * number)
    results.close()


def main() -> None:
    readers: dict[Connection, int] = {}  # each worker's receiving end
    workers: dict[int, tuple[int, mp.Process]] = {}  # by sentinel
    for number in range(1, 4):
        reader, writer = mp.Pipe(duplex=False)
        worker = mp.Process(target=square, args=(number, writer))
        worker.start()
        writer.close()  # only the worker's copy stays open
        readers[reader] = number
        workers[worker.sentinel] = (number, worker)
    while readers or workers:
        ready = wait([*readers, *workers])
        # A result is in its pipe before its worker's sentinel is ready:
        # read results first, so that each worker's lines keep their order.
        for reader in [reader for reader in readers if reader in ready]:
            number = readers.pop(reader)
            with contextlib.suppress(EOFError):  # it ended without sending
                print(f"Worker {number}: sent {reader.recv()}", flush=True)
            reader.close()
        for sentinel in [
            sentinel for sentinel in workers if sentinel in ready
        ]:
            number, worker = workers.pop(sentinel)
            worker.join()
            print(
                f"Worker {number}: ended, exit code {worker.exitcode}",
                flush=True,
            )


if __name__ == "__main__":
    main()
