"""Every program under every start method with coverage started in each of its processes.

The checks start these runs in the background once the program checks have
finished, so that they overlap with the tests that mostly wait (the browser,
the broken contributions); tests/test_quality.py reads what they measured.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from .pool import DEFAULT_JOBS, run_against_sample
from .programs import Program, discover, start_methods
from .running import ROOT, Run
from .sample import parse_sample, skip_reason


@dataclass
class Measured:
    data_file: Path  # where coverage wrote, one file per process
    programs: list[Program]  # the programs measured: those this platform runs
    runs: list[tuple[Program, str, Run]]  # (program, start method, run)


def measure(folder: Path) -> Measured:
    env = {
        "COVERAGE_PROCESS_START": str(ROOT / "pyproject.toml"),
        "COVERAGE_FILE": str(folder / ".coverage"),
        "SNIPPETS_DIR": str(ROOT / "snippets"),  # see [tool.coverage.run] source
    }
    measured = [program for program in discover() if not skip_reason(parse_sample(program.sample_path).rules)]
    wanted = [(program, method) for program in measured for method in start_methods()]
    # Coverage slows every process down, start-up most: fewer runs at once, longer limits.
    with ThreadPoolExecutor(max(2, DEFAULT_JOBS // 3)) as executor:
        finished = list(executor.map(lambda run: run_against_sample(*run, sys.executable, env, slowdown=3.0), wanted))
    runs = [(program, method, run) for (program, method), run in zip(wanted, finished, strict=True)]
    return Measured(folder / ".coverage", measured, runs)


COVERAGE_RUNS = pytest.StashKey["Future[Measured]"]()  # started by conftest.py, read by tests/test_quality.py
