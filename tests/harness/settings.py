"""What the harness takes the machine to be, which a test may pretend otherwise in its own thread.

tests/test_platforms.py takes the Windows or macOS path on Linux with ``faked``, while the
check's own runs go on in other threads and see the real values.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

POSIX = os.name == "posix"  # read through setting(), so that a test can take the Windows path on Linux
PLATFORM = sys.platform  # likewise, for the Linux-only details (tests/test_platforms.py)
CGROUPS = True  # whether runs go in cgroups where the machine allows it (a test turns it off: GitHub's runners, macOS)
SCRATCH_BASE: str | None = None  # where scratch folders go; None: the temporary folder (the checks set it)
SCRATCH_FALLBACK = True  # whether a scratch folder goes under /tmp when SCRATCH_BASE is too long for sockets

_FAKED = threading.local()  # what a test pretends, in its own thread only (see faked)
FAKEABLE = ("POSIX", "PLATFORM", "SCRATCH_BASE", "SCRATCH_FALLBACK", "CGROUPS")


def setting(name: str) -> Any:
    """One of FAKEABLE as this thread sees it: what a test pretends, or the module's value."""
    return getattr(_FAKED, name, globals()[name])


@contextlib.contextmanager
def faked(**settings: object) -> Iterator[None]:
    """Pretend, in this thread only, that settings of FAKEABLE have these values (tests/test_platforms.py).

    The check's own program runs go on meanwhile in other threads, and must
    not see a faked platform or folder, as they would if a test changed the
    module's values.
    """
    unknown = settings.keys() - set(FAKEABLE)
    if unknown:
        raise ValueError(f"cannot fake {sorted(unknown)}: only {FAKEABLE}")
    before = dict(vars(_FAKED))
    vars(_FAKED).update(settings)
    try:
        yield
    finally:
        vars(_FAKED).clear()
        vars(_FAKED).update(before)
