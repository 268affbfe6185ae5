"""Who can reach a manager: its address and its authentication key.

Manager() listens where only this machine can reach it: a socket file in a
private temporary folder on Linux and macOS, a named pipe on Windows. And
every connection must prove it knows the manager's authkey, which is by
default the authkey of the process that started it: 32 random bytes that
every child inherits. So children connect without being told anything,
and a program that does not know the key is refused.
"""

from __future__ import annotations

import multiprocessing as mp
import tempfile
from multiprocessing.managers import SyncManager
from multiprocessing.queues import Queue


def child(keys: Queue[bytes]) -> None:
    keys.put(bytes(mp.current_process().authkey))  # its own, not told


def main() -> None:
    key = mp.current_process().authkey
    print(f"this process's authkey: {len(key)} random bytes", flush=True)
    keys: Queue[bytes] = mp.Queue()
    inheriting = mp.Process(target=child, args=(keys,))
    inheriting.start()
    print(f"a child has the same authkey: {keys.get() == key}", flush=True)
    inheriting.join()

    with mp.Manager() as manager:
        # A socket in a new private folder (on Windows, a named pipe).
        where = manager.address
        assert isinstance(where, str)
        shown = where.replace(tempfile.gettempdir(), "$TMPDIR", 1)
        print(f"the manager listens at: {shown!r}", flush=True)
        intruder = SyncManager(address=where, authkey=b"a guess")
        try:
            intruder.connect()
        except mp.AuthenticationError as error:
            print(f"a wrong authkey: AuthenticationError: {error}", flush=True)
        friend = SyncManager(address=where, authkey=key)
        friend.connect()
        print("the right authkey: connected", flush=True)


if __name__ == "__main__":
    main()
