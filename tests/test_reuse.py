"""Passing runs are reused only while everything they depend on is byte for byte the same."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from contribution import contribute

from harness.pool import RunPool, release
from harness.programs import Program
from harness.reuse import RunCache, run_key

PROGRAM = """
import multiprocessing as mp
def greet():
    print("Child: hello", flush=True)
if __name__ == "__main__":
    child = mp.Process(target=greet)
    child.start()
    child.join()
"""


def reused(root: Path, output: tuple[str, ...] = ("Child: hello",)) -> Program:
    return contribute(root, PROGRAM, [], list(output))


def run_twice(program: Program, cache: Path) -> tuple[bool, bool]:
    """Whether the first and the second run, each by a fresh pool sharing ``cache``, were reused."""
    reused = []
    for _ in range(2):
        pool = RunPool(2, {sys.executable: "this"})
        pool.reuse = RunCache(cache)
        reused.append(pool.result(program, "spawn", sys.executable).reused)
        pool.close()
    return reused[0], reused[1]


def test_a_passing_run_is_reused_while_nothing_changes(tmp_path: Path) -> None:
    program = reused(tmp_path)
    assert run_twice(program, tmp_path / "cache") == (False, True)


def test_a_failing_run_is_never_kept(tmp_path: Path) -> None:
    program = reused(tmp_path, output=("Child: goodbye",))
    assert run_twice(program, tmp_path / "cache") == (False, False)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda program: program.path.write_text(program.path.read_text() + "\n# edited\n"), id="program"),
        pytest.param(
            lambda program: program.sample_path.write_text("#| # a rule\n" + program.sample_path.read_text()),
            id="sample",
        ),
        pytest.param(
            lambda program: program.path.with_name("program.new.out").write_text("#| when as-file\n"), id="variant"
        ),
    ],
)
def test_any_change_to_what_a_run_depends_on_makes_a_new_key(tmp_path: Path, change: object) -> None:
    program = reused(tmp_path)
    before = run_key(program, "spawn", sys.executable, measured=False)
    assert run_key(program, "spawn", sys.executable, measured=False) == before  # by content: stable
    change(program)  # type: ignore[operator]
    assert run_key(program, "spawn", sys.executable, measured=False) != before


def test_the_start_method_and_coverage_are_part_of_the_key(tmp_path: Path) -> None:
    program = reused(tmp_path)
    keys = {
        run_key(program, "spawn", sys.executable, measured=False),
        run_key(program, "fork", sys.executable, measured=False),
        run_key(program, "spawn", sys.executable, measured=True),
    }
    assert len(keys) == 3


def test_another_interpreter_makes_another_key(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    program = reused(tmp_path)
    others = [python for python in request.config.getoption("--python") if release(python)[:2] != sys.version_info[:2]]
    if not others:
        pytest.skip("no --python of another version than the toolchain's was given")
    assert run_key(program, "spawn", others[0], measured=False) != run_key(program, "spawn", sys.executable, False)


def test_a_test_is_reused_only_while_every_file_of_the_project_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key of a passed test other than a program run (conftest.content_key) changes with any file it reads."""
    from harness import reuse

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n")
    (tmp_path / "dev.py").write_text("print('x')\n")
    monkeypatch.setattr(reuse, "ROOT", tmp_path)

    def digest() -> str:
        reuse.project_digest.cache_clear()
        return reuse.project_digest()

    try:
        first = digest()
        assert digest() == first
        (tmp_path / "docs" / "__pycache__").mkdir()
        (tmp_path / "docs" / "__pycache__" / "x.pyc").write_bytes(b"\0")
        assert digest() == first, "bytecode is not content"
        (tmp_path / "docs" / ".index.md.1234").write_text("being written")
        assert digest() == first, "a file another process is writing is not content yet"
        (tmp_path / "docs" / ".ruff_cache" / "0.17").mkdir(parents=True)
        (tmp_path / "docs" / ".ruff_cache" / "0.17" / "123").write_bytes(b"cache")
        assert digest() == first, "a tool's cache is not content"
        (tmp_path / "docs" / "index.md").write_text("# Home.\n")
        assert digest() != first
    finally:
        reuse.project_digest.cache_clear()
