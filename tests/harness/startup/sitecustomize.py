"""Loaded by every Python process of a checked run: the harness puts this folder on PYTHONPATH.

On SIGUSR1 each process writes where all its threads are to
``$SNIPPETS_STACKS_DIR/<pid>.txt``. When a run overstays its time limit, the
harness sends SIGUSR1 to every process of the run before killing them, and
shows the reader of the failure where each one was stuck. Readers running a
program themselves never load this file.
"""

import faulthandler
import os
import signal

_streams = []  # faulthandler writes to these files' descriptors, so they stay open


def _write_stacks_on_sigusr1() -> None:
    folder = os.environ.get("SNIPPETS_STACKS_DIR")
    if not folder or not hasattr(signal, "SIGUSR1"):
        return
    stream = open(os.path.join(folder, f"{os.getpid()}.txt"), "w")  # noqa: SIM115
    _streams.append(stream)
    faulthandler.register(signal.SIGUSR1, file=stream, all_threads=True)


_write_stacks_on_sigusr1()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_write_stacks_on_sigusr1)  # a forked child writes its own file

if os.environ.get("COVERAGE_PROCESS_START"):  # the coverage check of the programs (tests/test_quality.py)
    import coverage

    coverage.process_startup()
