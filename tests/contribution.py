"""A program written as a contributor would add it, for the tests of the harness that run one."""

from __future__ import annotations

import textwrap
from pathlib import Path

from harness.programs import Program
from harness.sample import render_sample


def contribute(
    root: Path,
    source: str,
    rules: list[str] | None = None,
    output: list[str] | None = None,
    stderr: list[str] | None = None,
    guide: str = "broken",
) -> Program:
    """Write ``snippets/<guide>/program.py`` under ``root``, and its sample unless ``output`` is None."""
    package = root / "snippets" / guide
    package.mkdir(parents=True, exist_ok=True)
    for folder in (root / "snippets", package):
        (folder / "__init__.py").write_text("")
    (package / "program.py").write_text(textwrap.dedent(source).lstrip("\n"))
    if output is not None:
        (package / "program.out").write_text(render_sample([f"#| {rule}" for rule in rules or []], output, stderr))
    return Program(package / "program.py")


# A program that starts a child and exits without waiting for it: line 3 starts what it leaves running.
LEAVES_A_CHILD_RUNNING = """
import subprocess, sys
if __name__ == "__main__":
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print("main done", flush=True)
"""
