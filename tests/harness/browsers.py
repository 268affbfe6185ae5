"""Where a Chrome or Chromium is on each system the checks run on (test tools cannot download browsers here), and
the priority it runs at."""

from __future__ import annotations

import errno
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import psutil

# Commands on PATH; the first found runs the browser tests. chromium-headless-shell first: Chromium's
# old headless mode, now a program of its own (what Playwright runs for headless Chromium when it
# downloads the browser). Built from the same source as chromium, with the same Blink and V8, but
# without Chrome's browser layer (//chrome), so it behaves differently in places: it fetches no
# favicon, for one, and the page weights leave the favicon out (test_browser.transferred). On this
# project's machine (2 cores), `dev.py check tests/test_browser.py --fresh`, run once with each, back
# to back: the machine spent 233 CPU-seconds with Debian's chromium-headless-shell 156 and 326 with
# Debian's chromium 156; all 42 tests passed with both. .ci/run installs the shell on Debian; on
# GitHub's Ubuntu image, `chromium` (a Chromium snapshot beside google-chrome) is the one found.
COMMANDS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Where the installers put it on GitHub's macOS and Windows images (and on most desktops).
MACOS_APPS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
WINDOWS_FOLDERS = ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")  # each + Google/Chrome/Application


def find_chrome(
    platform: str = sys.platform,
    environ: Mapping[str, str] = os.environ,
    which: Callable[[str], str | None] = shutil.which,
    is_file: Callable[[str], bool] = os.path.isfile,
) -> str | None:
    """$CHROMIUM if set, else the first Chrome or Chromium found for ``platform``; None if there is none."""
    if environ.get("CHROMIUM"):
        return environ["CHROMIUM"]
    for command in COMMANDS:
        found = which(command)
        if found:
            return found
    if platform == "darwin":
        candidates = list(MACOS_APPS)
    elif platform == "win32":
        candidates = [
            "\\".join([environ[folder], "Google", "Chrome", "Application", "chrome.exe"])
            for folder in WINDOWS_FOLDERS
            if environ.get(folder)
        ]
    else:
        candidates = []
    return next((candidate for candidate in candidates if is_file(candidate)), None)


def give_chromium_this_priority() -> list[str]:
    """Give the Chromium this process started this process's nice, where its session would lose it; what was set.

    dev.py starts the browser tests at a lower priority, and Chromium inherits the nice. But
    Playwright starts Chromium in a session of its own (a detached child, on POSIX), and where
    Linux's autogroups are in effect (kernel.sched_autogroup_enabled, in the root CPU cgroup, as on
    this project's machine) the scheduler shares the CPU between sessions first: a nice counts only
    within a session, and Chromium would compete as an equal of every program run, each in a
    session of its own. A session's autogroup has a nice of its own, which counts between them
    (sched(7), "The autogroup feature"): this sets it. Elsewhere the inherited nice is what counts;
    Windows has neither.
    """
    if not hasattr(os, "getpriority"):
        return []
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    sessions: dict[int, int] = {}  # session -> one of its processes
    for session, pid in started_in_other_sessions():
        sessions.setdefault(session, pid)
    done = []
    for pid in sessions.values():
        autogroup = Path(f"/proc/{pid}/autogroup")
        if not autogroup.exists():  # no autogroups (not Linux, or a kernel built without them), or it ended
            continue
        try:
            set_nice(autogroup, nice)
            done.append(f"{autogroup}: {autogroup.read_text().strip()}")
        except (FileNotFoundError, ProcessLookupError):  # it ended meanwhile
            continue
        except OSError as error:
            raise RuntimeError(
                f"{autogroup}: cannot give Chromium's session the nice {nice} ({error}): it would compete with the "
                "program runs as their equal. Run the check where the user may write to /proc/PID/autogroup."
            ) from error
    return done


def started_in_other_sessions() -> list[tuple[int, int]]:
    """(session, process ID) of each process this one started, directly or not, that is in another session:
    Chromium's, as Playwright starts it. Parents come before their children (psutil)."""
    own_session = os.getsid(0)
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            session = os.getsid(child.pid)
        except OSError:  # ended meanwhile
            continue
        if session != own_session:
            found.append((session, child.pid))
    return found


def set_nice(autogroup: Path, nice: int) -> None:
    """Write ``nice`` to an autogroup file, again while the kernel answers EAGAIN."""
    for _ in range(50):
        try:
            autogroup.write_text(str(nice))
            return
        except OSError as error:
            # Without CAP_SYS_ADMIN, one change per 0.1 s on the whole machine (kernel/sched/autogroup.c).
            if error.errno != errno.EAGAIN:
                raise
            time.sleep(0.05)
    raise OSError(errno.EAGAIN, f"the kernel refused the nice {nice} for 2.5 s")
