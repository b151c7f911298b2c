"""The schema: plain SQL migrations (`migrations/*.sql`, applied in name order) and the check that
everything else makes before touching the database.

Only `portalnews db migrate`, `portalnews up`, `portalnews run` (the user's own entry points) and
Compose's `airflow-init` migrate. Crawls, DAG tasks and the stages never do: on a database whose
schema is missing or behind they stop with a message saying which command to run.
"""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg2

from portalnews.store.db import transaction

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaNotReady(RuntimeError):
    """The database lacks migrations this code needs."""


def migration_names() -> list[str]:
    return sorted(path.name for path in MIGRATIONS_DIR.glob("*.sql"))


def migrate(url: str) -> list[str]:
    """Apply pending migrations in name order; return the names applied.

    A transaction-scoped advisory lock makes concurrent callers (several DAG tasks starting
    at once) wait for each other instead of racing.
    """
    applied: list[str] = []
    with transaction(url) as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('portalnews-migrate'))")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cur.execute("SELECT name FROM schema_migrations")
        done = {row["name"] for row in cur.fetchall()}
        for name in migration_names():
            if name in done:
                continue
            log.info("applying migration %s", name)
            cur.execute((MIGRATIONS_DIR / name).read_text(encoding="utf-8"))
            cur.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
            applied.append(name)
    return applied


def require_current_schema(url: str) -> None:
    """Raise SchemaNotReady unless every migration shipped with this code has been applied."""
    try:
        with transaction(url) as cur:
            cur.execute("SELECT name FROM schema_migrations")
            done = {row["name"] for row in cur.fetchall()}
    except psycopg2.errors.UndefinedTable:
        done = set()
    missing = [name for name in migration_names() if name not in done]
    if missing:
        raise SchemaNotReady(
            f"the portalnews schema is missing migrations {', '.join(missing)}: "
            "run `portalnews db migrate` (Compose: the airflow-init service) first"
        )


def register_portals(url: str, portals) -> None:
    """Make the given registry portals known to the database (idempotent; every run does it)."""
    with transaction(url) as cur:
        for p in portals:
            cur.execute(
                "INSERT INTO portals (id, name, base_url) VALUES (%s, %s, %s)"
                " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, base_url = EXCLUDED.base_url,"
                " updated_at = now()",
                (p.id, p.name, p.base_url),
            )
