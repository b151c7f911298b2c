"""Least-privilege logins on the embedded server: who logs in as what.

- `postgres` (superuser): migrations, creating databases, `portalnews db psql` (the admin's).
- `portalnews_crawler`: everything the pipeline does (crawls, item pipelines, clean, load, report,
  Airflow's tasks through the `portalnews_db` Connection); a member of the group role
  `portalnews_pipeline` (migration 0004: rows only), not a superuser, owns nothing.
- `airflow`: Airflow's metadata database, which it owns (Airflow's own migrations are DDL), nothing else.
- `analyst` (migration 0002: reads every relation, writes none): analysts' SQL, `portalnews db url
  --analyst`, and the analysts' commands `portalnews search` and `export`.

Passwords are generated into `secrets/<role>.password` (0600) like the superuser's. Every start makes
sure the roles exist as described, so homes made by earlier versions (where both logged in as
`postgres`) are upgraded: the Airflow database and every object in it change owner.
"""

from __future__ import annotations

import logging

from psycopg2 import sql

from portalnews.store.embedded import (
    EmbeddedServer,
    _superuser_execute,
    login_password,
    password_file,
    role_password,
)

log = logging.getLogger(__name__)

PIPELINE_GROUP = "portalnews_pipeline"  # created by migration 0004_least_privilege.sql (and here)
PIPELINE_LOGIN = "portalnews_crawler"
ANALYST_LOGIN = "analyst"  # created by migration 0002_analysts.sql
AIRFLOW_OWNER = "airflow"
AIRFLOW_DATABASE = "airflow"
# What a login role of ours may never be, whatever an earlier version or a hand edit left.
_PLAIN_LOGIN = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def _plain_login(server: EmbeddedServer, role: str, member_of: str | None = None) -> str:
    """Make `role` a plain login role with its password from secrets/ (created on first use); return it."""
    fresh_password = not password_file(server.pgdata, role).exists()
    password = role_password(server.pgdata, role)
    state = _superuser_execute(
        server,
        "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls OR "
        "NOT rolcanlogin,"
        " %(group)s IS NULL OR EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
        "                              WHERE m.member = r.oid AND g.rolname = %(group)s)"
        " FROM pg_roles r WHERE r.rolname = %(role)s",
        {"group": member_of, "role": role},
    )
    if state and not fresh_password and state[0] == (False, True):
        # as wanted already: no ALTER ROLE (concurrent ones fail with "tuple concurrently updated")
        return password
    _superuser_execute(
        server,
        sql.SQL(
            "DO $$ BEGIN CREATE ROLE {role} " + _PLAIN_LOGIN + ";"
            " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ).format(role=sql.Identifier(role)),
    )
    _superuser_execute(server, sql.SQL("ALTER ROLE {role} " + _PLAIN_LOGIN + " PASSWORD {password}").format(
        role=sql.Identifier(role), password=sql.Literal(password)))
    if member_of:
        # The group may not exist yet (migrations not run): created as 0004 creates it, which then
        # grants it its privileges; until then the login can do nothing, and the schema check says so.
        _superuser_execute(server, sql.SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name}) THEN"
            " CREATE ROLE {group} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF;"
            " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$").format(
                name=sql.Literal(member_of), group=sql.Identifier(member_of)))
        _superuser_execute(server, sql.SQL("GRANT {group} TO {role}").format(
            group=sql.Identifier(member_of), role=sql.Identifier(role)))
    log.info(
        "embedded PostgreSQL: login role %s ready%s", role, f" (member of {member_of})" if member_of else ""
    )
    return password


def pipeline_url(server: EmbeddedServer, database: str = "portalnews") -> str:
    """The URL the pipeline uses: `portalnews_crawler`, a member of portalnews_pipeline, no superuser."""
    password = _plain_login(server, PIPELINE_LOGIN, member_of=PIPELINE_GROUP)
    return server.login_url(PIPELINE_LOGIN, password, database)


def analyst_login_url(server: EmbeddedServer, database: str = "portalnews") -> str:
    """The URL analysts read with: the read-only `analyst` role and its generated password."""
    return server.login_url(ANALYST_LOGIN, login_password(server, ANALYST_LOGIN), database)


# Every object of the Airflow database to its owner role. REASSIGN OWNED BY postgres is refused
# ("required by the database system"), so object by object; sequences of a table follow the table.
_TRANSFER_OBJECTS = """
DO $$
DECLARE
    item record;
    kind text;
BEGIN
    FOR item IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
                  AND c.relowner <> {owner}::regrole
    LOOP
        kind := CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END;
        EXECUTE format('ALTER %s %s OWNER TO %I', kind, item.name, {owner});
    END LOOP;
    FOR item IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND n.nspname NOT LIKE 'pg\\_%' AND c.relowner <> {owner}::regrole
    LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', item.name, {owner});
    END LOOP;
    FOR item IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE t.typtype IN ('e', 'd', 'r', 'm', 'c') AND (t.typtype <> 'c' OR (
                        SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
                  AND t.typowner <> {owner}::regrole
                  AND NOT EXISTS (SELECT FROM pg_range r WHERE r.rngmultitypid = t.oid)
    LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO %I', item.name, {owner});
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS name
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
                  AND p.proowner <> {owner}::regrole
                  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.name, {owner});
    END LOOP;
END $$
"""


def airflow_url(server: EmbeddedServer) -> str:
    """The URL of Airflow's metadata database, logged in as its owner `airflow` (no superuser).

    A database left by an earlier version (owned by `postgres`) is handed over with all its objects."""
    password = _plain_login(server, AIRFLOW_OWNER)
    owner = _superuser_execute(server, "SELECT datdba::regrole::text FROM pg_database WHERE datname = %s",
                               (AIRFLOW_DATABASE,))
    if not owner:
        _superuser_execute(server, sql.SQL("CREATE DATABASE {db} OWNER {owner}").format(
            db=sql.Identifier(AIRFLOW_DATABASE), owner=sql.Identifier(AIRFLOW_OWNER)))
    elif owner[0][0] != AIRFLOW_OWNER:
        log.info("embedded PostgreSQL: handing database %s over to role %s", AIRFLOW_DATABASE, AIRFLOW_OWNER)
        _superuser_execute(server, sql.SQL(_TRANSFER_OBJECTS).format(owner=sql.Literal(AIRFLOW_OWNER)),
                           database=AIRFLOW_DATABASE)
        # Last: a crash before this line leaves the owner unchanged, so the next start does it again.
        _superuser_execute(server, sql.SQL("ALTER DATABASE {db} OWNER TO {owner}").format(
            db=sql.Identifier(AIRFLOW_DATABASE), owner=sql.Identifier(AIRFLOW_OWNER)))
    return server.login_url(AIRFLOW_OWNER, password, AIRFLOW_DATABASE)
