"""Servers that some programs need (`#| needs redis-server`), started once per check and stopped at its end.

Redis comes from the operating system's packages (Debian's and Ubuntu's `redis-server`, Homebrew's
`redis`); .ci/run installs it when it is missing, as it does Chromium. The harness starts one server
for the whole check, bound to 127.0.0.1 on a free port, with a random password and no files on disk,
and hands each run its address in REDIS_URL. Each program keeps its keys apart (a random prefix per
run) and deletes them. A missing server fails the program's test with its sample's line and what to
install, never a skip.
"""

from __future__ import annotations

import atexit
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

INSTALL = {
    "redis-server": (
        "install it: `sudo apt-get install redis-server` (Debian, Ubuntu), `brew install redis` (macOS); "
        "`bash .ci/run` installs it on Debian and Ubuntu"
    ),
}
KNOWN = tuple(INSTALL)
READY_WITHIN = 10.0  # seconds for a server to answer


class ServiceMissing(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def redis_ping(port: int, password: str) -> bool:
    """Whether a Redis server on 127.0.0.1:port accepts the password and answers PING (raw RESP, no client)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            answer = b""
            while answer.count(b"\r\n") < 2:
                chunk = connection.recv(100)
                if not chunk:
                    break
                answer += chunk
            return answer == b"+OK\r\n+PONG\r\n"
    except OSError:
        return False


class RedisServer:
    def __init__(self, executable: str) -> None:
        self.port = free_port()
        self.password = secrets.token_hex(16)
        self.folder = tempfile.TemporaryDirectory(prefix="snippets-redis-")
        self.process = subprocess.Popen(
            [
                executable,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--requirepass", self.password,
                "--protected-mode", "yes",
                "--save", "",  # nothing written to disk
                "--appendonly", "no",
                "--dir", self.folder.name,
                "--logfile", str(Path(self.folder.name) / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + READY_WITHIN
        while not redis_ping(self.port, self.password):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = Path(self.folder.name) / "redis.log"
                self.stop()
                detail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
                raise ServiceMissing(f"redis-server did not start on 127.0.0.1:{self.port}:\n{detail}")
            time.sleep(0.05)

    def environment(self) -> dict[str, str]:
        return {"REDIS_URL": f"redis://:{self.password}@127.0.0.1:{self.port}/0"}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.folder.cleanup()


class Services:
    """The servers of one check: each started when the first program that needs it runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.redis: RedisServer | None = None

    @staticmethod
    def missing(needs: list[tuple[str, int]], sample: Path) -> str | None:
        """Why the program cannot run here (its sample's file:line and what to install), or None."""
        for service, line in needs:
            if shutil.which(service) is None:
                return (
                    f"{sample}:{line}: the program needs {service}, which is not on this machine's PATH; "
                    f"{INSTALL[service]}."
                )
        return None

    def environment(self, needs: list[tuple[str, int]]) -> dict[str, str]:
        env: dict[str, str] = {}
        for service, _ in needs:
            if service == "redis-server":
                with self.lock:
                    if self.redis is None:
                        executable = shutil.which("redis-server")
                        if executable is None:
                            raise ServiceMissing(f"redis-server: {INSTALL['redis-server']}")
                        self.redis = RedisServer(executable)
                        atexit.register(self.close)  # whichever command started it, it stops
                env.update(self.redis.environment())
        return env

    def close(self) -> None:
        with self.lock:
            if self.redis is not None:
                self.redis.stop()
                self.redis = None


SERVICES = Services()  # the servers of this process's runs (a check, an update, a repeat)
