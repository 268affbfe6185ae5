"""The timeline of one recorded run: noted by the harness's sitecustomize, kept by update, drawn at build time."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from contribution import contribute

from harness import timeline
from harness.inventory import check_inventory
from harness.pool import run_against_sample
from harness.sample import Rules, Sample, parse_sample
from harness.timeline import Timeline, load, parse_events, record, svg, timeline_path


def note(when: float, pid: int, kind: str, text: str = "") -> str:
    return f"{when}\t{pid}\t{kind}\t{json.dumps(text)}\n"


def test_events_become_processes_main_first_each_line_at_its_newline() -> None:
    events = "".join(
        [
            note(100.0, 7, "start", "main"),
            note(100.2, 9, "start", "Process-2"),
            note(100.1, 8, "start", "Process-1"),
            note(100.3, 8, "out", "Consumer: got "),  # print() writes the text, then the newline
            note(100.4, 8, "out", "1\nConsumer: done\n"),
            note(100.5, 8, "end", "Process-1"),
            note(100.6, 7, "out", "Main: done\n"),
            note(100.7, 7, "end", "main"),
        ]
    )  # process 9 never ended: it was still running when the run was stopped
    main, first, second = parse_events(events)
    assert (main.name, main.start, main.end, main.lines) == ("main", 0.0, 0.7, [(0.6, "Main: done")])
    assert (first.name, first.start, first.end) == ("Process-1", 0.1, 0.5)
    assert first.lines == [(0.4, "Consumer: got 1"), (0.4, "Consumer: done")]
    assert (second.name, second.end, second.lines) == ("Process-2", None, [])


FORKED_OUTSIDE_MULTIPROCESSING = """
    import multiprocessing as mp, os
    def worker():
        for number in (1, 2):
            pid = os.fork()  # as Celery's pool starts its children
            if pid == 0:
                os.write(1, f"Child {number}: hello\\n".encode())  # straight to the descriptor
                os._exit(0)  # no atexit: no end noted
            os.waitpid(pid, 0)
    if __name__ == "__main__":
        process = mp.Process(target=worker)
        process.start()
        process.join()
        print("Main: done", flush=True)
"""


def test_a_process_forked_without_multiprocessing_is_its_parent_s_child_n(tmp_path: Path) -> None:
    output = ["Child 1: hello", "Child 2: hello", "Main: done"]
    program = contribute(tmp_path, FORKED_OUTSIDE_MULTIPROCESSING, ["channel child ^Child"], output)
    events = tmp_path / "events.txt"
    env = {"SNIPPETS_TIMELINE_FILE": str(events), "SNIPPETS_TIMELINE_MAIN": "1"}
    run = run_against_sample(program, "spawn", sys.executable, extra_env=env)
    assert run.returncode == 0 and run.output == output, run.stderr
    main, worker, first, second = parse_events(events.read_text())
    names = [process.name for process in (main, worker, first, second)]
    assert names == ["main", "Process-1", "Process-1 child 1", "Process-1 child 2"]
    assert [text for _, text in first.lines] == ["Child 1: hello"] and worker.lines == []
    assert worker.start < first.start <= first.lines[0][0] == first.end < second.start  # its lane ends at its last line


TWO_PROCESSES = """
    import multiprocessing as mp
    def child():
        print("Child: hello", flush=True)
    if __name__ == "__main__":
        process = mp.Process(target=child)
        process.start()
        process.join()
        print("Main: done", flush=True)
"""


def test_a_real_run_notes_each_process_under_fork_and_spawn(tmp_path: Path) -> None:
    program = contribute(tmp_path, TWO_PROCESSES, ["channel child ^Child:"], ["Child: hello", "Main: done"])
    for method in ("fork", "spawn"):
        events = tmp_path / f"{method}.txt"
        env = {"SNIPPETS_TIMELINE_FILE": str(events), "SNIPPETS_TIMELINE_MAIN": "1"}
        run = run_against_sample(program, method, sys.executable, extra_env=env)
        assert run.returncode == 0 and run.output == ["Child: hello", "Main: done"], run.stderr
        main, child = parse_events(events.read_text())
        assert (main.name, child.name) == ("main", "Process-1")
        assert main.start <= child.start < child.lines[0][0] <= child.end < main.lines[0][0] <= main.end  # type: ignore[operator]
        assert [text for _, text in child.lines] == ["Child: hello"]


def test_only_the_timeline_run_wraps_stdout(tmp_path: Path) -> None:
    """A checked run writes through the real sys.stdout: the wrapper that notes times is never in its way."""
    program = contribute(tmp_path, "import sys\nprint(type(sys.stdout).__name__, flush=True)\n", [], ["?"])
    checked = run_against_sample(program, "fork", sys.executable)
    events = tmp_path / "events.txt"
    env = {"SNIPPETS_TIMELINE_FILE": str(events), "SNIPPETS_TIMELINE_MAIN": "1"}
    noted = run_against_sample(program, "fork", sys.executable, extra_env=env)
    assert (checked.output, noted.output) == (["TextIOWrapper"], ["Stdout"])
    assert events.exists()


def test_the_drawing_has_a_lane_per_process_a_dot_per_line_and_a_text_alternative(tmp_path: Path) -> None:
    program = contribute(tmp_path, TWO_PROCESSES, ["channel child ^Child:"], ["Child: hello", "Main: done"])
    events = note(1.0, 1, "start", "main") + note(1.1, 2, "start", "Process-1") + note(1.2, 2, "out", "Child: hello\n")
    events += note(1.3, 2, "end", "Process-1") + note(1.4, 1, "out", "Main: done\n") + note(1.5, 1, "end", "main")
    path = record(program.path, events, "fork", "3.11.7", "2026-12-01")
    assert path == timeline_path(program.path)
    drawn = load(path)
    assert isinstance(drawn, Timeline) and drawn.output == ["Child: hello", "Main: done"]
    picture = svg(drawn, parse_sample(program.sample_path), ["child", "main"], 8)
    assert picture.count('<g class="lane') == 2 and picture.count("<circle") == 2
    assert '<g class="lane stream-1"><text class="lane-label" x="122" y="29.0" text-anchor="end">main</text>' in picture
    assert (
        '<g class="lane stream-0"><text class="lane-label" x="122" y="55.0" text-anchor="end">child</text>' in picture
    )
    assert "<title>200 ms: Child: hello</title>" in picture
    assert "child: started at 100 ms, printed 1 lines, from 200 ms to 200 ms, ended at 300 ms." in picture
    assert record(program.path, note(1.0, 1, "start", "main"), "fork", "3.11.7", "2026-12-01") is None
    assert not path.exists()  # one process: no timeline, and an old one is removed


def test_a_stale_missing_or_wrong_timeline_is_reported(tmp_path: Path) -> None:
    program = contribute(tmp_path, TWO_PROCESSES, ["channel child ^Child:"], ["Child: hello", "Main: done"])
    (tmp_path / "docs").mkdir()
    shown = "snippets/broken/program.timeline.json:1: "

    def timeline_problems() -> list[str]:
        return [problem for problem in check_inventory(tmp_path / "docs", tmp_path) if "timeline" in problem]

    assert timeline_problems() == [
        f"{shown}missing: several processes print, and the page shows a timeline of one run. Record it again "
        "with `python3 dev.py update -k broken/program`."
    ]
    events = note(1.0, 1, "start", "main") + note(1.1, 2, "start", "Process-1") + note(1.2, 1, "out", "Main: done\n")
    events += note(1.3, 2, "out", "Child: hello\n")  # main printed first: the sample's channel order says otherwise
    record(program.path, events, "fork", "3.11.7", "2026-12-01")
    assert timeline_problems() == []  # channels interleave freely
    record(
        program.path,
        note(1.0, 1, "start", "main") + note(1.1, 2, "start", "P") + note(1.2, 1, "out", "x\n"),
        "fork",
        "3.11.7",
        "d",
    )
    [problem] = timeline_problems()
    assert problem.startswith(f"{shown}its lines, in the order they were written, fail the sample")
    program.path.write_text(program.path.read_text() + "# changed\n")
    assert timeline_problems() == [
        f"{shown}recorded from another version of program.py. Record it again with `python3 dev.py update -k "
        "broken/program`."
    ]
    program.path.unlink()
    assert any(
        problem.startswith(f"{shown}a sample without a program")
        for problem in check_inventory(tmp_path / "docs", tmp_path)
    )


def test_a_lane_whose_lines_name_no_process_is_named_by_the_function_it_runs() -> None:
    """Where the output does not say who a process is, its target does: 'producer (Process-3)', not 'Process-3'."""
    events = "\n".join(
        [
            '1.0\t10\tstart\t"main"',
            '1.1\t11\tstart\t"Process-3"',
            '1.1\t11\trole\t"__mp_main__:producer"',
            '1.3\t11\tend\t""',
            '1.4\t10\tend\t"main"',
        ]
    )
    processes = timeline.parse_events(events)
    assert [process.role for process in processes] == ["", "__mp_main__:producer"]
    sample = Sample(Path("p.out"), [], Rules(), [], 1)
    assert timeline.lane_label(processes[1], sample) == ("producer (Process-3)", None)
    library = timeline.Process("ForkPoolWorker-1", 0.1, 0.2, [], "multiprocessing.pool:worker")
    assert timeline.role_label(library) == "Pool worker (ForkPoolWorker-1)"
    engine = timeline.Process("Dask Worker process (from Nanny)", 0.1, 0.2, [], "distributed.process:run")
    assert timeline.role_label(engine) == "Dask Worker process (from Nanny)"
