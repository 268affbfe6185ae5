"""Set up and run the project with nothing but ``python3``.

    python3 dev.py serve              the site on http://127.0.0.1:8000, reloading on changes
    python3 dev.py check              every check: programs on every CPython 3.10+ found, site, workflows
    python3 dev.py update [-k NAME]   record new or failing samples from real runs
    python3 dev.py build              the site into site/
    python3 dev.py repeat [-n 30] [--load]   every program many times: pass rates, to hunt flakes
    python3 dev.py mutants            which one-line changes of each sample its rules accept
    python3 dev.py badges merge F...  merge verified.json files from other machines (CI) into the badges

Each command first makes sure ``.venv`` holds the toolchain pinned in
requirements.txt (it needs Python 3.11+), creating or refreshing it when the
file changed. Extra arguments after ``check`` and ``update`` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / "requirements.sha256"
TOOLCHAIN_MINIMUM = (3, 11)
PROGRAMS_MINIMUM = (3, 10)
NO_TESTS_SELECTED = 5  # pytest's exit status when -k or -m leaves nothing to run
VERSION_PROBE = "import sys, platform; print(platform.python_implementation(), *sys.version_info[:2])"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def probe(python: str) -> tuple[str, int, int] | None:
    """(implementation, major, minor) of an interpreter, or None if it does not run."""
    try:
        found = subprocess.run([python, "-c", VERSION_PROBE], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    words = found.stdout.split()
    if found.returncode != 0 or len(words) != 3:
        return None
    return words[0], int(words[1]), int(words[2])


def launcher_pythons(listing: str) -> list[str]:
    """The interpreters in the output of Windows' ``py -0p``: one per line, the path last.

    ``-V:3.12 *        C:\\Python312\\python.exe`` (or ``-3.12-64 ...`` from older launchers).
    """
    found = []
    for line in listing.splitlines():
        parts = re.split(r"\s{2,}", line.strip())
        if len(parts) >= 2 and parts[-1].lower().endswith(".exe"):
            found.append(parts[-1])
    return found


def candidate_pythons() -> list[str]:
    """Interpreters on this machine: this one, ``python3.X`` on PATH, pyenv's, and on Windows the ``py`` launcher's."""
    found = [sys.executable]
    launcher = shutil.which("py") if os.name == "nt" else None
    if launcher:
        listed = subprocess.run([launcher, "-0p"], capture_output=True, text=True, timeout=30)
        found += launcher_pythons(listed.stdout)
    for minor in range(30, 9, -1):
        path = shutil.which(f"python3.{minor}")
        if path:
            found.append(path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found += [str(path) for path in sorted((pyenv_root / "versions").glob("*/bin/python3"))]
    return found


def cpythons(minimum: tuple[int, int]) -> dict[tuple[int, int], str]:
    """One CPython per version at or above ``minimum``, newest first."""
    chosen: dict[tuple[int, int], str] = {}
    for python in candidate_pythons():
        info = probe(python)
        if info and info[0] == "CPython" and info[1:] >= minimum:
            chosen.setdefault((info[1], info[2]), python)
    return dict(sorted(chosen.items(), reverse=True))


def toolchain_python() -> str:
    if sys.version_info >= TOOLCHAIN_MINIMUM:
        return sys.executable
    found = cpythons(TOOLCHAIN_MINIMUM)
    if not found:
        sys.exit(
            f"dev.py: the toolchain needs CPython {'.'.join(map(str, TOOLCHAIN_MINIMUM))} or newer, and none was "
            "found on PATH or in pyenv. Install one (for example `pyenv install 3.12`) and run this again."
        )
    return next(iter(found.values()))


def ensure_venv() -> Path:
    """``.venv`` with exactly the pinned toolchain; reinstalled when requirements.txt changes."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    python = venv_python()
    if python.exists() and probe(str(python)) and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    if not python.exists() or not probe(str(python)):
        print(f"dev.py: creating {VENV.name} for the toolchain", flush=True)
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([toolchain_python(), "-m", "venv", str(VENV)], check=True)
    print(f"dev.py: installing {REQUIREMENTS.name} into {VENV.name}", flush=True)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--require-virtualenv", "-r", str(REQUIREMENTS)], check=True)
    STAMP.write_text(wanted + "\n")
    return python


ENGINES = ROOT / ".engines"
# What the programs import besides the standard library: redis-py, Celery, Dask, and everything
# they import on CPython 3.10 to 3.14 (exceptiongroup, typing_extensions, importlib_metadata for
# the older ones). One folder serves every interpreter of the matrix: all of it is pure Python,
# or compiled for every CPython 3 (psutil, tornado: abi3), or compiled for the toolchain's CPython
# only with a pure-Python fallback that the others use (msgpack, PyYAML, MarkupSafe).
ENGINE_PACKAGES = (
    "redis", "async-timeout",
    "celery", "kombu", "billiard", "vine", "amqp", "click", "click-didyoumean", "click-repl", "click-plugins",
    "prompt-toolkit", "wcwidth", "python-dateutil", "six", "tzlocal", "exceptiongroup", "typing-extensions",
    "packaging",  # kombu's Redis transport checks the version of redis-py
    "dask", "distributed", "cloudpickle", "fsspec", "importlib-metadata", "lazy-importer", "zipp", "locket",
    "msgpack", "partd", "sortedcontainers", "tblib", "toolz", "tornado", "zict", "pyyaml", "psutil", "jinja2",
    "markupsafe",
)  # fmt: skip


# Ray's wheels hold a binary for one CPython version each, so Ray, and the packages of its closure
# that .engines lacks or has only compiled for the toolchain's version, go into .engines/python3.X
# for each interpreter of the matrix; the harness adds that folder to the runs of that version
# (tests/harness/running.py, program_environment).
RAY_PACKAGES = (
    "ray", "attrs", "filelock", "jsonschema", "jsonschema-specifications", "protobuf", "referencing", "rpds-py",
    "requests", "certifi", "charset-normalizer", "idna", "urllib3",
)  # fmt: skip


def package_key(name: str) -> str:
    """A distribution name as pip compares them (PEP 503): prompt_toolkit is prompt-toolkit."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(packages: tuple[str, ...]) -> list[str]:
    """requirements.txt's lines that pin ``packages``, in the order of ``packages``; exit if one is missing."""
    pins = [
        line.strip()
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if package_key(line.split("==")[0].strip()) in packages
    ]
    if len(pins) != len(packages):
        raise SystemExit(f"dev.py: {REQUIREMENTS.name} must pin each of {', '.join(packages)}")
    return sorted(pins, key=lambda pin: packages.index(package_key(pin.split("==")[0])))


def ensure_engines(venv_python: Path) -> None:
    """``.engines``: the libraries some programs import (redis-py, Celery, Dask, Ray), at requirements.txt's pins.

    The programs run on every CPython of the matrix, not on the toolchain's venv, so these packages go
    into a folder of their own (see ENGINE_PACKAGES for why one folder serves every version), which the
    harness puts on each run's PYTHONPATH (tests/harness/running.py, which names the folder too); Ray,
    compiled for each version, goes into .engines/python3.X for each interpreter (RAY_PACKAGES).
    """
    pins = pinned(ENGINE_PACKAGES)
    wanted = hashlib.sha256("\n".join(pins).encode()).hexdigest()
    stamp = ENGINES / "requirements.sha256"
    if not (stamp.exists() and stamp.read_text().strip() == wanted):
        print(f"dev.py: installing {', '.join(pins)} into {ENGINES.name}", flush=True)
        shutil.rmtree(ENGINES, ignore_errors=True)
        pip = [str(venv_python), "-m", "pip", "--disable-pip-version-check"]
        subprocess.run([*pip, "install", "--quiet", "--no-deps", "--target", str(ENGINES), *pins], check=True)
        stamp.write_text(wanted + "\n")
    # pip compiled the files for the toolchain's Python only. Where PYTHONDONTWRITEBYTECODE is set (this
    # project's CI machine), every run of another version compiled Dask and Celery again: a 3.10 run of
    # a Dask program took 59 s against 15 s. So each interpreter of the matrix compiles them once here.
    ray_pins = pinned(RAY_PACKAGES)
    own_wanted = hashlib.sha256("\n".join(ray_pins).encode()).hexdigest()
    for version, python in cpythons(PROGRAMS_MINIMUM).items():
        name = f"{version[0]}.{version[1]}"
        own = ENGINES / f"python{name}"
        own_stamp = own / "requirements.sha256"
        if not (own_stamp.exists() and own_stamp.read_text().strip() == own_wanted):
            print(f"dev.py: installing ray=={ray_pins[0].split('==')[1]} for CPython {name} into {own}", flush=True)
            shutil.rmtree(own, ignore_errors=True)
            subprocess.run(
                [
                    str(venv_python), "-m", "pip", "--disable-pip-version-check", "install", "--quiet", "--no-deps",
                    "--only-binary", ":all:", "--python-version", name, "--implementation", "cp",
                    "--target", str(own), *ray_pins,
                ],
                check=True,
            )  # fmt: skip
            own_stamp.write_text(own_wanted + "\n")
            (ENGINES / f"compiled-{name}").unlink(missing_ok=True)
        compiled = ENGINES / f"compiled-{name}"
        if not compiled.exists():
            print(f"dev.py: compiling {ENGINES.name} for CPython {name}", flush=True)
            # -qq: a file written for newer Pythons fails here, as its import would; the others compile.
            # -x: each python3.X folder is compiled by its own interpreter only.
            exclude = ["-x", r"[/\\]python3\.\d+[/\\]"]
            subprocess.run([python, "-m", "compileall", "-qq", "-j", "0", *exclude, str(ENGINES)], check=False)
            subprocess.run([python, "-m", "compileall", "-qq", "-j", "0", str(own)], check=False)
            compiled.touch()


BROWSER_TESTS = "tests/test_browser.py"
# The visits of every page (loads, weights, axe) take about half the browser tests' time: they get
# a pytest process of their own, so that both cores work on the browser tests once the others end.
BROWSER_VISITS = [
    f"{BROWSER_TESTS}::test_every_page_loads_cleanly_offline_and_light",
    f"{BROWSER_TESTS}::test_axe_finds_no_violation_the_site_causes",
]


def names_tests(extra: list[str]) -> bool:
    """Whether pytest's arguments name test files or tests (``tests/test_programs.py``, ``path::test``)."""
    return any(not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists() for arg in extra)


def start(command: list[str], report: IO[bytes] | None = None, nice: int = 0) -> subprocess.Popen[bytes]:
    """Start a tool of the venv in the project root; its output goes to ``report`` if given.

    ``nice`` lowers its priority (POSIX), and that of every process it starts.
    """
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    stderr = subprocess.STDOUT if report else None
    lower = (lambda: os.nice(nice)) if nice and os.name == "posix" else None
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=report, stderr=stderr, preexec_fn=lower)


def run(command: list[str]) -> int:
    return start(command).wait()


def finish(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    """Wait for ``process``; its exit status, and the CPU seconds it and every process it waited for used."""
    if os.name != "posix":
        return process.wait(), 0.0
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime


def machine_cpu() -> tuple[float, float] | None:
    """Seconds since boot the machine's CPUs spent busy and idle, summed over cores (Linux's /proc/stat)."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / ticks, idle / ticks


def combined(*statuses: int) -> int:
    """One exit status for several pytest processes: the first failure; "no tests" only if none ran any."""
    ran = [status for status in statuses if status != NO_TESTS_SELECTED]
    return next((status for status in ran if status), 0) if ran else NO_TESTS_SELECTED


def check(python: Path, extra: list[str]) -> int:
    if any(arg.startswith("--python") for arg in extra):
        interpreters: list[str] = []
    else:
        found = cpythons(PROGRAMS_MINIMUM)
        interpreters = [f"--python={path}" for path in reversed(found.values())]
        versions = ", ".join(".".join(map(str, version)) for version in reversed(found))
        print(f"dev.py: running the programs with CPython {versions}", flush=True)
    started = time.monotonic()
    machine_before = machine_cpu()
    pytest = [str(python), "-m", "pytest", *interpreters, *extra]
    if names_tests(extra):  # the tests asked for, in one process
        status, cpu = finish(start(pytest))
    else:
        # The browser tests in two more pytest processes beside the others: each process runs
        # its tests one after another, and together they keep both cores busy. Their reports
        # are printed after the others'; a cache of their own keeps the processes from racing.
        # At a lower priority: the program runs beside them include lessons about timing
        # (a consumer that gives up after a 0.2 s wait), which Chromium must not starve.
        groups = {
            "visits": BROWSER_VISITS,
            "others": [BROWSER_TESTS, *(f"--deselect={visit}" for visit in BROWSER_VISITS)],
        }
        with tempfile.TemporaryFile() as visits_report, tempfile.TemporaryFile() as others_report:
            reports = {"visits": visits_report, "others": others_report}
            browsers = {
                name: start([*pytest, "-o", f"cache_dir=.pytest_cache/browser-{name}", *tests], reports[name], nice=10)
                for name, tests in groups.items()
            }
            status, cpu = finish(start([*pytest, f"--ignore={BROWSER_TESTS}"]))
            browser_statuses, browser_cpu = [], 0.0
            for name, browser in browsers.items():
                browser_status, used = finish(browser)
                browser_statuses.append(browser_status)
                browser_cpu += used
                reports[name].seek(0)
                print(f"\ndev.py: {BROWSER_TESTS} ({name}), run beside the other tests:", flush=True)
                sys.stdout.buffer.write(reports[name].read())
                sys.stdout.flush()
        cpu += browser_cpu
        status = combined(status, *browser_statuses)
    wall = time.monotonic() - started
    cores = os.cpu_count() or 1
    print(f"dev.py: check {'passed' if status == 0 else 'FAILED'} in {wall:.1f} s", flush=True)
    if cpu:
        print(
            f"dev.py: lower bound = CPU of the check and every process it waited for {cpu:.1f} s / {cores} cores = "
            f"{cpu / cores:.1f} s; wall / lower bound = {wall / (cpu / cores):.2f} (target: 1.3 or less)",
            flush=True,
        )
    machine_after = machine_cpu()
    if machine_before and machine_after:
        busy = machine_after[0] - machine_before[0]
        idle = machine_after[1] - machine_before[1]
        share = 100 * busy / max(busy + idle, 1e-9)
        print(
            f"dev.py: meanwhile the machine's {cores} cores were busy {share:.0f}% of the time ({busy:.1f} s of "
            "CPU, every process counted: the check's, those no one waited for, and any other)",
            flush=True,
        )
    return status


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "check", "update", "build", "repeat", "mutants", "badges"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, extra = argv[0], argv[1:]
    python = ensure_venv()
    if command in ("check", "update", "repeat", "mutants"):  # the commands that run programs
        ensure_engines(python)
    if command in ("serve", "build"):
        run([str(python), "-m", "harness.badges", "footers"])  # a new program's line under its output
    if command == "serve":
        return run([str(python), "-m", "mkdocs", "serve", "--dev-addr", "127.0.0.1:8000", *extra])
    if command == "build":
        return run([str(python), "-m", "mkdocs", "build", "--strict", "--site-dir", "site", *extra])
    if command in ("repeat", "mutants", "badges"):
        return run([str(python), "-m", f"harness.{command}", *extra])
    if command == "update":
        return run([str(python), "-m", "pytest", "tests/test_programs.py", "--update-samples", *extra])
    return check(python, extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
