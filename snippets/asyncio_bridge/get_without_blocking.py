"""Take items from a process queue in asyncio without stopping the loop.

q.get() waits in the calling thread: called in a coroutine, it stops the
whole event loop, and every other task with it, until an item comes.
await asyncio.to_thread(q.get) waits in a worker thread instead, while
the loop goes on. A heartbeat task counts how often it ran meanwhile.
Cancelling that await does not stop the thread: its get() still takes
the next item, which nobody then receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import threading
import time
from multiprocessing.queues import Queue


def producer(q: Queue[int | None]) -> None:
    for number in range(3):
        time.sleep(0.1)
        q.put(number)
    q.put(None)  # the stop value


async def heartbeat(done: asyncio.Event) -> int:
    beats = 0
    while not done.is_set():
        await asyncio.sleep(0.01)
        beats += 1
    return beats


async def consume(q: Queue[int | None], in_thread: bool) -> int:
    """Take items until the stop value; return how often the loop beat."""
    done = asyncio.Event()
    beating = asyncio.create_task(heartbeat(done))
    producing = mp.Process(target=producer, args=(q,))
    producing.start()
    while True:
        item = await asyncio.to_thread(q.get) if in_thread else q.get()
        if item is None:
            break
    done.set()
    producing.join()
    return await beating


async def abandon_a_get(q: Queue[str]) -> bool:
    """Whether an item put after cancelling a waiting get() is lost."""
    calling = threading.Event()
    taken: list[str] = []  # what the abandoned get() returned, to nobody

    def get() -> str:
        calling.set()
        taken.append(q.get())
        return taken[-1]

    waiting = asyncio.create_task(asyncio.to_thread(get))
    # Until the executor's thread runs the call, cancel() would drop it.
    while not calling.is_set():
        await asyncio.sleep(0.01)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting  # the await is over; the thread still waits in get()
    q.put("important")
    while not taken:  # the thread takes the item and returns it to nobody
        await asyncio.sleep(0.01)
    return waiting.cancelled() and taken == ["important"]


async def main_async() -> None:
    q: Queue[int | None] = mp.Queue()
    blocked = await consume(q, in_thread=False)
    print(f"get() in a coroutine: the loop beat {blocked} times", flush=True)
    free = await consume(q, in_thread=True)
    print(f"asyncio.to_thread(q.get): it kept beating: {free > 0}", flush=True)
    lost = await abandon_a_get(mp.Queue())
    print(f"after cancel(), the next item is lost: {lost}", flush=True)


if __name__ == "__main__":
    asyncio.run(main_async())
