"""`portalnews db`: the embedded PostgreSQL server and the schema."""

from __future__ import annotations

import os
import sys


def cmd_db(args) -> int:
    from portalnews.store import embedded as embedded_db
    from portalnews.store.db import database_url
    from portalnews.store.schema import migrate

    if args.action == "start":
        server = embedded_db.start()
        embedded_db.ensure_database(server, "portalnews")
        print(server.url("portalnews"))
    elif args.action == "stop":
        print("stopped" if embedded_db.stop() else "not running")
    elif args.action == "url":
        if os.environ.get("DATABASE_URL"):
            print(os.environ["DATABASE_URL"])
        else:
            server = embedded_db.running_server()
            if not server:
                print("embedded PostgreSQL is not running (portalnews db start)", file=sys.stderr)
                return 1
            print(server.url("portalnews"))
    elif args.action == "migrate":
        applied = migrate(database_url())
        print("applied: " + (", ".join(applied) if applied else "nothing (schema up to date)"))
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("db", help="the embedded PostgreSQL server and the schema")
    p.add_argument("action", choices=["start", "stop", "url", "migrate"])
    p.set_defaults(func=cmd_db)
