"""The programs as code: linted, formatted, strictly typed, and every line run by some process."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.checks import judge, load_sample
from harness.pool import MEASURED_METHODS, RunPool, coverage_runs, run_kind
from harness.programs import start_methods
from harness.running import ROOT, release
from harness.sample import Sample, parse_sample

BIN = Path(sys.executable).parent  # the toolchain's venv
# How a failure names its tools: `.venv/bin/ruff`, which runs from the project's folder (a bare `ruff` may not).
TOOLS = BIN.relative_to(ROOT).as_posix() if BIN.is_relative_to(ROOT) else BIN.as_posix()

# Lines coverage never sees run: because not running is the lesson, or because
# they run where coverage cannot tie them to the file (DASK_WORKER). Keyed by the
# line's text, so that moving it does not matter; a listed line that starts
# running fails the check too, so the list cannot go stale.
SERVER_SIDE = "the server side: a separate program the client ends with terminate(), so it saves no coverage data"
LEADER = "the harness starts every run as the leader of its own session and process group"
KILLED = "runs only in a process that SIGKILL ends, so it saves no coverage data"
# Lines that run or not by timing, or in a process whose coverage data may or may not be saved: checked neither way.
SOMETIMES_MEASURED = {
    "snippets/ctrl_c/clean_stop.py": {
        "except Empty:": "runs only when a result takes main longer than 0.1 s to get: usually on a busy machine "
        "(the full check), not when the coverage runs have the cores (found by `dev.py check -k every_line`)",
        "continue": "as above",
    },
    "snippets/killed_workers/killed_in_get.py": {
        "time.sleep(0.01)": "runs only if main looks before the feeder thread has written the item into the pipe; "
        "it usually does, but the thread sometimes wins (a fresh clone's full check found it once not run)",
    },
    "snippets/ray_tasks/tasks_and_queue.py": {
        "time.sleep(0.01)": "runs only if main looks before Ray's producer task has filled the queue; the task "
        "usually has not, but sometimes wins (a fresh clone's full check found it once not run)",
    },
    "snippets/python_3_14/checklist.py": {
        "time.sleep(0.05)  # active_children() also joins those that ended": "runs on 3.14+ only, and there only if "
        "the first look still finds the terminated worker alive: nearly always, but not if main is paused meanwhile",
    },
    "snippets/ctrl_c/interrupts_everyone.py": {
        "time.sleep(5)  # a long task: Ctrl-C arrives here, or just before": "runs only in a worker that gets to it "
        "before its interpreter handles the SIGINT main sends to the group, as soon as both workers have released "
        "busy: a worker that handles it on returning from release() raises KeyboardInterrupt there (CI's full check "
        "once found that neither worker ran it)",
    },
    "snippets/closing/cancel_breaks_the_queue.py": {
        "time.sleep(0.01)": "runs only if main looks before the worker's item is in the pipe: it usually does, but "
        "the worker sometimes wins (coverage measured on 3.12 found it not run)",
    },
    "snippets/killed_workers/pool_waits_forever.py": {
        "if task == 3:": "runs only in pool workers; terminate() at the end of the with block kills those still "
        "running (no coverage data), while one that already took the pool's stop signal exits and saves it",
        "return task * task": "as above",
        "time.sleep(0.05)": "runs only when main's first look finds the killed worker not yet replaced; the pool "
        "checks every 0.1 s, so whether it already has depends on timing (under spawn it rarely has)",
    },
}
DASK_WORKER = (
    "runs in a Dask worker, which gets the function from cloudpickle as code named <dynamic-code>: coverage "
    "cannot tie it to the file (the program's output shows that it ran)"
)


def function_lines(path: str, *names: str, reason: str = DASK_WORKER) -> dict[str, str]:
    """Every statement line of these functions of a program (docstrings aside), for NEVER_RUN or SOMETIMES_MEASURED."""
    source = (ROOT / path).read_text(encoding="utf-8")
    lines = source.splitlines()
    found = {}
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, ast.FunctionDef) and function.name in names:
            for node in ast.walk(function):
                docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                if isinstance(node, ast.stmt) and node is not function and not docstring:
                    found[lines[node.lineno - 1].strip()] = reason
    return found


RAY_WORKER = (
    "runs in a Ray worker process, which ray.shutdown() ends before coverage saves its data (or, for dies_once, "
    "the task itself ends): only a worker that happened to exit on its own earlier saves it, so whether these lines "
    "count as run depends on timing (the program's output shows that they ran)"
)
# Added to the program's entry above, not in its place: "=" here once dropped main's time.sleep(0.01) from it.
SOMETIMES_MEASURED["snippets/ray_tasks/tasks_and_queue.py"] |= function_lines(
    "snippets/ray_tasks/tasks_and_queue.py",
    *("__init__", "next", "all", "square", "flaky", "dies_once", "producer", "consumer"),
    reason=RAY_WORKER,
)

CHECKLIST_3_14 = [
    "child = mp.Process(target=patient, args=(ready,))",
    "child.interrupt()",
    "child.join(timeout=10)",
    "child.start()",
    "deadline = time.monotonic() + 10",
    "except KeyboardInterrupt:  # what interrupt() raises here",
    'if sys.platform == "win32":  # documented as undefined there',
    "pool = ProcessPoolExecutor(max_workers=1)",
    "pool.submit(time.sleep, 30)",
    "pool.terminate_workers()",
    "ready = mp.Event()",
    "ready.set()  # inside the try: the signal may come before set() ends",
    "ready.wait()",
    "return child.exitcode == 3",
    "return not mp.active_children()",
    "sys.exit(3)",
    "time.sleep(0.5)  # the worker has taken the task",
    "time.sleep(30)",
    "try:",
    "while mp.active_children() and time.monotonic() < deadline:",
]
CHECKLIST_BEFORE_3_14 = [
    'return not hasattr(mp.Process, "interrupt")',
    'return not hasattr(ProcessPoolExecutor, "terminate_workers") and (',
]
MANAGER_QUEUE_3_13 = [
    'q.put("left in the queue")',
    "q.shutdown(immediate=True)  # drop what is left, wake every waiter",
    "try:",
    "left = q.get()",
    "except queue.ShutDown:",
    "left = None",
    "return left is None",
]


def never_run_on(version: tuple[int, int]) -> dict[str, dict[str, str]]:
    """The lines that run only on other Python versions than ``version``, the one that measured the program.

    That is the toolchain's for most programs, and the newest interpreter a program runs on for the
    others (conftest.measured_runs): each file is judged by the version that measured it.
    """
    older = "runs on Python {}+ only, and the Python that measured it is older"
    return {
        "snippets/typing_queues/annotations.py": (
            {"subscriptable = True": older.format("3.12")}
            if version < (3, 12)
            else {
                "except TypeError:": "runs on Python 3.11 only, and the Python that measured it is newer",
                "subscriptable = False": "as above: Python 3.11 only",
            }
        ),
        "snippets/managers/manager_queue.py": (
            dict.fromkeys(MANAGER_QUEUE_3_13, older.format("3.13"))
            if version < (3, 13)
            else {
                'return not hasattr(q, "shutdown")': "runs on Python 3.11 and 3.12 only, and the measuring one is newer"
            }
        ),
        # The checklist's 3.14 branches run on CPython 3.14+ only (the GitHub workflow's cells), its others before.
        "snippets/python_3_14/checklist.py": (
            dict.fromkeys(CHECKLIST_3_14, older.format("3.14"))
            if version < (3, 14)
            else dict.fromkeys(
                CHECKLIST_BEFORE_3_14, "runs on Python 3.13 and older only, and the measuring one is newer"
            )
        ),
    }


TERMINATED = (
    "runs only in the worker, which main ends with terminate() (SIGTERM): a process killed by a signal cannot save "
    "coverage data (the output shows that these lines ran)"
)

NEVER_RUN = {
    "snippets/hangs/ask_for_stacks.py": {
        **function_lines("snippets/hangs/ask_for_stacks.py", "labelled", "slow_call", "work", reason=TERMINATED),
        "except BlockingIOError:": TERMINATED,  # an except clause is not a statement function_lines lists
    },
    "snippets/hangs/fork_rearm_hangs.py": function_lines(
        "snippets/hangs/fork_rearm_hangs.py", "work", reason=TERMINATED
    ),
    "snippets/dask_tasks/futures.py": function_lines(
        "snippets/dask_tasks/futures.py", "square", "count_attempt", "flaky", "dies_once"
    ),
    "snippets/dask_tasks/queue_stop.py": function_lines("snippets/dask_tasks/queue_stop.py", "producer", "consumer"),
    "snippets/engines/costs.py": function_lines("snippets/engines/costs.py", "square_in_dask"),
    "snippets/killed_workers/broken_pool.py": {
        "os.kill(os.getpid(), signal.SIGKILL)": KILLED,
    },
    "snippets/killed_workers/notice_the_death.py": {
        "os.kill(os.getpid(), signal.SIGKILL)": KILLED,
    },
    "snippets/killed_workers/pool_waits_forever.py": {
        "os.kill(os.getpid(), signal.SIGKILL)": KILLED,
    },
    "snippets/killed_workers/killed_in_get.py": {
        "waiting.set()": KILLED,
        "q.get()  # holds the read lock while it waits": KILLED,
    },
    "snippets/joinable_queue/uncaught_error_hangs_join.py": {
        "return": "the consumer dies before it takes the stop value: the lesson",
    },
    "snippets/killed_workers/killed_mid_put.py": {
        "results.put(bytes(LARGE))": KILLED,
        "time.sleep(60)  # still at work when it is killed": KILLED,
        'results.put(b"small")': KILLED + " (the lesson: it cannot exit)",
        'print("Second worker: put() returned", flush=True)': KILLED,
        "put_returned.set()": KILLED,
    },
    "snippets/ctrl_c/interrupts_everyone.py": {
        "time.sleep(5)  # not reached: the KeyboardInterrupt comes first": "the lesson: main raises "
        "KeyboardInterrupt as os.killpg() returns, before it gets to this line",
        "os.setpgid(0, 0)": LEADER,
    },
    "snippets/ctrl_c/clean_stop.py": {
        "os.setpgid(0, 0)": LEADER,
    },
    "snippets/first_queue/shadowed_name.py": {
        'print("queue full, item dropped", flush=True)': "the except clause itself fails: the lesson",
    },
    "snippets/reader_questions/two_programs.py": {
        "address = server.address": SERVER_SIDE,
        "assert isinstance(address, tuple)": SERVER_SIDE,
        "manager = ServingManager(": SERVER_SIDE,
        'print(f"serving a queue on {address[0]}:{address[1]}", flush=True)': SERVER_SIDE,
        "return shared": SERVER_SIDE,
        "serve()": SERVER_SIDE,
        "server = manager.get_server()": SERVER_SIDE,
        "server.serve_forever()": SERVER_SIDE,
    },
    "snippets/costs/compare.py": {
        "return connection.recv_bytes()": "Windows only: a named pipe has no file descriptor to read raw",
        "connection.send_bytes(item)": "Windows only, as above",
    },
    "snippets/python_3_14/checklist.py": {
        'expected = "spawn"': "runs on macOS and Windows only",
        'return hasattr(mp.Process, "interrupt")': "runs on Windows only (and only from 3.14)",
        "pass": "the local function is pickled, never called",
    },
    "snippets/redis_queues/put_get.py": {
        'raise TimeoutError("no item for 10 s")': "only when no item comes for 10 s: a producer that died",
    },
    "snippets/redis_queues/bounded.py": {
        'raise TimeoutError(f"nothing in {name} for 10 s")': "only when nothing comes for 10 s",
    },
    "snippets/redis_queues/reliable.py": {
        'raise TimeoutError("no task for 10 s")': "only when no task comes for 10 s",
    },
    "snippets/stopping_consumers/empty_is_not_done.py": {
        "q.get()": "the consumer finds the queue empty before the producer's first put: the lesson",
        "handled += 1": "as above: the loop body of the stop-when-empty consumer never runs",
    },
}


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / name), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.every_program
def test_ruff_finds_nothing() -> None:
    lint = tool("ruff", "check", "snippets", "tests", "dev.py")
    fix = f"`{TOOLS}/ruff check --fix snippets tests dev.py` fixes some of these:\n"
    assert lint.returncode == 0, fix + lint.stdout + lint.stderr


@pytest.mark.every_program
def test_programs_are_formatted() -> None:
    formatted = tool("ruff", "format", "--check", "--diff", "snippets")
    assert formatted.returncode == 0, f"run `{TOOLS}/ruff format snippets`:\n" + formatted.stdout + formatted.stderr


@pytest.mark.every_program
def test_programs_pass_mypy_strict() -> None:
    typed = tool("mypy")  # settings, strict and for Python 3.11, in pyproject.toml
    assert typed.returncode == 0, typed.stdout + typed.stderr


@pytest.mark.every_program
def test_every_line_of_every_program_runs(tmp_path: Path, pool: RunPool, request: pytest.FixtureRequest) -> None:
    """Each program under fork (pool.MEASURED_METHODS), with coverage started in every one of its processes.

    These are the matrix's own runs of the interpreter of the toolchain's version, or of the
    newest a program runs on if not that one (conftest.measured_runs), judged against their
    samples like every other run.
    """
    if request.config.getoption("--update-samples"):
        pytest.skip("update mode records samples; coverage is measured in a check")
    if start_methods() != ["fork", "spawn", "forkserver"]:
        pytest.skip("some lines run only under fork or forkserver, which this platform lacks; CI measures on Linux")
    coverage = pool.coverage
    assert coverage is not None, "conftest.pytest_collection_finish sets up coverage when this test is selected"
    runs = coverage_runs(coverage)
    measured = sorted({program for program, _, _ in runs}, key=lambda program: program.name)
    verdicts = []
    for program, method, python in runs:
        sample = load_sample(program, run_kind(method, python))
        run = pool.result(program, method, python)
        verdicts.append(judge(run, sample) if isinstance(sample, Sample) else sample)
    broken = [verdict for verdict in verdicts if verdict]
    assert not broken, "runs under coverage went wrong:\n" + "\n".join(broken)
    # A process killed while it saves its data (by the program or by the harness)
    # leaves a file coverage never finished; a full run leaves a few. Coverage writes
    # with journaling off, so such a file can be torn and credit lines to the wrong
    # program. Finished files are renamed to end in ".H<hash>h" (coverage/sqldata.py,
    # version pinned): only they count.
    finished = [str(path) for path in coverage.folder.glob("*/.coverage.*") if re.search(r"\.H\w+h$", path.name)]
    data = ["--data-file", str(tmp_path / ".coverage"), "--rcfile", str(ROOT / "pyproject.toml")]
    combined = tool("coverage", "combine", "--keep", *data, *finished)
    assert combined.returncode == 0, combined.stdout + combined.stderr
    exported = tool("coverage", "json", "--fail-under=0", "-o", str(tmp_path / "coverage.json"), *data)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    files = json.loads((tmp_path / "coverage.json").read_text())["files"]
    if coverage.only:  # -k chose some programs: coverage lists the others too, as never run
        chosen = {program.relative for program in measured}
        files = {path: counted for path, counted in files.items() if Path(path).as_posix() in chosen}
    programs = [path for path in files if not path.endswith("__init__.py")]
    # The programs meant to hang (`expect hang`) are omitted: see pyproject.toml.
    hanging = sum(parse_sample(program.sample_path).rules.expect_hang for program in measured)
    assert len(programs) == len(measured) - hanging, "coverage did not measure every program"
    never_run: dict[str, set[str]] = {}
    for path, counted in files.items():
        source = (ROOT / path).read_text().splitlines()
        never_run[Path(path).as_posix()] = {source[line - 1].strip() for line in counted["missing_lines"]}
    for path, texts in SOMETIMES_MEASURED.items():
        if path in never_run:
            never_run[path] -= texts.keys()
    # Each file's list: the lines that never run anywhere, and those that run only on other versions
    # than the one that measured it (the toolchain's, or the newest the program runs on).
    listed: dict[str, dict[str, str]] = {}
    for program in measured:
        python = coverage.python_for(program)
        version = release(python)[:2] if python else sys.version_info[:2]
        by_version = never_run_on((version[0], version[1])).get(program.relative, {})
        listed[program.relative] = {**NEVER_RUN.get(program.relative, {}), **by_version}
    unexplained = {
        f"{path}: {text}" for path, texts in never_run.items() for text in texts - listed.get(path, {}).keys()
    }
    assert not unexplained, (
        f"lines no run under {' or '.join(MEASURED_METHODS)} executed (run them, or list them in NEVER_RUN with why; "
        "a line that runs only in a child that imports the program afresh, as under spawn: add forkserver to "
        "harness/pool.py's MEASURED_METHODS):\n" + "\n".join(sorted(unexplained))
    )
    ran = {
        f"{path}: {text}"
        for path, texts in listed.items()
        if path in never_run  # a program skipped on this platform was not measured
        for text in texts.keys() - never_run[path]
    }
    assert not ran, "listed in NEVER_RUN but ran after all; remove them from the list:\n" + "\n".join(sorted(ran))


@pytest.mark.every_program
def test_every_print_flushes() -> None:
    """A child's print() without flush=True waits in a buffer until the child exits.

    The checks read the output through a pipe, where Python buffers it; a reader's
    terminal shows each line at once. Without flush=True the two interleave the
    processes' lines differently, so the page would show an order readers never see.
    """
    unflushed = []
    for path in sorted((ROOT / "snippets").glob("*/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                flushed = any(
                    keyword.arg == "flush" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True
                    for keyword in node.keywords
                )
                if not flushed:
                    unflushed.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}: print() without flush=True")
    assert not unflushed, "add flush=True, as CONTRIBUTING.md asks:\n" + "\n".join(unflushed)


@pytest.mark.every_program
def test_every_sample_can_be_printed_on_a_windows_console() -> None:
    """Windows writes redirected output in its ANSI code page (cp1252 on most machines): other characters crash.

    True up to CPython 3.14. From 3.15, UTF-8 mode is the default (PEP 686) and redirected output is
    UTF-8 on Windows too, so the same print works there; the matrix still holds 3.11 to 3.14, whose
    readers' programs would crash, so every sample stays in cp1252.
    """
    unprintable = []
    for path in sorted((ROOT / "snippets").glob("*/*.out")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                line.encode("cp1252")
            except UnicodeEncodeError as error:
                unprintable.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {error.object[error.start]!r}")
    assert not unprintable, (
        "these lines raise UnicodeEncodeError when a program prints them on Windows with its output redirected; "
        "print ASCII instead:\n" + "\n".join(unprintable)
    )


def test_a_program_s_name_selects_the_checks_of_every_program_too() -> None:
    """`dev.py check -k <guide>/<program>`, a contributor's loop, runs ruff, formatting, mypy, flushes, the
    Windows console's characters and coverage for that program, not only its runs."""
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "first_queue/get_forms",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    chosen = {line.split("::")[1].split("[")[0] for line in collected.stdout.splitlines() if "::" in line}
    every_program = {
        "test_ruff_finds_nothing",
        "test_programs_are_formatted",
        "test_programs_pass_mypy_strict",
        "test_every_line_of_every_program_runs",
        "test_every_print_flushes",
        "test_every_sample_can_be_printed_on_a_windows_console",
    }
    assert every_program <= chosen, every_program - chosen
    assert (
        "test_program" in chosen
        and "test_a_hanging_program_shows_where_each_process_waits_and_leaves_nothing" not in chosen
    )


def test_the_fixes_a_failure_names_use_a_tool_that_runs() -> None:
    """`.venv/bin/ruff`, not a bare `ruff` that a contributor's shell may not find."""
    tool = Path(TOOLS) / "ruff" if Path(TOOLS).is_absolute() else ROOT / TOOLS / "ruff"
    found = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=60)
    assert found.returncode == 0 and found.stdout.startswith("ruff "), found
