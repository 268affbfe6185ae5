"""The checks' paths for macOS and Windows, run here: for real where Linux can, with the platform faked otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import running
from harness.checks import judge, load_sample
from harness.pool import release, run_against_sample
from harness.programs import SNIPPETS, Program
from harness.sample import Sample

MACOS_TMPDIR_LENGTH = 64  # macOS runners: 48 characters; Linux allows 4 bytes more per socket path than macOS


def long_folder(tmp_path: Path) -> Path:
    folder = tmp_path / ("t" * max(1, MACOS_TMPDIR_LENGTH - len(str(tmp_path)) - 1))
    folder.mkdir()
    assert len(str(folder)) >= 60
    return folder


def test_a_long_temporary_folder_is_not_where_runs_get_theirs(tmp_path: Path) -> None:
    folder = str(long_folder(tmp_path))
    assert running.scratch_parent(folder) == ("/tmp" if os.name == "posix" else folder)
    assert running.scratch_parent("/tmp") == "/tmp"
    assert len("/tmp") + running.SOCKET_PATH_UNDER_SCRATCH <= running.SOCKET_PATH_LIMIT


@pytest.mark.skipif(os.name != "posix", reason="AF_UNIX sockets and forkserver are POSIX")
@pytest.mark.parametrize(
    ("name", "method"), [("first_queue/queue_to_pool", "spawn"), ("first_queue/get_forms", "forkserver")]
)
def test_manager_and_forkserver_programs_pass_under_a_temporary_folder_as_long_as_macos(
    name: str, method: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_python: str
) -> None:
    monkeypatch.setattr(running, "SCRATCH_BASE", str(long_folder(tmp_path)))
    program = Program(SNIPPETS / f"{name}.py")
    sample = load_sample(program)
    assert isinstance(sample, Sample), sample
    assert judge(run_against_sample(program, method, first_python), sample) is None


@pytest.mark.skipif(os.name != "posix", reason="AF_UNIX sockets and forkserver are POSIX")
def test_without_the_short_folder_the_same_run_fails_as_on_a_macos_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_python: str
) -> None:
    """What the test above guards against: CPython before 3.13 binds the socket under TMPDIR, however long."""
    if release(first_python) >= (3, 13, 0):
        pytest.skip("CPython 3.13+ moves a socket whose path is too long to /tmp (gh-132124)")
    monkeypatch.setattr(running, "scratch_parent", lambda base=None: base)
    monkeypatch.setattr(running, "SCRATCH_BASE", str(long_folder(tmp_path)))
    program = Program(SNIPPETS / "first_queue/get_forms.py")
    run = run_against_sample(program, "forkserver", first_python)
    assert run.returncode != 0 and "AF_UNIX path too long" in run.stderr, run.stderr
