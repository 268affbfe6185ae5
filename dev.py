"""Set up and run the project with nothing but ``python3``.

    python3 dev.py serve              the site on http://127.0.0.1:8000, reloading on changes
    python3 dev.py check              every check: programs on every CPython 3.11+ found, site, workflows
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

import atexit
import contextlib
import functools
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
sys.path.insert(0, str(ROOT / "tests"))
from harness import gate, installs  # noqa: E402  (standard library only)

VENV = ROOT / ".venv"
REQUIREMENTS = installs.TOOLCHAIN_REQUIREMENTS
ENGINES = installs.ENGINES
STAMP = VENV / "requirements.sha256"
TOOLCHAIN_MINIMUM = installs.TOOLCHAIN_MINIMUM
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


# pip compiles every file it installs, for the installing Python only: 117 MB of bytecode in .venv
# and 75 MB for Ray, most of it for modules no check imports (Ray's rllib, tune and data; numpy's
# tests). Instead the toolchain writes the bytecode of what it imports, once, at the first import,
# as on a reader's machine (dev.py's tools and the program runs do not inherit
# PYTHONDONTWRITEBYTECODE: tool_environment), and compile_for compiles .engines for the
# interpreters that run the engine programs, less what installs.NOT_COMPILED leaves out.
NO_COMPILE = ["--no-compile"]


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
    subprocess.run(
        [*pip, "install", "--quiet", "--require-virtualenv", *NO_COMPILE, "-r", str(REQUIREMENTS)], check=True
    )
    STAMP.write_text(wanted + "\n")
    return python


def given_pythons(extra: list[str]) -> list[str]:
    """The interpreters named by ``--python X`` or ``--python=X`` among pytest's arguments."""
    found = []
    for index, arg in enumerate(extra):
        if arg.startswith("--python="):
            found.append(arg.split("=", 1)[1])
        elif arg == "--python" and index + 1 < len(extra):
            found.append(extra[index + 1])
    return found


def matrix_pythons(extra: list[str]) -> dict[tuple[int, int], str]:
    """The interpreters the programs run on: those given with --python, else one per matrix version found."""
    given = given_pythons(extra)
    if not given:
        return cpythons(installs.MATRIX_MINIMUM)
    chosen = {}
    for python in given:
        info = probe(python)
        if info is None:
            sys.exit(f"dev.py: --python {python}: it does not run")
        chosen[(info[1], info[2])] = python
    return chosen


def quiet_run(what: str, command: list[str]) -> None:
    """Run a set-up step; if it fails, stop with its output and the step named."""
    done = subprocess.run(command, capture_output=True, text=True, env=tool_environment())
    if done.returncode != 0:
        sys.exit(f"dev.py: {what} failed (exit status {done.returncode}):\n{done.stdout}{done.stderr}")


def compile_for(python: str, folder: Path, left_out: str) -> None:
    """Compile ``folder`` for ``python`` once, but for the paths ``left_out`` matches (installs.NOT_COMPILED).

    A file written for newer Pythons does not compile, as its import would fail: compileall then
    exits 1 having printed nothing (-qq). Anything it prints is a failure of the step itself (a
    worker that could not start, say), which stops the check with what it printed.
    """
    version = probe(python)
    stamp = folder / f"compiled-{version[1]}.{version[2]}" if version else None
    if stamp is None or stamp.exists():
        return
    print(f"dev.py: compiling {folder.relative_to(ROOT)} for CPython {version[1]}.{version[2]}", flush=True)
    command = [python, "-m", "compileall", "-qq", "-j", "0", "-x", left_out, str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, env=tool_environment())
    if done.returncode not in (0, 1) or done.stdout.strip() or done.stderr.strip():
        sys.exit(f"dev.py: compiling {folder} for {python} failed:\n{done.stdout}{done.stderr}")
    stamp.touch()


def ensure_engines(venv_python: Path, interpreters: dict[tuple[int, int], str]) -> None:
    """What the programs import, for the interpreters that run them, as tests/harness/installs.py decides.

    ``.engines``: redis-py, Celery and Dask at requirements.txt's pins, one folder for every
    interpreter, compiled for those that run the engine programs.
    ``.engines/python3.X``: Ray, for the newest interpreter that Ray has a wheel for, and for no
    other. The harness puts them on the runs' PYTHONPATH (running.py).
    """
    pip = [str(venv_python), "-m", "pip", "--disable-pip-version-check", "install", "--quiet", "--no-deps", *NO_COMPILE]
    needed = installs.engines_run_here()
    if not needed:
        print("dev.py: no program that runs on this system imports an engine: none installed")
        return
    pins = installs.pinned(installs.ENGINE_PACKAGES, REQUIREMENTS)
    wanted = hashlib.sha256("\n".join(pins).encode()).hexdigest()
    stamp = ENGINES / "requirements.sha256"
    if not (stamp.exists() and stamp.read_text().strip() == wanted):
        print(f"dev.py: installing {len(pins)} packages (redis-py, Celery, Dask and theirs) into {ENGINES.name}")
        shutil.rmtree(ENGINES, ignore_errors=True)
        quiet_run(f"installing into {ENGINES.name}", [*pip, "--target", str(ENGINES), *pins])
        stamp.write_text(wanted + "\n")
    for version in installs.engine_interpreters(sorted(interpreters)):
        compile_for(interpreters[version], ENGINES, installs.NOT_COMPILED)
    if "Ray" not in needed:
        return
    ray = installs.ray_interpreter(sorted(interpreters))
    if ray is None:
        print(f"dev.py: Ray {installs.RAY_VERSION} has no wheel for the CPython here: its programs are skipped")
        return
    ray_pins = installs.pinned(installs.RAY_PACKAGES, installs.RAY_REQUIREMENTS)
    own = installs.ray_folder(ray)
    own_wanted = hashlib.sha256("\n".join(ray_pins).encode()).hexdigest()
    own_stamp = own / "requirements.sha256"
    if not (own_stamp.exists() and own_stamp.read_text().strip() == own_wanted):
        name = f"{ray[0]}.{ray[1]}"
        print(f"dev.py: installing ray=={installs.RAY_VERSION} for CPython {name} into {own}", flush=True)
        shutil.rmtree(own, ignore_errors=True)
        platform = ["--only-binary", ":all:", "--python-version", name, "--implementation", "cp"]
        quiet_run(f"installing Ray for CPython {name}", [*pip, *platform, "--target", str(own), *ray_pins])
        own_stamp.write_text(own_wanted + "\n")
    compile_for(interpreters[ray], own, installs.RAY_NOT_COMPILED)


BROWSER_TESTS = "tests/test_browser.py"
# The visits of every page (loads, weights, axe, block widths) take about half the browser tests'
# time: the tests that read them get a pytest process of their own, so that both cores work on the
# browser tests once the others end.
BROWSER_VISITS = [
    f"{BROWSER_TESTS}::test_every_page_loads_cleanly_offline_and_light",
    f"{BROWSER_TESTS}::test_axe_finds_no_violation_the_site_causes",
    f"{BROWSER_TESTS}::test_no_block_scrolls_sideways_or_hides_text_under_its_copy_button_at_1280_px",
]


def names_tests(extra: list[str]) -> bool:
    """Whether pytest's arguments name test files or tests (``tests/test_programs.py``, ``path::test``)."""
    return any(not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists() for arg in extra)


# Chromium's SingletonSocket, and the socket of any forkserver a tool starts (compileall -j 0 did),
# are AF_UNIX sockets in the temporary folder, whose paths hold at most 107 bytes on Linux (103 on
# macOS): under an 80-character TMPDIR, Chromium aborted ("Socket path too long"). The tools dev.py
# starts get a short temporary folder when the one given is longer than this.
LONGEST_TEMPORARY_FOLDER = 40


@functools.cache
def short_temporary_folder() -> str | None:
    """A temporary folder under /tmp for the tools, removed at exit, if TMPDIR is too long; else None."""
    if os.name != "posix" or len(tempfile.gettempdir()) <= LONGEST_TEMPORARY_FOLDER:
        return None
    folder = tempfile.mkdtemp(prefix="dev-py-", dir="/tmp")
    atexit.register(shutil.rmtree, folder, True)
    return folder


def tool_environment() -> dict[str, str]:
    """The environment of the tools dev.py starts: the project on PYTHONPATH, bytecode written, a short TMPDIR."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see NO_COMPILE
    short = short_temporary_folder()
    if short:
        env.update(TMPDIR=short, TEMP=short, TMP=short)
    return env


def start(
    command: list[str], report: IO[bytes] | None = None, nice: int = 0, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a tool of the venv in the project root; its output goes to ``report`` if given.

    ``nice`` lowers its priority (POSIX), and that of every process it starts.
    """
    env = {**tool_environment(), **(extra_env or {})}
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


def check(python: Path, extra: list[str], found: dict[tuple[int, int], str]) -> int:
    """Every check, or those pytest's arguments in ``extra`` select; the programs run on ``found``."""
    interpreters: list[str] = []
    if not given_pythons(extra):
        interpreters = [f"--python={path}" for path in reversed(found.values())]
    versions = ", ".join(".".join(map(str, version)) for version in sorted(found))
    print(f"dev.py: running the programs with CPython {versions}", flush=True)
    started = time.monotonic()
    machine_before = machine_cpu()
    pytest = [str(python), "-m", "pytest", *interpreters, *extra]
    if names_tests(extra):  # the tests asked for, in one process
        status, cpu = finish(start(pytest))
    else:
        # The browser tests in two more pytest processes, the page visits in one and the rest in the
        # other: each runs its tests one after another, and together they keep both cores busy. They
        # collect their tests beside the first runs (no Chromium yet), then wait at a gate, a folder,
        # until the test process has made every program run but the `exclusive
        # untimed` ones (tests/harness/gate.py): no other run shares the cores with Chromium. At a
        # lower priority, as those runs and the test process's own tests may still go on (a check
        # that reuses every run opens the gate at once): a nice of 10, which Chromium inherits. Where
        # Linux's autogroups are in effect (sched(7)), a nice counts only within a session: these
        # processes share dev.py's, and test_browser gives Chromium's own session the nice
        # (browsers.give_chromium_this_priority).
        # Visiting the pages in two processes (three browser processes in all) was measured no
        # faster (368.3 s against 368.2): the browser tests use both cores as they are. Their reports
        # are printed after the test process's; a cache of their own keeps the processes from racing.
        groups = {
            "visits": BROWSER_VISITS,
            "others": [BROWSER_TESTS, *(f"--deselect={visit}" for visit in BROWSER_VISITS)],
        }
        with contextlib.ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="browser-gate-")))
            # The first of the three processes that needs the site builds it there for all (conftest.SiteBuild).
            shared_site = {gate.SHARED_SITE: stack.enter_context(tempfile.TemporaryDirectory(prefix="site-"))}
            reports = {name: stack.enter_context(tempfile.TemporaryFile()) for name in groups}
            browsers = {
                name: start(
                    [*pytest, "-o", f"cache_dir=.pytest_cache/browser-{name}", *tests],
                    reports[name],
                    nice=10,
                    extra_env={
                        gate.WAIT_AT_GATE: str(gate.marker(folder, name)),
                        gate.DEV_PY: str(os.getpid()),
                        **shared_site,
                    },
                )
                for name, tests in groups.items()
            }
            after = {
                gate.BROWSER_PROCESSES: ",".join(f"{name}={browser.pid}" for name, browser in browsers.items()),
                gate.OPENS_GATE: str(folder),
                **shared_site,
            }
            status, cpu = finish(start([*pytest, f"--ignore={BROWSER_TESTS}"], extra_env=after))
            gate.open_gate(folder)  # if that process ended before it opened the gate
            browser_statuses, browser_cpu = [], 0.0
            for name, browser in browsers.items():
                browser_status, used = finish(browser)
                browser_statuses.append(browser_status)
                browser_cpu += used
                reports[name].seek(0)
                print(f"\ndev.py: {BROWSER_TESTS} ({name}), run after the program runs:", flush=True)
                sys.stdout.buffer.write(reports[name].read())
                sys.stdout.flush()
        cpu += browser_cpu
        status = combined(status, *browser_statuses)
    wall = time.monotonic() - started
    cores = os.cpu_count() or 1
    print(f"dev.py: check {'passed' if status == 0 else 'FAILED'} in {wall:.1f} s", flush=True)
    machine_after = machine_cpu()
    busy = share = 0.0
    if machine_before and machine_after:
        busy = machine_after[0] - machine_before[0]
        idle = machine_after[1] - machine_before[1]
        share = 100 * busy / max(busy + idle, 1e-9)
    if cpu:
        # The processes it waited for miss Chromium's, which nobody waits for; on Linux the machine's
        # CPU counts them (and anything else running meanwhile, so measure on an idle machine).
        bound = max(cpu, busy) / cores
        print(
            f"dev.py: lower bound = max(CPU of the check and every process it waited for {cpu:.1f} s, CPU the "
            f"machine spent meanwhile {busy:.1f} s) / {cores} cores = {bound:.1f} s; wall / lower bound = "
            f"{wall / bound:.2f} (target: 1.3 or less)",
            flush=True,
        )
    if busy:
        print(f"dev.py: meanwhile the machine's {cores} cores were busy {share:.0f}% of the time", flush=True)
    return status


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "check", "update", "build", "repeat", "mutants", "badges"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, extra = argv[0], argv[1:]
    python = ensure_venv()
    found: dict[tuple[int, int], str] = {}
    if command in ("check", "update", "repeat", "mutants"):  # the commands that run programs
        found = matrix_pythons(extra)
        ensure_engines(python, found)
    if command in ("serve", "build"):
        run([str(python), "-m", "harness.badges", "footers"])  # a new program's line under its output
    if command == "serve":
        serve = [str(python), "-m", "mkdocs", "serve", "--dev-addr", "127.0.0.1:8000", *extra]
        if os.name == "posix":  # mkdocs takes this process's place: stopping dev.py's PID stops the server
            os.chdir(ROOT)
            os.execve(serve[0], serve, tool_environment())
        return run(serve)
    if command == "build":
        return run([str(python), "-m", "mkdocs", "build", "--strict", "--site-dir", "site", *extra])
    if command in ("repeat", "mutants", "badges"):
        return run([str(python), "-m", f"harness.{command}", *extra])
    if command == "update":  # recorded with the first interpreter that runs a program, checked with every one
        interpreters = [] if given_pythons(extra) else [f"--python={path}" for path in reversed(found.values())]
        return run([str(python), "-m", "pytest", "tests/test_programs.py", "--update-samples", *interpreters, *extra])
    return check(python, extra, found)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
