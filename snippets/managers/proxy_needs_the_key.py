"""A manager's proxy carries the manager's address, not its key.

A proxy sent to a process that is already running (here through a
multiprocessing.Queue, as a Pool task's arguments travel) is rebuilt there
with that process's own authkey. The program's children inherit its key,
so a proxy of mp.Manager() works in them; a manager made with an authkey of
its own refuses them, and the child cannot even unpickle the proxy.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.managers import SyncManager
from multiprocessing.queues import Queue
from queue import Queue as ThreadQueue


def child(inbox: Queue[ThreadQueue[str]], done: Queue[str]) -> None:
    for _ in range(2):
        try:
            shared = (
                inbox.get()
            )  # unpickling the proxy connects to its manager
        except mp.AuthenticationError as error:
            done.put(f"AuthenticationError: {error}")
            continue
        shared.put("hello from the child")
        done.put("put")


def main() -> None:
    inbox: Queue[ThreadQueue[str]] = mp.Queue()
    done: Queue[str] = mp.Queue()
    worker = mp.Process(target=child, args=(inbox, done))
    worker.start()  # running before any proxy exists, as a Pool's workers are
    with mp.Manager() as manager:
        shared = manager.Queue()
        inbox.put(shared)
        print(f"mp.Manager(): the child {done.get()}", flush=True)
        print(f"main got {shared.get()!r}", flush=True)
    with SyncManager(authkey=b"a key of its own") as own:
        shared = own.Queue()
        inbox.put(shared)
        print(
            f"SyncManager(authkey=...): the child got {done.get()}", flush=True
        )
        print(f"the queue is empty: {shared.empty()}", flush=True)
    worker.join()


if __name__ == "__main__":
    main()
