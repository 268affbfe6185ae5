"""Benchmark charts: parsed from real output, drawn as themed inline SVG, and kept from CI's runs."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness import badges, charts
from harness.programs import ROOT, Program
from harness.sample import parse_sample

RECORDED = ROOT / "snippets" / "costs" / "compare.out"

OUTPUT = """\
machine: Linux x86_64, Some CPU, 2 logical CPUs
python: CPython 3.12.1, start method fork, 2026-12-02

MB/s, one way             8B     1MB
memory copy             25.4   7.29k
os.pipe (limit)         4.45   1.42k
Queue                   0.87     538

round trip, us            8B     1MB
memory copy                -       -
os.pipe (limit)         61.7     678
Queue                    180   2.76k
"""


def test_a_benchmark_s_output_becomes_its_tables() -> None:
    benchmark = charts.parse(OUTPUT.splitlines(), "run.txt")
    assert benchmark.machine == "Linux x86_64, Some CPU, 2 logical CPUs"
    assert benchmark.python.startswith("CPython 3.12.1")
    assert benchmark.sizes == ["8B", "1MB"]
    assert benchmark.tables["MB/s, one way"]["Queue"] == [0.87, 538.0]
    assert benchmark.tables["MB/s, one way"]["memory copy"] == [25.4, 7290.0]
    assert benchmark.tables["round trip, us"]["memory copy"] == [None, None]


def test_the_recorded_sample_parses_with_every_chart_s_table() -> None:
    from harness.sample import parse_sample

    benchmark = charts.parse(parse_sample(RECORDED).output, "compare.out")
    assert set(charts.CHARTS) <= set(benchmark.tables)
    assert all(len(values) == len(benchmark.sizes) for table in benchmark.tables.values() for values in table.values())


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (OUTPUT.replace("538", "lots"), r"run\.txt:7: 'lots' is not a figure"),
        (OUTPUT.replace("round trip, us", "latency"), r"missing: \['round trip, us'\]"),
        (OUTPUT.replace("machine: ", "host: "), "missing:.*machine"),
        (OUTPUT.replace("round trip, us            8B     1MB", "round trip, us            8B    64KB"), "differ"),
    ],
)
def test_an_output_the_charts_cannot_read_fails_with_the_line(broken: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        charts.parse(broken.splitlines(), "run.txt")


def test_a_chart_is_inline_svg_coloured_by_the_page_s_scheme() -> None:
    benchmark = charts.parse(OUTPUT.splitlines(), "run.txt")
    drawing = charts.svg(benchmark, "MB/s, one way", "page-0")
    assert drawing.startswith('<svg viewBox="') and 'role="img"' in drawing and "<title>" in drawing
    assert "<?xml" not in drawing and "<metadata>" not in drawing
    colours = set(re.findall(r"#[0-9a-fA-F]{6}\b", drawing))
    assert not colours, f"colours the scheme cannot change: {colours}"
    assert "var(--colour-0)" in drawing and "var(--md-default-fg-color)" in drawing
    ids = re.findall(r'id="([^"]+)"', drawing)
    assert ids and all(identifier.startswith("page-0-") for identifier in ids)
    assert "Queue" in drawing and "os.pipe (limit)" in drawing  # the legend is text
    assert drawing == charts.svg(benchmark, "MB/s, one way", "page-0"), "the same figures give the same drawing"


def test_the_page_shows_each_chart_with_its_source_and_its_figures_as_a_table(tmp_path: Path) -> None:
    sample = tmp_path / "snippets" / "g" / "bench.out"
    sample.parent.mkdir(parents=True)
    sample.write_text("#| --8<-- [start:output]\n" + OUTPUT, encoding="utf-8")
    page = charts.charts_html("snippets/g/bench.out", tmp_path)
    assert page.count("<figure") == len(charts.CHARTS)
    assert page.count("<svg") == len(charts.CHARTS)
    assert "Machine: Linux x86_64, Some CPU, 2 logical CPUs" in page and "CPython 3.12.1" in page
    assert '<th scope="row">Queue</th><td>0.87</td><td>538</td>' in page
    assert "no runs from the GitHub workflow" in page


def test_a_missing_sample_fails_the_build_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"snippets/g/none\.out does not exist"):
        charts.replace_markers('<div class="benchmark-charts" data-sample="snippets/g/none.out"></div>', tmp_path)


def test_ci_runs_are_kept_per_platform_newest_python_first_and_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The programs jobs save what the benchmark printed; the site job's merge keeps one run per platform."""
    runs = []
    for platform, version in [("macOS", "3.13"), ("macOS", "3.14"), ("Windows", "3.12")]:
        path = tmp_path / f"{platform}-{version}.json"
        output = OUTPUT.replace("3.12.1", f"{version}.0")
        badges.save_run({}, platform, datetime.now(UTC), path, benchmarks={"costs/compare": {version: output}})
        runs.append(json.loads(path.read_text(encoding="utf-8")))
    kept = charts.save_ci_runs(runs, tmp_path / "runs")
    assert sorted(path.name for path in kept) == ["Windows with CPython 3.12.txt", "macOS with CPython 3.14.txt"]
    monkeypatch.setattr(charts, "CI_RUNS", tmp_path / "runs")
    page = charts.charts_html("snippets/costs/compare.out")
    assert page.count('class="benchmark-ci-run"') == 2
    assert "macOS with CPython 3.14 runner" in page and "CPython 3.14.0" in page
    assert "no runs from the GitHub workflow" not in page


def test_the_engines_costs_chart_shows_every_engine_of_both_recorded_runs() -> None:
    """Start-up and per-task cost per engine, from the two samples the page shows; the table holds the same figures."""
    from harness.charts import ENGINE_COLUMNS, engine_charts_html, parse_engine_run
    from harness.sample import parse_sample

    samples = ["snippets/engines/costs.out", "snippets/engines/ray_costs.out"]
    figure = engine_charts_html(samples)
    runs = [parse_engine_run(parse_sample(ROOT / sample).output, sample) for sample in samples]
    engines = {name for run in runs for name in run.rows}
    assert len(engines) == 5 and all(f'<th scope="row">{name}' in figure for name in engines), engines
    # Each run's own Queue is charted: Ray's run names its own, so an engine is read against its run's yardstick.
    assert all(f'<th scope="row">multiprocessing.Queue (run {n})</th>' in figure for n in (1, 2))
    for run in runs:
        queue = run.rows["multiprocessing.Queue"]
        assert all(f"<td>{charts.short(queue[column])}</td>" in figure for column in ENGINE_COLUMNS)
    assert figure.count("<svg") == 1 and 'role="img"' in figure and "<title>" in figure
    page = (ROOT / "docs" / "guides" / "choosing-an-engine.md").read_text(encoding="utf-8")
    assert f'<div class="engine-charts" data-samples="{" ".join(samples)}"></div>' in page


@pytest.mark.parametrize("name", sorted(charts.BENCHMARKS))
def test_a_benchmark_ci_publishes_has_the_cores_and_their_true_count(name: str) -> None:
    """CI's runs of it become charts that name the machine: only `exclusive` runs see the true core count."""
    program = Program(ROOT / "snippets" / f"{name}.py")
    assert program.sample_path.exists(), f"snippets/{name}.out is missing"
    for path in [program.sample_path, *program.variant_paths]:  # each run follows the rules of its own sample
        rules = parse_sample(path).rules
        assert rules.exclusive, f"{path.relative_to(ROOT)}: declare `#| exclusive`"
