"""A throwaway PostgreSQL cluster on a Unix socket, for tests and benchmarks of the PostgreSQL store.

``with PostgresCluster(max_connections=200) as cluster: open_store(cluster.url)`` runs ``initdb`` and
``pg_ctl start`` in a fresh temporary folder (as the ``postgres`` user when run as root, since
``initdb`` refuses root; through ``runuser``), listening on no TCP address, and stops and removes it
on exit. :func:`unavailable` says why a cluster cannot be made here (no server binaries, no psycopg),
or returns None; a start that fails raises :class:`ClusterError` with the server's own message.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

__all__ = ["INITDB", "PG_CTL", "ClusterError", "PostgresCluster", "unavailable"]

INITDB = shutil.which("initdb") or "/usr/local/bin/initdb"
PG_CTL = shutil.which("pg_ctl") or "/usr/local/bin/pg_ctl"


class ClusterError(Exception):
    """The cluster could not be made or started (the message says why)."""


def unavailable() -> str | None:
    """Why no cluster can be made on this machine, or None when one can."""
    if not (os.path.exists(INITDB) and os.path.exists(PG_CTL)):
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb refuses to run as root"
    return None


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return [shutil.which("runuser") or "runuser", "-u", "postgres", "--", *command]


class PostgresCluster:
    """A fresh cluster in a temporary folder (see the module); ``url`` is its SQLAlchemy URL."""

    def __init__(self, *, max_connections: int = 100, fsync: bool = True) -> None:
        self.options = f"-c listen_addresses='' -c max_connections={max_connections}"
        if not fsync:
            self.options += " -c fsync=off"
        self.folder = Path(tempfile.mkdtemp(prefix="arcforge-pg-"))
        self.data = self.folder / "data"
        self.port = 0
        self.url = ""

    def start(self) -> PostgresCluster:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        with socket.socket() as probe:  # a port number nobody uses: it names the socket file
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        options = f"-p {self.port} -k {self.folder} {self.options}"
        try:
            for command in (
                [INITDB, "-D", str(self.data), "-A", "trust", "-U", "postgres"],
                [PG_CTL, "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"],
            ):
                subprocess.run(_as_postgres(command), check=True, capture_output=True, timeout=120)
        except (OSError, subprocess.SubprocessError, LookupError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            self.stop()
            raise ClusterError(
                f"could not start a PostgreSQL cluster: {exc} {detail.decode(errors='replace')}".strip()
            ) from None
        self.url = f"postgresql+psycopg://postgres@/postgres?host={self.folder}&port={self.port}"
        return self

    @property
    def server_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                _as_postgres([PG_CTL, "-D", str(self.data), "-m", "fast", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
