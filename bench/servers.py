"""Private Redis and PostgreSQL servers on free loopback ports, to stop and restart at will.

The fault tests (tests/core/test_redis_faults.py) and the mixed-load bench (bench/faults.py)
stop these mid-run; a shared server (Redis on 6379, PostgreSQL on 5432) is never touched.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout_s} s")


class RedisServer:
    """`redis-server` without persistence on a free port. `stop()` kills it (a dead Redis),
    `pause()` freezes it with SIGSTOP (a hung one: connections open, no answers), `resume()`
    undoes a pause, `start()` (again) brings a killed one back, empty, on the same port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def start(self) -> RedisServer:
        cmd = [REDIS_SERVER, "--save", "", "--appendonly", "no", "--bind", HOST, "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, self.proc, "redis-server")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a paused server must be able to die
            self.proc.kill()
            self.proc.wait(10)

    def pause(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found under /usr/lib/postgresql/*/bin")
    return found[-1]


class PostgresServer:
    """A throw-away PostgreSQL cluster (initdb in a temporary directory, trust auth, loopback
    only, a free port), restartable while clients hold connections to it."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="gonghui-pg-"))
        self.data = self.dir / "data"
        self.proc: subprocess.Popen | None = None
        self._initialised = False

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    @staticmethod
    def _as_owner(cmd: list[str]) -> list[str]:
        """PostgreSQL refuses to run as root: as root, run it as the system's postgres user."""
        if os.geteuid() != 0:
            return cmd
        # setpriv execs in place: signals sent to the process reach PostgreSQL itself.
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *cmd]

    def _run(self, *cmd: str) -> None:
        done = subprocess.run(self._as_owner(list(cmd)), env=self._env(), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {done.stderr[-1000:]}")

    @staticmethod
    def _env() -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PGDATA", None)
        return env

    def start(self) -> PostgresServer:
        if not self._initialised:
            if os.geteuid() == 0:
                shutil.chown(self.dir, "postgres", "postgres")
            self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
            self._initialised = True
        cmd = [_pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port), "-h", HOST, "-k", str(self.dir)]
        cmd += ["-c", "fsync=off", "-c", "max_connections=200"]
        self.proc = subprocess.Popen(
            self._as_owner(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self._env()
        )
        _wait_port(self.port, self.proc, "postgres")
        # Listening is not yet accepting: wait for a real answer.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ok = subprocess.run(
                [_pg_bin("pg_isready"), "-h", HOST, "-p", str(self.port)], capture_output=True, check=False
            )
            if ok.returncode == 0:
                return self
            time.sleep(0.1)
        raise RuntimeError("postgres did not become ready")

    def stop(self, *, mode: int = signal.SIGINT) -> None:
        """SIGINT: a fast shutdown (clients disconnected at once), as `pg_ctl restart -m fast`."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(mode)
            self.proc.wait(60)

    def restart(self) -> float:
        """Stop and start again; the seconds it was away."""
        started = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - started

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
