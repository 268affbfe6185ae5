"""Loaded by every Python process of a checked run: the harness puts this folder on PYTHONPATH.

On SIGUSR1 each process writes where all its threads are to
``$SNIPPETS_STACKS_DIR/<pid>.txt``. When a run overstays its time limit, the
harness sends SIGUSR1 to every process of the run before killing them, and
shows the reader of the failure where each one was stuck. Readers running a
program themselves never load this file.

With ``SNIPPETS_EMULATE_3_14=1`` an older CPython behaves, for the two changes
that matter to the programs here, as CPython 3.14 does when a program is run
as a file (see ``emulate_3_14`` below).
"""

import faulthandler
import os
import signal
import sys

_streams = []  # faulthandler writes to these files' descriptors, so they stay open


def _write_stacks_on_sigusr1() -> None:
    folder = os.environ.get("SNIPPETS_STACKS_DIR")
    if not folder or not hasattr(signal, "SIGUSR1"):
        return
    stream = open(os.path.join(folder, f"{os.getpid()}.txt"), "w")  # noqa: SIM115
    _streams.append(stream)
    faulthandler.register(signal.SIGUSR1, file=stream, all_threads=True)


def emulate_3_14() -> None:
    """Make CPython 3.11-3.13.7 (or 3.14.0) start processes as 3.14.1+ on Linux does.

    1. The forkserver imports the main module of a program run as a file, once,
       in the server (gh-126631, in 3.13.8 and 3.14.1; 3.14.0 lacks it). Before the fix, its
       ensure_running() kept only the keys 'main_path' and 'sys_path' of the
       preparation data, which no longer has 'main_path' (it says
       'init_main_from_path'), so nothing was preloaded. The fix passes
       init_main_from_path on as main_path: this adds that key.
    2. forkserver is the default start method on Linux (gh-84559, 3.14).
    3. After that import the server flushes stdout and stderr, as 3.14's
       forkserver.main() does (util._flush_std_streams()), so that a line a
       module-level print() left in the buffer is not copied into every child
       the server forks.
    Not emulated: 3.14's server also takes main's sys.argv and sys.path
    (gh-143706, gh-144503); no program's module-level code reads them
    (tests/test_platforms.py checks it).
    """
    import multiprocessing.context
    import multiprocessing.spawn
    import multiprocessing.util

    prepare = multiprocessing.spawn.get_preparation_data

    def get_preparation_data(name):  # type: ignore[no-untyped-def]
        data = prepare(name)
        if name == "ignore" and "init_main_from_path" in data:  # the forkserver's call, and only that
            data["main_path"] = data["init_main_from_path"]
        return data

    multiprocessing.spawn.get_preparation_data = get_preparation_data
    import_main_path = multiprocessing.spawn.import_main_path  # called by the forkserver only

    def import_then_flush(main_path):  # type: ignore[no-untyped-def]
        try:
            import_main_path(main_path)
        finally:
            multiprocessing.util._flush_std_streams()

    multiprocessing.spawn.import_main_path = import_then_flush
    if sys.platform.startswith("linux"):
        default = multiprocessing.context._default_context
        default._default_context = multiprocessing.context._concrete_contexts["forkserver"]


def _record_named_resources() -> None:
    """Note each named semaphore and shared-memory segment this process creates, and the line that made it.

    One line per name, ``kind<TAB>name<TAB>file:line``, appended to
    ``$SNIPPETS_NAMES_FILE``. Once every process of the run has ended, the
    harness looks each name up: one still there was leaked by this run and no
    other, whatever else runs on the machine meanwhile.
    """
    path = os.environ.get("SNIPPETS_NAMES_FILE")
    if not path:
        return
    library = os.path.dirname(os.__file__)

    def record(kind: str, name: str) -> None:
        frame = sys._getframe(2)
        outside = (library, "<", __file__)  # the innermost frame outside the standard library: the program's line
        while frame.f_back and frame.f_code.co_filename.startswith(outside):
            frame = frame.f_back
        line = f"{kind}\t{name}\t{frame.f_code.co_filename}:{frame.f_lineno}\n"
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line.encode("utf-8", "replace"))  # one write: lines of processes never mix
        finally:
            os.close(descriptor)

    try:
        import _posixshmem  # multiprocessing.shared_memory calls _posixshmem.shm_open() at call time
    except ImportError:  # Windows: a segment lives as long as a handle to it
        pass
    else:
        shm_open = _posixshmem.shm_open

        def recording_shm_open(path, flags, mode=0o777):  # type: ignore[no-untyped-def]
            descriptor = shm_open(path, flags, mode=mode)
            if flags & os.O_CREAT:
                record("shared_memory", path)
            return descriptor

        _posixshmem.shm_open = recording_shm_open
    try:
        import _multiprocessing
    except ImportError:
        return
    base = getattr(_multiprocessing, "SemLock", None)
    if base is None or sys.platform == "win32":  # no named semaphores on Windows
        return

    class SemLock(base):  # type: ignore[misc,valid-type]
        """multiprocessing.synchronize looks up _multiprocessing.SemLock at each call: this one notes the name."""

        def __new__(cls, kind, value, maxvalue, name, unlink):  # type: ignore[no-untyped-def]
            lock = base.__new__(cls, kind, value, maxvalue, name, unlink)
            if not unlink:  # fork unlinks at once: nothing to leak
                record("semaphore", name)
            return lock

    _multiprocessing.SemLock = SemLock


_LIBRARIES = (os.path.dirname(os.__file__), "<", __file__)  # stdlib, frozen modules, this file


def _program_frame(depth: int) -> str:
    """``file:line`` of the innermost frame outside the standard library and the installed engines."""
    frame = sys._getframe(depth)
    innermost = frame
    while frame is not None:
        name = frame.f_code.co_filename
        installed = f"{os.sep}.engines{os.sep}" in name or "site-packages" in name
        if not name.startswith(_LIBRARIES) and not installed:
            return f"{name}:{frame.f_lineno}"
        frame = frame.f_back
    return f"{innermost.f_code.co_filename}:{innermost.f_lineno}"  # no program frame: say where, at least


def _append(path: str, line: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode("utf-8", "replace"))  # one write: lines of processes never mix
    finally:
        os.close(descriptor)


# The audit events (PEP 578) by which Python code creates a file or folder, and the argument that names it.
_CREATING = {"open": 0, "os.mkdir": 0, "os.rename": 1, "os.replace": 1, "os.symlink": 1, "os.link": 1}
_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND


def _record_files_created_outside() -> None:
    """Note each file or folder this process creates outside the run's own folder, and the line that did it.

    An audit hook sees every ``open()`` for writing, ``os.open()``, ``mkdir``, rename, link and
    symlink that Python code makes, whatever path it names: the real home found through ``pwd``,
    a literal ``/tmp/...``. One line ``file<TAB>path<TAB>file:line`` per path that did not exist yet.
    Once the run has ended, the harness reports (and removes) each one still there. The run's own
    folder ($SNIPPETS_RUN: its working, temporary and home folders) is checked apart, by a scan.
    Not seen: files that native code writes (a C library's fopen(), a server the program starts).
    """
    names, run = os.environ.get("SNIPPETS_NAMES_FILE"), os.environ.get("SNIPPETS_RUN")
    if not names or not run:
        return
    allowed = [os.path.realpath(run)]
    if os.environ.get("COVERAGE_FILE"):  # the coverage check's data, outside the run's folder
        allowed.append(os.path.realpath(os.path.dirname(os.environ["COVERAGE_FILE"])))
    if os.environ.get("SNIPPETS_TIMELINE_FILE"):  # the events of the run an update records for the timeline
        allowed.append(os.path.realpath(os.environ["SNIPPETS_TIMELINE_FILE"]))
    import _thread

    busy: set[int] = set()  # threads in the hook: its own writes and lookups are not the program's

    def creates(event: str, args: tuple) -> str | None:  # type: ignore[type-arg]
        if event == "open":
            path, mode, flags = args
            if isinstance(mode, str) and not set(mode) & set("wax+"):
                return None
            if not isinstance(mode, str) and not flags & _WRITING:
                return None
        else:
            path = args[_CREATING[event]]
        if isinstance(path, int) or path is None:  # a descriptor, not a name
            return None
        path = os.path.realpath(os.fsdecode(os.fspath(path)))
        parent = os.path.dirname(path)
        if "__pycache__" in (os.path.basename(parent), os.path.basename(path)) or path.startswith(("/dev/", "/proc/")):
            return None  # bytecode, as a reader's interpreter writes it; devices
        if any(path == folder or path.startswith(folder + os.sep) for folder in allowed):
            return None
        return None if os.path.lexists(path) else path

    def hook(event: str, args: tuple) -> None:  # type: ignore[type-arg]
        thread = _thread.get_ident()
        if event not in _CREATING or thread in busy:
            return
        busy.add(thread)
        try:
            path = creates(event, args)
            if path is not None:
                _append(names, f"file\t{path}\t{_program_frame(2)}\n")
        except Exception:  # noqa: BLE001, S110 - a failed lookup must never break the program
            pass
        finally:
            busy.discard(thread)

    sys.addaudithook(hook)


def _record_process_starts() -> None:
    """Note each process this one starts, and the program's line that started it: ``process<TAB>pid<TAB>file:line``.

    So that a process left running after the program ended is blamed on the line that started it.
    multiprocessing's ``Process.start()`` (every start method, pools and executors included) and
    ``subprocess.Popen`` are wrapped when their modules are first imported, not before: importing
    subprocess costs every process of every run 3 ms.
    """
    names = os.environ.get("SNIPPETS_NAMES_FILE")
    if not names:
        return

    def note_start(process: object) -> None:
        pid = getattr(process, "pid", None)
        if pid is not None:
            _append(names, f"process\t{pid}\t{_program_frame(3)}\n")

    def wrap_start(module: object) -> None:
        base = module.BaseProcess  # type: ignore[attr-defined]
        start = base.start

        def noting_start(self):  # type: ignore[no-untyped-def]
            start(self)
            note_start(self)

        base.start = noting_start

    def wrap_popen(module: object) -> None:
        popen = module.Popen  # type: ignore[attr-defined]
        init = popen.__init__

        def noting_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            init(self, *args, **kwargs)
            note_start(self)

        popen.__init__ = noting_init

    wrappers = {"multiprocessing.process": wrap_start, "subprocess": wrap_popen}
    for name, wrap in list(wrappers.items()):
        if name in sys.modules:
            wrap(sys.modules[name])
            del wrappers[name]

    class WrapOnImport:
        """A finder that lets the others find the module, then wraps what it defines once it has run."""

        @staticmethod
        def find_spec(name, path=None, target=None):  # type: ignore[no-untyped-def]
            if name not in wrappers:
                return None
            import importlib.machinery

            spec = importlib.machinery.PathFinder.find_spec(name, path, target)
            if spec is None or spec.loader is None:
                return spec
            loader, wrap = spec.loader, wrappers.pop(name)
            exec_module = loader.exec_module

            def exec_then_wrap(module):  # type: ignore[no-untyped-def]
                exec_module(module)
                wrap(module)

            loader.exec_module = exec_then_wrap  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, WrapOnImport)  # type: ignore[arg-type]


def _record_default_start_method() -> None:
    """Note where this process first uses multiprocessing's default start method, for a `no-start-method` program.

    Only in the runs of such a program (``SNIPPETS_NO_START_METHOD=1``): its sample says that no start
    method can change it, so the check runs it under one alone, and this is the proof. A use is a call of
    ``get_context()`` without a method on the default context (what ``multiprocessing.Process``, ``Queue()``,
    ``Pool()``, ``Manager()`` and a ``ProcessPoolExecutor`` without ``mp_context`` do) or of
    ``get_start_method()`` from outside multiprocessing, whose spawn only passes the default on to a child.
    The stack goes to ``$SNIPPETS_START_METHOD_FILE``, as a traceback would show it.
    """
    path = os.environ.get("SNIPPETS_START_METHOD_FILE")
    if os.environ.get("SNIPPETS_NO_START_METHOD") != "1" or not path:
        return
    import multiprocessing
    import multiprocessing.context
    import traceback

    package = os.path.dirname(multiprocessing.__file__)
    default_class = multiprocessing.context.DefaultContext
    get_context, get_start_method = default_class.get_context, default_class.get_start_method
    noted = []

    def note(call: str) -> None:
        if noted:
            return  # the first use is the one to fix
        noted.append(call)
        frames = [frame for frame in traceback.extract_stack()[:-2] if frame.filename != __file__]
        lines = [f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}' for frame in frames]
        text = f"{call}\n" + "\n".join(lines) + "\n"
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, text.encode("utf-8", "replace"))
        finally:
            os.close(descriptor)

    def noting_get_context(self, method=None):  # type: ignore[no-untyped-def]
        if method is None:
            note("multiprocessing.get_context() (the default start method)")
        return get_context(self, method)

    def noting_get_start_method(self, allow_none=False):  # type: ignore[no-untyped-def]
        if not sys._getframe(1).f_code.co_filename.startswith(package):
            note("multiprocessing.get_start_method()")
        return get_start_method(self, allow_none)

    default_class.get_context = noting_get_context
    default_class.get_start_method = noting_get_start_method
    # multiprocessing bound these two of the default context to module names when it was imported.
    multiprocessing.get_context = multiprocessing.context._default_context.get_context
    multiprocessing.get_start_method = multiprocessing.context._default_context.get_start_method


def _record_timeline() -> None:
    """Note when each process starts and ends and when it writes to stdout: the page's timeline.

    Only in the one run the update command makes for the timeline (``$SNIPPETS_TIMELINE_FILE``):
    checked runs never wrap stdout. One line per event, ``time<TAB>pid<TAB>kind<TAB>JSON text``,
    appended in one write each. The first process to load this file is the program's main
    process; it takes ``SNIPPETS_TIMELINE_MAIN`` out of the environment, so its children cannot.
    """
    path = os.environ.get("SNIPPETS_TIMELINE_FILE")
    if not path:
        return
    import atexit
    import json
    import multiprocessing.process
    import time

    write = os.write  # before os_write below replaces it

    def note(kind: str, text: str = "") -> None:
        line = f"{time.time():.6f}\t{os.getpid()}\t{kind}\t{json.dumps(text)}\n"
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            write(descriptor, line.encode("utf-8", "replace"))
        finally:
            os.close(descriptor)

    if os.environ.pop("SNIPPETS_TIMELINE_MAIN", None):
        note("start", "main")
        atexit.register(note, "end", "main")
    # No wrapper may stay on a process's stack while it runs: the hang guide prints the stacks. So
    # the two calls BaseProcess._bootstrap makes first and last, under every start method, are
    # wrapped instead: util._close_stdin() and util._flush_std_streams(); each returns at once.
    import multiprocessing.util

    close_stdin, flush = multiprocessing.util._close_stdin, multiprocessing.util._flush_std_streams

    def _close_stdin() -> None:
        caller = sys._getframe(1)
        if caller.f_code.co_name == "_bootstrap":
            process = caller.f_locals["self"]
            note("start", process.name)
            target = getattr(process, "_target", None)  # what it runs, module:name: its lane's name (timeline.py)
            if target is not None and getattr(target, "__name__", ""):
                note("role", f"{getattr(target, '__module__', '')}:{target.__name__}")
        close_stdin()

    def _flush_std_streams() -> None:
        flush()
        if sys._getframe(1).f_code.co_name == "_bootstrap":  # not the flush before a fork
            note("end", multiprocessing.process.current_process().name)

    multiprocessing.util._close_stdin = _close_stdin
    multiprocessing.util._flush_std_streams = _flush_std_streams
    if hasattr(os, "register_at_fork"):  # processes forked without multiprocessing (Celery's pool) get a lane too
        os.register_at_fork(after_in_child=lambda: note("fork", str(os.getppid())))

    class Stdout:
        """sys.stdout, noting each write; a forked child inherits it, a spawned one makes its own."""

        def __init__(self, stream):  # type: ignore[no-untyped-def]
            self._stream = stream

        def write(self, text):  # type: ignore[no-untyped-def]
            note("out", text)
            return self._stream.write(text)

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self._stream, name)

    if sys.stdout is not None:
        sys.stdout = Stdout(sys.stdout)

    # Imported first, so that its Connection keeps the real os.write: a queue's feeder thread waiting in
    # a write must not show this wrapper in its stack (the hang guide prints the stacks).
    import multiprocessing.connection  # noqa: F401

    def os_write(descriptor: int, data: bytes) -> int:
        if descriptor == 1:  # straight to stdout's descriptor, as Celery writes its shutdown message
            note("out", bytes(data).decode("utf-8", "replace"))
        return write(descriptor, data)

    os.write = os_write


_write_stacks_on_sigusr1()
_record_named_resources()
_record_files_created_outside()
_record_process_starts()
_record_default_start_method()
_record_timeline()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_write_stacks_on_sigusr1)  # a forked child writes its own file

if os.environ.get("SNIPPETS_EMULATE_3_14") == "1" and sys.version_info < (3, 14):
    emulate_3_14()

# The start method of a module run (running.py starts `python -m <program>`, as a reader does), set in the
# program's main process alone, before its code runs: a child does not inherit the variable. No launcher
# frame then stands below the program's own in a stack it prints (the hang guide prints them).
if os.environ.get("SNIPPETS_START_METHOD"):
    import multiprocessing

    multiprocessing.set_start_method(os.environ.pop("SNIPPETS_START_METHOD"))

if os.environ.get("COVERAGE_PROCESS_START"):  # the coverage check of the programs (tests/test_quality.py)
    if os.environ.get("SNIPPETS_COVERAGE_PATH"):  # the toolchain's coverage, for an interpreter outside its venv
        sys.path.append(os.environ["SNIPPETS_COVERAGE_PATH"])  # last: the standard library still comes first
    import coverage

    coverage.process_startup()
