"""A Pipe joins exactly two ends: what one end sends, the other receives.

Pipe() returns two Connection objects. Both can send and receive unless you
ask for Pipe(duplex=False), which gives a receiving end and a sending end.
send() pickles any object, send_bytes() sends bytes as they are, and poll()
says whether something is waiting. Once every copy of the other end is
closed, recv() raises EOFError: that is how a reader learns that the writer
has finished.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection


def child(end: Connection) -> None:
    question = end.recv()
    end.send(f"an answer to {question!r}")
    end.send_bytes(b"raw bytes, not pickled")
    end.close()


def main() -> None:
    mine, theirs = mp.Pipe()  # duplex: each end sends and receives
    answering = mp.Process(target=child, args=(theirs,))
    answering.start()
    theirs.close()  # main's copy of the child's end: else EOF never comes
    print(f"poll() before asking: {mine.poll()}", flush=True)
    mine.send("a question")
    print(f"recv(): {mine.recv()!r}", flush=True)
    print(f"recv_bytes(): {mine.recv_bytes()!r}", flush=True)
    try:
        mine.recv()
    except EOFError:
        print("recv() raised EOFError: the child closed its end", flush=True)
    answering.join()

    receiving, sending = mp.Pipe(duplex=False)
    sending.send("one way")
    print(f"one-way pipe: {receiving.recv()!r}", flush=True)
    try:
        receiving.send("back")
    except OSError as error:
        print(f"send() on the receiving end: OSError: {error}", flush=True)
    receiving.close()
    sending.close()


if __name__ == "__main__":
    main()
