"""Small, typed helpers for the patterns the guides build up to.

Each one is a few lines you can copy: the guides show why they are written
this way. Every example below was run by the checks, and what it prints is
checked against the `#>` lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from multiprocessing.queues import JoinableQueue, Queue
from queue import Empty
from typing import TypeVar

T = TypeVar("T")


def stop_consumers(q: Queue[T | None], consumers: int) -> None:
    """Put one stop value (`None`) per consumer, after every producer ended.

    Each consumer takes exactly one `None` and stops, so none waits forever
    and no item that was put before is left behind. Call it only after
    joining the producers: a stop value put earlier can overtake their items.

    Args:
        q: The queue the consumers read.
        consumers: How many consumers read it.

    Example:
        ```python
        import multiprocessing as mp

        from snippets.recipes import drain, stop_consumers

        q = mp.Queue()
        q.put("work")
        stop_consumers(q, consumers=2)
        print(drain(q))
        #> ['work', None, None]
        ```
    """
    for _ in range(consumers):
        q.put(None)


def items_until_stop(q: Queue[T | None]) -> Iterator[T]:
    """Yield items from the queue until the stop value `None` arrives.

    `get()` waits as long as it takes, so a slow producer is no reason to
    stop; only the stop value is. `None` itself is never yielded.

    Example:
        ```python
        import multiprocessing as mp

        from snippets.recipes import items_until_stop

        q = mp.Queue()
        for word in ["a", "b", None, "never read"]:
            q.put(word)
        print(list(items_until_stop(q)))
        #> ['a', 'b']
        ```
    """
    while (item := q.get()) is not None:
        yield item


def drain(q: Queue[T], timeout: float = 0.1) -> list[T]:
    """Take every item still in the queue.

    Call it only after every process that puts into the queue has been
    joined: then an item that takes longer than `timeout` to arrive cannot
    exist, because each writer's feeder thread flushed its buffer before the
    process exited. While writers run, an empty moment proves nothing.

    Example:
        ```python
        import multiprocessing as mp

        from snippets.recipes import drain

        q = mp.Queue()
        for n in range(3):
            q.put(n)
        print(drain(q), drain(q))
        #> [0, 1, 2] []
        ```
    """
    items = []
    while True:
        try:
            items.append(q.get(timeout=timeout))
        except Empty:
            return items


def handle_tasks(
    q: JoinableQueue[T | None], handle: Callable[[T], object]
) -> tuple[int, int]:
    """Handle tasks until the stop value; mark each done even when it fails.

    `task_done()` runs in a `finally:` clause, so a task that raises still
    counts as finished and `join()` on the queue can return. The stop value
    is marked done too: it was put, so `join()` waits for it. Returns how
    many tasks succeeded and how many raised; report the failures from
    `handle` itself, for example by putting them on a results queue.

    Example:
        ```python
        import multiprocessing as mp

        from snippets.recipes import handle_tasks

        q = mp.JoinableQueue()
        for n in [1, 0, 2]:
            q.put(n)
        q.put(None)
        print(handle_tasks(q, lambda n: 10 // n))
        #> (2, 1)
        q.join()  # returns: every task, the failing one too, was marked done
        print("joined")
        #> joined
        ```
    """
    succeeded = failed = 0
    while True:
        item = q.get()
        try:
            if item is None:
                return succeeded, failed
            handle(item)
            succeeded += 1
        # a failing task must not end the loop or skip task_done
        except Exception:  # noqa: BLE001
            failed += 1
        finally:
            q.task_done()


def close_when_done(q: Queue[T]) -> None:
    """Say this process puts nothing more; wait till its items are in the pipe.

    `close()` stops this process's use of the queue; it does not close the
    queue for other processes. `join_thread()` then waits for the feeder
    thread to write what is buffered. A process that exits normally does
    that wait by itself; this makes it happen here, at a point you choose.
    Like that wait at exit, it blocks while nobody reads a pipe that is
    full. Its opposite, `cancel_join_thread()`, lets a process exit at
    once: buffered items are lost, and an item half written blocks every
    reader.

    Example:
        ```python
        import multiprocessing as mp

        from snippets.recipes import close_when_done

        q = mp.Queue()
        q.put("last words")
        close_when_done(q)
        try:
            q.put("more")
        except ValueError as error:
            print("closed" in str(error))
            #> True
        ```
    """
    q.close()
    q.join_thread()
