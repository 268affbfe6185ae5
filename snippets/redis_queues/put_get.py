"""A Redis list as a queue between processes: LPUSH puts, BRPOP gets.

The same lesson as a multiprocessing.Queue with two consumers, but the
queue lives in a Redis server, so the producer and the consumers could
run on different machines. Items are bytes (here JSON text), and one stop
value per consumer ends them, as with a process queue. The server's
address and password come from REDIS_URL.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import uuid

import redis

URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")


def connect() -> redis.Redis:
    # redis-py stops waiting for an answer after 5 s unless told: longer
    # than the 10 s a blocking get may wait here.
    return redis.Redis.from_url(URL, socket_timeout=15)


STOP = "stop"


def consumer(number: int, tasks: str) -> None:
    server = connect()
    while True:
        popped = server.brpop([tasks], timeout=10)  # get(): wait for an item
        if popped is None:
            raise TimeoutError("no item for 10 s")
        item = json.loads(popped[1])
        if item == STOP:
            break
        print(f"Consumer {number}: got task {item['task']}", flush=True)
    print(f"Consumer {number}: stop value, done", flush=True)


def main() -> None:
    server = connect()
    tasks = f"demo:{uuid.uuid4().hex}:tasks"  # a list of its own per run
    consumers = [
        mp.Process(target=consumer, args=(number, tasks)) for number in (1, 2)
    ]
    for process in consumers:
        process.start()
    for task in range(1, 6):
        server.lpush(tasks, json.dumps({"task": task}))  # put()
        print(f"Main: put task {task}", flush=True)
    for _ in consumers:
        server.lpush(tasks, json.dumps(STOP))  # one stop value per consumer
    for process in consumers:
        process.join()
    print(f"Main: left in the list: {server.llen(tasks)}", flush=True)
    server.delete(tasks)


if __name__ == "__main__":
    main()
