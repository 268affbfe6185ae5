"""Broken contributions, each rejected with a message that names the file, the line and what to do.

Programs and samples are broken here; pages that type code, include missing
files or sections, or leave a program unshown are in test_inventory.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import shared_memory
from pathlib import Path

import psutil
import pytest
from contribution import LEAVES_A_CHILD_RUNNING, contribute

from harness import containment, running, settings
from harness.checks import judge, load_sample, stale_traceback
from harness.containment import alive_in_group
from harness.pool import ALONE, run_against_sample
from harness.programs import SNIPPETS, Program, methods_for, version_tuple
from harness.sample import Sample, parse_sample, render_sample
from harness.update import update_sample

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the runner's process-group checks need POSIX")


def verdict_of(program: Program, method: str = "fork") -> str | None:
    sample = load_sample(program)
    assert isinstance(sample, Sample), sample
    return judge(run_against_sample(program, method, sys.executable), sample)


def test_a_hanging_program_shows_where_each_process_waits_and_leaves_nothing(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        """
        import multiprocessing as mp, time
        def sleeper(q):
            time.sleep(60)
        if __name__ == "__main__":
            print("started", flush=True)
            q = mp.Queue()  # its semaphores must not outlive the kill
            child = mp.Process(target=sleeper, args=(q,))
            child.start()
            child.join()
        """,
        ["timeout 2"],
        ["started"],
    )
    run = run_against_sample(program, "spawn", sys.executable)
    assert run.timed_out and run.survivors == [] and alive_in_group(run.pid) == []
    message = judge(run, parse_sample(program.sample_path))
    assert message is not None
    assert message.startswith("snippets/broken/program.py:9: did not finish within 2 s (under spawn)")
    assert "nothing of the run was left" in message and "raise `#| timeout`" in message
    assert "Partial output:\nstarted" in message
    assert 'process.py", line' in message and 'program.py", line 3 in sleeper' in message  # the child's stack


def test_asking_for_stacks_does_not_kill_a_process_that_cannot_answer(tmp_path: Path) -> None:
    """SIGUSR1 ends a process without a handler (one still starting up, or not Python): it is not sent."""
    program = contribute(
        tmp_path,
        """
        import subprocess
        if __name__ == "__main__":
            child = subprocess.Popen(["sleep", "60"])
            print("child ended with", child.wait(), flush=True)
        """,
        ["timeout 2"],
        ["never printed"],
    )
    run = run_against_sample(program, "fork", sys.executable)
    assert run.timed_out and run.survivors == []
    assert run.stdout == "", "the stack request killed the child, and the program went on"
    assert any(text.startswith("sleep 60\n(wrote no stack") for text in run.stacks.values()), run.stacks


def test_programs_get_ctrl_c_even_when_the_checks_were_started_ignoring_it(tmp_path: Path) -> None:
    """A shell without job control starts background commands with SIGINT ignored; programs must not inherit it."""
    program = contribute(
        tmp_path,
        """
        import signal
        if __name__ == "__main__":
            print("default:", signal.getsignal(signal.SIGINT) is signal.default_int_handler, flush=True)
        """,
        output=["default: True"],
    )
    checks = (
        "import signal, sys\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `checks &` in a script leaves it\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from pathlib import Path\n"
        "from harness.pool import run_against_sample\n"
        "from harness.programs import Program\n"
        f"print(run_against_sample(Program(Path({str(program.path)!r})), 'fork', sys.executable).stdout, end='')\n"
    )
    started = subprocess.run([sys.executable, "-c", checks], capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    assert started.stdout == "default: True\n"


def test_a_drifted_output_names_the_sample_line(tmp_path: Path) -> None:
    program = contribute(tmp_path, 'print("one", flush=True)\nprint("2", flush=True)\n', [], ["one", "two"])
    message = verdict_of(program)
    assert message is not None
    assert message.startswith("snippets/broken/program.out:3: the run does not match the sample under its rules")
    assert "`python3 dev.py update -k broken/program`" in message


def test_a_program_without_a_sample_is_told_how_to_record_one(tmp_path: Path) -> None:
    program = contribute(tmp_path, 'print("hello", flush=True)\n')
    assert load_sample(program) == (
        "snippets/broken/program.py:1: no sample program.out. Record one from a real run with "
        "`python3 dev.py update -k broken/program`."
    )


@pytest.mark.parametrize(
    ("rules", "output", "expected"),
    [
        pytest.param(
            ['order "second" < "first"'],
            ["first", "second"],
            "snippets/broken/program.out:1: the recorded run does not satisfy its own rules",
            id="sample edited against its rules",
        ),
        pytest.param(
            ['count "tick" 3'],
            ["tick", "tick"],
            "snippets/broken/program.out:3: the recorded run does not satisfy its own rules",
            id="count the sample does not meet",
        ),
        pytest.param(
            ["channel left ^Worker", "channel right done$"],
            ["Worker 1: done"],
            "snippets/broken/program.out:4: in the sample, line 4 'Worker 1: done' matches channels left and right",
            id="overlapping channels",
        ),
        pytest.param(
            ["channel consumer ^Consumer:"],
            ["Producer: put 1"],
            "snippets/broken/program.out:1: channel consumer claims no line of the recorded run",
            id="a rule that applies to nothing",
        ),
        pytest.param(
            ["redact {n} ("],
            ["1"],
            "snippets/broken/program.out:1: bad regular expression '('",
            id="a broken regular expression",
        ),
    ],
)
def test_a_sample_that_contradicts_itself_is_rejected_before_any_run(
    tmp_path: Path, rules: list[str], output: list[str], expected: str
) -> None:
    program = contribute(tmp_path, 'print("x", flush=True)\n', rules, output)
    problem = load_sample(program)
    assert isinstance(problem, str) and problem.startswith(expected), problem


def test_a_child_left_running_fails_and_is_killed(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        LEAVES_A_CHILD_RUNNING,
        [],
        ["main done"],
    )
    run = run_against_sample(program, "fork", sys.executable)
    assert not run.timed_out and run.returncode == 0
    assert any("time.sleep(60)" in leftover for leftover in run.leftovers)
    assert run.survivors == [] and alive_in_group(run.pid) == []
    message = judge(run, parse_sample(program.sample_path))
    assert message is not None and message.startswith(
        "snippets/broken/program.py:3: left processes running after it exited"  # the line that started it
    ), message
    assert "(started at line 3)" in message


def test_unexpected_stderr_fails_unless_declared(tmp_path: Path) -> None:
    source = 'import sys\nprint("ok", flush=True)\nprint("warning: something", file=sys.stderr)\n'
    program = contribute(tmp_path, source, [], ["ok"])
    message = verdict_of(program)
    assert message is not None and message.startswith("snippets/broken/program.py:1: wrote to stderr (under fork)")
    assert "warning: something" in message and "`python3 dev.py update -k broken/program`" in message
    contribute(tmp_path, source, ["stderr ^warning: something$"], ["ok"])
    assert load_sample(program) == (  # a rule alone is not enough: the page shows the recorded stderr
        "snippets/broken/program.out:1: stderr '^warning: something$' matches nothing the recorded run wrote to "
        "stderr (it recorded none: record it with `python3 dev.py update`)"
    )
    contribute(tmp_path, source, ["stderr ^warning: something$"], ["ok"], ["warning: something"])
    assert verdict_of(program) is None


def test_update_records_stderr_only_with_a_rule_that_declares_it(tmp_path: Path) -> None:
    source = 'import sys\nprint("ok", flush=True)\nprint("warning: something", file=sys.stderr)\n'
    program = contribute(tmp_path, source, [], [])
    with pytest.raises(AssertionError, match=r"no `stderr REGEX` rule says that it should"):
        update_sample(program, sys.executable, rechecks=1)
    contribute(tmp_path, source, ["stderr something"], [])
    update_sample(program, sys.executable, rechecks=1)
    sample = parse_sample(program.sample_path)
    assert (sample.output, sample.stderr) == (["ok"], ["warning: something"])
    assert program.sample_path.read_text().endswith(
        "ok\n#| --8<-- [end:output]\n#| --8<-- [start:stderr]\nwarning: something\n"
    )


def test_recorded_stderr_is_compared_but_not_its_traceback_frames(tmp_path: Path) -> None:
    source = """
        import multiprocessing as mp
        def fail(n):
            raise ValueError(f"bad item {n}")
        if __name__ == "__main__":
            children = [mp.Process(target=fail, args=(n,)) for n in (1, 2)]
            for child in children:
                child.start()
            for child in children:
                child.join()
            print("done", flush=True)
    """
    recorded = [  # frames differ between versions and methods; the order of the two tracebacks varies
        "Process Process-2:",
        "Traceback (most recent call last):",
        '  File "…/some/other/frame.py", line 1, in elsewhere',
        "ValueError: bad item 2",
        "Process Process-1:",
        "Traceback (most recent call last):",
        "ValueError: bad item 1",
    ]
    program = contribute(tmp_path, source, ["stderr ValueError"], ["done"], recorded)
    for method in ("fork", "spawn"):
        assert verdict_of(program, method) is None
    changed = source.replace('f"bad item {n}"', 'f"bad item {n + 1}"')
    contribute(tmp_path, changed, ["stderr ValueError"], ["done"], recorded)
    message = verdict_of(program)
    assert message is not None and message.startswith(
        "snippets/broken/program.out:6: stderr differs from the recorded one (under fork)"
    )
    assert "missing 1x: ValueError: bad item 1" in message and "extra 1x:   ValueError: bad item 3" in message


def test_a_crash_names_the_line_that_raised(tmp_path: Path) -> None:
    program = contribute(
        tmp_path, 'print("about to fail", flush=True)\n\nraise ValueError("boom")\n', [], ["about to fail"]
    )
    message = verdict_of(program)
    assert message is not None and message.startswith("snippets/broken/program.py:3: exited with status 1")
    assert "ValueError: boom" in message and "`#| expect exit N`" in message
    contribute(
        tmp_path, 'print("about to fail", flush=True)\nraise SystemExit(3)\n', ["expect exit 3"], ["about to fail"]
    )
    assert verdict_of(program) is None


def test_files_left_behind_fail(tmp_path: Path) -> None:
    source = 'import tempfile\nopen("result.txt", "w").close()\ntempfile.mkstemp()\nprint("saved", flush=True)\n'
    program = contribute(tmp_path, source, [], ["saved"])
    message = verdict_of(program)
    assert message is not None and message.startswith("snippets/broken/program.py:1: left files behind")
    assert "cwd/result.txt" in message and "tmp/tmp" in message


def test_a_program_expected_to_hang_that_exits_fails(tmp_path: Path) -> None:
    program = contribute(tmp_path, 'print("done", flush=True)\n', ["expect hang"], ["done"])
    message = verdict_of(program)
    assert message is not None and message.startswith("snippets/broken/program.py:1: expected to hang")


def test_the_never_exits_lesson_is_stopped_cleanly_once_quiet() -> None:
    program = Program(SNIPPETS / "stopping_consumers" / "never_exits.py")
    run = run_against_sample(program, "forkserver", sys.executable)
    assert run.timed_out and run.survivors == [] and run.leftovers == [] and run.stacks == {}
    assert run.wall < parse_sample(program.sample_path).rules.timeout  # stopped by quiet, not by the limit
    assert judge(run, parse_sample(program.sample_path)) is None


def test_same_frees_a_value_in_the_lines_it_names_and_nowhere_else(tmp_path: Path) -> None:
    """Without a `redact` rule, `same` needs no placeholder on other lines: they stay literal."""
    source = """
    import random
    value = random.random()
    print(f"Producer: put {value}", flush=True)
    print(f"Consumer: got {value}", flush=True)
    print("Main: 1 item", flush=True)
    """
    rules = ['same {value}: "Producer: put {value}" == "Consumer: got {value}"']
    output = ["Producer: put 0.25", "Consumer: got 0.25", "Main: 1 item"]
    program = contribute(tmp_path, source, rules, output)
    assert verdict_of(program) is None  # a new random value each run
    contribute(tmp_path, source.replace("1 item", "2 items"), rules, output)
    message = verdict_of(program)
    assert message is not None and "'Main: 2 items'" in message
    contribute(tmp_path, source.replace("got {value}", "got {value / 2}"), rules, output)
    message = verdict_of(program)
    assert message is not None and "[same] same rule at line 1: value #1 differs" in message


# A real lesson, changed in one way each; its recorded sample must catch the change.
# Each mutation is a list of (old, new) replacements in snippets/stopping_consumers/random_pauses.py.
MUTATIONS = [
    pytest.param(
        [
            (
                'print("Consumer: done", flush=True)',
                'print("Consumer: done", flush=True)\n    print("Consumer: done", flush=True)',
            )
        ],
        "stream consumer",
        id="a line printed twice",
    ),
    pytest.param(
        [('print(f"Consumer: got {item:.4f}", flush=True)', 'print(f"Consumer: got {item / 2:.4f}", flush=True)')],
        "[same] same rule",
        id="a different value where same applies",
    ),
    pytest.param(
        [('    print("Producer: done", flush=True)\n', "")],
        "stream producer ended after 11 lines; the sample still expects 'Producer: done'",
        id="a dropped line",
    ),
    pytest.param(
        [
            ('    print("Producer: running", flush=True)\n', ""),
            (
                "    q.put(None)  # the stop value",
                '    print("Producer: running", flush=True)\n    q.put(None)  # the stop value',
            ),
        ],
        "stream producer: output line",
        id="a line moved within one process",
    ),
    pytest.param(
        [("        if item is None:\n            break\n", "        if item is None:\n            continue\n")],
        "did not finish within 3 s",
        id="a consumer that now hangs",
    ),
]


@pytest.mark.parametrize(("replacements", "message"), MUTATIONS)
def test_a_changed_lesson_fails_with_a_message_saying_where(
    tmp_path: Path, replacements: list[tuple[str, str]], message: str
) -> None:
    source = (SNIPPETS / "stopping_consumers" / "random_pauses.py").read_text()
    for old, new in replacements:
        assert old in source, "the mutation no longer applies: update it to the program's current text"
        source = source.replace(old, new, 1)
    recorded = (SNIPPETS / "stopping_consumers" / "random_pauses.out").read_text()
    program = contribute(tmp_path, source)
    program.sample_path.write_text(recorded.replace("#| --8<--", "#| timeout 3\n#| --8<--", 1))
    verdict = verdict_of(program)
    assert verdict is not None, "the changed program passed"
    assert verdict.startswith("snippets/broken/program."), verdict
    assert message in verdict


def test_update_refuses_a_sample_that_fails_under_another_start_method(tmp_path: Path) -> None:
    """A lambda as a process target works under fork only: spawn must pickle it, and cannot."""
    program = contribute(
        tmp_path,
        """
        import multiprocessing as mp

        if __name__ == "__main__":
            child = mp.Process(target=lambda: print("child ran", flush=True))
            child.start()
            child.join()
        """,
        [],
        [],
    )
    with pytest.raises(AssertionError, match=r"its rules do not hold for other runs(.|\n)*under spawn"):
        update_sample(program, sys.executable, rechecks=1)


def test_a_program_that_prints_megabytes_fails_fast_with_its_output_capped(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        """
        import sys
        if __name__ == "__main__":
            for _ in range(50):
                sys.stdout.write("x" * 1_000_000 + "\\n")
        """,
        [],
        ["short"],
    )
    run = run_against_sample(program, "fork", sys.executable)
    assert run.truncated and len(run.stdout) <= 1_000_000
    message = verdict_of(program)
    assert message is not None
    assert message.startswith("snippets/broken/program.py:1: printed more than 1,000,000 bytes to stdout or stderr")


@pytest.mark.skipif(os.name != "posix", reason="Windows runs the interpreter as given (running.isolated_interpreter)")
def test_a_program_cannot_import_what_was_installed_into_the_interpreter(tmp_path: Path, first_python: str) -> None:
    """A reader's fresh interpreter has the standard library and what the page says to install: so have the runs."""
    program = contribute(tmp_path, 'import pytest\nprint("imported pytest", flush=True)\n', [], ["imported pytest"])
    sample = load_sample(program)
    assert isinstance(sample, Sample)
    assert judge(run_against_sample(program, "fork", sys.executable), sample) is None  # the toolchain's venv has it
    message = judge(run_against_sample(program, "fork", first_python), sample)
    assert message is not None and "No module named 'pytest'" in message, message


def test_output_in_the_order_of_a_set_of_strings_differs_between_runs_as_on_a_reader_s_machine(
    tmp_path: Path, first_python: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader's interpreter randomises string hashes in every run: a sample recorded from one set order
    must fail the next run, whatever PYTHONHASHSEED the machine running the checks sets."""
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    source = 'print(*{f"worker-{n}" for n in range(12)}, flush=True)\n'
    first = run_against_sample(contribute(tmp_path, source, [], None), "fork", first_python)
    program = contribute(tmp_path, source, [], first.output)
    sample = load_sample(program)
    assert isinstance(sample, Sample)
    verdicts = [judge(run_against_sample(program, "fork", first_python), sample) for _ in range(2)]
    assert any(verdict is not None for verdict in verdicts), "the same set order three times: hashes are fixed"


def test_a_grandchild_in_a_session_of_its_own_that_keeps_the_output_cannot_stall_the_checks(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        """
        import subprocess
        if __name__ == "__main__":
            subprocess.Popen(["sleep", "8"], start_new_session=True)  # leaves the run's session, keeps stdout
            print("done", flush=True)
        """,
        [],
        ["done"],
    )
    started = time.monotonic()
    message = verdict_of(program)
    assert time.monotonic() - started < 7
    # Found (by its cgroup, or by the variable it inherits) and killed; on Windows the held pipe is what shows.
    expected = "left processes running" if os.name == "posix" else "still held its output open after it ended"
    assert message is not None and expected in message, message


DAEMON = """
import os, sys, time
if __name__ == "__main__":
    if os.fork() == 0:  # a daemon, as the books write one: fork, setsid, fork, close everything
        os.setsid()
        if os.fork() == 0:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            time.sleep(60)  # DAEMON-MARKER
        os._exit(0)
    print("done", flush=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="no setsid() or fork() on Windows")
@pytest.mark.parametrize("contained", ["in a cgroup", "without cgroups"])
@pytest.mark.parametrize("method", ["fork", ALONE])
def test_a_daemon_that_leaves_the_session_and_closes_its_output_is_found_and_stopped(
    tmp_path: Path, method: str, contained: str
) -> None:
    """Where no cgroup holds the run (GitHub's runners, macOS), the variable the daemon inherits finds it."""
    if contained == "in a cgroup" and not containment.cgroup_parent():
        pytest.skip("this machine lets the checks make no cgroup; the run without one is the other case")
    program = contribute(tmp_path, DAEMON, [], ["done"])
    sample = load_sample(program)
    assert isinstance(sample, Sample)
    with settings.faked(CGROUPS=contained == "in a cgroup"):
        run = run_against_sample(program, method, sys.executable)
    message = judge(run, sample)
    assert message is not None and "left processes running after it exited" in message, message
    assert run.survivors == []
    alive = [process for process in psutil.process_iter(["cmdline"]) if "DAEMON-MARKER" in str(process.info)]
    assert alive == [], alive


def test_update_tries_the_rules_on_fresh_runs_under_every_method_even_when_the_sample_still_matches(
    tmp_path: Path,
) -> None:
    program = contribute(tmp_path, 'print("same", flush=True)\n', [], ["same"])
    done = update_sample(program, sys.executable, rechecks=1)
    assert done == (
        "snippets/broken/program.out: kept: it still matches, and held for 1 re-runs under fork, under spawn, "
        "under forkserver\nsnippets/broken/program.py: one process, no timeline"
    )


def test_update_records_a_program_meant_to_hang_once_it_goes_quiet(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        """
        import time
        if __name__ == "__main__":
            print("waiting", flush=True)
            time.sleep(60)
        """,
        ["expect hang"],
        [],
    )
    started = time.monotonic()
    update_sample(program, sys.executable, rechecks=1)
    assert time.monotonic() - started < 15, "recording waited for the time limit, not for silence"
    assert parse_sample(program.sample_path).output == ["waiting"]


def test_a_rule_file_with_several_mistakes_reports_them_all(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        'print("a", flush=True)\n',
        ["frobnicate x", "ignore (", "redact n \\d"],
        ["a"],
    )
    message = load_sample(program)
    assert isinstance(message, str)
    assert message.startswith("snippets/broken/program.out:1: unknown rule 'frobnicate'")
    assert "snippets/broken/program.out:2: bad regular expression '('" in message
    assert "snippets/broken/program.out:3: write `redact {name} REGEX`" in message


def test_a_shared_memory_leak_fails_even_when_a_rule_allows_the_warning(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        """
        from multiprocessing import shared_memory
        if __name__ == "__main__":
            block = shared_memory.SharedMemory(create=True, size=1024)
            print("made a block", flush=True)  # and neither close() nor unlink()
        """,
        [r"stderr leaked shared_memory"],
        ["made a block"],
        [
            "…/lib/python3.11/multiprocessing/resource_tracker.py:254: UserWarning: resource_tracker: There appear "
            "to be 1 leaked shared_memory objects to clean up at shutdown"
        ],
    )
    message = verdict_of(program)
    assert message is not None
    assert message.startswith("snippets/broken/program.py:3: leaked shared memory (under fork)"), message


LEAKS_A_SEGMENT = """
from multiprocessing import resource_tracker, shared_memory
if __name__ == "__main__":
    block = shared_memory.SharedMemory(create=True, size=1024)
    resource_tracker.unregister(block._name, "shared_memory")  # the tracker will not clean up, nor warn
    block.close()  # and no unlink(): the segment outlives every process
    print("made a block", flush=True)
"""


@pytest.mark.parametrize("method", ["spawn", ALONE])
def test_a_segment_left_in_shared_memory_is_blamed_on_the_line_that_made_it(tmp_path: Path, method: str) -> None:
    program = contribute(tmp_path, LEAKS_A_SEGMENT, [], ["made a block"])
    run = run_against_sample(program, method, sys.executable)
    assert [resource.kind for resource in run.leaked] == ["shared_memory"]
    message = judge(run, parse_sample(program.sample_path))
    assert message is not None
    assert message.startswith(f"snippets/broken/program.py:3: left the shared-memory segment {run.leaked[0].name}")
    assert "the checks removed it" in message and "unlink() once" in message
    assert not Path("/dev/shm", run.leaked[0].name.lstrip("/")).exists()  # the machine is clean again


def test_a_segment_another_program_leaves_meanwhile_is_not_blamed_on_the_run(tmp_path: Path) -> None:
    """Leaks are found per run, by the names its processes created: not by comparing the machine before and after."""
    source = 'import time\ntime.sleep(0.5)\nprint("done", flush=True)\n'
    program = contribute(tmp_path, source, [], ["done"])
    runs = ThreadPoolExecutor(1).submit(run_against_sample, program, "spawn", sys.executable)
    time.sleep(0.2)
    elsewhere = shared_memory.SharedMemory(create=True, size=1024)  # as another program on the machine would
    try:
        run = runs.result()
    finally:
        elsewhere.close()
        elsewhere.unlink()
    assert run.leaked == [] and judge(run, parse_sample(program.sample_path)) is None


def test_a_family_may_allow_a_range_of_members_for_cpu_count_workers(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        """
        import multiprocessing as mp, os
        def work(n):
            print(f"Worker {n}: done", flush=True)
        if __name__ == "__main__":
            workers = [mp.Process(target=work, args=(n,)) for n in range(os.cpu_count() or 1)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
        """,
        [r"channel worker[$1] ^Worker (\d+):", "members worker 1.."],
        ["Worker 0: done", "Worker 1: done", "Worker 2: done", "Worker 3: done", "Worker 4: done"],
    )
    assert verdict_of(program) is None  # five members in the sample, as many as this machine's cores in the run


def test_an_unjoined_child_is_blamed_on_the_line_that_started_it_and_shows_where_it_waits(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        """
        import multiprocessing as mp, time
        def worker():
            time.sleep(60)
        if __name__ == "__main__":
            mp.Process(target=worker, daemon=False).start()
            print("main done", flush=True)
            import os; os._exit(0)  # main leaves without joining its child
        """,
        [],
        ["main done"],
    )
    message = verdict_of(program)
    assert message is not None
    assert message.startswith("snippets/broken/program.py:5: left processes running after it exited"), message
    assert "Where each was:" in message and 'program.py", line 3 in worker' in message


def test_a_run_that_hangs_at_exit_is_blamed_on_the_line_a_child_is_stuck_on(tmp_path: Path) -> None:
    """Main's own stack is all multiprocessing's exit handler, joining the child: the child's line is the cause."""
    program = contribute(
        tmp_path,
        """
        import multiprocessing as mp
        def child(never):
            never.get()
        if __name__ == "__main__":
            never = mp.Queue()
            mp.Process(target=child, args=(never,)).start()
            print("main done", flush=True)
        """,
        ["timeout 2"],
        ["main done"],
    )
    message = verdict_of(program)
    assert message is not None
    assert message.startswith("snippets/broken/program.py:3: did not finish within 2 s"), message


@pytest.mark.parametrize(
    "where",
    [
        "Path(pwd.getpwuid(os.getuid()).pw_dir)",  # the real home, whatever $HOME says
        "Path('/tmp')",  # a literal path, not tempfile's folder
    ],
)
def test_a_file_created_outside_the_run_s_folders_is_blamed_on_its_line_and_removed(tmp_path: Path, where: str) -> None:
    name = f"snippets-outside-{os.getpid()}-{len(where)}"
    program = contribute(
        tmp_path,
        f"""
        import os, pwd
        from pathlib import Path
        if __name__ == "__main__":
            folder = {where} / "{name}"
            folder.mkdir()
            (folder / "notes.txt").write_text("kept")
            print("done", flush=True)
        """,
        [],
        ["done"],
    )
    real = {"Path('/tmp')": Path("/tmp"), "Path(pwd.getpwuid(os.getuid()).pw_dir)": Path(os.path.expanduser("~"))}
    created = (real[where] / name).resolve()
    try:
        message = verdict_of(program, "spawn")
        assert message is not None
        assert f"snippets/broken/program.py:6: created {created / 'notes.txt'} (under spawn)" in message, message
        assert f"snippets/broken/program.py:5: created {created} (under spawn)" in message, message
        assert not created.exists(), "the checks leave nothing behind"
    finally:
        if created.exists():
            (created / "notes.txt").unlink(missing_ok=True)
            created.rmdir()


def test_a_file_a_run_writes_and_removes_outside_its_folders_passes(tmp_path: Path) -> None:
    """Only what is left behind fails: a file the program removes itself is fine, as on a reader's machine."""
    program = contribute(
        tmp_path,
        f"""
        from pathlib import Path
        if __name__ == "__main__":
            path = Path("/tmp/snippets-passing-{os.getpid()}.txt")
            path.write_text("brief")
            path.unlink()
            print("done", flush=True)
        """,
        [],
        ["done"],
    )
    assert verdict_of(program) is None


def test_a_recorded_traceback_that_quotes_an_old_line_of_the_program_is_reported(tmp_path: Path) -> None:
    source = 'import sys\nprint("ok", flush=True)\nraise SystemExit("bye")\n'
    frames = ["Traceback (most recent call last):", '  File "…/snippets/broken/program.py", line 3, in <module>']
    program = contribute(tmp_path, source, ["stderr bye"], ["ok"], [*frames, '    raise SystemExit("bye")', "bye"])
    assert stale_traceback(parse_sample(program.sample_path), program.path) is None
    contribute(tmp_path, "# moved\n" + source, ["stderr bye"], ["ok"], [*frames, '    raise SystemExit("bye")', "bye"])
    assert stale_traceback(parse_sample(program.sample_path), program.path) == (
        "snippets/broken/program.out:7: the recorded traceback shows line 3 of program.py as "
        "'raise SystemExit(\"bye\")'; it now reads 'print(\"ok\", flush=True)'. Record the sample again with "
        "`python3 dev.py update -k broken/program`."
    )


def test_allowed_stderr_is_cut_before_any_check_and_never_recorded(tmp_path: Path) -> None:
    """`allow-stderr`: text some machines add (Celery's warning to root); the rest of stderr is still judged."""
    source = """
        import sys
        print("ok", flush=True)
        print("Warning: running as root,\\nwhich is not recommended", file=sys.stderr)
        print("{extra}", file=sys.stderr, end="")
    """
    allow = ["allow-stderr (?s)Warning: running as root,.*?recommended\\n"]
    program = contribute(tmp_path, source.format(extra=""), allow, ["ok"])
    assert verdict_of(program) is None
    update_sample(program, sys.executable, rechecks=1)
    assert parse_sample(program.sample_path).stderr == []  # nothing of it recorded
    contribute(tmp_path, source.format(extra="something else\\n"), allow, ["ok"])
    message = verdict_of(program)
    assert message is not None and message.startswith("snippets/broken/program.py:1: wrote to stderr (under fork)")
    assert "something else" in message and "running as root" not in message.split("stderr:")[-1]
    recorded = ["Warning: running as root,", "which is not recommended"]
    contribute(tmp_path, source.format(extra=""), ["stderr root", *allow], ["ok"], recorded)
    assert load_sample(program) == (
        "snippets/broken/program.out:2: allow-stderr '(?s)Warning: running as root,.*?recommended\\\\n' matches "
        "the recorded stderr, which should never hold what it cuts: record it again with `python3 dev.py update`"
    )


@pytest.mark.parametrize(
    ("use", "call"),
    [
        ("q = mp.Queue()", "multiprocessing.get_context()"),  # the default context's queue: its locks follow the method
        ("mp.Process(target=work).start()", "multiprocessing.get_context()"),
        ("print(mp.get_start_method())", "multiprocessing.get_start_method()"),
    ],
)
def test_a_program_said_to_use_no_start_method_fails_where_it_uses_one(tmp_path: Path, use: str, call: str) -> None:
    """`no-start-method`: one run per interpreter is enough only if the program never uses the default method."""
    source = """
        import multiprocessing as mp
        def work():
            pass
        if __name__ == "__main__":
            process = mp.get_context("spawn").Process(target=work)  # an explicit method, as Dask starts its workers
            process.start()
            process.join()
            print("done", flush=True)
            {use}
    """
    rule = ["no-start-method Dask starts its workers with spawn whatever the default"]
    program = contribute(tmp_path, source.format(use="pass"), rule, ["done"])
    assert methods_for(program, ["fork", "spawn", "forkserver"]) == ["fork"]
    assert verdict_of(program) is None  # spawn passes the default on to its child: that alone is no use
    contribute(tmp_path, source.format(use=use), rule, ["done"])
    message = verdict_of(program)
    assert message is not None and message.startswith(
        f"snippets/broken/program.py:9: used multiprocessing's default start method through {call}"
    ), message
    assert "snippets/broken/program.out:1 says `no-start-method`" in message and "Remove that rule" in message
    contribute(tmp_path, source.format(use=use), [], ["done"])  # without the rule, nobody looks
    assert methods_for(program, ["fork", "spawn", "forkserver"]) == ["fork", "spawn", "forkserver"]
    assert run_against_sample(program, "fork", sys.executable).used_start_method == ""


def test_no_start_method_needs_a_reason(tmp_path: Path) -> None:
    program = contribute(tmp_path, "print('done', flush=True)\n", ["no-start-method"], ["done"])
    message = load_sample(program)
    assert isinstance(message, str) and message.startswith(
        "snippets/broken/program.out:1: write `no-start-method REASON`"
    ), message


def test_a_file_written_to_the_home_folder_is_left_behind(tmp_path: Path) -> None:
    """A library that keeps a token in the reader's home (Ray's ~/.ray/auth_token, when no token is given)."""
    program = contribute(
        tmp_path,
        """
        from pathlib import Path
        (Path.home() / ".tool").mkdir()
        (Path.home() / ".tool" / "auth_token").write_text("secret")
        print("done", flush=True)
        """,
        [],
        ["done"],
    )
    message = verdict_of(program)
    assert message is not None and message.startswith(
        "snippets/broken/program.py:1: left files behind in its working, temporary or home folder"
    ), message
    assert "home/.tool/auth_token" in message
    assert not (Path.home() / ".tool").exists()


def test_colour_codes_are_not_text() -> None:
    """A terminal shows ESC [36m as colour: the checks compare, and the pages show, the text alone."""
    assert running.printed([b"\x1b[36mray::flaky()\x1b[39m (pid=1)\r\n", b"\x1b[33m(raylet)\x1b[0m Task\n"]) == (
        "ray::flaky() (pid=1)\n(raylet) Task\n"
    )


HOLDER = """
import multiprocessing as mp, time
def hold(mib, ready):
    held = bytearray(mib * 2**20)  # bytearray() writes every page: all of it is resident
    ready.put(len(held))
    time.sleep(1.5)
if __name__ == "__main__":
    ready = mp.Queue()
    child = mp.Process(target=hold, args=({mib}, ready))
    child.start()
    print("held", ready.get() // 2**20, "MiB", flush=True)
    child.join()
"""


@pytest.mark.parametrize("held", ["by a cgroup", "by samples"])
def test_a_run_that_holds_more_memory_than_its_bound_is_stopped_and_told_how_to_declare_more(
    tmp_path: Path, held: str
) -> None:
    """The bound counts the run's processes together: here a child holds it, not main."""
    if held == "by a cgroup" and not containment.cgroup_parent():
        pytest.skip("this machine lets the checks make no cgroup; the sampled bound is the other case")
    program = contribute(tmp_path, HOLDER.format(mib=400), ["memory 200 MiB"], ["held 400 MiB"])
    sample = load_sample(program)
    assert isinstance(sample, Sample)
    with settings.faked(CGROUPS=held == "by a cgroup"):
        run = run_against_sample(program, "fork", sys.executable)
    message = judge(run, sample)
    assert run.over_memory and message is not None, message
    assert message.startswith("snippets/broken/program.py:1: its processes together held more than 200 MiB"), message
    assert "`#| memory N MiB`" in message


def test_a_run_within_its_declared_memory_passes_and_its_peak_is_measured(tmp_path: Path) -> None:
    program = contribute(tmp_path, HOLDER.format(mib=400), ["memory 600 MiB"], ["held 400 MiB"])
    sample = load_sample(program)
    assert isinstance(sample, Sample)
    run = run_against_sample(program, "fork", sys.executable)
    assert judge(run, sample) is None
    assert run.memory_peak > 400 * 2**20, run.memory_peak


def test_the_default_memory_bound_stops_a_program_that_holds_more(tmp_path: Path) -> None:
    from harness.memory import DEFAULT_MIB

    program = contribute(tmp_path, HOLDER.format(mib=DEFAULT_MIB + 200), [], [f"held {DEFAULT_MIB + 200} MiB"])
    message = verdict_of(program)
    assert message is not None and f"held more than {DEFAULT_MIB:,} MiB" in message, message


def test_a_memory_rule_needs_a_size_in_mib(tmp_path: Path) -> None:
    program = contribute(tmp_path, 'print("x", flush=True)\n', ["memory 2GB"], ["x"])
    assert (
        load_sample(program)
        == "snippets/broken/program.out:1: write `memory N MiB`: what the run's processes may hold together"
    )


def newer_than_3_12(interpreters: dict[str, str]) -> list[str]:
    """The interpreters given that read PYTHON_CPU_COUNT (3.13+); the test is skipped without one."""
    newer = [python for version, python in interpreters.items() if version_tuple(version) >= (3, 13)]
    if not newer:
        pytest.skip("PYTHON_CPU_COUNT needs CPython 3.13+, and none runs the programs in this check")
    return newer


SHOWS_CORES = 'import os\nprint("cores:", os.cpu_count(), flush=True)\n'


def test_a_sample_that_shows_this_machine_s_core_count_fails_as_on_another_machine(
    tmp_path: Path, interpreters: dict[str, str]
) -> None:
    """Runs on CPython 3.13+ get PYTHON_CPU_COUNT set to another count, as another machine would have."""
    newer = newer_than_3_12(interpreters)[0]
    program = contribute(tmp_path, SHOWS_CORES, [], [f"cores: {os.cpu_count()}"])
    sample = load_sample(program)
    assert isinstance(sample, Sample)
    this_machine = run_against_sample(program, "fork", newer, running.THIS_MACHINE)
    assert judge(this_machine, sample) is None
    message = judge(run_against_sample(program, "fork", newer), sample)
    assert message is not None and "does not match the sample" in message, message
    assert f"cores: {running.OTHER_CPU_COUNT}" in message


def test_a_benchmark_sees_this_machine_s_cores(tmp_path: Path, interpreters: dict[str, str]) -> None:
    """A benchmark may name the machine it measured, and CI publishes costs/compare's: it sees the true count."""
    newer = newer_than_3_12(interpreters)
    program = contribute(tmp_path, SHOWS_CORES, ["exclusive"], [f"cores: {os.cpu_count()}"])
    sample = load_sample(program)
    assert isinstance(sample, Sample) and sample.rules.exclusive
    for python in newer:
        assert judge(run_against_sample(program, "fork", python), sample) is None


def test_a_sample_and_its_variant_are_recorded_from_runs_that_see_this_machine_s_cores(
    tmp_path: Path, interpreters: dict[str, str]
) -> None:
    """What a recorded sample says about the machine is true, and the timeline's run, judged by the new sample
    (one process draws no timeline), sees the true count too: it would fail the update otherwise."""
    newer = newer_than_3_12(interpreters)[0]
    program = contribute(tmp_path, SHOWS_CORES)
    variant = program.path.with_name("program.since-3-13.out")
    variant.write_text(render_sample(["#| when python>=3.13"], []), encoding="utf-8")
    update_sample(program, newer, rechecks=0)
    for recorded in (program.sample_path, variant):
        assert f"cores: {os.cpu_count()}" in recorded.read_text(encoding="utf-8").splitlines(), recorded.name


@pytest.mark.parametrize("variant_rule", [[], ["#| exclusive"]])
def test_a_variant_whose_exclusive_rule_is_not_its_main_sample_s_is_refused(
    tmp_path: Path, variant_rule: list[str]
) -> None:
    """The turns and the browser tests' gate read the main sample's rule for every run (pool.RunPool.submit)."""
    program = contribute(tmp_path, "print('a')\n", ["exclusive untimed"], ["a"])
    variant = program.path.with_name("program.since-3-13.out")
    variant.write_text(render_sample(["#| when python>=3.13", *variant_rule], ["a"]), encoding="utf-8")
    problem = load_sample(program)
    assert isinstance(problem, str), "the variant was accepted"
    assert "program.since-3-13.out:1: its `exclusive` rule is not " in problem, problem
    assert "write the same rule in both" in problem
