"""An MkDocs hook: every program of the site in one file, ``snippets.zip``, at the site's root.

The archive holds the ``snippets`` package as the checks run it: each guide's programs, the
``__init__.py`` files that make ``python -m snippets.<guide>.<program>`` work from the folder it
is unpacked in, and the ``recipes`` module some programs import. Samples, footers and timelines
are left out: they are the checks' records, not programs.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NAME = "snippets.zip"


def program_files(root: Path = ROOT) -> list[Path]:
    """The files the archive holds, in a stable order."""
    return sorted(path for path in (root / "snippets").rglob("*.py") if "__pycache__" not in path.parts)


def write(site_dir: Path, root: Path = ROOT) -> Path:
    target = site_dir / NAME
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in program_files(root):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())  # a fixed date: the same programs give the same file
    return target


def on_post_build(config: Any, **kwargs: Any) -> None:  # noqa: ARG001 (MkDocs' hook signature)
    write(Path(config["site_dir"]))
