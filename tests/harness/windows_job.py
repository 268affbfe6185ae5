"""Containment of a run on Windows: a Job Object holds the program and every process it starts.

Windows has no sessions, and a finished run's processes were found by parent ids, which
Windows reuses quickly: a stray process of one run could be taken for another's and killed.
A job cannot be left: a child joins its parent's job when it is created, so the job's list of
processes is exact, and closing the job kills what is still in it. The job also holds the
run's memory bound (``JOB_OBJECT_LIMIT_JOB_MEMORY``): past it, an allocation fails in the
process that asked, and the job notes the violation.

The program is started suspended (``CREATE_SUSPENDED``), put in the job, and only then
resumed, so that not even its first child can start outside the job.

Only Windows runs this file; the checks here run on Linux, so the workflow's Windows cells
are what test it (tests/test_platforms.py's Job Object test runs there). Any call
that fails raises OSError, and containment.py then falls back to parent ids (TreeContainment).

Structures and constants: the Windows SDK's winnt.h and jobapi2.h, as documented at
learn.microsoft.com (JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JOBOBJECT_BASIC_PROCESS_ID_LIST,
SetInformationJobObject, QueryInformationJobObject).
"""

from __future__ import annotations

import ctypes
import sys
from ctypes import wintypes

CREATE_SUSPENDED = 0x00000004
JOB_OBJECT_LIMIT_JOB_MEMORY = 0x00000200
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000
JOB_OBJECT_BASIC_PROCESS_ID_LIST = 3  # JOBOBJECTINFOCLASS
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9
JOB_OBJECT_LIMIT_VIOLATION_INFORMATION = 13
# DWORD is 32 bits on Windows; ctypes.wintypes.DWORD is a C long, 64 bits on Linux and macOS, where
# tests/test_platforms.py checks these layouts against the sizes the SDK gives for 64-bit Windows.
MOST_PROCESSES = 1024  # the process id list's room; a run of a page's program starts a few dozen at most


class _BasicLimits(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),  # ULONG_PTR
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _IoCounters(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_uint64)
        for name in (
            "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
            "ReadTransferCount", "WriteTransferCount", "OtherTransferCount",
        )
    ]  # fmt: skip


class _ExtendedLimits(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


class _ProcessIds(ctypes.Structure):
    _fields_ = [
        ("NumberOfAssignedProcesses", ctypes.c_uint32),
        ("NumberOfProcessIdsInList", ctypes.c_uint32),
        ("ProcessIdList", ctypes.c_size_t * MOST_PROCESSES),  # ULONG_PTR
    ]


def _kernel32() -> ctypes.WinDLL:  # type: ignore[name-defined]
    if sys.platform != "win32":
        raise OSError("a Job Object exists on Windows only")
    return ctypes.WinDLL("kernel32", use_last_error=True)


def _check(result: int, call: str) -> int:
    if not result:
        raise OSError(f"{call} failed: {ctypes.WinError(ctypes.get_last_error())}")  # type: ignore[attr-defined]
    return result


class Job:
    """A Job Object for one run: ``add`` a suspended process, then ``resume`` it."""

    def __init__(self, memory_bytes: int) -> None:
        self._kernel32 = _kernel32()
        self._kernel32.CreateJobObjectW.restype = wintypes.HANDLE
        self.handle = _check(self._kernel32.CreateJobObjectW(None, None), "CreateJobObjectW")
        limits = _ExtendedLimits()
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_JOB_MEMORY
        limits.JobMemoryLimit = memory_bytes
        _check(
            self._kernel32.SetInformationJobObject(
                wintypes.HANDLE(self.handle), JOB_OBJECT_EXTENDED_LIMIT_INFORMATION, ctypes.byref(limits),
                ctypes.sizeof(limits),
            ),
            "SetInformationJobObject",
        )  # fmt: skip

    def add(self, process_handle: int) -> None:
        _check(
            self._kernel32.AssignProcessToJobObject(wintypes.HANDLE(self.handle), wintypes.HANDLE(process_handle)),
            "AssignProcessToJobObject",
        )

    @staticmethod
    def resume(process_handle: int) -> None:
        """Let a process started with CREATE_SUSPENDED run (ntdll's NtResumeProcess: Popen keeps no thread handle)."""
        ntdll = ctypes.WinDLL("ntdll")  # type: ignore[attr-defined]
        status = ntdll.NtResumeProcess(wintypes.HANDLE(process_handle))
        if status != 0:
            raise OSError(f"NtResumeProcess failed with NTSTATUS {status & 0xFFFFFFFF:#010x}")

    def pids(self) -> list[int]:
        """The processes in the job now: every process of the run still alive."""
        ids = _ProcessIds()
        _check(
            self._kernel32.QueryInformationJobObject(
                wintypes.HANDLE(self.handle), JOB_OBJECT_BASIC_PROCESS_ID_LIST, ctypes.byref(ids), ctypes.sizeof(ids),
                None,
            ),
            "QueryInformationJobObject",
        )  # fmt: skip
        return [int(pid) for pid in ids.ProcessIdList[: ids.NumberOfProcessIdsInList]]

    def peak_memory(self) -> int:
        """The most memory (committed, in bytes) the run's processes held together."""
        limits = _ExtendedLimits()
        _check(
            self._kernel32.QueryInformationJobObject(
                wintypes.HANDLE(self.handle), JOB_OBJECT_EXTENDED_LIMIT_INFORMATION, ctypes.byref(limits),
                ctypes.sizeof(limits), None,
            ),
            "QueryInformationJobObject",
        )  # fmt: skip
        return int(limits.PeakJobMemoryUsed)

    def kill(self) -> None:
        """End every process of the run at once: one in another run's job is never touched."""
        _check(self._kernel32.TerminateJobObject(wintypes.HANDLE(self.handle), 1), "TerminateJobObject")

    def close(self) -> None:
        self._kernel32.CloseHandle(wintypes.HANDLE(self.handle))
