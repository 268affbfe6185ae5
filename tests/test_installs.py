"""What is installed where, and which runs each program gets (tests/harness/installs.py)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest
from contribution import contribute

import dev
from harness import installs
from harness.pool import is_made
from harness.programs import Program, discover, interpreters_of

PRESENT = [(3, 11), (3, 12), (3, 13)]


def program_importing(tmp_path: Path, imports: str, rules: list[str] | None = None) -> Program:
    return contribute(tmp_path, f"{imports}\nprint('hi', flush=True)\n", rules or [], ["hi"])


def test_ray_s_pins_agree_with_the_toolchain_s_where_both_pin_a_package() -> None:
    toolchain, ray = installs.pins(installs.TOOLCHAIN_REQUIREMENTS), installs.pins(installs.RAY_REQUIREMENTS)
    shared = toolchain.keys() & ray.keys()
    assert shared, "requests and its four are in both files: nothing compared"
    assert {name: toolchain[name] for name in shared} == {name: ray[name] for name in shared}
    assert "ray" not in toolchain, "Ray never goes into .venv: its wheels hold one binary per CPython version"
    assert sorted(installs.pinned(installs.RAY_PACKAGES, installs.RAY_REQUIREMENTS)) == sorted(ray.values())


def test_every_engine_package_is_pinned_for_the_toolchain() -> None:
    assert len(installs.pinned(installs.ENGINE_PACKAGES, installs.TOOLCHAIN_REQUIREMENTS)) == len(
        installs.ENGINE_PACKAGES
    )
    with pytest.raises(SystemExit, match="must pin each of not-a-package"):
        installs.pinned(("not-a-package",), installs.TOOLCHAIN_REQUIREMENTS)


@pytest.mark.parametrize(
    ("imports", "engines"),
    [
        ("import multiprocessing", set()),
        ("import redis", {"redis-py"}),
        ("from dask.distributed import Client", {"Dask"}),
        ("from distributed import Queue", {"Dask"}),
        ("import ray.util.queue", {"Ray"}),
        ("from celery import Celery\nimport redis", {"Celery", "redis-py"}),
    ],
)
def test_the_engines_a_program_uses_are_read_from_its_imports(tmp_path: Path, imports: str, engines: set[str]) -> None:
    assert installs.engines_used(program_importing(tmp_path, imports).path) == engines


def test_a_standard_library_program_runs_on_every_interpreter(tmp_path: Path) -> None:
    program = program_importing(tmp_path, "import multiprocessing")
    assert installs.interpreters_for(program.path, False, PRESENT) == (PRESENT, "")


@pytest.mark.parametrize(("imports", "exclusive"), [("import redis", False), ("import multiprocessing", True)])
def test_engine_programs_and_benchmarks_run_on_the_oldest_and_the_newest(
    tmp_path: Path, imports: str, exclusive: bool
) -> None:
    program = program_importing(tmp_path, imports)
    chosen, why = installs.interpreters_for(program.path, exclusive, PRESENT)
    assert chosen == [(3, 11), (3, 13)]
    assert "oldest and the newest" in why
    assert installs.interpreters_for(program.path, exclusive, [(3, 12)]) == ([(3, 12)], "")


def test_a_ray_program_runs_on_the_newest_interpreter_ray_has_a_wheel_for(tmp_path: Path) -> None:
    program = program_importing(tmp_path, "import ray")
    assert installs.interpreters_for(program.path, False, [*PRESENT, (3, 15)])[0] == [(3, 13)]
    assert installs.interpreters_for(program.path, False, [(3, 11), (3, 14), (3, 15)])[0] == [(3, 14)]
    chosen, why = installs.interpreters_for(program.path, False, [(3, 15)])
    assert chosen == [] and why == f"Ray {installs.RAY_VERSION} has no wheel for CPython 3.15"


def test_the_check_s_programs_are_split_as_the_table_says() -> None:
    """The site's own programs: every engine program found by its imports, Ray's on one interpreter."""
    interpreters = {"3.11": "a", "3.12": "b", "3.13": "c"}
    runs_on = {program.name: list(interpreters_of(program, interpreters)[0]) for program in discover()}
    assert runs_on["ray_tasks/tasks_and_queue"] == runs_on["engines/ray_costs"] == ["3.13"]
    for name in ("dask_tasks/futures", "celery_tasks/acks_late", "redis_queues/put_get", "costs/compare"):
        assert runs_on[name] == ["3.11", "3.13"], name
    assert runs_on["first_queue/get_forms"] == ["3.11", "3.12", "3.13"]


def test_a_run_the_sample_skips_on_this_platform_is_never_made(tmp_path: Path) -> None:
    skipped = program_importing(tmp_path, "import os", [f"skip-on {sys.platform} not on this system"])
    assert not is_made(skipped, "spawn", sys.executable)
    other = "win32" if sys.platform != "win32" else "linux"
    assert is_made(
        program_importing(tmp_path / "2", "import os", [f"skip-on {other} elsewhere"]), "spawn", sys.executable
    )


def test_dev_py_installs_for_the_interpreters_given_and_no_other() -> None:
    assert dev.given_pythons(["-k", "x", "--python", "/a/python3.12", "--python=/b/python3.15"]) == [
        "/a/python3.12",
        "/b/python3.15",
    ]
    found = dev.matrix_pythons(["--python", sys.executable])
    assert found == {sys.version_info[:2]: sys.executable}


def test_a_long_temporary_folder_gives_the_tools_a_short_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Chromium aborted under an 80-character TMPDIR ("Socket path too long"): the tools get one under /tmp."""
    if sys.platform == "win32":
        pytest.skip("AF_UNIX socket paths are a POSIX limit")
    long = tmp_path / ("t" * max(1, 80 - len(str(tmp_path))))
    long.mkdir()
    monkeypatch.setenv("TMPDIR", str(long))
    monkeypatch.setattr(tempfile, "tempdir", None)
    dev.short_temporary_folder.cache_clear()
    try:
        env = dev.tool_environment()
        assert env["TMPDIR"].startswith("/tmp/") and len(env["TMPDIR"]) <= dev.LONGEST_TEMPORARY_FOLDER
        assert "PYTHONDONTWRITEBYTECODE" not in env
    finally:
        dev.short_temporary_folder.cache_clear()
        monkeypatch.undo()
        tempfile.tempdir = None


def test_a_system_that_runs_no_engine_program_installs_no_engine() -> None:
    """Every Redis, Celery, Dask and Ray program is skipped on Windows: its cells install none of them."""
    assert installs.engines_run_here(platform="linux") == {"redis-py", "Celery", "Dask", "Ray"}
    assert installs.engines_run_here(platform="win32") == frozenset()
