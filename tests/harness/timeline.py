"""A timeline of one real run: one lane per process, each printed line at the time it was written.

The update command makes one extra run of a program, under its first start method,
with ``SNIPPETS_TIMELINE_FILE`` set: the harness's sitecustomize then notes when each
process starts and ends and when it writes to stdout. If that run passes the
program's sample, ``record`` keeps it as ``snippets/<guide>/<program>.timeline.json``
(times in seconds from main's start, processes numbered, no PIDs). At build time,
``svg`` draws it; ``tests.harness.outputs`` puts it below the output block, folded.
Nothing is drawn by a script in the reader's browser, and nothing is fetched.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from dataclasses import dataclass
from pathlib import Path

from .matching import match_output, stream_label, stream_of
from .programs import Program
from .sample import Sample, parse_sample


def timeline_path(program_path: Path) -> Path:
    return program_path.with_suffix(".timeline.json")


def source_hash(program_path: Path) -> str:
    """What the timeline was recorded from: a changed program needs a new one."""
    return hashlib.sha256(program_path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Process:
    name: str  # "main", or the multiprocessing name: "Process-1", "ForkPoolWorker-2"
    start: float
    end: float | None  # None: still running when the run was stopped (a program meant to hang)
    lines: list[tuple[float, str]]  # (time, text) of each line it printed
    role: str = ""  # "module:function" it runs ("__main__:consumer"): its lane's name where its lines name none


def parse_events(text: str) -> list[Process]:
    """The processes of a run, from the events its processes noted, main first, then by start time."""
    starts: dict[int, tuple[float, str]] = {}
    forks: dict[int, tuple[float, int]] = {}  # pid -> (when, parent pid): every forked child notes it
    ends: dict[int, float] = {}
    pending: dict[int, str] = {}
    lines: dict[int, list[tuple[float, str]]] = {}
    roles: dict[int, str] = {}
    for record in text.splitlines():
        stamp, pid_text, kind, payload = record.split("\t", 3)
        when, pid, value = float(stamp), int(pid_text), json.loads(payload)
        if kind == "start":
            starts.setdefault(pid, (when, value))
        elif kind == "role":
            roles[pid] = value
        elif kind == "fork":
            forks[pid] = (when, int(value))
        elif kind == "end":
            ends[pid] = when
        elif kind == "out":
            pieces = (pending.pop(pid, "") + value).split("\n")
            for piece in pieces[:-1]:  # print() writes the text, then "\n": a line is done at its newline
                lines.setdefault(pid, []).append((when, piece))
            if pieces[-1]:
                pending[pid] = pieces[-1]
    # A process forked by other means than multiprocessing (Celery's pool) has no name of its own: it
    # is its parent's child N. It may leave by os._exit(), noting no end: its lane ends at its last line.
    children: dict[int, int] = {}
    for pid, (when, parent) in sorted(forks.items(), key=lambda item: item[1][0]):
        if pid not in starts and pid in lines and parent in starts:
            children[parent] = children.get(parent, 0) + 1
            starts[pid] = (when, f"{starts[parent][1]} child {children[parent]}")
            ends.setdefault(pid, lines[pid][-1][0])
    main = [pid for pid, (_, name) in starts.items() if name == "main"]
    if not main:
        return []
    origin = starts[main[0]][0]
    order = sorted(starts, key=lambda pid: (pid != main[0], starts[pid][0]))
    return [
        Process(
            starts[pid][1],
            round(starts[pid][0] - origin, 4),
            round(ends[pid] - origin, 4) if pid in ends else None,
            [(round(when - origin, 4), text) for when, text in lines.get(pid, [])],
            roles.get(pid, ""),
        )
        for pid in order
    ]


def record(program_path: Path, events: str, method: str, python_release: str, date: str) -> Path | None:
    """Write the timeline file of a run with more than one process; remove a stale one otherwise."""
    path = timeline_path(program_path)
    processes = parse_events(events)
    if len(processes) < 2:
        path.unlink(missing_ok=True)
        return None
    about = {"program_sha256": source_hash(program_path), "method": method, "python": python_release, "date": date}
    lanes = [  # one process per line of the file: a new recording reads as a short diff
        json.dumps(
            {"name": p.name, "start": p.start, "end": p.end, "lines": p.lines, **({"role": p.role} if p.role else {})},
            ensure_ascii=False,
        )
        for p in processes
    ]
    text = json.dumps(about, ensure_ascii=False)[:-1] + ', "processes": [\n' + ",\n".join(lanes) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Timeline:
    method: str
    python: str
    date: str
    processes: list[Process]
    program_sha256: str

    @property
    def output(self) -> list[str]:
        """Every printed line in the order it was written: a run of the program, to check against its sample."""
        return [text for _, text in sorted((line for p in self.processes for line in p.lines), key=lambda x: x[0])]


def load(path: Path) -> Timeline:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Timeline(
        data["method"],
        data["python"],
        data["date"],
        [
            Process(p["name"], p["start"], p["end"], [(t, text) for t, text in p["lines"]], p.get("role", ""))
            for p in data["processes"]
        ],
        data["program_sha256"],
    )


def lane_label(process: Process, sample: Sample) -> tuple[str, str | None]:
    """(label, stream) of a lane: the process as the output block names it, if its lines say; else its name."""
    streams = list(dict.fromkeys(stream_of(text, sample.rules) for _, text in process.lines))
    if process.name == "main":
        return "main", "main" if streams in ([], ["main"]) else None
    if len(streams) == 1 and streams[0] != "main":
        return stream_label(streams[0]), streams[0]
    return role_label(process), None


# Workers that a library starts, named by what they are rather than by the library's function.
LIBRARY_ROLES = {"multiprocessing.pool": "Pool worker", "concurrent.futures.process": "executor worker"}


def role_label(process: Process) -> str:
    """A lane the output does not name: by the program's own function it runs ("producer (Process-3)"), by
    what a library's worker is ("Pool worker (ForkPoolWorker-1)"), else by its multiprocessing name."""
    module, _, function = process.role.rpartition(":")
    if module in ("__main__", "__mp_main__") or module.startswith("snippets."):
        return f"{function} ({process.name})"
    if module in LIBRARY_ROLES:
        return f"{LIBRARY_ROLES[module]} ({process.name})"
    return process.name


def _milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _ticks(span: float) -> list[float]:
    """About five round times from 0 to ``span``."""
    raw = span / 5 if span > 0 else 0.1
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(span / step) + 1)]


WIDTH, LABEL, LANE, TOP, RIGHT = 720, 130, 26, 12, 16


def svg(timeline: Timeline, sample: Sample, streams: list[str], colours: int) -> str:
    """The timeline as inline SVG: colours and text follow the page's scheme (CSS variables), light or dark.

    ``streams`` is the output block's order of processes, so that a lane has the colour of its lines there.
    """
    processes = timeline.processes
    span = max([p.end or 0 for p in processes] + [t for p in processes for t, _ in p.lines] + [0.001])
    labels = [lane_label(process, sample) for process in processes]
    # The label column: wide enough for the longest lane name, at about 6.7 units a character of 11 px text.
    left = max(LABEL, round(6.7 * max(len(label) for label, _ in labels) + 14))
    scale = (WIDTH - left - RIGHT) / span

    def x(seconds: float) -> float:
        return round(left + seconds * scale, 1)

    height = TOP + LANE * len(processes) + 30
    parts = []
    described = []
    for index, process in enumerate(processes):
        label, stream = labels[index]
        colour = f"stream-{streams.index(stream) % colours}" if stream in streams else "stream-none"
        y = TOP + LANE * index + LANE / 2
        end = process.end if process.end is not None else span
        parts.append(f'<g class="lane {colour}">')
        parts.append(
            f'<text class="lane-label" x="{left - 8}" y="{y + 4}" text-anchor="end">{html.escape(label)}</text>'
        )
        parts.append(f'<line class="alive" x1="{x(process.start)}" y1="{y}" x2="{x(end)}" y2="{y}"/>')
        parts.append(f'<line class="edge" x1="{x(process.start)}" y1="{y - 7}" x2="{x(process.start)}" y2="{y + 7}"/>')
        if process.end is not None:
            parts.append(f'<line class="edge" x1="{x(end)}" y1="{y - 7}" x2="{x(end)}" y2="{y + 7}"/>')
        for when, text in process.lines:
            tip = html.escape(f"{_milliseconds(when)}: {text}")
            parts.append(f'<circle class="printed" cx="{x(when)}" cy="{y}" r="4"><title>{tip}</title></circle>')
        parts.append("</g>")
        ended = f"ended at {_milliseconds(process.end)}" if process.end is not None else "still running when stopped"
        printed = (
            f"printed {len(process.lines)} lines, from {_milliseconds(process.lines[0][0])} to "
            f"{_milliseconds(process.lines[-1][0])}"
            if process.lines
            else "printed nothing"
        )
        described.append(f"{label}: started at {_milliseconds(process.start)}, {printed}, {ended}.")
    axis_y = TOP + LANE * len(processes) + 6
    parts.append(f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}"/>')
    for tick in _ticks(span):
        parts.append(f'<line class="axis" x1="{x(tick)}" y1="{axis_y}" x2="{x(tick)}" y2="{axis_y + 4}"/>')
        parts.append(
            f'<text class="tick" x="{x(tick)}" y="{axis_y + 16}" text-anchor="middle">{_milliseconds(tick)}</text>'
        )
    title = f"Timeline of one recorded run: {len(processes)} processes, {_milliseconds(span)}"
    return (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{{id}}-title {{id}}-desc" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{{id}}-title">{html.escape(title)}</title>'
        f'<desc id="{{id}}-desc">{html.escape(" ".join(described))}</desc>{"".join(parts)}</svg>'
    )


def figure(timeline: Timeline, sample: Sample, streams: list[str], colours: int, anchor: str) -> str:
    """The folded timeline below an output block, with what it shows and where it was recorded."""
    drawing = svg(timeline, sample, streams, colours).replace("{id}", anchor)
    # A program that chooses its own start method (`no-start-method`) ran under it, whatever the run's default.
    recorded = "Recorded" if sample.rules.no_start_method else f"Recorded under {html.escape(timeline.method)}"
    return (
        '<details class="timeline-figure" data-search-exclude>'
        f"<summary>Timeline of one recorded run ({len(timeline.processes)} "
        f"processes)</summary>{drawing}<p>One lane per process, from its start to its end; each dot is a line it "
        f"printed, at the time it wrote it (hover for the text). {recorded} "
        f"with CPython {html.escape(timeline.python)} on Linux, {html.escape(timeline.date)}: another run, on "
        "another machine, has other times.</p></details>"
    )


def timeline_problems(program: Program, root: Path) -> list[str]:
    """Whether the program's timeline is there when several processes print, and is of this program, as it is."""
    path = timeline_path(program.path)
    shown = path.relative_to(root).as_posix()
    again = f"Record it again with `python3 dev.py update -k {program.name}`."
    sample = parse_sample(program.sample_path)
    if not path.exists():
        streams = {stream_of(text, sample.rules) for text in sample.output}
        if len(streams) > 1:
            return [f"{shown}:1: missing: several processes print, and the page shows a timeline of one run. {again}"]
        return []
    recorded = load(path)
    if recorded.program_sha256 != source_hash(program.path):
        return [f"{shown}:1: recorded from another version of {program.path.name}. {again}"]
    problems = match_output(sample, recorded.output)
    if problems:
        return [f"{shown}:1: its lines, in the order they were written, fail the sample: {problems[0].message} {again}"]
    return []
