"""The servers some programs need: started by the harness once, given to each run, stopped at the end."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from contribution import contribute

from harness.checks import judge
from harness.pool import RunPool
from harness.sample import parse_sample
from harness.services import SERVICES, Services, redis_ping

needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="no redis-server here: the missing-server test below covers this machine; .ci/run installs it",
)


@needs_redis
def test_one_server_on_loopback_with_a_password_for_every_run_and_none_left_after() -> None:
    services = Services()
    first = services.environment([("redis-server", 1)])
    assert services.environment([("redis-server", 1)]) == first, "one server for the whole check"
    url = first["REDIS_URL"]
    password, address = url.removeprefix("redis://:").removesuffix("/0").split("@")
    host, port = address.split(":")
    assert host == "127.0.0.1" and len(password) == 32
    assert redis_ping(int(port), password)
    assert not redis_ping(int(port), "wrong"), "the password is required"
    server = services.redis
    assert server is not None
    services.close()
    assert server.process.poll() is not None and not redis_ping(int(port), password)
    assert not Path(server.folder.name).exists(), "nothing left on disk"


@needs_redis
def test_a_program_gets_the_server_s_address_and_passes(tmp_path: Path) -> None:
    program = contribute(
        tmp_path,
        """
        import os, socket
        host, port = os.environ["REDIS_URL"].rsplit("@", 1)[1].removesuffix("/0").split(":")
        password = os.environ["REDIS_URL"].split(":")[2].split("@")[0]
        with socket.create_connection((host, int(port))) as connection:
            connection.sendall(f"AUTH {password}\\r\\nPING\\r\\n".encode())
            print(connection.recv(100).decode().split())
        """,
        ["needs redis-server"],
        ["['+OK', '+PONG']"],
    )
    pool = RunPool(1, {sys.executable: "test"})
    try:
        sample = parse_sample(program.sample_path)
        assert judge(pool.result(program, "spawn", sys.executable), sample) is None
    finally:
        pool.close()
    assert SERVICES.redis is not None, "the server stays for the rest of the check; the session's end stops it"


def test_a_missing_server_fails_with_the_sample_line_and_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = contribute(tmp_path, "print('hi')", ["# a comment", "needs redis-server"], ["hi"])
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no redis-server on it
    sample = parse_sample(program.sample_path)
    message = Services.missing(sample.rules.needs, sample.path)
    assert message is not None
    assert message.startswith(f"{program.sample_path}:2: the program needs redis-server")
    assert "apt-get install redis-server" in message and "brew install redis" in message
