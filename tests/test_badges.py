"""The verified-on badges follow the results, and move only when the results do."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

from harness import badges

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)
ALL = ["fork", "spawn", "forkserver"]


def test_same_results_keep_the_date() -> None:
    first = badges.merge({}, {"g/p": {"3.12": ALL}}, "Linux", MONDAY)
    again = badges.merge(first, {"g/p": {"3.12": ALL}}, "Linux", TUESDAY)
    assert again == first and again["g/p"]["date"] == "2026-11-23"


def test_changed_results_move_the_date_and_the_badge() -> None:
    first = badges.merge({}, {"g/p": {"3.12": ALL}}, "Linux", MONDAY)
    fewer = badges.merge(first, {"g/p": {"3.12": ["fork", "spawn"]}}, "Linux", TUESDAY)
    assert fewer["g/p"]["date"] == "2026-11-24"
    assert badges.badge(first["g/p"]) != badges.badge(fewer["g/p"])
    assert badges.badge(fewer["g/p"]) == "Verified on Linux with CPython 3.12 under fork, spawn (2026-11-24)."


def test_other_platforms_and_interpreters_are_kept() -> None:
    linux = badges.merge({}, {"g/p": {"3.12": ALL}}, "Linux", MONDAY)
    both = badges.merge(linux, {"g/p": {"3.14": ["spawn"]}}, "macOS", TUESDAY)
    assert badges.badge(both["g/p"]) == (
        "Verified on Linux with CPython 3.12 under fork, spawn, forkserver; "
        "on macOS with CPython 3.14 under spawn (2026-11-24)."
    )


def test_versions_with_the_same_methods_are_grouped_in_order() -> None:
    results = badges.merge({}, {"g/p": {"3.13": ALL, "3.10": ALL, "3.14": ["spawn"]}}, "Linux", MONDAY)
    assert badges.badge(results["g/p"]) == (
        "Verified on Linux with CPython 3.10, 3.13 under fork, spawn, forkserver; "
        "CPython 3.14 under spawn (2026-11-23)."
    )


def test_a_program_never_verified_says_so() -> None:
    assert badges.badge(None) == "Not verified yet: run `python3 dev.py check`."


def test_runs_from_other_machines_are_merged_and_the_newest_wins_whatever_their_order(tmp_path: Path) -> None:
    committed = badges.merge({}, {"g/p": {"3.12": ALL, "3.13": ALL}}, "Linux", MONDAY)
    older = {"platform": "Linux", "finished": "2026-11-24T10:00:00+00:00", "passed": {"g/p": {"3.12": ["fork"]}}}
    newer = {"platform": "Linux", "finished": "2026-11-24T11:00:00+00:00", "passed": {"g/p": {"3.12": ALL}}}
    windows = {"platform": "Windows", "finished": "2026-11-24T10:30:00+00:00", "passed": {"g/p": {"3.14": ["spawn"]}}}
    one_way = badges.merge_runs(committed, [older, newer, windows])
    other_way = badges.merge_runs(committed, [windows, newer, older])
    assert one_way == other_way
    assert one_way["g/p"]["platforms"] == {"Linux": {"3.12": ALL, "3.13": ALL}, "Windows": {"3.14": ["spawn"]}}
    assert one_way["g/p"]["date"] == "2026-11-24"
    badges.save_run(
        {"g/p": {"3.12": ALL}}, "Linux", datetime(2026, 11, 25, 9, tzinfo=timezone.utc), tmp_path / "r.json"
    )
    saved = json.loads((tmp_path / "r.json").read_text())
    assert badges.merge_runs(committed, [saved]) == committed  # the same results: nothing moves
