"""Find the programs under ``snippets/`` and their samples."""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from pathlib import Path

from . import installs
from .running import ROOT
from .sample import Rules, SampleError, parse_sample

SNIPPETS = ROOT / "snippets"


@dataclass(frozen=True)
class Program:
    path: Path  # snippets/<guide>/<program>.py

    @property
    def root(self) -> Path:
        return self.path.parents[2]

    @property
    def module(self) -> str:
        return ".".join(self.path.relative_to(self.root).with_suffix("").parts)

    @property
    def sample_path(self) -> Path:
        return self.path.with_suffix(".out")

    @property
    def variant_paths(self) -> list[Path]:
        """Samples of this program for particular runs (a Python version, run as a file): ``<program>.<name>.out``."""
        return sorted(self.path.parent.glob(f"{self.path.stem}.*.out"))

    @property
    def name(self) -> str:
        """``guide/program``: the test id and what ``-k`` selects on."""
        return self.path.relative_to(self.root / "snippets").with_suffix("").as_posix()

    @property
    def relative(self) -> str:
        return self.path.relative_to(self.root).as_posix()


def discover(root: Path = SNIPPETS) -> list[Program]:
    """Every program: each ``.py`` file of a guide package except ``__init__.py``."""
    return [Program(path) for path in sorted(root.glob("*/*.py")) if path.name != "__init__.py"]


def start_methods() -> list[str]:
    """The start methods this platform offers, in a fixed order."""
    offered = multiprocessing.get_all_start_methods()
    return [method for method in ("fork", "spawn", "forkserver") if method in offered]


def rules_of(program: Program) -> Rules | None:
    """The rules of the program's main sample; None for a missing or broken one (its tests say what is wrong)."""
    try:
        return parse_sample(program.sample_path).rules
    except (OSError, SampleError):
        return None


def uses_no_start_method(program: Program) -> bool:
    """Whether the program's sample says `no-start-method`."""
    rules = rules_of(program)
    return rules is not None and rules.no_start_method is not None


def is_exclusive(program: Program) -> bool:
    """Whether no other program runs beside the program's runs (`exclusive`, `untimed` or not)."""
    rules = rules_of(program)
    return rules is not None and rules.exclusive


def is_untimed(program: Program) -> bool:
    """Whether the program's runs need only no other program beside them, the browser tests aside
    (`exclusive untimed`)."""
    rules = rules_of(program)
    return rules is not None and rules.untimed


def methods_for(program: Program, methods: list[str]) -> list[str]:
    """Of ``methods``, those the check runs ``program`` under.

    Every one, except for a program whose sample says `no-start-method`: no start method can change
    it, so it runs under the first alone, and each such run fails if it uses the default start method
    after all (harness/checks.py).
    """
    return methods[:1] if uses_no_start_method(program) else methods


def version_tuple(version: str) -> tuple[int, int]:
    """(3, 12) for '3.12'."""
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def interpreters_of(program: Program, interpreters: dict[str, str]) -> tuple[dict[str, str], str]:
    """Of ``interpreters`` ({'3.12': path}), those the check runs ``program`` on, and why it leaves out the others.

    The choice is tests/harness/installs.py's (interpreters_for): every one for a standard-library
    program; the oldest and the newest for an engine program or an exclusive benchmark; Ray's one.
    """
    present = [version_tuple(version) for version in interpreters]
    chosen, why = installs.interpreters_for(program.path, is_exclusive(program), present)
    return {version: python for version, python in interpreters.items() if version_tuple(version) in chosen}, why
