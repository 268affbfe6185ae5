"""Many processes, one log: workers put records on a queue; main writes them.

Each worker's first act is to send every record to one multiprocessing queue
through a QueueHandler.  In main, a QueueListener takes the records off the
queue and passes them to the real handler, here one that writes to stdout.
Only main writes, so lines never tear, and the setup works under every start
method because each worker makes its own.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import sys
from logging.handlers import QueueHandler, QueueListener
from multiprocessing.queues import Queue

WORKERS = 3


def log_to_queue(log_queue: Queue[logging.LogRecord]) -> None:
    """Send this process's records to log_queue, and nowhere else."""
    root = logging.getLogger()
    root.handlers = [
        QueueHandler(log_queue)
    ]  # replaces the copies fork makes of main's
    root.setLevel(logging.INFO)


def work(log_queue: Queue[logging.LogRecord]) -> None:
    log_to_queue(log_queue)
    log = logging.getLogger("work")
    for step in range(2):
        log.info("step %d", step)
    log.warning("done")


def main() -> None:
    log_queue: Queue[logging.LogRecord] = mp.Queue()
    to_stdout = logging.StreamHandler(sys.stdout)
    to_stdout.setFormatter(
        logging.Formatter("%(processName)-11s %(levelname)-7s %(message)s")
    )
    listener = QueueListener(log_queue, to_stdout)
    log_to_queue(log_queue)  # main: through the queue too, one order for all

    workers = [
        mp.Process(target=work, args=(log_queue,)) for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    # after the last start(): a fork must not copy a writing thread
    listener.start()
    for worker in workers:
        worker.join()
    logging.info("all %d workers joined", WORKERS)
    listener.stop()  # writes every record still in the queue, then returns


if __name__ == "__main__":
    main()
