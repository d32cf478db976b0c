"""A PostgreSQL primary and a real hot standby streaming from it, in a folder of their own on free loopback
ports (initdb, pg_basebackup -R, pg_ctl from this machine's PostgreSQL): what DATABASE_REPLICA_URL names
in production, which a second connection to the test database can only imitate. Run as the postgres
system user when the tests run as root, since PostgreSQL refuses to; a few seconds to start."""

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def postgresql_bin() -> Path | None:
    """The folder of this machine's PostgreSQL server programs, or None when there are none."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)
        folder = Path(done.stdout.strip())
        if (folder / "initdb").exists() and (folder / "pg_basebackup").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StandbyPair:
    """A primary, with `database` created when one is named, and a hot standby of it (no feedback to the
    primary, so that its replay may cancel a query, as by default)."""

    def __init__(self, directory: Path, bin_dir: Path, *, database: str = "postgres"):
        self.directory = directory
        self.bin = bin_dir
        self.database = database
        self.ports = {"primary": _free_port(), "standby": _free_port()}
        self.as_postgres = os.geteuid() == 0

    def url(self, server: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports[server]}/{self.database}"

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin / program), *arguments]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True, cwd=self.directory)

    def _start(self, server: str, *options: str) -> None:
        settings = " ".join([f"-p {self.ports[server]}", f"-k {self.directory}", "-c listen_addresses=127.0.0.1",
                             "-c fsync=off", *options])
        self._run("pg_ctl", "-D", str(self.directory / server), "-l", str(self.directory / f"{server}.log"),
                  "-w", "-o", settings, "start")

    def start(self) -> None:
        if self.as_postgres:
            shutil.chown(self.directory, user="postgres")
        self._run("initdb", "-D", str(self.directory / "primary"), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self._start("primary", "-c wal_level=replica", "-c max_wal_senders=4")
        if self.database != "postgres":
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.ports["primary"]), "-U", "postgres", self.database)
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.ports["primary"]), "-U", "postgres",
                  "-D", str(self.directory / "standby"), "-R", "-X", "stream", "-c", "fast")
        self._start("standby", "-c hot_standby=on", "-c hot_standby_feedback=off")

    def stop(self) -> None:
        for server in ("standby", "primary"):
            if (self.directory / server / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.directory / server), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self, server: str) -> str:
        path = self.directory / f"{server}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def standby_pair_running(*, database: str = "postgres") -> Iterator[StandbyPair]:
    """A started pair, stopped and removed at the end. Skips the test where this machine has no PostgreSQL
    server programs, and fails it in CI, whose PostgreSQL leg runs beside its server."""
    bin_dir = postgresql_bin()
    if bin_dir is None:
        message = "PostgreSQL's server programs (initdb, pg_basebackup: pg_config --bindir) are not on this machine"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    pair = StandbyPair(Path(tempfile.mkdtemp(prefix="portal-standby-")), bin_dir, database=database)
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()
