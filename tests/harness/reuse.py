"""Passing runs kept by content, so that a check after a small change runs only what the change touched.

A run is reused only when everything it depends on is byte for byte the same
as when it passed: the program file and its samples, the harness (every file
under tests/harness, the sitecustomize every run loads included), the pins of
what the programs import (requirements.txt, requirements-ray.txt), the
interpreter (its path, its full ``sys.version``, which names the build, and its prefix),
the start method, the platform, the project's folder, and for a run measured
by coverage the coverage settings. Never by time: a run is not skipped because
it passed recently, but because nothing it could depend on has changed since.

Only runs that passed are kept. ``dev.py check --fresh`` runs everything; a
check that reused runs does not record where the programs were verified.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from . import installs
from .programs import Program
from .running import ROOT, NamedResource, Run

HARNESS = Path(__file__).resolve().parent
IDENTITY_PROBE = "import sys; print(sys.version); print(sys.platform); print(sys.prefix)"


@functools.cache
def harness_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(HARNESS.rglob("*.py")):
        digest.update(path.relative_to(HARNESS).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# What a test other than a program run can depend on in the project: every file of these.
PROJECT_PARTS = (
    "docs", "snippets", "tests", ".github", "mkdocs.yml", "pyproject.toml", "dev.py", "requirements.txt",
    "requirements-ray.txt", "README.md", "CONTRIBUTING.md",
)  # fmt: skip


@functools.cache
def project_digest() -> str:
    """A digest of every file of the project the checks read.

    Left out: compiled bytecode, and hidden files and folders below each part: the caches tools
    write there during a check (ruff's `snippets/.ruff_cache`, made after the browser tests' processes
    had taken their key, so a fresh clone's second check ran them again), and the `.footers.md.<pid>`
    a process writes and renames while the others compute this.
    """
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        base = ROOT / part
        paths = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in paths:
            below = path.relative_to(base).parts if path != base else ()
            if path.is_file() and "__pycache__" not in below and not any(name.startswith(".") for name in below):
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def interpreter_identity(python: str) -> str:
    """The interpreter's real path, full version string (release, build number and date, compiler) and prefix."""
    probe = subprocess.run([python, "-c", IDENTITY_PROBE], capture_output=True, text=True, timeout=30, check=True)
    return f"{Path(python).resolve()}\n{probe.stdout}"


def run_key(program: Program, method: str, python: str, measured: bool) -> str:
    """A digest of everything a run of ``program`` depends on."""
    digest = hashlib.sha256()
    for path in (program.path, program.sample_path, *program.variant_paths):
        content = path.read_bytes() if path.exists() else b"(missing)"
        digest.update(path.name.encode() + b"\0" + content + b"\0")
    parts = [harness_digest(), interpreter_identity(python), method, sys.platform, str(ROOT), str(measured)]
    digest.update("\0".join(parts).encode())
    for pins in (installs.TOOLCHAIN_REQUIREMENTS, installs.RAY_REQUIREMENTS):  # what .engines holds
        digest.update(pins.read_bytes())
    if measured:
        digest.update((ROOT / "pyproject.toml").read_bytes())  # [tool.coverage.run]
    return digest.hexdigest()[:40]


class RunCache:
    """``<folder>/<key>.json``: a passing run; ``<folder>/<key>/``: its coverage data, if it was measured."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str, coverage_folder: Path | None = None) -> Run | None:
        stored = self.folder / f"{key}.json"
        if not stored.exists():
            return None
        try:
            fields = json.loads(stored.read_text(encoding="utf-8"))
            fields["stacks"] = {int(pid): text for pid, text in fields["stacks"].items()}
            for name in ("created", "leaked", "outside_files"):
                fields[name] = [NamedResource(**resource) for resource in fields[name]]
            run = Run(**{**fields, "reused": True})
        except (ValueError, TypeError, KeyError):  # written by another version of the harness: run again
            return None
        if coverage_folder is not None:
            data = self.folder / key
            if not data.is_dir():
                return None
            coverage_folder.mkdir(parents=True, exist_ok=True)
            for path in data.iterdir():
                shutil.copy2(path, coverage_folder / path.name)
        return run

    def put(self, key: str, run: Run, coverage_folder: Path | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if coverage_folder is not None:
            data = self.folder / key
            shutil.rmtree(data, ignore_errors=True)
            if coverage_folder.is_dir():
                shutil.copytree(coverage_folder, data)
            else:  # no process of the run saved data (a program coverage omits)
                data.mkdir()
        partial = self.folder / f".{key}.json.partial"
        partial.write_text(json.dumps(dataclasses.asdict(run)), encoding="utf-8")
        partial.replace(self.folder / f"{key}.json")  # whole or not at all
