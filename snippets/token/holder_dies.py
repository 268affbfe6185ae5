"""When the process holding the token dies, every other process waits forever.

Worker 0 counts twice, then takes the token and exits without putting it
back, as a crash would. The count is lost with it, and the workers that
start afterwards block in get(). (They start afterwards so that worker 0
certainly holds the token when it dies.) The program waits a second to show
they are stuck, then ends them; without that, it would never finish.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from multiprocessing.queues import Queue

WORKERS = 3
ROUNDS = 5


def pass_token(number: int, q: Queue[int]) -> None:
    for turn in range(ROUNDS):
        count = q.get()
        if number == 0 and turn == 2:
            os._exit(1)  # dies holding the token: the count goes with it
        q.put(count + 1)


def main() -> None:
    q: Queue[int] = mp.Queue()
    workers = [
        mp.Process(target=pass_token, args=(n, q)) for n in range(WORKERS)
    ]
    workers[0].start()
    q.put(0)
    workers[0].join()
    for worker in workers[1:]:
        worker.start()
    print(
        f"worker 0 exited with code {workers[0].exitcode}, holding the token",
        flush=True,
    )
    for worker in workers[1:]:
        worker.join(timeout=1.0)
    stuck = sum(worker.is_alive() for worker in workers[1:])
    print(
        f"after 1 s, {stuck} of {WORKERS - 1} other workers still wait for it",
        flush=True,
    )
    for worker in workers[1:]:
        worker.terminate()  # only to end this demonstration
        worker.join()


if __name__ == "__main__":
    main()
