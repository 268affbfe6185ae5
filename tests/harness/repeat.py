"""Flake hunting: run every program many times under each start method and print pass rates.

    python3 dev.py repeat [-n 30] [--load] [-k NAME] [--python PATH] [--jobs J]

``--load`` keeps every core busy with a spinning process for the whole time,
the way a busy CI machine would. A program that fails even once prints its
first failure, so the cause can be fixed in the program or in its rules.
Exits with status 1 when any run failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed

from .checks import judge
from .pool import DEFAULT_JOBS, Turns, run_against_sample
from .programs import Program, discover, methods_for, start_methods
from .running import Run, isolated_interpreter
from .sample import parse_sample, skip_reason

# Busy until its parent is gone, so that no spinner outlives a repeat that was killed.
SPIN = "import os, sys\nparent = int(sys.argv[1])\nwhile os.getppid() == parent: pass"


def start_load(cores: int) -> list[subprocess.Popen[bytes]]:
    """One busy process per core, each in its own session so it is easy to stop."""
    return [
        subprocess.Popen([sys.executable, "-c", SPIN, str(os.getpid())], start_new_session=os.name == "posix")
        for _ in range(cores)
    ]


def repeat(programs: list[Program], methods: list[str], python: str, times: int, jobs: int) -> tuple[int, int]:
    """Run and print the table; return (runs failed, runs made)."""
    passed: Counter[tuple[str, str]] = Counter()
    first_failure: dict[tuple[str, str], str] = {}
    samples = {program.name: parse_sample(program.sample_path) for program in programs}
    work = [
        (program, method)
        for _ in range(times)
        for program in programs
        for method in methods_for(program, methods)
        if not skip_reason(samples[program.name].rules)
    ]
    turns = Turns()  # an `exclusive` program runs alone, as in the check

    def run(program: Program, method: str) -> Run:
        rules = samples[program.name].rules
        with turns.turn(rules.exclusive, rules.untimed):
            return run_against_sample(program, method, python)

    with ThreadPoolExecutor(max_workers=jobs) as executor:
        futures = {executor.submit(run, program, method): (program, method) for program, method in work}
        for done, future in enumerate(as_completed(futures), start=1):
            program, method = futures[future]
            verdict = judge(future.result(), samples[program.name])
            if verdict is None:
                passed[(program.name, method)] += 1
            else:
                first_failure.setdefault((program.name, method), verdict)
            if done % 100 == 0:
                print(f"  {done}/{len(work)} runs", flush=True)
    width = max(len(program.name) for program in programs)
    print(f"\n{'program':<{width}}  " + "  ".join(f"{method:>10}" for method in methods))
    failed = 0
    for program in programs:
        if skip_reason(samples[program.name].rules):
            print(f"{program.name:<{width}}  skipped: {skip_reason(samples[program.name].rules)}")
            continue
        cells = []
        for method in methods:
            if method not in methods_for(program, methods):
                cells.append("no method")  # `no-start-method`: run under the first alone
                continue
            count = passed[(program.name, method)]
            failed += times - count
            cells.append(f"{count:>4}/{times:<5}" + ("" if count == times else "!"))
        print(f"{program.name:<{width}}  " + "  ".join(f"{cell:>10}" for cell in cells))
    for (name, method), verdict in sorted(first_failure.items()):
        print(f"\nfirst failure of {name} under {method}:\n{verdict}")
    return failed, len(work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 dev.py repeat", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--times", type=int, default=30, help="runs per program and start method (30)")
    parser.add_argument("--load", action="store_true", help="keep every core busy with a spinning process")
    parser.add_argument("-k", dest="names", action="append", default=[], help="only programs whose name contains this")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs the programs")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"runs at once ({DEFAULT_JOBS})")
    options = parser.parse_args(argv)
    programs = [p for p in discover() if not options.names or any(name in p.name for name in options.names)]
    if not programs:
        parser.error(f"no program matches {options.names}")
    methods = start_methods()
    cores = os.cpu_count() or 1
    load = start_load(cores) if options.load else []
    started = time.monotonic()
    try:
        print(
            f"{len(programs)} programs x {len(methods)} start methods x {options.times} runs, {options.jobs} at once"
            + (f", {cores} cores kept busy" if load else ""),
            flush=True,
        )
        failed, total = repeat(programs, methods, isolated_interpreter(options.python), options.times, options.jobs)
    finally:
        for spinner in load:
            spinner.kill()
            spinner.wait()
    print(f"\n{total - failed}/{total} runs passed in {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
