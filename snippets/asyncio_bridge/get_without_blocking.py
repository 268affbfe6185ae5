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
from queue import Empty


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

    def get() -> str:
        calling.set()
        return q.get()

    waiting = asyncio.create_task(asyncio.to_thread(get))
    while not calling.is_set():  # a busy machine may start the thread late
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # the thread is now inside q.get()
    waiting.cancel()
    q.put("important")
    received = []
    with contextlib.suppress(Empty):  # the abandoned thread took it
        received.append(q.get(timeout=1))
    return not received


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
