"""The embedded server's cache is sized by the machine's memory at each start, and an admin's choice wins."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from portalnews.store import embedded as embedded_db
from tests.support.database import query

GIB = 2**30


@pytest.mark.parametrize(("memory", "expected_mb"), [
    (GIB // 2, 128),  # a small machine keeps PostgreSQL's own default
    (8 * GIB, 1024),  # an eighth of the memory
    (24 * GIB, 3072),
    (64 * GIB, 4096),  # at most 4 GB: the server shares the machine with Airflow and the crawl
])
def test_the_cache_is_an_eighth_of_the_memory_between_postgresqls_default_and_4_gb(memory, expected_mb):
    assert embedded_db.shared_buffers_mb(memory) == expected_mb


def test_a_containers_memory_limit_counts_when_it_is_below_the_machines(tmp_path):
    machine = embedded_db.machine_memory(cgroups=tmp_path)  # no cgroup files: the machine's memory
    assert machine > GIB
    (tmp_path / "memory.max").write_text(f"{GIB}\n")
    assert embedded_db.machine_memory(cgroups=tmp_path) == GIB
    (tmp_path / "memory.max").write_text("max\n")  # cgroup v2's "no limit"
    assert embedded_db.machine_memory(cgroups=tmp_path) == machine


def test_the_server_starts_with_the_sized_cache_and_an_alter_system_choice_wins_after_a_restart():
    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-memory-"))
    pgdata = parent / "pgdata"
    sized = embedded_db.shared_buffers_mb(embedded_db.machine_memory())
    try:
        server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
        assert _cache_mb(server.url("postgres")) == sized

        conn_url = server.url("postgres")
        _autocommit(conn_url, "ALTER SYSTEM SET shared_buffers = '144MB'")
        embedded_db.stop(pgdata)
        server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
        assert _cache_mb(server.url("postgres")) == 144

        _autocommit(server.url("postgres"), "ALTER SYSTEM RESET shared_buffers")
        embedded_db.stop(pgdata)
        server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
        assert _cache_mb(server.url("postgres")) == sized
        # three starts, one include line
        main_conf = (pgdata.resolve() / "postgresql.conf").read_text()
        assert main_conf.count(embedded_db.SETTINGS_INCLUDE) == 1
    finally:
        embedded_db.stop(pgdata)
        embedded_db.remove_cluster(pgdata)
        shutil.rmtree(parent, ignore_errors=True)


def _cache_mb(db_url: str) -> int:
    return query(db_url, "SELECT pg_size_bytes(current_setting('shared_buffers')) / 2^20 AS mb")[0]["mb"]


def _autocommit(db_url: str, statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(db_url)
    conn.autocommit = True  # ALTER SYSTEM runs outside a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def test_the_pages_the_cache_held_are_read_back_in_after_a_restart():
    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-prewarm-"))
    pgdata = parent / "pgdata"
    try:
        server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
        url = server.url("postgres")
        _autocommit(url, "CREATE TABLE kept AS SELECT g AS n, repeat('x', 200) AS filler"
                         " FROM generate_series(1, 20000) AS g")
        _autocommit(url, "CREATE EXTENSION pg_buffercache")
        assert _cached_pages(url, "kept") > 0
        embedded_db.stop(pgdata)  # the worker lists the cached pages at shutdown

        server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
        url = server.url("postgres")
        deadline = time.monotonic() + 60
        while _cached_pages(url, "kept") < _table_pages(url, "kept"):  # read back in the background
            assert time.monotonic() < deadline, "the table's pages were not read back in after the restart"
            time.sleep(0.2)
    finally:
        embedded_db.stop(pgdata)
        embedded_db.remove_cluster(pgdata)
        shutil.rmtree(parent, ignore_errors=True)


def _cached_pages(db_url: str, table: str) -> int:
    return query(db_url, "SELECT count(*) AS n FROM pg_buffercache"
                         " WHERE relfilenode = pg_relation_filenode(%s::regclass)", (table,))[0]["n"]


def _table_pages(db_url: str, table: str) -> int:
    return query(db_url, "SELECT pg_relation_size(%s::regclass) / 8192 AS n", (table,))[0]["n"]
