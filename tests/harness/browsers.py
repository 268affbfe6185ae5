"""Where a Chrome or Chromium is on each system the checks run on: test tools cannot download browsers here."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping

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
