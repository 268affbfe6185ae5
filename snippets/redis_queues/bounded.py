"""A bounded Redis queue: a second list of tokens plays maxsize.

A Redis list has no maximum length. A list of ROOM tokens gives it one:
the producer takes a token (BRPOP) before each LPUSH, and the consumer
gives one back for each item it takes. So at most ROOM items wait in the
list, and the producer waits while it is full, as put() does on a
multiprocessing.Queue(maxsize=ROOM).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import uuid

import redis

URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")


def connect() -> redis.Redis:
    # redis-py stops waiting for an answer after 5 s unless told: longer
    # than the 10 s a blocking get may wait here.
    return redis.Redis.from_url(URL, socket_timeout=15)


ROOM = 3


def take(server: redis.Redis, name: str) -> str:
    popped = server.brpop([name], timeout=10)
    if popped is None:
        raise TimeoutError(f"nothing in {name} for 10 s")
    value = popped[1]
    assert isinstance(value, bytes)  # redis-py returns bytes unless told
    return value.decode()


def consumer(tasks: str, room: str) -> None:
    server = connect()
    while True:
        item = take(server, tasks)
        server.lpush(room, "token")  # the item's place is free again
        if item == "stop":
            break
        time.sleep(0.05)  # a slow consumer
        print(f"Consumer: did {item}", flush=True)


def main() -> None:
    server = connect()
    tasks = f"demo:{uuid.uuid4().hex}:tasks"
    room = tasks.replace(":tasks", ":room")
    server.lpush(room, *["token"] * ROOM)
    consuming = mp.Process(target=consumer, args=(tasks, room))
    consuming.start()
    longest = 0
    for item in [f"task {number}" for number in range(1, 9)] + ["stop"]:
        take(server, room)  # put() on a full queue: wait for room
        longest = max(longest, server.lpush(tasks, item))  # the new length
        print(f"Main: put {item}", flush=True)
    consuming.join()
    print(
        f"Main: the list never held more than {ROOM} items: {longest <= ROOM}",
        flush=True,
    )
    server.delete(tasks, room)


if __name__ == "__main__":
    main()
