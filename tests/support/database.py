"""Plain helpers on the test PostgreSQL server (the fixtures giving servers and databases are in
tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extras

from portalnews.store.schema import MIGRATIONS_DIR, migration_names


def keep_the_analysts_password(cur) -> None:
    """The session's analyst password on the server (Compose's test sets its own on the shared server)."""
    password = os.environ.get("PORTALNEWS_ANALYST_PASSWORD")
    if password:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = 'analyst'")
        verb = "ALTER" if cur.fetchone() else "CREATE"
        cur.execute(f"{verb} ROLE analyst LOGIN PASSWORD %s", (password,))


@contextmanager
def server_cursor(pg_server: str) -> Iterator[psycopg2.extensions.cursor]:
    """A cursor on the server's `postgres` database outside any transaction (CREATE/DROP DATABASE)."""
    conn = psycopg2.connect(f"{pg_server}/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def on_server(pg_server: str, *statements: str) -> None:
    with server_cursor(pg_server) as cur:
        for statement in statements:
            cur.execute(statement)


def query(db_url: str, sql: str, params=()) -> list[dict]:
    conn = psycopg2.connect(db_url)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(sql, params)
            return [dict(r) for r in cur.fetchall()] if cur.description else []
    finally:
        conn.close()


def migrate_until(db_url: str, first_pending: str) -> None:
    """Apply the migrations before `first_pending` (by name) to an empty database, as a database made by
    an older release: a test then stores what that release stored and migrates the rest."""
    query(db_url, "CREATE TABLE schema_migrations (name text PRIMARY KEY,"
                  " applied_at timestamptz NOT NULL DEFAULT now())")
    for name in migration_names():
        if name >= first_pending:
            break
        query(db_url, (MIGRATIONS_DIR / name).read_text(encoding="utf-8"), None)
        query(db_url, "INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
