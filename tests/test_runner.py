"""The runner and the judge, on programs broken on purpose and on real lessons changed for the worse."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from harness.checks import judge
from harness.pool import run_against_sample
from harness.programs import SNIPPETS, Program
from harness.running import alive_in_group, run_program
from harness.sample import parse_sample, render_sample

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the runner's process-group checks need POSIX")


def write_program(root: Path, source: str, name: str = "program") -> str:
    """Write a program into a package under ``root``; return its module name."""
    package = root / "broken"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / f"{name}.py").write_text(textwrap.dedent(source))
    return f"broken.{name}"


def sample(root: Path, rules: list[str], output: list[str]):  # type: ignore[no-untyped-def]
    path = root / "broken" / "program.out"
    path.write_text(render_sample([f"#| {rule}" for rule in rules], output))
    return parse_sample(path)


def test_a_hanging_program_is_killed_and_its_partial_output_reported(tmp_path: Path) -> None:
    module = write_program(
        tmp_path,
        """
        import multiprocessing as mp, time
        def sleeper():
            time.sleep(60)
        if __name__ == "__main__":
            print("started", flush=True)
            child = mp.Process(target=sleeper)
            child.start()
            child.join()
        """,
    )
    run = run_program(module, "spawn", timeout=2.0, root=tmp_path)
    assert run.timed_out
    assert run.survivors == [] and alive_in_group(run.pid) == []
    message = judge(run, sample(tmp_path, [], ["started"]))
    assert message is not None
    assert "did not finish within 2 s and was killed with its whole process group" in message
    assert "Partial output:\nstarted" in message


def test_a_child_left_running_fails_and_is_killed(tmp_path: Path) -> None:
    module = write_program(
        tmp_path,
        """
        import subprocess, sys
        if __name__ == "__main__":
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            print("main done", flush=True)
        """,
    )
    run = run_program(module, "fork", timeout=5.0, root=tmp_path)
    assert not run.timed_out and run.returncode == 0
    assert any("time.sleep(60)" in leftover for leftover in run.leftovers)
    assert run.survivors == [] and alive_in_group(run.pid) == []
    message = judge(run, sample(tmp_path, [], ["main done"]))
    assert message is not None and "left processes running after it exited" in message


def test_unexpected_stderr_fails(tmp_path: Path) -> None:
    module = write_program(
        tmp_path,
        """
        import sys
        if __name__ == "__main__":
            print("ok", flush=True)
            print("warning: something", file=sys.stderr)
        """,
    )
    run = run_program(module, "fork", timeout=5.0, root=tmp_path)
    message = judge(run, sample(tmp_path, [], ["ok"]))
    assert message is not None and "wrote to stderr" in message and "warning: something" in message
    assert judge(run, sample(tmp_path, ["stderr ^warning: something$"], ["ok"])) is None


def test_exit_status_must_be_declared(tmp_path: Path) -> None:
    module = write_program(
        tmp_path,
        """
        if __name__ == "__main__":
            print("about to fail", flush=True)
            raise SystemExit(3)
        """,
    )
    run = run_program(module, "fork", timeout=5.0, root=tmp_path)
    message = judge(run, sample(tmp_path, [], ["about to fail"]))
    assert message is not None and "exited with status 3" in message and "`#| expect exit N`" in message
    assert judge(run, sample(tmp_path, ["expect exit 3"], ["about to fail"])) is None


def test_a_program_expected_to_hang_that_exits_fails(tmp_path: Path) -> None:
    module = write_program(tmp_path, 'if __name__ == "__main__":\n    print("done", flush=True)\n')
    run = run_program(module, "fork", timeout=5.0, root=tmp_path)
    message = judge(run, sample(tmp_path, ["expect hang"], ["done"]))
    assert message is not None and "was expected to hang" in message


def test_the_never_exits_lesson_is_stopped_cleanly_once_quiet() -> None:
    program = Program(SNIPPETS / "stopping_consumers" / "never_exits.py")
    run = run_against_sample(program, "forkserver", sys.executable)
    assert run.timed_out and run.survivors == [] and run.leftovers == []
    assert run.wall < parse_sample(program.sample_path).rules.timeout  # stopped by quiet, not by the limit
    assert judge(run, parse_sample(program.sample_path)) is None


# A real lesson, changed in one way each; its recorded sample must catch the change.
# Each mutation is a list of (old, new) replacements in snippets/stopping_consumers/random_pauses.py.
MUTATIONS = [
    pytest.param(
        [('print("Consumer: done", flush=True)', 'print("Consumer: done", flush=True)\n    print("Consumer: done", flush=True)')],
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
            ("    q.put(None)  # the stop value", '    print("Producer: running", flush=True)\n    q.put(None)  # the stop value'),
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
    module = write_program(tmp_path, source)
    recorded = parse_sample(SNIPPETS / "stopping_consumers" / "random_pauses.out")
    run = run_program(module, "fork", timeout=3.0, root=tmp_path)
    verdict = judge(run, recorded)
    assert verdict is not None, "the changed program passed"
    assert message in verdict
    assert "random_pauses.out" in verdict
