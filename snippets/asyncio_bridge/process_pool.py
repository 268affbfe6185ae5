"""CPU-bound work from a coroutine: one ProcessPoolExecutor, made once.

loop.run_in_executor(pool, function, argument) runs the function in one of
the pool's worker processes and gives the event loop an awaitable, so the
loop goes on meanwhile. Make the pool once and pass it to every call. A
ProcessPoolExecutor() written inside the call starts a new pool, and its
processes (one here: max_workers=1), for every call. This program keeps
those pools, so that it can shut them down.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ProcessPoolExecutor


def crunch(number: int) -> int:
    """CPU-bound work; returns the process it ran in."""
    sum(i * i for i in range(100_000 + number))
    return os.getpid()


async def heartbeat(beats: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        beats.append(loop.time())
        await asyncio.sleep(0.01)


async def main_async(pool: ProcessPoolExecutor) -> None:
    loop = asyncio.get_running_loop()
    beats: list[float] = []
    beating = asyncio.create_task(heartbeat(beats))
    calls = [loop.run_in_executor(pool, crunch, n) for n in range(6)]
    shared = set(await asyncio.gather(*calls))
    print(
        f"one pool: 6 calls, at most its 2 processes: {len(shared) <= 2}",
        flush=True,
    )
    each = set()
    one_offs = []
    for n in range(3):  # the mistake: a new pool, and its process, per call
        one_offs.append(ProcessPoolExecutor(1))
        each.add(await loop.run_in_executor(one_offs[-1], crunch, n))
    print(
        f"a pool per call: 3 calls started {len(each)} processes", flush=True
    )
    beating.cancel()
    print(f"the event loop went on meanwhile: {len(beats) > 2}", flush=True)
    # Shut each one down, off the loop: shutdown() waits for the worker.
    # A pool left to shut itself down may still be doing so at exit, where
    # CPython without gh-125451's fix (3.12.8, 3.13.1) can print an OSError.
    for one_off in one_offs:
        await loop.run_in_executor(None, one_off.shutdown)


def main() -> None:
    # Made once, outside the event loop: its shutdown at the end of the
    # with block waits for the workers, which would stall the loop.
    with ProcessPoolExecutor(max_workers=2) as pool:
        asyncio.run(main_async(pool))


if __name__ == "__main__":
    main()
