"""What the check installs, where, for which interpreter, and which runs each program gets: the one place.

dev.py (set-up) and the harness (which runs to make) both read this module, which needs nothing
but the standard library. What goes where, for which interpreter, and why:

- The toolchain, requirements.txt: into .venv, for the Python running dev.py (3.11+). pytest,
  mkdocs, the browser tests, ruff, mypy; no Ray (mypy reads Ray's imports as Any: pyproject.toml).
- The programs' interpreters: .interpreters/python3.X-<hash>, a virtual environment without pip
  of each CPython of the matrix found (or given with --python). A run there sees the standard
  library and .engines only, as on a fresh machine.
- redis-py, Celery, Dask and theirs (ENGINE_PACKAGES, at requirements.txt's pins): into .engines,
  compiled for each interpreter that runs an engine program. Pure Python or abi3: one folder
  serves every version.
- Ray (RAY_PACKAGES, requirements-ray.txt): into .engines/python3.X for one interpreter, the
  newest present that Ray publishes a wheel for (RAY_WHEELS). A wheel per CPython version, about
  270 MB each.

Which runs a program gets (`interpreters_for`):

- A standard-library program: every interpreter of the matrix present, every start method. Its
  lesson is about CPython, which changes between minor versions.
- An engine program (it imports redis, celery, dask, distributed or ray) and an `exclusive`
  benchmark: the oldest and the newest interpreter present. Their lessons are about the engine, or
  about orders of magnitude, not about CPython's minor version.
- A Ray program: the newest interpreter present that Ray publishes a wheel for, and none where
  there is no such interpreter (CPython 3.15: Ray 2.60.0 has no wheel for it).
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# CPython 3.11 to 3.15: 3.10 reached its end of life in October 2026, 3.15.0 was released on 2026-10-09.
MATRIX = ((3, 11), (3, 12), (3, 13), (3, 14), (3, 15))
MATRIX_MINIMUM = MATRIX[0]
TOOLCHAIN_MINIMUM = (3, 11)  # mkdocs-material 9.8 and the rest of requirements.txt

TOOLCHAIN_REQUIREMENTS = ROOT / "requirements.txt"  # into .venv
RAY_REQUIREMENTS = ROOT / "requirements-ray.txt"  # into .engines/python3.X, never into .venv

ENGINES = ROOT / ".engines"
# What the programs import besides the standard library: redis-py, Celery, Dask, and everything
# they import on CPython 3.11 to 3.15. One folder serves every interpreter: all of it is pure
# Python, or compiled for every CPython 3 (psutil, tornado: abi3), or compiled for the
# toolchain's CPython only with a pure-Python fallback that the others use (msgpack, PyYAML,
# MarkupSafe). Pinned in requirements.txt, whose .venv has them too: mypy checks the programs
# against them.
ENGINE_PACKAGES = (
    "redis", "async-timeout",
    "celery", "kombu", "billiard", "vine", "amqp", "click", "click-didyoumean", "click-repl", "click-plugins",
    "prompt-toolkit", "wcwidth", "python-dateutil", "six", "tzlocal", "typing-extensions",
    "packaging",  # kombu's Redis transport checks the version of redis-py
    "dask", "distributed", "cloudpickle", "fsspec", "importlib-metadata", "lazy-importer", "zipp", "locket",
    "msgpack", "partd", "sortedcontainers", "tblib", "toolz", "tornado", "zict", "pyyaml", "psutil", "jinja2",
    "markupsafe",
)  # fmt: skip

# Ray's wheels hold a binary for one CPython version each: Ray, and the part of its closure that
# .engines lacks, go into .engines/python3.X for the one interpreter that runs the Ray programs.
# Pinned in requirements-ray.txt (the packages the toolchain has too, requests and its four,
# at the same versions as in requirements.txt: tests/test_installs.py checks it).
RAY_PACKAGES = (
    "ray", "attrs", "filelock", "jsonschema", "jsonschema-specifications", "protobuf", "referencing", "rpds-py",
    "requests", "certifi", "charset-normalizer", "idna", "urllib3",
)  # fmt: skip
# The CPython versions ray==2.60.0 publishes wheels for (cp310 to cp314 on manylinux2014_x86_64,
# macosx_14_0_arm64 and win_amd64; none for cp315): `pip install --dry-run --only-binary :all:
# --python-version 3.X ray==2.60.0` (shared/reviews/ci-crossplatform-2026-12-06.md, section 3.2).
RAY_WHEELS = ((3, 10), (3, 11), (3, 12), (3, 13), (3, 14))

# What dev.py compiles to bytecode once per interpreter that runs the engine programs (pip installs
# without it: NO_COMPILE in dev.py). Left out: test suites, the Ray folders of other versions, and
# Ray's libraries that no program imports (RLlib, Tune, Train, Data, Serve, LLM: 48 MB of bytecode).
# Compiling here keeps the first runs of a check from compiling Dask and Celery in every process
# they start at once.
# compileall matches these against whole paths: each starts at .engines.
NOT_COMPILED = r"\.engines[/\\](.+[/\\])?tests?[/\\]|\.engines[/\\]python3\.\d+[/\\]"
RAY_NOT_COMPILED = r"\.engines[/\\]python3\.\d+[/\\](.+[/\\])?(tests?|ray[/\\](rllib|tune|train|data|serve|llm))[/\\]"

# The top-level modules each engine's programs import.
ENGINE_MODULES = {"redis": "redis-py", "celery": "Celery", "dask": "Dask", "distributed": "Dask", "ray": "Ray"}

Version = tuple[int, int]


def ray_folder(version: Version) -> Path:
    return ENGINES / f"python{version[0]}.{version[1]}"


def package_key(name: str) -> str:
    """A distribution name as pip compares them (PEP 503): prompt_toolkit is prompt-toolkit."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """The ``name==version`` lines of a requirements file, by package key."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            found[package_key(line.split("==")[0])] = line
    return found


def pinned(packages: tuple[str, ...], *files: Path) -> list[str]:
    """The pins of ``packages`` in ``files`` (the first file that pins one wins), in the order of ``packages``."""
    known: dict[str, str] = {}
    for path in reversed(files):
        known.update(pins(path))
    missing = [name for name in packages if name not in known]
    if missing:
        raise SystemExit(f"{', '.join(path.name for path in files)} must pin each of {', '.join(missing)}")
    return [known[name] for name in packages]


# What a reader installs for each module a program imports from outside the standard library
# (None: it comes with another one listed here, as kombu with Celery). A module missing here
# fails tests/test_installs.py, so that no program's footer leaves a package out.
READER_PACKAGES = {
    "redis": "redis", "celery": "celery", "kombu": None, "dask": "dask[distributed]", "distributed": "distributed",
    "ray": "ray", "psutil": "psutil",
}  # fmt: skip
SERVER_PACKAGES = {"redis-server": "redis"}  # the client a program needs for a server it `needs` (Celery's broker)


def imported_modules(path: Path) -> frozenset[str]:
    """The top-level modules a program imports, anywhere in it (a function's own imports too)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return frozenset()  # its own tests say what is wrong with it
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.append(node.module)
    return frozenset(module.split(".")[0] for module in modules)


def reader_installs(path: Path, servers: tuple[str, ...] = ()) -> list[str]:
    """What a reader pip-installs to run the program on its own, pinned as the checks ran it.

    ``servers``: those its sample `needs`, whose client it needs too (Celery reaches Redis through redis-py).
    """
    outside = sorted(imported_modules(path) - set(sys.stdlib_module_names) - {"snippets", "__future__"})
    unknown = [module for module in outside if module not in READER_PACKAGES]
    if unknown:
        raise ValueError(f"{path.name} imports {', '.join(unknown)}: say in installs.READER_PACKAGES what installs it")
    wanted = [name for module in outside if (name := READER_PACKAGES[module])]
    wanted += [SERVER_PACKAGES[server] for server in servers if server in SERVER_PACKAGES]
    known = {**pins(RAY_REQUIREMENTS), **pins(TOOLCHAIN_REQUIREMENTS)}
    found = []
    for name in dict.fromkeys(wanted):
        base, _, extra = name.partition("[")
        version = known[package_key(base)].split("==")[1]
        found.append(f"{name}=={version}")
    if any(spec.startswith("dask[distributed]") for spec in found):  # the extra installs it
        found = [spec for spec in found if not spec.startswith("distributed==")]
    return found


@functools.cache
def engines_used(path: Path) -> frozenset[str]:
    """The engines a program imports ('Ray', 'Dask', ...), read from its import statements."""
    return frozenset(ENGINE_MODULES[top] for top in imported_modules(path) if top in ENGINE_MODULES)


def engines_run_here(snippets: Path = ROOT / "snippets", platform: str = sys.platform) -> frozenset[str]:
    """The engines of the programs that run on this platform: a program whose sample says
    `skip-on <platform>` does not (the Windows cells run no Redis, Celery, Dask or Ray program,
    so they install none of them)."""
    used: set[str] = set()
    for path in snippets.glob("*/*.py"):
        sample = path.with_suffix(".out")
        rules = sample.read_text(encoding="utf-8").splitlines() if sample.exists() else []
        if not any(line.startswith(f"#| skip-on {platform} ") for line in rules):
            used |= engines_used(path)
    return frozenset(used)


def ray_interpreter(present: list[Version]) -> Version | None:
    """Of the interpreters present, the newest that Ray publishes a wheel for: the one that runs the Ray programs."""
    usable = [version for version in present if version in RAY_WHEELS]
    return max(usable) if usable else None


def engine_interpreters(present: list[Version]) -> list[Version]:
    """Of the interpreters present, those that run the engine programs and the benchmarks: the oldest and the newest."""
    return sorted({min(present), max(present)}) if present else []


def interpreters_for(path: Path, exclusive: bool, present: list[Version]) -> tuple[list[Version], str]:
    """Of the interpreters present, those a program runs on, and why the others are left out ('' if none is).

    ``path`` is the program's file, ``exclusive`` whether its sample says so (a benchmark).
    """
    engines = engines_used(path)
    if "Ray" in engines:
        chosen = ray_interpreter(present)
        if chosen is None:
            versions = ", ".join(f"{major}.{minor}" for major, minor in present)
            return [], f"Ray {RAY_VERSION} has no wheel for CPython {versions}"
        return [chosen], "it runs on the newest CPython present that Ray publishes a wheel for, where Ray is installed"
    if engines or exclusive:
        ends = engine_interpreters(present)
        what = f"a {'/'.join(sorted(engines))} program" if engines else "an exclusive benchmark"
        why = (
            f"{what} runs on the oldest and the newest CPython present: its lesson is about the "
            f"{'engine' if engines else 'orders of magnitude'}, not about CPython's minor version"
        )
        return ends, why if len(ends) < len(present) else ""
    return list(present), ""


@functools.cache
def _ray_version() -> str:
    try:
        return pins(RAY_REQUIREMENTS)["ray"].split("==")[1]
    except (OSError, KeyError):
        return "(not pinned)"


RAY_VERSION = _ray_version()
