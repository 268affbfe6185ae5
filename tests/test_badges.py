"""The verified-on badges follow the results, and move only when the results do."""

from __future__ import annotations

from datetime import date

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


def test_results_from_other_machines_are_merged() -> None:
    linux = badges.merge({}, {"g/p": {"3.12": ALL}}, "Linux", MONDAY)
    windows = badges.merge({}, {"g/p": {"3.12": ["spawn"]}}, "Windows", TUESDAY)
    merged = badges.merge_results(linux, windows)
    assert merged["g/p"]["platforms"] == {"Linux": {"3.12": ALL}, "Windows": {"3.12": ["spawn"]}}
    assert merged["g/p"]["date"] == "2026-11-24"
    assert badges.merge_results(merged, windows) == merged  # nothing new: nothing moves
