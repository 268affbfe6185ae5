"""A bridge thread: items from a process queue into an asyncio.Queue.

For a steady stream, one long-lived thread is simpler than a to_thread()
per item. It waits in get(), hands each item to the event loop with
call_soon_threadsafe(), and at the producer's stop value it ends, after
putting one stop value per coroutine that consumes. So the producer's stop
value stops the thread, and the thread's stop the coroutines: nothing is
left waiting, and asyncio.run() can return.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import threading
from multiprocessing.queues import Queue

CONSUMERS = 2


def producer(q: Queue[int | None]) -> None:
    for number in range(6):
        q.put(number)
    q.put(None)  # the stop value


def bridge(
    source: Queue[int | None],
    loop: asyncio.AbstractEventLoop,
    target: asyncio.Queue[int | None],
) -> None:
    """Runs in a thread: never touches the loop except through the loop."""
    while (item := source.get()) is not None:
        loop.call_soon_threadsafe(target.put_nowait, item)
    for _ in range(CONSUMERS):
        loop.call_soon_threadsafe(target.put_nowait, None)


async def consumer(name: int, items: asyncio.Queue[int | None]) -> int:
    taken = 0
    while (item := await items.get()) is not None:
        print(f"Consumer {name}: got {item}", flush=True)
        taken += 1
        await asyncio.sleep(0.01)  # a step of real work lets the other run
    return taken


async def main_async() -> None:
    source: Queue[int | None] = mp.Queue()
    items: asyncio.Queue[int | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    moving = threading.Thread(target=bridge, args=(source, loop, items))
    moving.start()
    producing = mp.Process(target=producer, args=(source,))
    producing.start()
    taken = await asyncio.gather(
        *(consumer(name, items) for name in range(CONSUMERS))
    )
    moving.join()
    producing.join()
    print(f"Main: {sum(taken)} items taken; the bridge ended", flush=True)


if __name__ == "__main__":
    asyncio.run(main_async())
