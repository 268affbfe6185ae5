"""Two independently started programs share one queue through a manager server.

`python two_programs.py serve` serves a queue on 127.0.0.1 until stopped.
Run without arguments, this file starts that server as a separate program,
as you would from another terminal, reads the port it printed, and connects
twice, once to put and once to get, as two unrelated programs would. A
wrong key is refused. Then it stops the server.

Managers exchange pickles, and unpickling can run code: never listen on an
address that untrusted machines can reach, and keep the key secret.
"""

from __future__ import annotations

import queue
import subprocess
import sys
from multiprocessing import AuthenticationError
from multiprocessing.managers import BaseManager
from typing import Any

# in real use: a long random secret, not in the source code
AUTHKEY = b"change me"
shared: queue.Queue[str] = queue.Queue()


def get_shared() -> queue.Queue[str]:
    return shared


class ServingManager(BaseManager):
    """The server side: serves the queue above."""


class ClientManager(BaseManager):
    """The client side: the same registered name, no callable."""


ServingManager.register("get_queue", callable=get_shared)
ClientManager.register("get_queue")


def serve() -> None:
    manager = ServingManager(
        address=("127.0.0.1", 0), authkey=AUTHKEY
    )  # 0: a free port
    server = manager.get_server()
    address = server.address
    assert isinstance(address, tuple)
    print(f"serving a queue on {address[0]}:{address[1]}", flush=True)
    server.serve_forever()


def connect(port: int, authkey: bytes) -> Any:
    manager = ClientManager(address=("127.0.0.1", port), authkey=authkey)
    manager.connect()
    return manager.get_queue()  # type: ignore[attr-defined]


def use() -> None:
    server = subprocess.Popen(
        [sys.executable, __file__, "serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().rsplit(":", 1)[1])
        print("server started as a separate program", flush=True)
        connect(port, AUTHKEY).put("hello from the first program")
        print(
            f"second program got: {connect(port, AUTHKEY).get(timeout=5)!r}",
            flush=True,
        )
        try:
            connect(port, b"wrong key")
        except AuthenticationError as error:
            print(
                f"a wrong key is refused: AuthenticationError: {error}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait()
        print("server stopped", flush=True)


def main() -> None:
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        use()


if __name__ == "__main__":
    main()
