"""Charts of a benchmark's figures, drawn at build time from real runs: the recorded sample, and CI's.

A page asks for them with one line of HTML, which the build replaces:

    <div class="benchmark-charts" data-sample="snippets/costs/compare.out"></div>

The program prints tables whose header row ends in item sizes (``8B 1KB ... 8MB``) and whose
rows end in one figure per size (``1.23k``, ``45%``, ``-`` for none). The charts plot the
tables named in CHARTS against item size, log on both axes, with matplotlib, as inline SVG
whose colours are CSS variables, so they follow the page's light or dark scheme. Each chart
names the machine, Python and date its run printed, and the same figures follow as a table
(the text alternative). The programs jobs of the GitHub workflow keep each benchmark's output
in verified-run.json; `dev.py badges merge` writes them to benchmark-runs/, and the site job's
build draws one more set of charts per platform from there.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

from .sample import parse_sample

if TYPE_CHECKING:
    from .pool import RunPool

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = {"costs/compare"}  # programs whose passing runs CI keeps, for the charts
CI_RUNS = ROOT / "benchmark-runs"  # <guide>-<program>/<platform>-<python>.txt, written by `badges merge`
CHARTS = {  # table title -> what the chart's vertical axis shows
    "MB/s, one way": "MB/s, one way (more is better)",
    "round trip, us": "round trip, µs (less is better)",
}
LIMITS = {"memory copy": (0, (1, 2)), "os.pipe (limit)": (0, (5, 3))}  # drawn in the text colour, dotted/dashed
MARKER = re.compile(r'<div class="benchmark-charts" data-sample="([^"]+)"></div>')
SIZE = re.compile(r"^\d+(?:B|KB|MB|GB)$")
FIGURE = re.compile(r"^(\d+(?:\.\d+)?)([kMG%]?)$")
SCALE = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "%": 0.01}
# Colours matplotlib draws with, replaced by CSS variables in the SVG (docs/stylesheets/extra.css).
INK, GRID = "#010101", "#020202"
PALETTE = [f"#0000{index + 16:02x}" for index in range(8)]


@dataclass
class Benchmark:
    machine: str
    python: str
    sizes: list[str]
    tables: dict[str, dict[str, list[float | None]]]


def parse_figure(text: str, where: str) -> float | None:
    if text == "-":
        return None
    found = FIGURE.match(text)
    if not found:
        raise ValueError(f"{where}: {text!r} is not a figure (1.23k, 45%, or - for none)")
    return float(found.group(1)) * SCALE[found.group(2)]


def parse(lines: list[str], source: str) -> Benchmark:
    """The tables of a benchmark's output; ``source`` names the file in errors."""
    machine = python = ""
    sizes: list[str] = []
    tables: dict[str, dict[str, list[float | None]]] = {}
    rows: dict[str, list[float | None]] | None = None
    for number, line in enumerate(lines, 1):
        words = line.split()
        if line.startswith("machine: "):
            machine = line.removeprefix("machine: ")
        elif line.startswith("python: "):
            python = line.removeprefix("python: ")
        elif not words:
            rows = None
        elif rows is None and len(heading := _trailing_sizes(words)) >= 2:
            if sizes and heading != sizes:
                raise ValueError(f"{source}:{number}: sizes {heading} differ from the first table's {sizes}")
            sizes = heading
            title = line[: line.index(sizes[0])].rstrip()
            rows = tables[title] = {}
        elif rows is not None:
            if len(words) <= len(sizes):
                raise ValueError(f"{source}:{number}: a row names a tool, then gives {len(sizes)} figures")
            rows[" ".join(words[: -len(sizes)])] = [
                parse_figure(cell, f"{source}:{number}") for cell in words[-len(sizes) :]
            ]
    missing = [title for title in CHARTS if title not in tables]
    if missing or not machine or not python:
        raise ValueError(
            f"{source}: a benchmark prints `machine: ...`, `python: ...` and the tables {list(CHARTS)}; "
            f"missing: {missing or ''} {'machine ' if not machine else ''}{'python' if not python else ''}".rstrip()
        )
    return Benchmark(machine, python, sizes, tables)


def _trailing_sizes(words: list[str]) -> list[str]:
    """The item sizes a header row ends with (``8B 1KB 64KB``), or none."""
    count = 0
    while count < len(words) and SIZE.match(words[-1 - count]):
        count += 1
    return words[len(words) - count :]


def _settings(anchor: str) -> dict[str, Any]:
    """matplotlib's settings for a chart of this site: text as text, the page's colours, a stable file."""
    return {
        "svg.fonttype": "none",  # text stays text: selectable, and in the page's font
        "svg.hashsalt": anchor,  # the same figures give the same file
        "font.size": 11,
        "text.color": INK,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "grid.color": GRID,
    }


def svg(benchmark: Benchmark, title: str, anchor: str) -> str:
    """One table as a log-log line chart, inline SVG; ``anchor`` makes its ids unique on the page."""
    import matplotlib  # noqa: PLC0415 (only the build draws charts; the checks need not import it)

    matplotlib.use("svg")
    from matplotlib import pyplot, ticker  # noqa: PLC0415

    settings = _settings(anchor)
    rows = benchmark.tables[title]
    positions = list(range(len(benchmark.sizes)))
    with matplotlib.rc_context(settings):
        figure, axes = pyplot.subplots(figsize=(7.2, 4.4))
        colours = iter(PALETTE)
        for name, values in rows.items():
            points = [(x, v) for x, v in zip(positions, values, strict=True) if v is not None]
            if not points:
                continue
            style: dict[str, Any] = (
                {"color": INK, "linestyle": LIMITS[name], "linewidth": 1.6}
                if name in LIMITS
                else {"color": next(colours), "marker": "o", "markersize": 4, "linewidth": 1.8}
            )
            axes.plot([x for x, _ in points], [v for _, v in points], label=name, **style)
        axes.set_yscale("log")
        axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: short(value)))
        axes.set_xticks(positions, [size.replace("B", " B") for size in benchmark.sizes])
        axes.set_xlabel("item size")
        axes.set_ylabel(CHARTS[title])
        axes.grid(True, which="major", linewidth=0.5)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=10)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", transparent=True, metadata={"Date": None, "Creator": None})
        pyplot.close(figure)
    return _themed(out.getvalue(), anchor, title)


def _themed(drawing: str, anchor: str, title: str, label_text: str | None = None) -> str:
    """matplotlib's SVG, made inline: no XML header, scalable, ids unique, colours from CSS."""
    drawing = drawing[drawing.index("<svg") :]
    drawing = re.sub(
        r'<svg[^>]*?(viewBox="[^"]+")[^>]*>',
        r'<svg \1 class="benchmark-chart" role="img" data-search-exclude>',
        drawing,
        count=1,
    )
    drawing = re.sub(r"<metadata>.*?</metadata>", "", drawing, flags=re.S)
    drawing = re.sub(r'(id="|url\(#|href="#)', rf"\1{anchor}-", drawing)
    for index, colour in enumerate(PALETTE):
        drawing = drawing.replace(colour, f"var(--colour-{index})")
    drawing = drawing.replace(INK, "var(--md-default-fg-color)").replace(GRID, "var(--md-default-fg-color--lightest)")
    label_text = label_text or f"{CHARTS[title]} against item size; the figures are in the table below."
    label = f"<title>{html.escape(label_text)}</title>"
    return drawing.replace("data-search-exclude>", f"data-search-exclude>{label}", 1)


def html_table(corner: str, columns: list[str], rows: dict[str, list[str]]) -> str:
    """A chart's figures as a table, its text alternative: a row per line or bar, a column per figure."""
    head = "".join(f'<th scope="col">{html.escape(column)}</th>' for column in columns)
    body = "".join(
        f'<tr><th scope="row">{html.escape(name)}</th>' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
        for name, cells in rows.items()
    )
    return (
        f'<table><thead><tr><th scope="col">{html.escape(corner)}</th>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def table_html(benchmark: Benchmark, title: str) -> str:
    rows = {
        name: ["-" if value is None else short(value) for value in values]
        for name, values in benchmark.tables[title].items()
    }
    return html_table(title, benchmark.sizes, rows)


def short(value: float) -> str:
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def figures(benchmark: Benchmark, anchor: str, origin: str) -> str:
    """Every chart of one run, each with what it came from and its figures as a table."""
    parts = []
    for index, title in enumerate(CHARTS):
        parts.append(
            f'<figure class="benchmark-figure">{svg(benchmark, title, f"{anchor}-{index}")}'
            f"<figcaption>{html.escape(CHARTS[title])}, for each tool and item size; log scales. {origin} "
            f"Machine: {html.escape(benchmark.machine)}. Python: {html.escape(benchmark.python)}.</figcaption>"
            f"<details><summary>The figures of this chart as a table</summary>{table_html(benchmark, title)}"
            "</details></figure>"
        )
    return "".join(parts)


def ci_run_files(sample: Path) -> list[Path]:
    program = sample.with_suffix("")
    return sorted((CI_RUNS / f"{program.parent.name}-{program.name}").glob("*.txt"))


def charts_html(sample_path: str, root: Path = ROOT) -> str:
    path = root / sample_path
    if not path.exists():
        raise ValueError(f"benchmark charts: {sample_path} does not exist (data-sample names a program's .out file)")
    sample = parse_sample(path)
    stem = re.sub(r"\W+", "-", sample_path.removesuffix(".out"))
    parts = [
        figures(
            parse(sample.output, sample_path),
            f"{stem}-sample",
            "From the run recorded in the sample below.",
        )
    ]
    runs = ci_run_files(path)
    for run in runs:
        platform = run.stem
        parts.append(
            '<details class="benchmark-ci-run"><summary>The same benchmark on the GitHub workflow\'s '
            f"{html.escape(platform)} runner</summary>"
            + figures(
                parse(run.read_text(encoding="utf-8").splitlines(), run.name),
                f"{stem}-{re.sub(r'[^a-z0-9]+', '-', platform.lower())}",
                f"From the passing run of the GitHub workflow's programs job on {html.escape(platform)}.",
            )
            + "</details>"
        )
    if not runs:
        parts.append(
            '<p class="benchmark-ci-none">This build has no runs from the GitHub workflow\'s programs jobs yet: '
            "once they have passed, the published site shows their charts here, one per platform.</p>"
        )
    return '<div class="benchmark-charts">' + "".join(parts) + "</div>"


# The engines' costs: one chart from the runs of several programs that print the same table, asked for by
#     <div class="engine-charts" data-samples="snippets/engines/costs.out snippets/engines/ray_costs.out"></div>
ENGINE_MARKER = re.compile(r'<div class="engine-charts" data-samples="([^"]+)"></div>')
ENGINE_COLUMNS = ("start-up", "per task")  # what the chart shows of each engine's row, in ms
ENGINE_ROW = re.compile(r"^(?P<name>\S.*?)\s{2,}(?P<figures>\d[\d.]*(?:\s+\d[\d.]*)*)$")


@dataclass
class EngineRun:
    machine: str
    python: str
    rows: dict[str, dict[str, float]]  # engine -> column -> ms


def parse_engine_run(lines: list[str], where: str) -> EngineRun:
    """The ``ms  start-up  per task ...`` table a costs program prints, with its machine and Python lines."""
    machine = next((line.split(": ", 1)[1] for line in lines if line.startswith("machine: ")), "")
    python = next((line.split(": ", 1)[1] for line in lines if line.startswith("python: ")), "")
    header = next((index for index, line in enumerate(lines) if line.startswith("ms ")), None)
    if header is None or not machine or not python:
        raise ValueError(f"engine chart: {where} prints no `ms ...` table, or no machine or python line")
    columns = re.split(r"\s{2,}", lines[header].strip())[1:]
    rows = {}
    for line in lines[header + 1 :]:
        found = ENGINE_ROW.match(line)
        if found is None:
            break
        values = [float(value) for value in found.group("figures").split()]
        rows[found.group("name")] = dict(zip(columns, values, strict=True))
    return EngineRun(machine, python, rows)


def engine_svg(rows: dict[str, dict[str, float]], anchor: str) -> str:
    """Each engine's start-up and per-task cost as horizontal bars, on a log scale."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("svg")
    from matplotlib import pyplot, ticker  # noqa: PLC0415

    names = list(rows)
    with matplotlib.rc_context(_settings(anchor)):
        figure, axes = pyplot.subplots(figsize=(7.2, 0.5 + 0.55 * len(names)))
        height = 0.38
        for index, column in enumerate(ENGINE_COLUMNS):
            positions = [row + (index - 0.5) * height for row in range(len(names))]
            values = [rows[name][column] for name in names]
            axes.barh(positions, values, height=height, color=PALETTE[index], label=f"{column}, ms")
            for position, value in zip(positions, values, strict=True):
                axes.text(value * 1.08, position, short(value), va="center", fontsize=10)
        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: short(value)))
        axes.set_yticks(range(len(names)), names)
        axes.invert_yaxis()
        axes.set_xlabel("ms, log scale (less is better)")
        axes.grid(True, axis="x", which="major", linewidth=0.5)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False, fontsize=10)
        axes.set_xlim(right=max(value for row in rows.values() for value in row.values()) * 4)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", transparent=True, metadata={"Date": None, "Creator": None})
        pyplot.close(figure)
    label = "Start-up and per-task cost of each engine, in ms, log scale; the figures are in the table below."
    return _themed(out.getvalue(), anchor, "", label)


def engine_charts_html(sample_paths: list[str], root: Path = ROOT) -> str:
    """One chart of every row of every run; a name a run shares with an earlier one is named with its run.

    Each run measures the Queue too, as its own yardstick (Ray's starts its Queue's worker with spawn):
    a run's engines are read against its own Queue.
    """
    runs = []
    for sample_path in sample_paths:
        path = root / sample_path
        if not path.exists():
            raise ValueError(f"engine chart: {sample_path} does not exist (data-samples names programs' .out files)")
        runs.append((sample_path, parse_engine_run(parse_sample(path).output, sample_path)))
    rows: dict[str, dict[str, float]] = {}
    origins = []
    for number, (sample_path, run) in enumerate(runs, start=1):
        repeated = {name for _, other in runs if other is not run for name in other.rows}
        named = {(f"{name} (run {number})" if name in repeated else name): row for name, row in run.rows.items()}
        rows.update(named)
        method = "" if "start method" in run.python else "; the program chooses each process's start method"
        origins.append(
            f"Run {number}, {html.escape('; '.join(named))}: recorded in <code>{html.escape(sample_path)}</code> "
            f"({html.escape(run.machine)}; {html.escape(run.python)}{method})"
        )
    table = html_table(
        "engine",
        [f"{column}, ms" for column in ENGINE_COLUMNS],
        {name: [short(row[column]) for column in ENGINE_COLUMNS] for name, row in rows.items()},
    )
    return (
        f'<figure class="benchmark-figure engine-figure">{engine_svg(rows, "engine-costs")}'
        "<figcaption>What one engine costs to start, and per task, in ms; log scale; each run measures the "
        "Queue too, so read an engine against its own run's Queue. "
        + ". ".join(origins)
        + ".</figcaption><details><summary>The figures of this chart as a table</summary>"
        f"{table}"
        "</details></figure>"
    )


def replace_markers(page_html: str, root: Path = ROOT) -> str:
    page_html = MARKER.sub(lambda found: charts_html(found.group(1), root), page_html)
    return ENGINE_MARKER.sub(lambda found: engine_charts_html(found.group(1).split(), root), page_html)


def kept_outputs(pool: RunPool, method: str) -> dict[str, dict[str, str]]:
    """What each benchmark printed under ``method``, per Python version, for verified-run.json."""
    kept: dict[str, dict[str, str]] = {}
    for (program, run_method, python), run in pool.finished_runs():
        if program.name in BENCHMARKS and run_method == method:
            kept.setdefault(program.name, {})[pool.versions.get(python, python)] = run.stdout
    return kept


def save_ci_runs(runs: list[dict[str, Any]], directory: Path = CI_RUNS) -> list[Path]:
    """The benchmark outputs kept in CI's verified-run.json files, one file per program and platform.

    For each platform, the newest Python's run is kept: one set of charts per platform.
    """
    newest: dict[tuple[str, str], tuple[tuple[int, ...], str, str]] = {}
    for run in runs:
        for program, by_version in run.get("benchmarks", {}).items():
            for version, output in by_version.items():
                key = (program, run["platform"])
                release = tuple(int(part) for part in version.split("."))
                if key not in newest or release > newest[key][0]:
                    newest[key] = (release, version, output)
    written = []
    for (program, platform), (_, version, output) in sorted(newest.items()):
        path = directory / program.replace("/", "-") / f"{platform} with CPython {version}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(output, encoding="utf-8")
        written.append(path)
    return written


class ChartsPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        return replace_markers(text)


class ChartsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # After the raw HTML (the marker) is back in the page (priority 30).
        md.postprocessors.register(ChartsPostprocessor(md), "benchmark_charts", 6)


def makeExtension(**kwargs: Any) -> ChartsExtension:  # noqa: N802 (Python-Markdown's name)
    return ChartsExtension(**kwargs)
