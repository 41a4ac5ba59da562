"""Starts, watches and stops the embedded database (nx-27017) as a child process of Townhall."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger("townhall.embedded_db")

_PR_SET_PDEATHSIG = 1


class EmbeddedDatabaseError(RuntimeError):
    """The embedded database could not be started; the message says why and what to do."""


class EmbeddedDatabaseInUse(EmbeddedDatabaseError):
    """Another live Townhall process runs the embedded database of this data directory."""


URI_FILE = "server.uri"


def running_server_uri(data_dir: Path) -> str | None:
    """The URI of the embedded server another Townhall process runs on `data_dir`, if it answers.

    One-shot commands (`townhall token`, `seed-demo`) use it while `townhall serve` runs, instead
    of being refused the locked data directory.
    """
    try:
        uri = (data_dir / URI_FILE).read_text().strip()
    except OSError:
        return None
    client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=1000)
    try:
        client.admin.command("ping")
    except PyMongoError:
        return None
    finally:
        client.close()
    return uri


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    # Linux only: the child gets SIGTERM when Townhall dies, so a crash leaves no orphan.
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_embedded_server(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"embedded_db_process" in cmdline or b"nx-27017" in cmdline


@dataclass
class EmbeddedDatabase:
    """One nx-27017 server on a free loopback port, owning `data_dir` while it runs.

    A lock file guards the data directory, so two Townhall processes never open it at once;
    the lock dies with its holder, so a crash leaves nothing that blocks the next start.
    A server left running by a crashed Townhall is found by its pid file and stopped.
    """

    data_dir: Path
    port: int = 0
    startup_timeout: float = 30.0
    with_fixes: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _lock_file: IO[str] | None = field(default=None, init=False)

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "nx-27017.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "nx-27017.log"

    def start(self) -> str:
        """Start the server and wait until it answers a ping; returns its URI."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EmbeddedDatabaseError(
                f"cannot create the data directory {self.data_dir}: {exc}. "
                "Set TOWNHALL_DATA_DIR to a writable place."
            ) from exc
        self._take_lock()
        self._stop_stale_server()
        if not self.port:
            self.port = free_loopback_port()
        command = [
            sys.executable,
            "-m",
            "api.embedded_db_process",
            "--data-dir",
            str(self.data_dir.resolve()),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--pid-file",
            str(self.pid_file.resolve()),
            "--log-file",
            str(self.log_file.resolve()),
        ]
        if not self.with_fixes:
            command.append("--without-fixes")
        log.info("starting embedded database", extra={"port": self.port})
        # Errors the server cannot log (a port already in use) go to stderr: keep them in its log.
        with self.log_file.open("ab") as log_output:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log_output,
                preexec_fn=_die_with_parent,
                # Its own process group: Ctrl-C or a SIGTERM to Townhall's group reaches Townhall
                # alone, which stops its workers and server first and this database last.
                process_group=0,
                cwd=Path(__file__).resolve().parent.parent,
            )
        self._wait_until_ready()
        (self.data_dir / URI_FILE).write_text(self.uri)
        return self.uri

    def _take_lock(self) -> None:
        lock = (self.data_dir / "townhall.lock").open("a+")
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            lock.close()
            raise EmbeddedDatabaseInUse(
                f"the embedded database in {self.data_dir} is in use by Townhall process "
                f"{holder}. Stop that process, or give this one its own TOWNHALL_DATA_DIR, "
                "or point MONGODB_URI at a shared MongoDB server."
            ) from exc
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        self._lock_file = lock

    def _stop_stale_server(self) -> None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            self.pid_file.unlink(missing_ok=True)
            return
        if _process_alive(pid) and _is_embedded_server(pid):
            log.warning("stopping a stale embedded database", extra={"pid": pid})
            _terminate(pid)
        self.pid_file.unlink(missing_ok=True)

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        client: MongoClient[dict[str, object]] = MongoClient(
            self.uri, serverSelectionTimeoutMS=250, connectTimeoutMS=250
        )
        try:
            while True:
                if self.process.poll() is not None:
                    message = (
                        f"the embedded database exited with code {self.process.returncode} "
                        f"while starting on port {self.port}. Its log ({self.log_file}) ends with:\n"
                        f"{self._log_tail()}\nCheck that the data directory is writable and "
                        "not damaged and that the port is free, or set MONGODB_URI to use another "
                        "MongoDB server."
                    )
                    self.stop()  # releases the data directory, so a retry in this process may start
                    raise EmbeddedDatabaseError(message)
                try:
                    client.admin.command("ping")
                    return
                except PyMongoError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise EmbeddedDatabaseError(
                            f"the embedded database did not answer within "
                            f"{self.startup_timeout:.0f}s on port {self.port}. Its log "
                            f"({self.log_file}) ends with:\n{self._log_tail()}"
                        ) from None
                    time.sleep(0.05)
        finally:
            client.close()

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log written)"

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM, then SIGKILL) and release the data directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None
        if self._lock_file is not None:
            (self.data_dir / URI_FILE).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> EmbeddedDatabase:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _terminate(pid: int, timeout: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _process_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
