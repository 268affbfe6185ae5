"""The verified-on badges follow the results, and move only when the results do."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from harness import badges, installs
from harness.programs import Program, discover
from harness.running import ROOT
from harness.sample import parse_sample

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
    assert (
        badges.badge(fewer["g/p"])
        == "Verified on Linux with CPython 3.12 under fork, spawn (on record since 2026-11-24)."
    )


def test_other_platforms_and_interpreters_are_kept() -> None:
    linux = badges.merge({}, {"g/p": {"3.12": ALL}}, "Linux", MONDAY)
    both = badges.merge(linux, {"g/p": {"3.14": ["spawn"]}}, "macOS", TUESDAY)
    assert badges.badge(both["g/p"]) == (
        "Verified on Linux with CPython 3.12 under fork, spawn, forkserver; "
        "on macOS with CPython 3.14 under spawn (on record since 2026-11-24)."
    )


def test_versions_with_the_same_methods_are_grouped_in_order() -> None:
    results = badges.merge({}, {"g/p": {"3.13": ALL, "3.11": ALL, "3.14": ["spawn"]}}, "Linux", MONDAY)
    assert badges.badge(results["g/p"]) == (
        "Verified on Linux with CPython 3.11, 3.13 under fork, spawn, forkserver; "
        "CPython 3.14 under spawn (on record since 2026-11-23)."
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
    badges.save_run({"g/p": {"3.12": ALL}}, "Linux", datetime(2026, 11, 25, 9, tzinfo=UTC), tmp_path / "r.json")
    saved = json.loads((tmp_path / "r.json").read_text())
    assert badges.merge_runs(committed, [saved]) == committed  # the same results: nothing moves


def test_the_chips_name_only_what_passed_and_the_title_says_which_combinations() -> None:
    results = badges.merge({}, {"g/p": {"3.11": ALL, "3.12": ALL, "3.13": ALL}}, "Linux", MONDAY)
    results = badges.merge(results, {"g/p": {"3.15": ["spawn"]}}, "Windows", TUESDAY)
    assert badges.badge_chips(results["g/p"]) == [
        "Linux · Windows",
        "CPython 3.11, 3.12, 3.13, 3.15",
        "fork · spawn · forkserver",
        "2026-11-24",
    ]
    assert (
        badges.badge_chips(badges.merge({}, {"g/p": {"3.11": ALL, "3.12": ALL, "3.13": ALL}}, "Linux", MONDAY)["g/p"])[
            1
        ]
        == "CPython 3.11–3.13"
    )
    assert badges.badge_chips(None) == ["not verified yet"]
    footer = badges.footer(Program(ROOT / "snippets" / "g" / "p.py"), results["g/p"])
    assert 'href="../../verification/#verified-g-p"' in footer
    assert 'title="Verified on Linux with CPython 3.11, 3.12, 3.13 under fork, spawn, forkserver; on Windows' in footer
    assert "`$ python3 p.py` (Windows: `py p.py`)" in footer


def test_the_matrix_has_a_row_per_program_with_its_anchor() -> None:
    results = badges.merge({}, {"g/p": {"3.12": ALL, "3.13": ["fork"]}}, "Linux", MONDAY)
    table = badges.matrix(
        [Program(ROOT / "snippets" / "g" / "p.py"), Program(ROOT / "snippets" / "g" / "q.py")], results
    )
    rows = table.splitlines()
    assert rows[0] == "| Program | Linux | macOS | Windows | Last change |"
    assert rows[2] == (
        '| <span id="verified-g-p"></span>`g/p` | 3.12: fork, spawn, forkserver<br>3.13: fork | not on record '
        "| not on record | 2026-11-23 |"
    )  # no page shows g/p; a program a page shows links to it (checked on the built site by test_site)
    assert rows[3] == '| <span id="verified-g-q"></span>`g/q` | not on record | not on record | not on record | never |'


def test_a_footer_links_from_the_page_that_shows_the_program_whatever_its_depth() -> None:
    assert badges.relative_prefixes("guides/closing.md") == ("../", "../../")
    assert badges.relative_prefixes("faq.md") == ("", "../")
    assert badges.relative_prefixes("index.md") == ("", "")


def test_a_program_no_start_method_can_change_says_so_everywhere() -> None:
    """`no-start-method`: one run per interpreter, recorded as "none"; no badge names a method it was not run under."""
    results = badges.merge({}, {"g/p": {"3.12": ["none"], "3.13": ["none"]}}, "Linux", MONDAY)
    assert badges.badge_chips(results["g/p"])[2] == "no start method used"
    assert badges.badge(results["g/p"]) == (
        "Verified on Linux with CPython 3.12, 3.13, no start method used (on record since 2026-11-23)."
    )
    row = badges.matrix([Program(ROOT / "snippets" / "g" / "p.py")], results).splitlines()[2]
    assert "| 3.12, 3.13: no start method used |" in row


def test_a_version_that_left_the_matrix_is_claimed_no_more() -> None:
    """CPython 3.10 reached its end of life: records of it are dropped, and a run of it records nothing."""
    committed = {"g/p": {"date": "2026-12-02", "platforms": {"Linux": {"3.10": ALL, "3.11": ALL}}}}
    results = badges.merge(committed, {"g/p": {"3.10": ALL, "3.13": ALL}}, "Linux", MONDAY)
    assert results["g/p"]["platforms"] == {"Linux": {"3.11": ALL, "3.13": ALL}}
    only_old = {"g/q": {"date": "2026-12-02", "platforms": {"Linux": {"3.10": ALL}}}}
    assert badges.merge(only_old, {}, "Linux", MONDAY)["g/q"]["platforms"] == {}
    assert "CPython 3.15" in badges.summary(results, 1)


def test_each_footer_says_how_to_run_the_program_where_the_checks_run_it_and_what_it_needs() -> None:
    """No Windows command for a program the checks skip on Windows; the pinned packages and server it needs."""
    for program in discover():
        rules = parse_sample(program.sample_path).rules
        text = badges.footer(program, None)
        windows = f"(Windows: `py {program.path.name}`)" in text
        assert windows == ("win32" not in rules.skip_on), (program.name, text)
        for platform in rules.skip_on:
            assert (
                f"not on {badges.PLATFORM_NAMES[platform]}" in text or "or " + badges.PLATFORM_NAMES[platform] in text
            )
        imported = installs.imported_modules(program.path) - set(sys.stdlib_module_names) - {"snippets", "__future__"}
        if imported or rules.needs:
            assert "It needs `pip install " in text, (program.name, text)
            assert all(
                spec in text for spec in installs.reader_installs(program.path, tuple(n for n, _ in rules.needs))
            )
        for server, _ in rules.needs:
            assert badges.SERVER_NAMES[server] in text, (program.name, text)
    celery = next(program for program in discover() if program.name == "celery_tasks/acks_late")
    assert "`pip install celery==" in badges.footer(celery, None) and " redis==" in badges.footer(celery, None)
    assert "([how](#run-them-on-your-machine))" in badges.footer(celery, None)


def test_a_program_importing_a_package_no_rule_names_is_refused(tmp_path: Path) -> None:
    program = tmp_path / "uses_numpy.py"
    program.write_text("import numpy\n")
    with pytest.raises(ValueError, match="imports numpy: say in installs.READER_PACKAGES"):
        installs.reader_installs(program)
